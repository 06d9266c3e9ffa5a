// Many sessions on the leader each need a ReadIndex barrier before their statement. A barrier
// started after a caller arrived serves that caller as well as its own, so concurrent callers
// share: at most one barrier runs, and everyone arriving meanwhile waits for the single next one
// (it starts when the running one ends, so after all of them arrived). Under load this turns one
// Raft heartbeat round per statement into one per round trip.

export function sharedBarrier(barrier: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const p = barrier();
    running = p;
    const clear = () => {
      if (running === p) running = undefined;
    };
    p.then(clear, clear);
    return p;
  };
  return () => {
    if (next !== undefined) return next;
    if (running === undefined) return start();
    const after = running.then(
      () => undefined,
      () => undefined,
    );
    const n = after.then(() => {
      next = undefined;
      return start();
    });
    next = n;
    return n;
  };
}
