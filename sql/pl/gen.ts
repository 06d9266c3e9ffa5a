// Evaluation without host-stack growth: evaluator steps are generators that yield the sub-steps
// they need; `drive` runs them on an explicit stack, so PL recursion depth (max_call_depth,
// default 1000) and trigger nesting never overflow the JavaScript stack, and the interpreter
// stays synchronous (the SQL executor calls it from row closures).

export type Gen<T> = Generator<unknown, T, unknown>;
/** A value now, or a generator that computes it. */
export type Ev<T> = T | Gen<T>;

function isGen(x: unknown): x is Gen<unknown> {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as { next?: unknown }).next === "function" &&
    typeof (x as { throw?: unknown }).throw === "function"
  );
}

/** Inside a generator: `const v = yield* sub(step)` evaluates a sub-step through the driver. */
export function* sub<T>(x: Ev<T>): Generator<unknown, T, unknown> {
  if (!isGen(x)) return x;
  return (yield x) as T;
}

/** Runs a step to completion with an explicit stack of generators. */
export function drive<T>(x: Ev<T>): T {
  if (!isGen(x)) return x;
  const stack: Gen<unknown>[] = [x];
  let input: unknown;
  let error: unknown;
  let failed = false;
  for (;;) {
    const top = stack[stack.length - 1]!;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = failed ? top.throw(error) : top.next(input);
      failed = false;
    } catch (e) {
      stack.pop();
      if (stack.length === 0) throw e;
      error = e;
      failed = true;
      continue;
    }
    if (r.done) {
      stack.pop();
      if (stack.length === 0) return r.value as T;
      input = r.value;
    } else if (isGen(r.value)) {
      stack.push(r.value);
      input = undefined;
    } else input = r.value;
  }
}
