// Which statements of a bounded-stale session may run on a follower: one read-only statement
// (SELECT, WITH, TABLE, VALUES, SHOW) that neither locks, writes, nor touches session-local state.
// Cheap text checks that err towards the leader: a false "no" only costs a stale-read
// opportunity, and a write that slips through fails on the follower (57P03) before it has any
// effect, and then runs on the leader.

const READ_START = /^(?:select|with|table|values|show)\b/i;
/** Words that make a statement a write, a lock, or dependent on session state kept by the leader. */
const LEADER_ONLY =
  /\b(?:insert|update|delete|merge|into|for\s+share|nextval|setval|currval|lastval|set_config|pg_advisory_\w+|txid_current|pg_sleep)\b/i;

/** Skips whitespace, comments and opening parentheses before the first keyword. */
function firstKeywordAt(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && (/\s/.test(sql[i] as string) || sql[i] === "(")) i++;
    if (sql.startsWith("--", i)) {
      const nl = sql.indexOf("\n", i);
      if (nl < 0) return sql.length;
      i = nl + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return sql.length;
      i = end + 2;
    } else return i;
  }
}

export function isStaleReadCandidate(sql: string): boolean {
  const body = sql.slice(firstKeywordAt(sql)).replace(/[\s;]+$/, "");
  if (!READ_START.test(body)) return false;
  if (body.includes(";")) return false; // several statements (or a ';' in a literal): the leader
  return !LEADER_ONLY.test(body);
}
