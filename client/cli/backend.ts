// Where the CLI's statements run: a coordinator over gRPC (the SDK) or an in-process embedded
// database (coordinator/sql-host, loaded only when --embedded is used). Both give Outcomes with the same
// value types, so every output format behaves the same in both modes.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SqlEngine, SqlSession, StatementResult } from "../../sql/api.js";
import { KodiakError, type Logger, SqlState, silentLogger } from "../../util/index.js";
import { type KodiakClient, connect } from "../sdk/index.js";
import type { Outcome, OutcomeColumn } from "./outcome.js";

export interface SqlBackend {
  /** For the banner and .cluster ("127.0.0.1:7433", "embedded ./data"). */
  readonly description: string;
  /** Runs one statement (the CLI splits scripts itself). */
  run(sql: string, signal?: AbortSignal): Promise<Outcome[]>;
  tables(): Promise<string[]>;
  columns(table: string): Promise<OutcomeColumn[]>;
  /** Cluster status as a printable outcome. */
  cluster(): Promise<Outcome>;
  close(): Promise<void>;
}

const TABLES_SQL =
  "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'kodiak') ORDER BY table_name";

function columnsSql(table: string): string {
  return `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table.replace(/'/g, "''")}' ORDER BY ordinal_position`;
}

/** Runs a catalog query; an engine without information_schema gets a clear 0A000 instead of 42P01. */
async function catalogQuery(b: SqlBackend, sql: string): Promise<unknown[][]> {
  try {
    const [o] = await b.run(sql);
    return o?.rows ?? [];
  } catch (e) {
    if (e instanceof KodiakError && e.code === SqlState.undefinedTable && e.message.includes("information_schema")) {
      throw new KodiakError(
        SqlState.featureNotSupported,
        "this engine does not serve information_schema yet, which .tables, .schema and name completion read",
      );
    }
    throw e;
  }
}

async function tablesVia(b: SqlBackend): Promise<string[]> {
  return (await catalogQuery(b, TABLES_SQL)).map((r) => String(r[0]));
}

async function columnsVia(b: SqlBackend, table: string): Promise<OutcomeColumn[]> {
  return (await catalogQuery(b, columnsSql(table))).map((r) => ({ name: String(r[0]), type: String(r[1]) }));
}

export class RemoteBackend implements SqlBackend {
  readonly client: KodiakClient;

  constructor(
    readonly description: string,
    url: string,
  ) {
    this.client = connect(url);
  }

  async run(sql: string, signal?: AbortSignal): Promise<Outcome[]> {
    const o = await this.client.run(sql, [], { signal });
    return [
      {
        command: o.command,
        rowCount: o.rowCount,
        columns: o.columns?.map((c) => ({ name: c.name, type: c.type })),
        rows: o.rows,
        notices: o.notices,
      },
    ];
  }

  tables(): Promise<string[]> {
    return tablesVia(this);
  }

  columns(table: string): Promise<OutcomeColumn[]> {
    return columnsVia(this, table);
  }

  async cluster(): Promise<Outcome> {
    const st = await this.client.clusterStatus();
    const roles = ["unknown", "leader", "follower", "candidate", "learner"];
    return {
      command: "SELECT",
      rowCount: st.nodes.length,
      columns: ["id", "address", "role", "term", "commit", "applied", "lag", "reachable"].map((name) => ({
        name,
        type: ["id", "term", "commit", "applied", "lag"].includes(name) ? "int8" : "text",
      })),
      rows: st.nodes.map((n) => [
        n.id,
        n.address,
        roles[n.role] ?? "unknown",
        n.term,
        n.commitIndex,
        n.appliedIndex,
        n.lagEntries,
        n.reachable,
      ]),
      notices: [
        {
          severity: "INFO",
          code: "00000",
          message: `coordinator ${st.coordinatorId} at ${this.client.currentAddress}: ${st.ready ? "ready" : "NOT ready"}, leader ${st.leaderId || "unknown"}, term ${st.term}, ${st.openSessions} sessions, ${st.runningStatements} running`,
        },
      ],
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** What coordinator/sql-host provides for embedded mode: the engine on a single-node Raft group on disk. */
interface EmbeddedModule {
  openEmbeddedDatabase(options: { dir: string }): Promise<{ engine: SqlEngine; close(): Promise<void> }>;
}

/** What coordinator/cron provides: the cron scheduler under the replicated lease, as a coordinator runs it. */
interface CronModule {
  startCronService(engine: SqlEngine, id: string, log: Logger): { stop(): Promise<void> };
}

function toOutcome(r: StatementResult): Outcome {
  if (r.copyIn !== undefined) {
    r.copyIn.sink.abort("COPY FROM STDIN is not supported by the kodiak sql CLI");
    throw new KodiakError(SqlState.featureNotSupported, "COPY FROM STDIN is not supported by the CLI; use COPY ... FROM 'file'");
  }
  return {
    command: r.command,
    rowCount: r.rowCount,
    columns: r.columns?.map((c) => ({ name: c.name, type: c.type.name })),
    rows: r.rows ?? [],
    notices: r.notices ?? [],
  };
}

export class EmbeddedBackend implements SqlBackend {
  private constructor(
    readonly description: string,
    private readonly session: SqlSession,
    private readonly closeEngine: () => Promise<void>,
  ) {}

  /**
   * Opens (or creates) the database in DIR; a second process on the same DIR gets 55P03. With
   * options.cron, cron jobs run in this process (as under `kodiak coordinator --embedded`) until
   * close(), which stops the scheduler and gives its lease up before closing the database.
   */
  static async open(dir: string, distRoot: string, options: { cron?: boolean } = {}): Promise<EmbeddedBackend> {
    const mod = (await import(pathToFileURL(join(distRoot, "coordinator", "sql-host", "index.js")).href)) as EmbeddedModule;
    const db = await mod.openEmbeddedDatabase({ dir });
    let cron: { stop(): Promise<void> } | undefined;
    const close = async () => {
      await cron?.stop();
      await db.close();
    };
    try {
      if (options.cron === true) {
        const cronMod = (await import(pathToFileURL(join(distRoot, "coordinator", "cron", "index.js")).href)) as CronModule;
        // Runs are recorded in kodiak_cron_runs; log lines would only interleave with the shell's output.
        cron = cronMod.startCronService(db.engine, `sql-embedded-${process.pid}`, silentLogger);
      }
      return await EmbeddedBackend.over(db.engine, `embedded ${dir}`, close);
    } catch (e) {
      await close();
      throw e;
    }
  }

  /** Wraps an engine already open (tests); closing the backend closes it. */
  static async over(engine: SqlEngine, description: string, close: () => Promise<void> = () => engine.close()): Promise<EmbeddedBackend> {
    const session = await engine.openSession({ user: "kodiak", database: "kodiak" });
    return new EmbeddedBackend(description, session, close);
  }

  async run(sql: string, signal?: AbortSignal): Promise<Outcome[]> {
    const out: Outcome[] = [];
    for await (const r of this.session.run(sql, { signal })) {
      if (r.copyOut !== undefined) {
        throw new KodiakError(SqlState.featureNotSupported, "COPY TO STDOUT is not supported by the CLI; use COPY ... TO 'file'");
      }
      out.push(toOutcome(r));
    }
    return out;
  }

  tables(): Promise<string[]> {
    return tablesVia(this);
  }

  columns(table: string): Promise<OutcomeColumn[]> {
    return columnsVia(this, table);
  }

  cluster(): Promise<Outcome> {
    return Promise.resolve({
      command: "SELECT",
      rowCount: 0,
      columns: undefined,
      rows: [],
      notices: [{ severity: "INFO", code: "00000", message: `${this.description}: a single-node engine in this process` }],
    });
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.closeEngine();
  }
}
