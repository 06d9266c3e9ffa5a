// A linearizability checker for one compare-and-set register (the chaos counter), after Wing & Gong
// with Lowe's just-in-time linearization and a memo of (linearized set, state): it searches for an
// order of the operations that respects real time (an op that returned before another was invoked
// comes first) and the register's sequential semantics. Operations whose outcome is unknown (the
// call failed or timed out) never returned, so they may take effect at any point after their
// invocation, or not at all. The search is bounded by a step budget; past it the answer is
// "unknown", never a false violation.

export type RegisterOp =
  | { readonly kind: "read"; readonly value: string | undefined }
  | { readonly kind: "cas"; readonly expected: string | undefined; readonly next: string; readonly ok: boolean };

export interface TimedOp {
  readonly op: RegisterOp;
  /** Invocation and return times from one monotonic clock; returned undefined = outcome unknown. */
  readonly invoked: number;
  readonly returned: number | undefined;
}

export type Verdict =
  | { readonly linearizable: true }
  | { readonly linearizable: false; readonly reason: string }
  | { readonly linearizable: "unknown" };

/** Applies op to state: the new state, or undefined when op cannot happen in that state. */
function step(state: string | undefined, op: RegisterOp): { state: string | undefined } | undefined {
  if (op.kind === "read") return op.value === state ? { state } : undefined;
  if (op.ok) return op.expected === state ? { state: op.next } : undefined;
  return op.expected !== state ? { state } : undefined;
}

interface Entry {
  readonly id: number;
  readonly isCall: boolean;
  readonly time: number;
  readonly op: RegisterOp;
  /** Call entries: their return entry (undefined when the outcome is unknown). */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

export function checkRegister(history: readonly TimedOp[], initial: string | undefined, maxSteps = 2_000_000): Verdict {
  // Unknown-outcome reads have no effect: drop them. Unknown CAS calls stay, with no return.
  const ops = history.filter((h) => h.returned !== undefined || h.op.kind === "cas");
  const events: Entry[] = [];
  ops.forEach((h, id) => {
    const call: Entry = { id, isCall: true, time: h.invoked, op: h.op, match: undefined, prev: undefined, next: undefined };
    events.push(call);
    if (h.returned !== undefined) {
      const ret: Entry = { id, isCall: false, time: h.returned, op: h.op, match: undefined, prev: undefined, next: undefined };
      call.match = ret;
      events.push(ret);
    }
  });
  // Calls before returns at equal times: overlapping at an instant counts as concurrent.
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall));
  const head: Entry = {
    id: -1,
    isCall: false,
    time: -Infinity,
    op: { kind: "read", value: undefined },
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  let returnsLeft = events.filter((e) => !e.isCall).length;
  const lift = (call: Entry): void => {
    (call.prev as Entry).next = call.next;
    if (call.next) call.next.prev = call.prev;
    const r = call.match;
    if (r) {
      (r.prev as Entry).next = r.next;
      if (r.next) r.next.prev = r.prev;
      returnsLeft--;
    }
  };
  const unlift = (call: Entry): void => {
    const r = call.match;
    if (r) {
      (r.prev as Entry).next = r;
      if (r.next) r.next.prev = r;
      returnsLeft++;
    }
    (call.prev as Entry).next = call;
    if (call.next) call.next.prev = call;
  };
  const linearized = new Uint8Array(ops.length);
  const seen = new Set<string>();
  const stack: { call: Entry; state: string | undefined }[] = [];
  let state = initial;
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  while (returnsLeft > 0) {
    if (++steps > maxSteps) return { linearizable: "unknown" };
    if (entry === undefined) {
      // Only unknown-outcome calls are left in front: none of them can be placed here; back off.
      if (stack.length === 0) return { linearizable: false, reason: "no order of the operations explains the history" };
      const top = stack.pop() as { call: Entry; state: string | undefined };
      state = top.state;
      linearized[top.call.id] = 0;
      unlift(top.call);
      entry = top.call.next;
      continue;
    }
    if (entry.isCall) {
      const r = step(state, entry.op);
      if (r !== undefined) {
        linearized[entry.id] = 1;
        const key = `${Buffer.from(linearized).toString("base64")}|${r.state ?? "\u0000"}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, state });
          deepest = Math.max(deepest, stack.length);
          state = r.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.id] = 0;
      }
      entry = entry.next;
    } else {
      // A return whose call is not linearized yet: something earlier must change.
      if (stack.length === 0)
        return { linearizable: false, reason: `operation ${describe(entry.op)} cannot be placed (after ${deepest} linearized)` };
      const top = stack.pop() as { call: Entry; state: string | undefined };
      state = top.state;
      linearized[top.call.id] = 0;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { linearizable: true };
}

function describe(op: RegisterOp): string {
  return op.kind === "read" ? `read → ${op.value ?? "absent"}` : `cas ${op.expected ?? "absent"} → ${op.next} (${op.ok ? "ok" : "failed"})`;
}
