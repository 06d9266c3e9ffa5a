// Compiled MATCH and TRY/CATCH with exactly the rules of control.ts: patterns bind into slots of
// the arm's scope, guards and bodies see them; TRY takes a savepoint only when its part can touch
// the database and rolls back to it when an arm handles the error. BREAK/CONTINUE/RETURN inside
// a TRY part leave as Signals, so the savepoint is left alone exactly as the interpreter does.

import { KodiakError, SqlState } from "../../util/index.js";
import type { Block, Expr, Pattern } from "./ast.js";
import { childCx, type CExpr, type Cx, compileExpr, settle } from "./compile-expr.js";
import { compileBlock } from "./compile-stmt.js";
import { armMatches, exceptionOf, touchesDb } from "./control.js";
import { PlError } from "./errors.js";
import { requireBool } from "./expr.js";
import type { Frame } from "./frame.js";
import { binary, notDistinct, resolveUnknown } from "./ops.js";
import { asStruct, type PlValue } from "./values.js";

type Matcher = (v: PlValue, f: Frame) => boolean;

function namesBound(p: Pattern, out: Set<string>): Set<string> {
  if (p.kind === "pBind") out.add(p.name);
  else if (p.kind === "pStruct") for (const x of p.fields) namesBound(x.pattern, out);
  return out;
}

function sameNames(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((n) => b.has(n));
}

/** MATCH compiles when every alternative of an arm binds the same names (the usual case);
 * otherwise the caller hands it to the interpreter, whose arm scope holds only what matched. */
export function matchCompilable(e: Extract<Expr, { kind: "match" }>): boolean {
  return e.arms.every((arm) => {
    const first = namesBound(arm.patterns[0] ?? { kind: "pAny" }, new Set());
    return arm.patterns.every((p) => sameNames(namesBound(p, new Set()), first));
  });
}

function compilePattern(p: Pattern, outer: Cx, slots: ReadonlyMap<string, number>): Matcher {
  switch (p.kind) {
    case "pAny":
      return () => true;
    case "pBind": {
      const slot = slots.get(p.name)!;
      return (v, f) => {
        f.b[slot] = { type: v.t, value: v };
        return true;
      };
    }
    case "pLit": {
      const lit = compileExpr(p.value, outer);
      return (v, f) => {
        const [a, b] = resolveUnknown(v, lit(f));
        return notDistinct(a, b);
      };
    }
    case "pRange": {
      const lo = compileExpr(p.lo, outer);
      const hi = compileExpr(p.hi, outer);
      return (v, f) => {
        if (v.v === null) return false;
        const a = binary(">=", v, lo(f));
        const b = binary("<=", v, hi(f));
        return a.v === true && b.v === true;
      };
    }
    case "pStruct": {
      const fields = p.fields.map((x) => ({ name: x.name, match: compilePattern(x.pattern, outer, slots) }));
      return (v, f) => {
        if (v.v === null || v.t.k !== "struct") return false;
        const values = asStruct(v).fields;
        for (const x of fields) {
          const fv = values.get(x.name);
          if (fv === undefined) throw new PlError(SqlState.undefinedColumn, `field "${x.name}" does not exist`);
          if (!x.match(fv, f)) return false;
        }
        return true;
      };
    }
  }
}

/** An arm or TRY body: a block in its own scope, or an expression in `cx`. */
function compileBody(b: Expr | Block, cx: Cx, stmtPos: boolean): CExpr {
  if (b.kind === "blk") {
    const block = compileBlock(b, childCx(cx));
    return (f) => settle(f, block(f), stmtPos);
  }
  return compileExpr(b, cx, stmtPos);
}

export function compileMatch(e: Extract<Expr, { kind: "match" }>, cx: Cx, stmtPos: boolean): CExpr {
  const subject = compileExpr(e.subject, cx);
  const arms = e.arms.map((arm) => {
    const armCx = childCx(cx);
    const slots = new Map<string, number>();
    for (const name of namesBound(arm.patterns[0] ?? { kind: "pAny" }, new Set())) slots.set(name, cx.unit.declare(armCx.scope, name));
    return {
      patterns: arm.patterns.map((p) => compilePattern(p, cx, slots)),
      guard: arm.guard === null ? null : compileExpr(arm.guard, armCx),
      body: compileBody(arm.body as Expr | Block, armCx, stmtPos),
    };
  });
  return (f) => {
    const v = subject(f);
    for (const arm of arms) {
      for (const match of arm.patterns) {
        if (!match(v, f)) continue;
        if (arm.guard !== null && requireBool(arm.guard(f), "a MATCH guard") !== true) continue;
        return arm.body(f);
      }
    }
    throw new PlError("20000", "case not found: no MATCH arm matches the value");
  };
}

export function compileTry(e: Extract<Expr, { kind: "try" }>, cx: Cx): CExpr {
  const needsSavepoint = touchesDb(e.body);
  const body = compileBody(e.body as Expr | Block, cx, false);
  const fallback = e.fallback === null ? null : compileExpr(e.fallback, cx);
  const arms =
    e.arms === null
      ? null
      : e.arms.map((arm) => {
          const armCx = childCx(cx);
          const slot = arm.bind === null ? -1 : cx.unit.declare(armCx.scope, arm.bind);
          return { arm, slot, body: compileBody(arm.body as Expr | Block, armCx, false) };
        });
  return (f) => {
    const c = f.c;
    const sp = needsSavepoint && !c.readOnly ? c.env.host.savepoint() : null;
    try {
      const v = body(f);
      if (sp !== null) c.env.host.releaseSavepoint(sp);
      return v;
    } catch (err) {
      if (!(err instanceof KodiakError) || c.env.budget.expired) throw err;
      const exc = exceptionOf(err);
      const hit = arms === null ? null : arms.find((a) => armMatches(a.arm, err, exc));
      if (arms === null ? err.code === SqlState.queryCanceled : hit === undefined) throw err;
      if (sp !== null) c.env.host.rollbackToSavepoint(sp);
      if (hit === null || hit === undefined) return fallback!(f);
      if (hit.slot >= 0) f.b[hit.slot] = { type: exc.t, value: exc };
      c.handling.push(exc);
      try {
        return hit.body(f);
      } finally {
        c.handling.pop();
      }
    }
  };
}
