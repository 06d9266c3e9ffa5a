// The nemesis: from a seed, picks one fault at a time (partitions, one-way cuts, delays, kill -9,
// SIGSTOP), holds it for a while, heals it, and rests before the next. Every fault it applies it
// also knows how to undo, so the run can always end with a whole, healthy cluster.
import type { Random } from "../util/index.js";
import type { TestCluster } from "../tests/support/cluster.js";
import type { Mesh } from "./mesh.js";

export interface Fault {
  readonly name: string;
  heal(): Promise<void>;
}

export interface NemesisTarget {
  readonly cluster: TestCluster;
  readonly mesh: Mesh;
  readonly ids: readonly number[];
  /** Restarts a killed node with its own --peers (through the mesh). */
  restart(id: number): Promise<void>;
  /** The current leader's id, if one is known within a short bound. */
  leader(): Promise<number | undefined>;
}

function pick<T>(random: Random, xs: readonly T[]): T {
  return xs[random.int(xs.length)] as T;
}

function shuffled<T>(random: Random, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function injectFault(t: NemesisTarget, random: Random): Promise<Fault> {
  const kind = random.int(7);
  const linkMode = random.int(2) === 0 ? ({ kind: "blackhole" } as const) : ({ kind: "reset" } as const);
  const healNet = async (): Promise<void> => t.mesh.heal();
  switch (kind) {
    case 0: {
      const victim = (await t.leader()) ?? pick(random, t.ids);
      t.mesh.partition([[victim], t.ids.filter((i) => i !== victim)], linkMode);
      return { name: `isolate leader ${victim} (${linkMode.kind})`, heal: healNet };
    }
    case 1: {
      const order = shuffled(random, t.ids);
      const minority = order.slice(0, Math.floor((t.ids.length - 1) / 2) || 1);
      t.mesh.partition([minority, order.filter((i) => !minority.includes(i))], linkMode);
      return { name: `split ${minority.join(",")} | rest (${linkMode.kind})`, heal: healNet };
    }
    case 2: {
      const cuts: string[] = [];
      for (let n = 1 + random.int(t.ids.length); n > 0; n--) {
        const from = pick(random, t.ids);
        const to = pick(
          random,
          t.ids.filter((i) => i !== from),
        );
        t.mesh.cutOneWay(from, to, linkMode);
        cuts.push(`${from}→${to}`);
      }
      return { name: `one-way cuts ${cuts.join(" ")} (${linkMode.kind})`, heal: healNet };
    }
    case 3: {
      const delay = 20 + random.int(200);
      t.mesh.delayAll(delay, random.int(delay));
      return { name: `delay all links ${delay} ms`, heal: healNet };
    }
    case 4:
    case 5: {
      const victim = kind === 4 ? ((await t.leader()) ?? pick(random, t.ids)) : pick(random, t.ids);
      await t.cluster.kill(victim, "SIGKILL");
      return { name: `kill -9 node ${victim}`, heal: () => t.restart(victim) };
    }
    default: {
      const victim = pick(random, t.ids);
      const proc = t.cluster.node(victim).proc;
      proc?.kill("SIGSTOP");
      return {
        name: `pause node ${victim}`,
        heal: async () => {
          proc?.kill("SIGCONT");
        },
      };
    }
  }
}
