// A fault-injecting TCP proxy for one directed link between two nodes (A dials B through it). It
// never looks inside the bytes: faults are whole-connection (reset, blackhole) or timing (delay), so
// a healed link carries only fresh connections and no stream is ever spliced or corrupted.
import { createServer, type Server, type Socket, connect } from "node:net";

export type LinkMode =
  /** Bytes flow, optionally delayed. */
  | { readonly kind: "pass"; readonly delayMs: number; readonly jitterMs: number }
  /** Connections are refused at once (a crashed or firewalled peer with RST). */
  | { readonly kind: "reset" }
  /** Connections are accepted and bytes vanish (a partition: the dialer only notices by timeout). */
  | { readonly kind: "blackhole" };

export const PASS: LinkMode = { kind: "pass", delayMs: 0, jitterMs: 0 };

/** Bound on bytes queued for delayed delivery per connection direction; past it the link resets. */
const MAX_DELAYED_BYTES = 64 * 1024 * 1024;

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Accepted while the link was faulty: never forwards, destroyed when the link heals. */
  swallowed: boolean;
}

export class LinkProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: LinkMode = PASS;
  port = 0;
  /** Connections accepted, for tests and reports. */
  accepted = 0;

  /** The target may be set after listening, so proxy ports can be taken before node ports are chosen. */
  constructor(
    private targetHost: string,
    private targetPort: number,
    private readonly random: () => number = Math.random,
  ) {}

  setTarget(host: string, port: number): void {
    this.targetHost = host;
    this.targetPort = port;
  }

  async listen(): Promise<number> {
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === "object" && addr !== null ? addr.port : 0;
    return this.port;
  }

  get current(): LinkMode {
    return this.mode;
  }

  /** Changes the fault. Leaving pass cuts or freezes live connections; returning to pass drops frozen ones. */
  setMode(mode: LinkMode): void {
    const was = this.mode;
    this.mode = mode;
    for (const p of [...this.pairs]) {
      if (mode.kind === "reset") this.drop(p);
      else if (mode.kind === "blackhole") this.swallow(p);
      else if (p.swallowed || was.kind !== "pass") this.drop(p);
    }
  }

  async close(): Promise<void> {
    for (const p of [...this.pairs]) this.drop(p);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(client: Socket): void {
    this.accepted++;
    client.on("error", () => undefined);
    const mode = this.mode;
    if (mode.kind === "reset" || this.targetPort === 0) {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, swallowed: false };
    this.pairs.add(pair);
    client.once("close", () => this.drop(pair));
    if (mode.kind === "blackhole") {
      this.swallow(pair);
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    upstream.on("error", () => undefined);
    upstream.once("close", () => {
      if (pair.upstream === upstream) this.drop(pair);
    });
    this.forward(pair, client, upstream);
    this.forward(pair, upstream, client);
  }

  /** Copies from → to, holding each chunk for the link's current delay; order is always kept. */
  private forward(pair: Pair, from: Socket, to: Socket): void {
    // One FIFO and one timer per direction: separate timers per chunk may fire out of order.
    const queue: { at: number; chunk: Buffer }[] = [];
    let queued = 0;
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && (queue[0] as { at: number }).at <= now) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        queued -= chunk.length;
        if (!pair.swallowed && !to.destroyed) to.write(chunk);
      }
      const head = queue[0];
      if (head !== undefined) timer = setTimeout(drain, Math.max(0, head.at - now));
    };
    from.on("data", (chunk: Buffer) => {
      if (pair.swallowed) return;
      const m = this.mode;
      const delay = m.kind === "pass" ? m.delayMs + Math.floor(this.random() * (m.jitterMs + 1)) : 0;
      if (delay === 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      // Never before an earlier chunk: reordering bytes inside TCP would corrupt the stream.
      const last = queue.at(-1);
      queue.push({ at: Math.max(last?.at ?? 0, Date.now() + delay), chunk });
      queued += chunk.length;
      if (queued > MAX_DELAYED_BYTES) {
        this.drop(pair);
        return;
      }
      if (timer === undefined) timer = setTimeout(drain, Math.max(0, (queue[0] as { at: number }).at - Date.now()));
    });
    from.once("close", () => {
      if (timer !== undefined) clearTimeout(timer);
    });
  }

  private swallow(pair: Pair): void {
    pair.swallowed = true;
    pair.client.resume();
    pair.upstream?.destroy();
    pair.upstream = undefined;
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
