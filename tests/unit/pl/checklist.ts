// Conformance checklist items of docs/pl-grizzly.md section 18, as data: script, expected final
// outcome, and expected outcomes of earlier statements ("(n: C)" and "(n: rows …)").
export interface Item {
  readonly id: string;
  readonly script: string;
  readonly rows?: unknown[][];
  readonly error?: string;
  readonly steps?: Readonly<Record<number, string | unknown[][]>>;
}

export const pureItems: readonly Item[] = [
  { id: "PLG-001", script: "SELECT 'it''s', '{x}', 1_000 + 0x10;", rows: [["it's", "{x}", 1016]] },
  { id: "PLG-003", script: "SET n = 5; SELECT {n} + 1;", rows: [[6]] },
  { id: "PLG-004", script: "SET s = '5'; SELECT {s} + 1;", error: "42883" },
  { id: "PLG-005", script: "SELECT {undefined_var};", error: "42703" },
  { id: "PLG-006", script: "SET n = 1; SET m = 1; DO { LET n = 10; SET n = n + 1; SET m = m + 1 }; SELECT {n}, {m};", rows: [[1, 2]] },
  { id: "PLG-007", script: "DO { LET a = 1; LET a = a + 1; IF TRUE { LET a = 50 }; SET r = a }; SELECT {r};", rows: [[2]] },
  { id: "PLG-008", script: "DO { LET a = { k: 'v', n: 2 }; SET r = a.k || a.n }; SELECT {r};", rows: [["v2"]] },
  { id: "PLG-009", script: "SET v = 3; BEGIN; SET v = 4; ROLLBACK; SELECT {v};", rows: [[4]] },
  {
    id: "PLG-010",
    script: "SELECT 2 + 3 * 4, -2 ^ 2, 7 / 2, -7 / 2, -7 % 3, 1 + 2 == 3 && 4 != 5, 'ab' + 'cd' || 'e', ARRAY[1,2] && ARRAY[2,3];",
    rows: [[14, 4, 3, -3, -1, true, "abcde", true]],
  },
  {
    id: "PLG-011",
    script:
      "SELECT NULL AND FALSE, NULL AND TRUE, NULL OR TRUE, NULL OR FALSE, NOT NULL, NULL && TRUE, NULL == NULL, NULL != 1, NULL + 'x', 1 + NULL;",
    rows: [[false, null, true, null, null, null, null, null, null, null]],
  },
  {
    id: "PLG-012",
    script:
      "SELECT 'grizzly' CONTAINS 'zz', 'grizzly' CONTAINS 'ZZ', [1,2,3] CONTAINS 2, [1,NULL] CONTAINS 2, 'x' CONTAINS NULL, [10,20,30][1], [10,20,30][4], [10,20,30][0], (JSON '{\"a\": [5, 6]}').a[2]::TEXT;",
    rows: [[true, false, true, null, null, 10, null, null, "6"]],
  },
  {
    id: "PLG-013",
    script: "SELECT 9223372036854775807::INT64, pg_typeof(CAST(1 AS INT8))::TEXT, pg_typeof(CAST(1 AS FLOAT))::TEXT;",
    rows: [["9223372036854775807", "bigint", "double precision"]],
  },
  { id: "PLG-014", script: "SELECT 'a' + 1;", error: "22P02" },
  { id: "PLG-015", script: "CREATE FUNCTION c(a: TEXT) RETURNS TEXT { a + 1 };", error: "42883" },
  { id: "PLG-016", script: "SELECT 2147483647 + 1;", error: "22003" },
  { id: "PLG-017", script: "SELECT 1 / 0;", error: "22012" },
  { id: "PLG-024", script: "SET tn = 'q'; CREATE TABLE {tn} (id INT32);", error: "42601" },
  {
    id: "PLG-027",
    script:
      "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE FUNCTION mk() RETURNS pt { {x: 1} }; CREATE FUNCTION mk() RETURNS pt { {x: 1, y: 2, z: 3} };",
    steps: { 2: "42804" },
    error: "42703",
  },
  {
    id: "PLG-028",
    script:
      "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE FUNCTION f(p: pt) RETURNS INT64 { p.z }; CREATE FUNCTION g(p: nosuchtype) RETURNS INT64 { 1 };",
    steps: { 2: "42703" },
    error: "42704",
  },
  { id: "PLG-029", script: "CREATE FUNCTION f(n: INT64) RETURNS INT64 { IF n { 1 } ELSE { 2 } };", error: "42804" },
  { id: "PLG-030", script: "CREATE FUNCTION f() RETURNS INT64 { TRUE };", error: "42804" },
  {
    id: "PLG-031",
    script:
      "CREATE FUNCTION add(a: INT64, b: INT64 = 10) RETURNS INT64 { a + b }; CREATE FUNCTION f(n: INT64) RETURNS INT64 { IF n < 0 { RETURN 0 }; n * 10 }; SELECT add(1), add(1, 2), add(1, b => 5), f(-3), f(4);",
    rows: [[11, 3, 6, 0, 40]],
  },
  {
    id: "PLG-032",
    script: "CREATE FUNCTION add(a: INT64, b: INT64) RETURNS INT64 { a + b }; SELECT add(1); SELECT no_such_fn(1);",
    steps: { 2: "42883" },
    error: "42883",
  },
  { id: "PLG-033", script: "CREATE FUNCTION dbl(a: INT64) RETURNS INT64 { a * 2 }; SELECT dbl(TRUE);", error: "42804" },
  {
    id: "PLG-034",
    script: "CREATE FUNCTION d(n: INT64) RETURNS INT64 { IF n = 0 { 0 } ELSE { 1 + d(n - 1) } }; SELECT d(999); SELECT d(1000);",
    steps: { 2: [[999]] },
    error: "54001",
  },
  { id: "PLG-035", script: "CREATE FUNCTION f(n: INT64) RETURNS INT64 { LET x = n }; SELECT f(1);", error: "2F005" },
  { id: "PLG-038", script: "CREATE TYPE pt AS STRUCT(x: INT64); DO { LET p: pt = {x: 1}; SET r = p.nothing() };", error: "42883" },
  { id: "PLG-039", script: "CREATE FUNCTION f() RETURNS INT64 { 1 }; CREATE FUNCTION f() RETURNS INT64 { 2 };", error: "42723" },
  {
    id: "PLG-040",
    script: "CREATE FUNCTION f() RETURNS INT64 { 1 }; CREATE OR REPLACE FUNCTION f() RETURNS TEXT { 'two' }; SELECT f();",
    rows: [["two"]],
  },
  { id: "PLG-041", script: "CREATE FUNCTION r() RETURNS INT64 IMMUTABLE { (SELECT 1) };", error: "42P13" },
  {
    id: "PLG-042",
    script:
      "CREATE FUNCTION ev(n: INT64) RETURNS BOOLEAN { IF n = 0 { TRUE } ELSE { od(n - 1) } }; CREATE FUNCTION od(n: INT64) RETURNS BOOLEAN { IF n = 0 { FALSE } ELSE { ev(n - 1) } }; SELECT ev(10), od(7);",
    rows: [[true, true]],
  },
  {
    id: "PLG-043",
    script:
      "CREATE FUNCTION g(s: INT32) RETURNS TEXT { MATCH s { 90..100 => 'A', 80..89 => 'B', x IF x < 0 => 'neg', 0 | 1 => 'tiny', _ => 'F' } }; SELECT g(95), g(80), g(-4), g(1), g(50);",
    rows: [["A", "B", "neg", "tiny", "F"]],
  },
  { id: "PLG-044", script: "CREATE FUNCTION g(s: INT32) RETURNS TEXT { MATCH s { 1 => 'one' } }; SELECT g(2);", error: "20000" },
  {
    id: "PLG-045",
    script: "SELECT MATCH NULL::INT32 { NULL => 'null', _ => 'other' }, IF 1 > 2 { 'a' }, IF NULL { 'b' } ELSE { 'c' };",
    rows: [["null", null, "c"]],
  },
  {
    id: "PLG-046",
    script:
      "CREATE TYPE u AS STRUCT(tier: TEXT, age: INT32); CREATE FUNCTION cls(x: u) RETURNS TEXT { MATCH x { {tier: 'gold', age: 18..30} => 'young gold', {tier: 'gold'} => 'gold', _ => 'other' } }; SELECT cls({tier: 'gold', age: 40}), cls({tier: 'gold', age: 20}), cls({tier: 'tin', age: 20});",
    rows: [["gold", "young gold", "other"]],
  },
  {
    id: "PLG-047",
    script:
      "DO { LET s = 0; LET i = 0; WHILE TRUE { SET i = i + 1; IF i % 2 = 0 { CONTINUE }; IF i > 9 { BREAK }; SET s = s + i }; SET r = s }; SELECT {r};",
    rows: [[25]],
  },
  {
    id: "PLG-048",
    script:
      "DO { LET s = 0; FOR i IN 1..4 { SET s = s + i }; FOR v IN [10, 20] { SET s = s + v }; FOR k IN 5..1 { SET s = s + 1000 }; SET r = s }; SELECT {r};",
    rows: [[40]],
  },
  { id: "PLG-050", script: "DO { FOR x IN NULL::INT64[] { } };", error: "22004" },
  { id: "PLG-051", script: "CREATE FUNCTION f() RETURNS INT64 { BREAK; 1 };", error: "42601" },
  {
    id: "PLG-052",
    script:
      "CREATE TYPE neg AS EXCEPTION('negative'); CREATE FUNCTION chk(n: INT64) RETURNS INT64 RAISE neg { IF n < -10 { RAISE neg }; IF n < 0 { RAISE neg('got ' || n) }; n }; SELECT chk(-2);",
    error: "P0001",
  },
  {
    id: "PLG-053",
    script:
      "CREATE TYPE neg AS EXCEPTION('negative'); CREATE FUNCTION chk(n: INT64) RETURNS INT64 RAISE neg { IF n < -10 { RAISE neg }; IF n < 0 { RAISE neg('got ' || n) }; n }; SELECT TRY { chk(-2) } CATCH { neg(e) => e.message || '/' || e.sqlstate }, TRY { chk(-20) } CATCH { neg(e) => e.message }, chk(3), (TRY 1 / 0 CATCH -1);",
    rows: [["got -2/P0001", "negative", 3, -1]],
  },
  {
    id: "PLG-054",
    script:
      "CREATE TYPE neg AS EXCEPTION('negative'); CREATE FUNCTION a() RETURNS INT64 { RAISE neg; 1 }; CREATE FUNCTION b() RETURNS INT64 { RAISE nosuch('x'); 1 };",
    steps: { 2: "42P13" },
    error: "42704",
  },
  {
    id: "PLG-057",
    script: "DO { TRY { LET z = 1 / 0 } CATCH { SQLSTATE '22012' => { SET r = 'caught' } } }; SELECT {r};",
    rows: [["caught"]],
  },
  { id: "PLG-058", script: "CREATE TYPE qe AS EXCEPTION('quota') SQLSTATE 'KQ001'; DO { RAISE qe };", error: "KQ001" },
  {
    id: "PLG-059",
    script: "CREATE TYPE a1 AS EXCEPTION('a'); CREATE TYPE b1 AS EXCEPTION('b'); DO { TRY { RAISE a1 } CATCH { b1 => { SET r = 'b' } } };",
    error: "P0001",
  },
  {
    id: "PLG-060",
    script:
      "CREATE FUNCTION sq(n: INT64) RETURNS INT64 AS ASYNC { n * n }; DO { LET xs = AWAIT ALL [sq(1), sq(2), sq(3)]; LET one = AWAIT sq(4); SET r = (xs |> SUM()) + one }; SELECT sq(7), {r};",
    rows: [[49, 30]],
  },
  {
    id: "PLG-061",
    script: "CREATE FUNCTION sq(n: INT64) RETURNS INT64 AS ASYNC { n * n }; CREATE FUNCTION bad() RETURNS INT64 { sq(2) + 1 };",
    error: "42804",
  },
  {
    id: "PLG-063",
    script:
      "SELECT ([1,2,3,4,5,6] |> FILTER(x -> x % 2 = 0) |> MAP(x -> x * 10) |> SUM()), (1..5 |> REDUCE(1, (acc, x) -> acc * x)), ([]::INT64[] |> SUM()), ([]::INT64[] |> COUNT());",
    rows: [[120, 120, null, 0]],
  },
  {
    id: "PLG-064",
    script:
      "SELECT array_to_string(([3,1,2,3] |> DISTINCT() |> SORT(DESC)), ','), ([5,6,7] |> TAKE(2) |> COUNT()), ([4,9,12] |> FIRST(x -> x > 5)), ([1,2,3,4,5] |> GROUP_BY(x -> x % 2) |> MAP(g -> g.key * 100 + (g.items |> COUNT())) |> FIRST());",
    rows: [["3,2,1", 2, 9, 103]],
  },
  {
    id: "PLG-066",
    script:
      "SELECT mean([1,2,3,4]), median([1,2,3,4]), variance([1,2,3,4,5]), stddev([2,4,6]), percentile([10,20,30,40,50], 0.25), mean([NULL, 4]::INT32[]), stddev([5]), corr([1,2,3,4], [2,4,6,8]) > 0.999999;",
    rows: [[2.5, 2.5, 2.5, 2, 20, 4, null, true]],
  },
  {
    id: "PLG-079",
    script:
      "CREATE CRON JOB j1 SCHEDULE '61 * * * *' DO { }; CREATE CRON JOB j2 SCHEDULE '0 0 30 2 *' DO { }; CREATE CRON JOB j3 SCHEDULE '0 0 * * *' TIMEZONE 'Mars/Olympus' DO { };",
    steps: { 1: "22023", 2: "22023" },
    error: "22023",
  },
  {
    id: "PLG-081",
    script: "DROP CRON JOB IF EXISTS nope; CREATE CRON JOB j SCHEDULE '0 1 * * *' EXECUTE FUNCTION missing_fn(); DROP CRON JOB nope;",
    steps: { 2: "42883" },
    error: "42704",
  },
  {
    id: "PLG-084",
    script:
      "SELECT kodiak_cron_next('0 9 * * 1', '2025-01-01 00:00:00+00') = '2025-01-06 09:00:00+00'::TIMESTAMPTZ, kodiak_cron_next('*/15 * * * *', '2025-05-05 10:07:30+00') = '2025-05-05 10:15:00+00'::TIMESTAMPTZ, kodiak_cron_next('0 * * * *', '2025-01-01 05:00:00+00') = '2025-01-01 06:00:00+00'::TIMESTAMPTZ, kodiak_cron_next('0 0 29 2 *', '2025-03-01 00:00:00+00') = '2028-02-29 00:00:00+00'::TIMESTAMPTZ, kodiak_cron_next('0 12 13 * 5', '2025-06-01 00:00:00+00') = '2025-06-06 12:00:00+00'::TIMESTAMPTZ, kodiak_cron_next('0 0 * * 7', '2025-06-01 00:00:00+00') = '2025-06-08 00:00:00+00'::TIMESTAMPTZ;",
    rows: [[true, true, true, true, true, true]],
  },
  {
    id: "PLG-085",
    script:
      "SELECT kodiak_cron_next('0 9 * * *', '2025-01-10 12:00:00+00', 'Asia/Tokyo') = '2025-01-11 00:00:00+00'::TIMESTAMPTZ, kodiak_cron_next('30 2 * * *', '2025-03-09 05:00:00+00', 'America/New_York') = '2025-03-09 07:30:00+00'::TIMESTAMPTZ, kodiak_cron_next('30 1 * * *', '2025-11-02 04:00:00+00', 'America/New_York') = '2025-11-02 05:30:00+00'::TIMESTAMPTZ, kodiak_cron_next('30 1 * * *', '2025-11-02 05:30:00+00', 'America/New_York') = '2025-11-03 06:30:00+00'::TIMESTAMPTZ, kodiak_cron_next('5-20/5 * * * *', '2025-01-01 10:20:00+00') = '2025-01-01 11:05:00+00'::TIMESTAMPTZ, kodiak_cron_next('@monthly', '2025-01-31 23:59:00+00') = '2025-02-01 00:00:00+00'::TIMESTAMPTZ, kodiak_cron_next('0 0 * * *', NULL) IS NULL;",
    rows: [[true, true, true, true, true, true, true]],
  },
  { id: "PLG-087", script: "CREATE FUNCTION f() RETURNS INT64 { COMMIT; 1 };", error: "2D000" },
  { id: "PLG-088", script: "SELECT length(repeat('x', 300000000));", error: "54000" },
  { id: "PLG-089", script: "SET statement_timeout = '200ms'; DO { WHILE TRUE { } };", error: "57014" },
  {
    id: "PLG-090",
    script: "SET statement_timeout = '200ms'; DO { TRY { WHILE TRUE { } } CATCH { _ => { SET r = 'swallowed' } } };",
    error: "57014",
  },
];

/** Items that need tables: run against the SQL engine. */
export const tableItems: readonly Item[] = [
  { id: "PLG-002", script: 'CREATE TABLE t1 (a INT32); SELECT "nope" FROM t1;', error: "42703" },
  {
    id: "PLG-018",
    script: "CREATE TABLE p (id INT32, v INT32); INSERT INTO p VALUES (1,10),(2,20); FROM p SELECT id WHERE v > 15;",
    rows: [[2]],
  },
  {
    id: "PLG-019",
    script: "CREATE TABLE p (id INT32); FROM p WHERE id > 1 SELECT id; SELECT id WHERE id > 1 FROM p;",
    steps: { 2: "42601" },
    error: "42601",
  },
  { id: "PLG-020", script: "CREATE TABLE p (id INT32); INSERT INTO p VALUES (3); SET tn = 'p'; FROM {tn};", rows: [[3]] },
  {
    id: "PLG-021",
    script: "CREATE TABLE p (id INT32); SET tn = 'P'; FROM {tn}; SET tn = 7; FROM {tn};",
    steps: { 3: "42P01" },
    error: "42804",
  },
  {
    id: "PLG-022",
    script:
      "CREATE TABLE p (name TEXT); INSERT INTO p VALUES ('a'); SET v = 'a''; DROP TABLE p; --'; SELECT count(*) FROM p WHERE name = {v};",
    rows: [[0]],
  },
  {
    id: "PLG-023",
    script: "CREATE TABLE p (id INT32); SET tn = 'p; DROP TABLE p'; FROM {tn}; SELECT count(*) FROM p;",
    steps: { 3: "42P01" },
    rows: [[0]],
  },
  { id: "PLG-025", script: "CREATE TABLE p (id INT32); INSERT INTO p VALUES (1),(2); DO { LET x = (SELECT id FROM p) };", error: "21000" },
  {
    id: "PLG-036",
    script:
      "CREATE TABLE w (q INT32); INSERT INTO w VALUES (1),(5),(9); CREATE FUNCTION big(q: INT32) RETURNS BOOLEAN { q > 4 }; SELECT count(*) FROM w WHERE big(q);",
    rows: [[2]],
  },
  {
    id: "PLG-049",
    script:
      "CREATE TABLE p (id INT32, v INT32); INSERT INTO p VALUES (1,3),(2,4); DO { LET acc = 0; FOR row IN (FROM p SELECT id, v) { SET acc = acc + row.id * row.v }; SET r = acc }; SELECT {r};",
    rows: [[11]],
  },
  {
    id: "PLG-055",
    script:
      "CREATE TABLE k (id INT32 PRIMARY KEY); INSERT INTO k VALUES (1); DO { SET r = TRY { INSERT INTO k VALUES (1); 'inserted' } CATCH { unique_violation => 'dup', _ => 'other' } }; SELECT {r}, count(*) FROM k;",
    rows: [["dup", 1]],
  },
  {
    id: "PLG-056",
    script:
      "CREATE TABLE k (v INT32); INSERT INTO k VALUES (100); DO { TRY { UPDATE k SET v = 0; LET z = 1 / 0 } CATCH { data_exception => NULL } }; SELECT v FROM k;",
    rows: [[100]],
  },
  {
    id: "PLG-062",
    script: "CREATE TABLE a (v INT32); CREATE FUNCTION w() RETURNS INT64 AS ASYNC { INSERT INTO a VALUES (1); 1 }; SELECT w();",
    error: "25006",
  },
  {
    id: "PLG-065",
    script:
      "CREATE TABLE o (total INT32, st TEXT); INSERT INTO o VALUES (10,'paid'),(5,'open'),(7,'paid'); SELECT ((FROM o SELECT total, st) |> FILTER(r -> r.st = 'paid') |> SUM(r -> r.total));",
    rows: [[17]],
  },
  {
    id: "PLG-086",
    script: "CREATE TABLE x (v INT32); BEGIN; INSERT INTO x VALUES (1); SELECT 1 / 0; SELECT 1; COMMIT; SELECT count(*) FROM x;",
    steps: { 4: "22012", 5: "25P02" },
    rows: [[0]],
  },
  {
    id: "PLG-067",
    script:
      "CREATE TABLE it (id INT32, qty INT32); CREATE TRIGGER clamp BEFORE INSERT OR UPDATE ON it { IF NEW.qty < 0 { SET NEW.qty = 0 } }; INSERT INTO it VALUES (1, -5); UPDATE it SET qty = -1; SELECT qty FROM it;",
    rows: [[0]],
  },
  {
    id: "PLG-068",
    script:
      "CREATE TYPE too_big AS EXCEPTION('too big'); CREATE TABLE it (id INT32, qty INT32); CREATE TRIGGER cap BEFORE INSERT ON it { IF NEW.qty > 100 { RAISE too_big } }; INSERT INTO it VALUES (1, 5), (2, 500); SELECT count(*) FROM it;",
    steps: { 4: "P0001" },
    rows: [[0]],
  },
  {
    id: "PLG-069",
    script:
      "CREATE TABLE it (id INT32, qty INT32); CREATE TRIGGER skip0 BEFORE INSERT ON it { IF NEW.qty = 0 { RETURN NULL } }; INSERT INTO it VALUES (1, 0), (2, 3); SELECT id FROM it;",
    rows: [[2]],
  },
  {
    id: "PLG-070",
    script:
      "CREATE TABLE it (id INT32); CREATE TABLE seen (n INT64); CREATE TRIGGER cnt AFTER INSERT ON it { INSERT INTO seen SELECT count(*) FROM it }; INSERT INTO it VALUES (1); SELECT n FROM seen;",
    rows: [[1]],
  },
  {
    id: "PLG-071",
    script:
      "CREATE TABLE it (id INT32); CREATE TABLE log (id INT32, op TEXT); CREATE TRIGGER aud AFTER INSERT OR DELETE ON it { INSERT INTO log VALUES (coalesce({NEW.id}, {OLD.id}), {TG_OP}) }; BEGIN; INSERT INTO it VALUES (1); ROLLBACK; INSERT INTO it VALUES (2); DELETE FROM it; SELECT id, op FROM log ORDER BY op;",
    rows: [
      [2, "DELETE"],
      [2, "INSERT"],
    ],
  },
  {
    id: "PLG-072",
    script:
      "CREATE TABLE it (id INT32, note TEXT); CREATE FUNCTION stamp() RETURNS TRIGGER { SET NEW.note = 'via fn' }; CREATE TRIGGER st BEFORE INSERT ON it EXECUTE FUNCTION stamp(); INSERT INTO it VALUES (1, NULL); SELECT note FROM it;",
    rows: [["via fn"]],
  },
  {
    id: "PLG-073",
    script:
      "CREATE TABLE it (id INT32, qty INT32); CREATE TABLE big (id INT32); CREATE TRIGGER b AFTER INSERT ON it WHEN (NEW.qty > 10) { INSERT INTO big VALUES ({NEW.id}) }; INSERT INTO it VALUES (1, 5), (2, 50); SELECT id FROM big;",
    rows: [[2]],
  },
  { id: "PLG-074", script: "CREATE TRIGGER t BEFORE INSERT ON missing_table { };", error: "42P01" },
  {
    id: "PLG-075",
    script:
      "CREATE TABLE r (n INT32); CREATE TRIGGER chain AFTER INSERT ON r WHEN (NEW.n < 17) { INSERT INTO r VALUES ({NEW.n} + 1) }; INSERT INTO r VALUES (1); SELECT count(*) FROM r;",
    rows: [[17]],
  },
  {
    id: "PLG-076",
    script:
      "CREATE TABLE r (n INT32); CREATE TRIGGER chain AFTER INSERT ON r WHEN (NEW.n < 18) { INSERT INTO r VALUES ({NEW.n} + 1) }; INSERT INTO r VALUES (1); SELECT count(*) FROM r;",
    steps: { 3: "54001" },
    rows: [[0]],
  },
  { id: "PLG-077", script: "CREATE TABLE r (n INT32); DROP TRIGGER IF EXISTS nope ON r; DROP TRIGGER nope ON r;", error: "42704" },
  {
    id: "PLG-078",
    script:
      "CREATE TABLE c (n INT32); CREATE CRON JOB nightly SCHEDULE '0 3 * * *' DO { DELETE FROM c }; SELECT name, schedule, timezone, on_missed, paused FROM kodiak_cron_jobs;",
    rows: [["nightly", "0 3 * * *", "UTC", "SKIP", false]],
  },
  {
    id: "PLG-080",
    script:
      "CREATE CRON JOB j SCHEDULE '@hourly' TIMEZONE 'Europe/Paris' ON MISSED RUN ONCE DO { }; ALTER CRON JOB j PAUSE; SELECT timezone, on_missed, paused, next_run IS NULL FROM kodiak_cron_jobs WHERE name = 'j';",
    rows: [["Europe/Paris", "RUN ONCE", true, true]],
  },
  {
    id: "PLG-082",
    script:
      "CREATE TABLE c (n INT32); CREATE CRON JOB j SCHEDULE '0 0 1 1 *' DO { INSERT INTO c VALUES (7) }; ALTER CRON JOB j RUN NOW; SELECT (SELECT count(*) FROM c), status, error, scheduled_for FROM kodiak_cron_runs WHERE job = 'j';",
    rows: [[1, "succeeded", null, null]],
  },
  {
    id: "PLG-083",
    script:
      "CREATE CRON JOB j SCHEDULE '0 0 1 1 *' DO { LET z = 1 / 0 }; ALTER CRON JOB j RUN NOW; SELECT status, error LIKE '22012%' FROM kodiak_cron_runs WHERE job = 'j';",
    rows: [["failed", true]],
  },
  {
    id: "PLG-026",
    script:
      "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE TABLE s (id INT32, p pt); INSERT INTO s VALUES (1, {x: 3, y: 4}); CREATE FUNCTION mk() RETURNS pt { {x: 1, y: 2} }; SELECT p.x + p.y, mk().y FROM s;",
    rows: [[7, 2]],
  },
  {
    id: "PLG-037",
    script:
      "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE FUNCTION [pt] sum2(self) RETURNS INT64 { self.x + self.y }; CREATE TABLE s (p pt); INSERT INTO s VALUES ({x: 2, y: 5}), (NULL); SELECT p.sum2() FROM s ORDER BY 1;",
    rows: [[7], [null]],
  },
];
