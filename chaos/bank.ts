// The bank workload: serializable SQL transactions through the leader's SQL engine (RemoteSqlEngine,
// as a coordinator runs it) while the nemesis works. Transfers move money between accounts; readers
// sum all balances in one statement. The invariant: every committed read sees the same total and no
// negative balance; after healing the total is unchanged. A lost update, a torn transaction or a
// read skew breaks it.
import type { RemoteSqlEngine } from "../coordinator/sql-host/index.js";
import type { SqlSession } from "../sql/index.js";
import { KodiakError, type Random } from "../util/index.js";

export const ACCOUNTS = 8;
export const OPENING_BALANCE = 1000n;
const TOTAL = OPENING_BALANCE * BigInt(ACCOUNTS);
/** Pause after a failed statement so a leaderless cluster is not hammered. */
const BACKOFF_MS = 50;

export interface BankHistory {
  transfersCommitted: number;
  /** 40001: the engine refused to commit, which is the correct outcome under conflict. */
  serializationFailures: number;
  readsChecked: number;
  indeterminate: number;
  readonly violations: string[];
}

export function newBankHistory(): BankHistory {
  return { transfersCommitted: 0, serializationFailures: 0, readsChecked: 0, indeterminate: 0, violations: [] };
}

async function rowsOf(session: SqlSession, sql: string): Promise<unknown[][]> {
  let rows: unknown[][] = [];
  for await (const r of session.run(sql)) rows = (r.rows ?? []) as unknown[][];
  return rows;
}

function big(v: unknown): bigint {
  return typeof v === "bigint" ? v : BigInt(String(v));
}

export async function setupBank(engine: RemoteSqlEngine): Promise<void> {
  const s = await engine.openSession({ user: "chaos", database: "kodiak" });
  try {
    await rowsOf(s, "CREATE TABLE IF NOT EXISTS bank (id INT PRIMARY KEY, balance BIGINT NOT NULL)");
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i}, ${OPENING_BALANCE})`).join(", ");
    await rowsOf(s, `INSERT INTO bank VALUES ${values} ON CONFLICT DO NOTHING`);
  } finally {
    await s.close();
  }
}

export class BankClient {
  private session: SqlSession | undefined;

  constructor(
    private readonly engine: RemoteSqlEngine,
    private readonly history: BankHistory,
    private readonly random: Random,
    private readonly reader: boolean,
  ) {}

  async run(until: () => boolean): Promise<void> {
    while (!until()) {
      try {
        this.session ??= await this.engine.openSession({ user: "chaos", database: "kodiak" });
        if (this.reader) await this.read(this.session);
        else await this.transfer(this.session);
      } catch (e) {
        if (e instanceof KodiakError && e.code === "40001") this.history.serializationFailures++;
        else this.history.indeterminate++;
        // Whatever state the session is in, start clean: a broken session is replaced.
        const s = this.session;
        this.session = undefined;
        await s?.close().catch(() => undefined);
        await new Promise((res) => setTimeout(res, BACKOFF_MS));
      }
    }
    await this.session?.close().catch(() => undefined);
  }

  private async read(s: SqlSession): Promise<void> {
    const rows = await rowsOf(s, "SELECT sum(balance), count(*), min(balance) FROM bank");
    const [sum, count, min] = rows[0] ?? [];
    this.history.readsChecked++;
    if (big(sum) !== TOTAL || Number(count) !== ACCOUNTS)
      this.history.violations.push(`bank read saw total ${String(sum)} over ${String(count)} accounts, expected ${TOTAL} over ${ACCOUNTS}`);
    if (big(min) < 0n) this.history.violations.push(`bank read saw a negative balance ${String(min)}`);
  }

  private async transfer(s: SqlSession): Promise<void> {
    const from = this.random.int(ACCOUNTS);
    const to = (from + 1 + this.random.int(ACCOUNTS - 1)) % ACCOUNTS;
    const amount = BigInt(1 + this.random.int(50));
    await rowsOf(s, "BEGIN");
    const [[balance] = []] = await rowsOf(s, `SELECT balance FROM bank WHERE id = ${from}`);
    if (big(balance) < amount) {
      await rowsOf(s, "ROLLBACK");
      return;
    }
    await rowsOf(s, `UPDATE bank SET balance = balance - ${amount} WHERE id = ${from}`);
    await rowsOf(s, `UPDATE bank SET balance = balance + ${amount} WHERE id = ${to}`);
    await rowsOf(s, "COMMIT");
    this.history.transfersCommitted++;
  }
}

/** The end-of-run check on a healed cluster. */
export async function checkBankTotal(engine: RemoteSqlEngine, history: BankHistory): Promise<void> {
  const s = await engine.openSession({ user: "chaos", database: "kodiak" });
  try {
    const [[sum, count] = []] = await rowsOf(s, "SELECT sum(balance), count(*) FROM bank");
    if (big(sum) !== TOTAL || Number(count) !== ACCOUNTS)
      history.violations.push(`after healing the bank holds ${String(sum)} over ${String(count)} accounts, expected ${TOTAL}`);
  } finally {
    await s.close();
  }
}
