// The faulty network of a chaos run: one LinkProxy per ordered pair of nodes, so node i reaches
// node j only through proxy (i→j). Partitions, one-way cuts and delays are settings of those links.
import { LinkProxy, type LinkMode, PASS } from "./link-proxy.js";

export class Mesh {
  private readonly links = new Map<string, LinkProxy>();

  private constructor(readonly ids: readonly number[]) {}

  /** Binds every proxy port first; node addresses come later (setAddress), so they cannot collide. */
  static async start(ids: readonly number[], random: () => number): Promise<Mesh> {
    const mesh = new Mesh(ids);
    for (const from of ids)
      for (const to of ids) {
        if (from === to) continue;
        const link = new LinkProxy("127.0.0.1", 0, random);
        await link.listen();
        mesh.links.set(key(from, to), link);
      }
    return mesh;
  }

  /** Where node `id` really listens (host:port): every link into it forwards there. */
  setAddress(id: number, address: string): void {
    const [host, port] = splitAddress(address);
    for (const from of this.ids) if (from !== id) this.link(from, id).setTarget(host, port);
  }

  link(from: number, to: number): LinkProxy {
    const l = this.links.get(key(from, to));
    if (l === undefined) throw new Error(`no link ${from}→${to}`);
    return l;
  }

  /** The --peers flag for node `id`: itself at its real address, every other node through its proxy. */
  peersFlagFor(id: number, ownAddress: string): string {
    return this.ids.map((j) => (j === id ? `${j}=${ownAddress}` : `${j}=127.0.0.1:${this.link(id, j).port}`)).join(",");
  }

  /** Cuts every link between different groups, both ways; links inside a group pass. */
  partition(groups: readonly (readonly number[])[], mode: LinkMode = { kind: "blackhole" }): void {
    const groupOf = new Map<number, number>();
    groups.forEach((g, i) => {
      for (const id of g) groupOf.set(id, i);
    });
    for (const from of this.ids)
      for (const to of this.ids) {
        if (from === to) continue;
        this.link(from, to).setMode(groupOf.get(from) === groupOf.get(to) ? PASS : mode);
      }
  }

  /** Cuts only from → to (from's messages to `to` vanish; replies the other way still flow). */
  cutOneWay(from: number, to: number, mode: LinkMode = { kind: "blackhole" }): void {
    this.link(from, to).setMode(mode);
  }

  delayAll(delayMs: number, jitterMs: number): void {
    for (const l of this.links.values()) l.setMode({ kind: "pass", delayMs, jitterMs });
  }

  heal(): void {
    for (const l of this.links.values()) l.setMode(PASS);
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}

function key(from: number, to: number): string {
  return `${from}>${to}`;
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
