// A min-heap of timed events for the simulator. Ties break by insertion order, so a seed
// replays exactly.

export interface Timed<T> {
  at: number;
  seq: number;
  event: T;
}

export class EventQueue<T> {
  private heap: Timed<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, event: T): void {
    const item = { at, seq: this.seq++, event };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(item, h[p] as Timed<T>)) break;
      h[i] = h[p] as Timed<T>;
      i = p;
    }
    h[i] = item;
  }

  pop(): Timed<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as Timed<T>, h[l] as Timed<T>) ? r : l;
      if (!before(h[c] as Timed<T>, last)) break;
      h[i] = h[c] as Timed<T>;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function before<T>(a: Timed<T>, b: Timed<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
