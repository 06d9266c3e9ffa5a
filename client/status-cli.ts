// `kodiak status`: cluster health at a glance from a coordinator's ClusterStatus: readiness,
// leader, term, and per node role, term, commit/applied index, lag and reachability.
// Exit code 0 when the cluster is ready, 1 when not (or no coordinator answered), 2 on bad usage.

import { toKodiakError } from "../util/index.js";
import { RemoteBackend } from "./cli/backend.js";
import { formatError } from "./cli/caret.js";
import { nodeRoleToJSON } from "../proto/gen/kodiak.js";
import { formatTable } from "./cli/format.js";
import { DEFAULT_GRPC_PORT } from "./sdk/index.js";

const USAGE = `usage: kodiak status [--host H --port P | --url kodiak://host:port,...] [--format table|json]
`;

export async function main(argv: string[]): Promise<number> {
  let host = process.env.KODIAK_HOST ?? "127.0.0.1";
  let port = Number(process.env.KODIAK_PORT ?? DEFAULT_GRPC_PORT);
  let url: string | undefined;
  let format = "table";
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--help") {
      process.stdout.write(USAGE);
      return 0;
    }
    const v = argv[++i];
    if (
      v === undefined ||
      !["--host", "--port", "--url", "--format"].includes(flag) ||
      (flag === "--format" && !["table", "json"].includes(v))
    ) {
      process.stderr.write(`kodiak status: bad option ${flag}\n${USAGE}`);
      return 2;
    }
    if (flag === "--host") host = v;
    else if (flag === "--port") port = Number(v);
    else if (flag === "--url") url = v;
    else format = v;
  }
  const target = url ?? `kodiak://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  const backend = new RemoteBackend(target, target);
  try {
    const st = await backend.client.clusterStatus();
    if (format === "json") {
      const nodes = st.nodes.map((n) => ({ ...n, role: nodeRoleToJSON(n.role).replace("NODE_ROLE_", "").toLowerCase() }));
      process.stdout.write(`${JSON.stringify({ ...st, nodes })}\n`);
    } else {
      const o = await backend.cluster();
      for (const n of o.notices) process.stdout.write(`${n.message}\n`);
      process.stdout.write(st.nodes.length > 0 ? formatTable(o) : "no storage nodes configured\n");
    }
    return st.ready ? 0 : 1;
  } catch (e) {
    process.stderr.write(formatError(toKodiakError(e), undefined));
    return 1;
  } finally {
    await backend.close();
  }
}
