// Invariant checks that stay on in production. A failed assertion means Kodiak itself is
// broken (not bad input): the process must crash rather than keep serving from broken state.
// Bad input and corrupt bytes from disk are KodiakErrors, never assertions.

export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = "AssertionFailure";
  }
}

export function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new AssertionFailure(what);
}

export function unreachable(value: never, what = "unreachable case"): never {
  throw new AssertionFailure(`${what}: ${String(value)}`);
}
