// Builds the PL-Grizzly AST from the shared grammar's parse tree: top-level PL statements,
// blocks, items and expressions (SQL expression forms included, since every SQL value
// expression is a PL expression). Embedded SQL becomes SqlText whose `{name}` parts are
// interpolations, never text. Structural errors are 42601.

import type { ParserRuleContext, Token } from "antlr4ng";
import { KodiakError, SqlState } from "../../../util/index.js";
import * as P from "../../grammar/gen/KodiakParser.js";
import type { Arg, Block, CatchArm, Expr, Lambda, MatchArm, Pattern, Pos, SqlPart, SqlText, Stmt, TopStmt, TypeRef } from "../ast.js";
import type { BinaryOp } from "../ops.js";
import { Decimal } from "../../types/decimal.js";
import { T } from "../types.js";
import { mk, NULL } from "../values.js";

const INT32_MAX = 2147483647n;
const INT64_MAX = 9223372036854775807n;

function syntax(msg: string, at?: Pos): KodiakError {
  return new KodiakError(SqlState.syntaxError, at === undefined ? msg : `${msg} (line ${at.line}, column ${at.col})`);
}

function posOf(t: Token | null | undefined): Pos {
  return { line: t?.line ?? 0, col: (t?.column ?? 0) + 1 };
}

const at = (ctx: ParserRuleContext): Pos => posOf(ctx.start);

function unquote(t: string): string {
  return t.slice(1, -1).replace(/''/g, "'");
}

function unescapeE(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)/g, (_m, c: string) => {
    const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };
    if (map[c] !== undefined) return map[c];
    if (c[0] === "x" || c[0] === "u") return String.fromCharCode(Number.parseInt(c.slice(1), 16));
    if (/^[0-7]+$/.test(c)) return String.fromCharCode(Number.parseInt(c, 8));
    return c;
  });
}

export function intLiteral(digits: string, radix: 10 | 16 | 8 | 2 = 10): Expr {
  const clean = digits.replace(/_/g, "");
  const n = radix === 10 ? BigInt(clean) : BigInt(`0${radix === 16 ? "x" : radix === 8 ? "o" : "b"}${clean}`);
  if (n <= INT32_MAX) return { kind: "lit", value: mk(T.int32, Number(n)) };
  if (n <= INT64_MAX) return { kind: "lit", value: mk(T.int64, n) };
  return { kind: "lit", value: mk(T.numeric, Decimal.fromBigInt(n)) };
}

const COMPARISON: Record<string, BinaryOp> = { "=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">=" };

export class PlBuilder {
  constructor(private readonly text: string) {}

  source(ctx: ParserRuleContext): string {
    return this.text.slice(ctx.start!.start, (ctx.stop ?? ctx.start)!.stop + 1);
  }

  ident(ctx: P.IdentifierContext): string {
    const q = ctx.QUOTED_IDENT();
    if (q !== null) return q.getText().slice(1, -1).replace(/""/g, '"');
    if (ctx.plInterpolation() !== null) throw syntax("{…} interpolation is not allowed here", at(ctx));
    return ctx.getText().toLowerCase();
  }

  // ---------- top level ----------

  /** A top-level statement: PL statement, session SET, or SQL (with interpolations). */
  top(ctx: P.StatementContext): TopStmt {
    if (ctx instanceof P.PlStatementAltContext) return { ...this.plStatement(ctx.plStatement()), src: this.source(ctx) };
    if (ctx instanceof P.SetStatementContext && ctx.setValue().expr().length === 1 && ctx.SESSION() === null && ctx.LOCAL() === null) {
      const target = ctx
        .setTarget()
        .identifier()
        .map((i) => this.ident(i));
      return { kind: "setVar", at: at(ctx), target, e: this.expr(ctx.setValue().expr(0)!) };
    }
    const select = ctx instanceof P.QueryStmtContext ? this.simpleSelect(ctx.query()) : undefined;
    const base = { kind: "sql" as const, at: at(ctx), sql: this.sqlText(ctx), text: this.source(ctx) };
    return select === undefined ? base : { ...base, select };
  }

  /** `SELECT e1 [AS a], …` with no FROM or other clause: PL-Grizzly evaluates it directly. */
  private simpleSelect(q: P.QueryContext): { e: Expr; name: string; plSyntax: boolean }[] | undefined {
    if (q.withClause() !== null || q.orderByClause() !== null || q.limitClause() !== null) return undefined;
    const body = q.selectBody();
    if (!(body instanceof P.PrimarySelectContext)) return undefined;
    const core = body.selectPrimary().selectCore();
    if (core === null || core.fromClause() !== null || core.whereClause() !== null || core.groupByClause() !== null) return undefined;
    if (core.havingClause() !== null || core.windowClause() !== null || core.setQuantifier() !== null) return undefined;
    const items = core.selectList().selectItem();
    if (!items.every((i) => i instanceof P.ExprItemContext)) return undefined;
    const plSyntax = items.some((i) => hasPlSyntax(i));
    return (items as P.ExprItemContext[]).map((i) => {
      const alias = i.columnAlias();
      const e = this.expr(i.expr());
      const name =
        alias === null
          ? e.kind === "call"
            ? e.name
            : e.kind === "name"
              ? e.name
              : e.kind === "field"
                ? e.name
                : "?column?"
          : alias.identifier() !== null
            ? this.ident(alias.identifier()!)
            : unquote(alias.STRING()!.getText());
      return { e, name, plSyntax };
    });
  }

  plStatement(ctx: P.PlStatementContext): TopStmt {
    const p = at(ctx);
    if (ctx instanceof P.PlDoStmtContext) return { kind: "do", at: p, block: this.block(ctx.plBlock()) };
    if (ctx instanceof P.PlCreateStructStmtContext) {
      return {
        kind: "createType",
        at: p,
        def: {
          name: this.ident(ctx.identifier()),
          struct: true,
          fields: ctx.plField().map((f) => this.field(f)),
          message: "",
          sqlstate: null,
        },
      };
    }
    if (ctx instanceof P.PlCreateExceptionStmtContext) {
      const strs = ctx.STRING();
      return {
        kind: "createType",
        at: p,
        def: {
          name: this.ident(ctx.identifier()),
          struct: false,
          fields: ctx.plField().map((f) => this.field(f)),
          message: unquote(strs[0]!.getText()),
          sqlstate: strs[1] === undefined ? null : unquote(strs[1].getText()),
        },
      };
    }
    if (ctx instanceof P.PlDropTypeStmtContext)
      return { kind: "dropType", at: p, name: this.ident(ctx.identifier()), ifExists: ctx.IF() !== null };
    if (ctx instanceof P.PlCreateFunctionStmtContext) return this.createFunction(ctx);
    if (ctx instanceof P.PlDropFunctionStmtContext) {
      const ids = ctx.identifier();
      const receiver = ctx.LBRACKET() !== null ? this.ident(ids[0]!) : null;
      return { kind: "dropFunction", at: p, name: this.ident(ids[ids.length - 1]!), receiver, ifExists: ctx.IF() !== null };
    }
    if (ctx instanceof P.PlCreateTriggerStmtContext) return this.createTrigger(ctx);
    if (ctx instanceof P.PlDropTriggerStmtContext) {
      return {
        kind: "dropTrigger",
        at: p,
        name: this.ident(ctx.identifier()),
        table: this.qnameLast(ctx.qualifiedName()),
        ifExists: ctx.IF() !== null,
      };
    }
    if (ctx instanceof P.PlCreateCronStmtContext) return this.createCron(ctx);
    if (ctx instanceof P.PlDropCronStmtContext)
      return { kind: "dropCron", at: p, name: this.ident(ctx.identifier()), ifExists: ctx.IF() !== null };
    if (ctx instanceof P.PlAlterCronStmtContext) {
      const ids = ctx.identifier().map((i) => i.getText().toUpperCase());
      const op = ids.slice(1).join(" ");
      if (op !== "PAUSE" && op !== "RESUME" && op !== "RUN NOW")
        throw syntax(`ALTER CRON JOB: expected PAUSE, RESUME or RUN NOW, got ${op}`, p);
      return { kind: "alterCron", at: p, name: this.ident(ctx.identifier(0)!), op };
    }
    throw syntax("unsupported PL-Grizzly statement", p);
  }

  private qnameLast(ctx: P.QualifiedNameContext): string {
    const ids = ctx.identifier();
    return this.ident(ids[ids.length - 1]!);
  }

  private field(ctx: P.PlFieldContext): { name: string; type: TypeRef } {
    return { name: this.ident(ctx.identifier()), type: this.plType(ctx.plType()) };
  }

  private createFunction(ctx: P.PlCreateFunctionStmtContext): TopStmt {
    const ids = ctx.identifier();
    let i = 0;
    const receiver = ctx.LBRACKET() !== null ? this.ident(ids[i++]!) : null;
    const name = this.ident(ids[i++]!);
    const raises = ids.slice(i).map((x) => this.ident(x));
    let selfOk = receiver === null || ctx.plParam(0)?.SELF() != null;
    const params = ctx.plParam().map((pc, idx) => {
      if (pc.SELF() !== null) {
        if (idx !== 0 || receiver === null) selfOk = false;
        return null;
      }
      const d = pc.expr();
      return { name: this.ident(pc.identifier()!), type: this.plType(pc.plType()!), default: d === null ? null : this.expr(d) };
    });
    return {
      kind: "createFunction",
      at: at(ctx),
      def: {
        name,
        receiver,
        params: params.filter((x): x is NonNullable<typeof x> => x !== null),
        returns: this.plType(ctx.plType()),
        raises,
        async: ctx.ASYNC() !== null,
        immutable: ctx.IMMUTABLE() !== null,
        body: this.block(ctx.plBlock()),
        orReplace: ctx.REPLACE() !== null,
        source: this.source(ctx),
        selfOk,
      },
    };
  }

  private action(ctx: P.PlActionContext): { fn: string } | { block: Block } {
    const q = ctx.qualifiedName();
    if (q !== null) return { fn: this.qnameLast(q) };
    return { block: this.block(ctx.plBlock()!) };
  }

  private createTrigger(ctx: P.PlCreateTriggerStmtContext): TopStmt {
    const ids = ctx.identifier();
    const forEach = ctx.FOR() === null ? "ROW" : ctx.ROW() !== null ? "ROW" : (ids[1]?.getText().toUpperCase() ?? "ROW");
    const when = ctx.expr();
    return {
      kind: "createTrigger",
      at: at(ctx),
      name: this.ident(ids[0]!),
      timing: ctx.BEFORE() !== null ? "BEFORE" : "AFTER",
      events: ctx.plTriggerEvent().map((e) => e.getText().toUpperCase() as "INSERT" | "UPDATE" | "DELETE"),
      table: this.qnameLast(ctx.qualifiedName()),
      forEach,
      when: when === null ? null : this.expr(when),
      action: this.action(ctx.plAction()),
      source: this.source(ctx),
    };
  }

  private createCron(ctx: P.PlCreateCronStmtContext): TopStmt {
    const ids = ctx.identifier();
    const strs = ctx.STRING();
    let i = 1;
    let timezone = "UTC";
    let onMissed: "SKIP" | "RUN ONCE" = "SKIP";
    if (strs.length > 1) {
      if (ids[i]?.getText().toUpperCase() !== "TIMEZONE") throw syntax("expected TIMEZONE", at(ctx));
      timezone = unquote(strs[1]!.getText());
      i++;
    }
    if (ctx.ON() !== null) {
      const words = ids.slice(i).map((x) => x.getText().toUpperCase());
      if (words[0] !== "MISSED") throw syntax("expected ON MISSED", at(ctx));
      const w = words.slice(1).join(" ");
      if (w !== "SKIP" && w !== "RUN ONCE") throw syntax("expected ON MISSED SKIP or ON MISSED RUN ONCE", at(ctx));
      onMissed = w;
    }
    const action = ctx.plAction();
    return {
      kind: "createCron",
      at: at(ctx),
      name: this.ident(ids[0]!),
      schedule: unquote(strs[0]!.getText()),
      timezone,
      onMissed,
      action: this.action(action),
      actionText: this.source(action),
    };
  }

  // ---------- types ----------

  plType(ctx: P.PlTypeContext): TypeRef {
    const tn = ctx.typeName();
    if (tn !== null) return this.typeName(tn);
    let t: TypeRef = { name: ctx.FUTURE() !== null ? "future" : "array", mods: [], elem: this.plType(ctx.plType()!) };
    for (let i = 0; i < ctx.LBRACKET().length; i++) t = { name: "array", mods: [], elem: t };
    return t;
  }

  typeName(ctx: P.TypeNameContext): TypeRef {
    const b = ctx.baseTypeName();
    let name: string;
    if (b.DOUBLE() !== null) name = "double precision";
    else if (b.CHARACTER() !== null) name = b.VARYING() !== null ? "varchar" : "text";
    else if (b.INTERVAL() !== null) name = "interval";
    else if (b.TIME().length > 0 && b.identifier().length === 0) name = "time";
    else {
      const ids = b.identifier(); // `pg_catalog.int4`: the last part names the type
      name = this.ident(ids[ids.length - 1]!);
      if (name === "timestamp" && b.WITH() !== null) name = "timestamptz";
    }
    const mods = ctx.INTEGER_LITERAL().map((x) => Number(x.getText()));
    let t: TypeRef = { name, mods };
    for (let i = 0; i < ctx.LBRACKET().length; i++) t = { name: "array", mods: [], elem: t };
    return t;
  }

  // ---------- blocks and items ----------

  block(ctx: P.PlBlockContext): Block {
    const items: Stmt[] = [];
    for (let i = 0; i < ctx.getChildCount(); i++) {
      const c = ctx.getChild(i);
      if (c instanceof P.PlItemContext) items.push(this.item(c));
      else if (c instanceof P.PlBracedItemContext) items.push(this.bracedItem(c));
    }
    return { kind: "blk", at: at(ctx), items };
  }

  private bracedItem(ctx: P.PlBracedItemContext): Stmt {
    const p = at(ctx);
    if (ctx instanceof P.PlWhileItemContext) return { kind: "while", at: p, cond: this.expr(ctx.expr()), body: this.block(ctx.plBlock()) };
    if (ctx instanceof P.PlForItemContext) {
      return {
        kind: "for",
        at: p,
        name: this.ident(ctx.identifier()),
        source: this.forSource(ctx.expr()),
        body: this.block(ctx.plBlock()),
      };
    }
    if (ctx instanceof P.PlBlockItemContext) return { kind: "expr", at: p, e: { kind: "block", at: p, block: this.block(ctx.plBlock()) } };
    if (ctx instanceof P.PlTryItemContext) {
      const arms = ctx
        .plCatchArms()
        .plCatchArm()
        .map((a) => this.catchArm(a));
      return { kind: "expr", at: p, e: { kind: "try", at: p, body: this.block(ctx.plBlock()), arms, fallback: null } };
    }
    return { kind: "expr", at: p, e: this.plPrimary((ctx as P.PlPrimaryItemContext).plPrimary()) };
  }

  item(ctx: P.PlItemContext): Stmt {
    const p = at(ctx);
    if (ctx instanceof P.PlLetItemContext) {
      const t = ctx.plType();
      return { kind: "let", at: p, name: this.ident(ctx.identifier()), type: t === null ? null : this.plType(t), e: this.expr(ctx.expr()) };
    }
    if (ctx instanceof P.PlSetItemContext)
      return { kind: "set", at: p, target: ctx.identifier().map((i) => this.ident(i)), e: this.expr(ctx.expr()) };
    if (ctx instanceof P.PlReturnItemContext) {
      const e = ctx.expr();
      return { kind: "return", at: p, e: e === null ? null : this.expr(e) };
    }
    if (ctx instanceof P.PlRaiseItemContext) return this.raise(ctx, p);
    if (ctx instanceof P.PlBreakItemContext) return { kind: "break", at: p };
    if (ctx instanceof P.PlContinueItemContext) return { kind: "continue", at: p };
    if (ctx instanceof P.PlExprItemContext) return { kind: "expr", at: p, e: this.expr(ctx.expr()) };
    const st = (ctx as P.PlSqlItemContext).statement();
    if (st instanceof P.QueryStmtContext) return { kind: "sql", at: p, sql: this.sqlText(st) };
    if (st instanceof P.SetStatementContext) {
      const target = st
        .setTarget()
        .identifier()
        .map((i) => this.ident(i));
      return { kind: "set", at: p, target, e: this.expr(st.setValue().expr(0)!) };
    }
    return { kind: "sql", at: p, sql: this.sqlText(st) };
  }

  private forSource(ctx: P.ExprContext): Expr {
    const e = this.expr(ctx);
    return e.kind === "query" ? { ...e, mode: "rows" } : e;
  }

  private raise(ctx: P.PlRaiseItemContext, p: Pos): Stmt {
    const id = ctx.identifier();
    if (id === null) return { kind: "raise", at: p, name: null, message: null, fields: [] };
    let message: Expr | null = null;
    const fields: { name: string; value: Expr }[] = [];
    ctx.plRaiseArg().forEach((a, i) => {
      const n = a.identifier();
      if (n === null) {
        if (i !== 0) throw syntax("the message must be the first RAISE argument", at(a));
        message = this.expr(a.expr());
      } else fields.push({ name: this.ident(n), value: this.expr(a.expr()) });
    });
    return { kind: "raise", at: p, name: this.ident(id), message, fields };
  }

  // ---------- embedded SQL ----------

  sqlText(ctx: ParserRuleContext): SqlText {
    const parts: SqlPart[] = [];
    const start = ctx.start!.start;
    let cursor = start;
    const end = (ctx.stop ?? ctx.start)!.stop + 1;
    for (const ip of collectInterpolations(ctx)) {
      const s = ip.start!.start;
      if (s < cursor) continue;
      parts.push(this.text.slice(cursor, s));
      const path = ip.identifier().map((i) => this.ident(i));
      parts.push({ path, relation: interpolationIsRelation(ip, at(ip)), at: at(ip) });
      cursor = ip.stop!.stop + 1;
    }
    parts.push(this.text.slice(cursor, end));
    return { parts, verb: verbOf(ctx) };
  }

  // ---------- expressions ----------

  private args(list: readonly P.FunctionArgContext[]): Arg[] {
    return list.map((a) => ({ name: a.identifier() === null ? null : this.ident(a.identifier()!), value: this.expr(a.expr()) }));
  }

  private bin(op: BinaryOp, l: P.ExprContext, r: P.ExprContext, p: Pos): Expr {
    return { kind: "binary", at: p, op, l: this.expr(l), r: this.expr(r) };
  }

  expr(ctx: P.ExprContext): Expr {
    const p = at(ctx);
    if (ctx instanceof P.PrimaryExprContext) return this.primary(ctx.primary());
    if (ctx instanceof P.PlMemberExprContext) {
      const obj = this.expr(ctx.expr());
      const name = this.ident(ctx.identifier());
      if (ctx.LPAREN() === null) return { kind: "field", at: p, obj, name };
      return { kind: "method", at: p, obj, name, args: this.args(ctx.functionArg()) };
    }
    if (ctx instanceof P.CastOpExprContext) return { kind: "cast", at: p, e: this.expr(ctx.expr()), type: this.typeName(ctx.typeName()) };
    if (ctx instanceof P.SubscriptExprContext) {
      if (ctx.COLON() !== null) return this.viaSql(ctx);
      return { kind: "index", at: p, obj: this.expr(ctx.expr(0)!), index: this.expr(ctx.expr(1)!) };
    }
    if (ctx instanceof P.UnaryExprContext) {
      const op = ctx._op!.text!;
      const inner = this.expr(ctx.expr());
      if (
        op === "-" &&
        inner.kind === "lit" &&
        inner.value.v !== null &&
        (typeof inner.value.v === "number" || typeof inner.value.v === "bigint")
      ) {
        const v = inner.value;
        if (v.t.k === "int64" && -(v.v as bigint) === -2147483648n) return { kind: "lit", at: p, value: mk(T.int32, -2147483648) };
        return { kind: "lit", at: p, value: mk(v.t, typeof v.v === "bigint" ? -v.v : -(v.v as number)) };
      }
      if (op === "~") return this.viaSql(ctx);
      return { kind: "unary", at: p, op: op as "-" | "+", e: inner };
    }
    if (ctx instanceof P.PowerExprContext) return this.bin("^", ctx.expr(0)!, ctx.expr(1)!, p);
    if (ctx instanceof P.MulExprContext || ctx instanceof P.AddExprContext)
      return this.bin(ctx._op!.text! as BinaryOp, ctx.expr(0)!, ctx.expr(1)!, p);
    if (ctx instanceof P.OtherOpExprContext) {
      if (ctx._op!.text === "||") return this.bin("||", ctx.expr(0)!, ctx.expr(1)!, p);
      return this.viaSql(ctx);
    }
    if (ctx instanceof P.PlRangeExprContext) return { kind: "range", at: p, lo: this.expr(ctx.expr(0)!), hi: this.expr(ctx.expr(1)!) };
    if (ctx instanceof P.PlContainsExprContext) {
      const e: Expr = this.bin("CONTAINS", ctx.expr(0)!, ctx.expr(1)!, p);
      return ctx.NOT() === null ? e : { kind: "unary", at: p, op: "NOT", e };
    }
    if (ctx instanceof P.InExprContext) {
      if (ctx.query() !== null) return this.viaSql(ctx);
      const list = ctx.exprList()?.expr() ?? [];
      return { kind: "in", at: p, e: this.expr(ctx.expr()), list: list.map((x) => this.expr(x)), not: ctx.NOT() !== null };
    }
    if (ctx instanceof P.BetweenExprContext) {
      if (ctx.SYMMETRIC() !== null) return this.viaSql(ctx);
      return {
        kind: "between",
        at: p,
        e: this.expr(ctx.expr(0)!),
        lo: this.bexpr(ctx.bexpr()),
        hi: this.expr(ctx.expr(1)!),
        not: ctx.NOT() !== null,
      };
    }
    if (ctx instanceof P.LikeExprContext) {
      if (ctx.ESCAPE() !== null) return this.viaSql(ctx);
      return {
        kind: "like",
        at: p,
        e: this.expr(ctx.expr()),
        pattern: this.bexpr(ctx.bexpr(0)!),
        not: ctx.NOT() !== null,
        ci: ctx.ILIKE() !== null,
      };
    }
    if (ctx instanceof P.ComparisonExprContext) {
      const op = COMPARISON[ctx.compOp().getText()]!;
      return this.bin(op, ctx.expr(0)!, ctx.expr(1)!, p);
    }
    if (ctx instanceof P.IsExprContext) {
      return {
        kind: "is",
        at: p,
        e: this.expr(ctx.expr()),
        test: ctx.NULL() !== null ? "NULL" : ctx.TRUE() !== null ? "TRUE" : "FALSE",
        not: ctx.NOT() !== null,
      };
    }
    if (ctx instanceof P.IsDistinctExprContext) {
      return this.bin(ctx.NOT() !== null ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", ctx.expr(0)!, ctx.expr(1)!, p);
    }
    if (ctx instanceof P.IsNullPostfixContext)
      return { kind: "is", at: p, e: this.expr(ctx.expr()), test: "NULL", not: ctx.NOTNULL() !== null };
    if (ctx instanceof P.NotExprContext) return { kind: "unary", at: p, op: "NOT", e: this.expr(ctx.expr()) };
    if (ctx instanceof P.AndExprContext) return { kind: "logic", at: p, op: "AND", l: this.expr(ctx.expr(0)!), r: this.expr(ctx.expr(1)!) };
    if (ctx instanceof P.PlAmpAmpExprContext) return this.bin("&&", ctx.expr(0)!, ctx.expr(1)!, p);
    if (ctx instanceof P.OrExprContext) return { kind: "logic", at: p, op: "OR", l: this.expr(ctx.expr(0)!), r: this.expr(ctx.expr(1)!) };
    if (ctx instanceof P.PlPipelineExprContext) return this.pipeline(ctx, p);
    if (ctx instanceof P.PlTryExprContext) return this.tryExpr(ctx, p);
    if (ctx instanceof P.PlAwaitExprContext) return { kind: "await", at: p, e: this.expr(ctx.expr()), all: ctx.ALL() !== null };
    return this.viaSql(ctx);
  }

  /** SQL-only expression forms (regex, quantified, EXISTS, …) run as `SELECT <expr>`. */
  private viaSql(ctx: ParserRuleContext): Expr {
    const inner = this.sqlText(ctx);
    return { kind: "query", at: at(ctx), sql: { parts: ["SELECT ", ...inner.parts], verb: "query" }, mode: "scalar" };
  }

  bexpr(ctx: P.BexprContext): Expr {
    const p = at(ctx);
    if (ctx instanceof P.PrimaryBexprContext) return this.primary(ctx.primary());
    if (ctx instanceof P.CastOpBexprContext)
      return { kind: "cast", at: p, e: this.bexpr(ctx.bexpr()), type: this.typeName(ctx.typeName()) };
    if (ctx instanceof P.UnaryBexprContext) {
      const e = this.bexpr(ctx.bexpr());
      return ctx._op!.text === "-" ? { kind: "unary", at: p, op: "-", e } : e;
    }
    const c = ctx as P.PowerBexprContext | P.MulBexprContext | P.AddBexprContext | P.ConcatBexprContext;
    const op = (ctx instanceof P.PowerBexprContext ? "^" : (c as P.MulBexprContext)._op!.text!) as BinaryOp;
    return { kind: "binary", at: p, op, l: this.bexpr(c.bexpr(0)!), r: this.bexpr(c.bexpr(1)!) };
  }

  private pipeline(ctx: P.PlPipelineExprContext, p: Pos): Expr {
    const stages: { name: string; args: Arg[] }[] = [];
    let cur: P.ExprContext = ctx;
    while (cur instanceof P.PlPipelineExprContext) {
      const st: P.PlStageContext = cur.plStage();
      stages.unshift({
        name: st.identifier() === null ? "distinct" : this.ident(st.identifier()!),
        args: st.plStageArg().map((a) => {
          const lam = a.plLambda();
          if (lam !== null) return { name: null, value: this.lambda(lam) };
          if (a.ASC() !== null || a.DESC() !== null)
            return { name: null, value: { kind: "name", at: at(a), name: a.DESC() !== null ? "desc" : "asc" } };
          const fa = a.functionArg()!;
          return { name: fa.identifier() === null ? null : this.ident(fa.identifier()!), value: this.expr(fa.expr()) };
        }),
      });
      cur = cur.expr();
    }
    const src = this.expr(cur);
    return { kind: "pipeline", at: p, source: src.kind === "query" ? { ...src, mode: "rows" } : src, stages };
  }

  private lambda(ctx: P.PlLambdaContext): Lambda {
    const b = ctx.plBlock();
    return {
      kind: "lambda",
      at: at(ctx),
      params: ctx.identifier().map((i) => this.ident(i)),
      body: b !== null ? this.block(b) : this.expr(ctx.expr()!),
    };
  }

  private armBody(ctx: P.PlArmBodyContext): Expr | Block {
    const b = ctx.plBlock();
    if (b !== null) return this.block(b);
    const e = this.expr(ctx.expr()!);
    // `{ RAISE }`, `{ BREAK }`, … look like an interpolation but are blocks of one statement.
    if (e.kind === "var" && e.path.length === 1) {
      const kw = e.path[0]!.toUpperCase();
      const p = e.at;
      if (kw === "RAISE") return { kind: "blk", at: p, items: [{ kind: "raise", at: p, name: null, message: null, fields: [] }] };
      if (kw === "BREAK" || kw === "CONTINUE")
        return { kind: "blk", at: p, items: [{ kind: kw === "BREAK" ? "break" : "continue", at: p }] };
      if (kw === "RETURN") return { kind: "blk", at: p, items: [{ kind: "return", at: p, e: null }] };
    }
    return e;
  }

  private tryExpr(ctx: P.PlTryExprContext, p: Pos): Expr {
    const b = ctx.plBlock();
    const exprs = ctx.expr();
    const body: Expr | Block = b !== null ? this.block(b) : this.expr(exprs[0]!);
    const arms = ctx.plCatchArms();
    if (arms === null) return { kind: "try", at: p, body, arms: null, fallback: this.expr(exprs[exprs.length - 1]!) };
    return { kind: "try", at: p, body, arms: arms.plCatchArm().map((a) => this.catchArm(a)), fallback: null };
  }

  private catchArm(ctx: P.PlCatchArmContext): CatchArm {
    const body = this.armBody(ctx.plArmBody());
    const s = ctx.STRING();
    if (s !== null) return { match: { kind: "sqlstate", code: unquote(s.getText()) }, bind: null, body };
    const ids = ctx.identifier();
    const name = this.ident(ids[0]!);
    const bind = ids[1] === undefined ? null : this.ident(ids[1]);
    return { match: name === "_" ? { kind: "any" } : { kind: "name", name }, bind, body };
  }

  private literal(ctx: P.LiteralContext): Expr {
    const p = at(ctx);
    const t = ctx.start!;
    const txt = t.text ?? "";
    switch (t.type) {
      case P.KodiakParser.INTEGER_LITERAL:
        return { ...intLiteral(txt), at: p };
      case P.KodiakParser.HEX_INTEGER:
        return { ...intLiteral(txt.slice(2), 16), at: p };
      case P.KodiakParser.OCT_INTEGER:
        return { ...intLiteral(txt.slice(2), 8), at: p };
      case P.KodiakParser.BIN_INTEGER:
        return { ...intLiteral(txt.slice(2), 2), at: p };
      case P.KodiakParser.DECIMAL_LITERAL:
        return { kind: "lit", at: p, value: mk(T.numeric, Decimal.parse(txt.replace(/_/g, ""))) };
      case P.KodiakParser.STRING:
        return { kind: "lit", at: p, value: mk(T.unknown, unquote(txt)) };
      case P.KodiakParser.ESCAPE_STRING:
        return { kind: "lit", at: p, value: mk(T.unknown, unescapeE(txt.slice(2, -1))) };
      case P.KodiakParser.DOLLAR_STRING:
        return { kind: "lit", at: p, value: mk(T.unknown, txt.slice(2, -2)) };
      case P.KodiakParser.TRUE:
        return { kind: "lit", at: p, value: mk(T.bool, true) };
      case P.KodiakParser.FALSE:
        return { kind: "lit", at: p, value: mk(T.bool, false) };
      case P.KodiakParser.NULL:
        return { kind: "lit", at: p, value: NULL };
      default:
        return { kind: "lit", at: p, value: mk(T.bytea, Uint8Array.from(Buffer.from(txt.slice(2, -1), "hex"))) };
    }
  }

  private primary(ctx: P.PrimaryContext): Expr {
    const p = at(ctx);
    if (ctx instanceof P.LiteralPrimaryContext) return this.literal(ctx.literal());
    if (ctx instanceof P.ColumnPrimaryContext) return this.nameChain(ctx.qualifiedName(), p);
    if (ctx instanceof P.SubqueryPrimaryContext) return { kind: "query", at: p, sql: this.sqlText(ctx.query()), mode: "scalar" };
    if (ctx instanceof P.ArraySubqueryPrimaryContext) return { kind: "query", at: p, sql: this.sqlText(ctx.query()), mode: "array" };
    if (ctx instanceof P.ArrayPrimaryContext) return { kind: "array", at: p, items: ctx.expr().map((e) => this.expr(e)) };
    if (ctx instanceof P.ParenPrimaryContext) {
      const es = ctx.expr();
      return es.length === 1 ? this.expr(es[0]!) : this.viaSql(ctx);
    }
    if (ctx instanceof P.CasePrimaryContext) return this.caseExpr(ctx, p);
    if (ctx instanceof P.CastPrimaryContext) return { kind: "cast", at: p, e: this.expr(ctx.expr()), type: this.typeName(ctx.typeName()) };
    if (ctx instanceof P.TypedLiteralPrimaryContext) {
      return {
        kind: "cast",
        at: p,
        e: { kind: "lit", value: mk(T.unknown, unquote(ctx.STRING().getText())) },
        type: this.typeName(ctx.typeName()),
      };
    }
    if (ctx instanceof P.FunctionPrimaryContext) return this.call(ctx.functionCall(), p);
    if (ctx instanceof P.PlPrimaryAltContext) return this.plPrimary(ctx.plPrimary());
    return this.viaSql(ctx);
  }

  private nameChain(q: P.QualifiedNameContext, p: Pos): Expr {
    const ids = q.identifier();
    const first = ids[0]!.plInterpolation();
    let e: Expr = first !== null ? this.interp(first) : { kind: "name", at: p, name: this.ident(ids[0]!) };
    for (const id of ids.slice(1)) e = { kind: "field", at: p, obj: e, name: this.ident(id) };
    return e;
  }

  private interp(ctx: P.PlInterpolationContext): Expr {
    return { kind: "var", at: at(ctx), path: ctx.identifier().map((i) => this.ident(i)) };
  }

  private call(ctx: P.FunctionCallContext, p: Pos): Expr {
    if (
      ctx.OVER() !== null ||
      ctx.FILTER() !== null ||
      ctx.WITHIN() !== null ||
      ctx.DISTINCT() !== null ||
      ctx.orderByClause().length > 0
    ) {
      return this.viaSql(ctx);
    }
    const ids = ctx.qualifiedName().identifier();
    const name = this.ident(ids[ids.length - 1]!);
    const args = this.args(ctx.functionArg());
    if (ids.length === 1) return { kind: "call", at: p, name, args, star: ctx.STAR() !== null };
    const obj = this.nameChain({ identifier: () => ids.slice(0, -1) } as unknown as P.QualifiedNameContext, p);
    return { kind: "method", at: p, obj, name, args };
  }

  private caseExpr(ctx: P.CasePrimaryContext, p: Pos): Expr {
    const exprs = ctx.expr();
    const hasSubject = ctx.getChild(1) instanceof P.ExprContext;
    const hasElse = ctx.ELSE() !== null;
    let i = 0;
    const subject = hasSubject ? this.expr(exprs[i++]!) : null;
    const whens: { when: Expr; result: Expr }[] = [];
    const end = hasElse ? exprs.length - 1 : exprs.length;
    while (i < end) {
      whens.push({ when: this.expr(exprs[i]!), result: this.expr(exprs[i + 1]!) });
      i += 2;
    }
    return { kind: "case", at: p, subject, whens, otherwise: hasElse ? this.expr(exprs[exprs.length - 1]!) : null };
  }

  private plPrimary(ctx: P.PlPrimaryContext): Expr {
    const p = at(ctx);
    if (ctx instanceof P.PlInterpPrimaryContext) return this.interp(ctx.plInterpolation());
    if (ctx instanceof P.PlStructPrimaryContext) {
      return {
        kind: "struct",
        at: p,
        fields: ctx.plStructField().map((f) => ({ name: this.ident(f.identifier()), value: this.expr(f.expr()) })),
      };
    }
    if (ctx instanceof P.PlArrayPrimaryContext) return { kind: "array", at: p, items: ctx.expr().map((e) => this.expr(e)) };
    if (ctx instanceof P.PlIfPrimaryContext) {
      const conds = ctx.expr();
      const blocks = ctx.plBlock();
      const branches = conds.map((c, i) => ({ cond: this.expr(c), body: this.block(blocks[i]!) }));
      return { kind: "if", at: p, branches, otherwise: blocks.length > conds.length ? this.block(blocks[blocks.length - 1]!) : null };
    }
    const m = ctx as P.PlMatchPrimaryContext;
    return { kind: "match", at: p, subject: this.expr(m.expr()), arms: m.plArm().map((a) => this.arm(a)) };
  }

  private arm(ctx: P.PlArmContext): MatchArm {
    const g = ctx.expr();
    return {
      patterns: ctx.plPattern().map((x) => this.pattern(x)),
      guard: g === null ? null : this.expr(g),
      body: this.armBody(ctx.plArmBody()),
    };
  }

  private patternLit(ctx: P.PlPatternLiteralContext): Expr {
    const tn = ctx.typeName();
    if (tn !== null)
      return { kind: "cast", e: { kind: "lit", value: mk(T.unknown, unquote(ctx.STRING()!.getText())) }, type: this.typeName(tn) };
    const lit = this.literal(ctx.literal()!);
    if (ctx.MINUS() !== null) return { kind: "unary", op: "-", e: lit };
    return lit;
  }

  private pattern(ctx: P.PlPatternContext): Pattern {
    if (ctx instanceof P.PlRangePatternContext)
      return { kind: "pRange", lo: this.patternLit(ctx.plPatternLiteral(0)!), hi: this.patternLit(ctx.plPatternLiteral(1)!) };
    if (ctx instanceof P.PlLiteralPatternContext) return { kind: "pLit", value: this.patternLit(ctx.plPatternLiteral()) };
    if (ctx instanceof P.PlStructPatternContext) {
      const ids = ctx.identifier();
      return { kind: "pStruct", fields: ctx.plPattern().map((x, i) => ({ name: this.ident(ids[i]!), pattern: this.pattern(x) })) };
    }
    const name = this.ident((ctx as P.PlBindPatternContext).identifier());
    return name === "_" ? { kind: "pAny" } : { kind: "pBind", name };
  }
}

const PL_SYNTAX = [
  P.PlMemberExprContext,
  P.PlRangeExprContext,
  P.PlContainsExprContext,
  P.PlAmpAmpExprContext,
  P.PlPipelineExprContext,
  P.PlTryExprContext,
  P.PlAwaitExprContext,
  P.PlStructPrimaryContext,
  P.PlArrayPrimaryContext,
  P.PlIfPrimaryContext,
  P.PlMatchPrimaryContext,
];

/** Does a subtree use PL-Grizzly-only expression syntax (interpolation does not count)? */
/** Schemas whose `schema.f(...)` is a SQL function call, never a PL method call (as in sql/parser/build.ts). */
const SQL_SCHEMAS = new Set(["pg_catalog", "information_schema", "public"]);

function hasPlSyntax(ctx: ParserRuleContext): boolean {
  const sqlCall = ctx instanceof P.PlMemberExprContext && ctx.LPAREN() !== null && SQL_SCHEMAS.has(ctx.expr().getText().toLowerCase());
  if (!sqlCall && PL_SYNTAX.some((k) => ctx instanceof k)) return true;
  for (let i = 0; i < ctx.getChildCount(); i++) {
    const c = ctx.getChild(i);
    if (c !== null && "children" in c && hasPlSyntax(c as ParserRuleContext)) return true;
  }
  return false;
}

function collectInterpolations(ctx: ParserRuleContext): P.PlInterpolationContext[] {
  const out: P.PlInterpolationContext[] = [];
  const walk = (n: ParserRuleContext) => {
    for (let i = 0; i < n.getChildCount(); i++) {
      const c = n.getChild(i);
      if (c instanceof P.PlInterpolationContext) out.push(c);
      else if (c !== null && "children" in c) walk(c as ParserRuleContext);
    }
  };
  walk(ctx);
  return out;
}

/** Section 5.2: relation position (after FROM/JOIN/INTO/UPDATE/DELETE FROM) or value; else 42601. */
function interpolationIsRelation(ip: P.PlInterpolationContext, p: Pos): boolean {
  const parent = ip.parent;
  if (parent instanceof P.PlInterpPrimaryContext) return false;
  if (parent instanceof P.IdentifierContext) {
    const q = parent.parent;
    if (q instanceof P.QualifiedNameContext) {
      const owner = q.parent;
      if (owner instanceof P.ColumnPrimaryContext && q.identifier().length === 1) return false;
      if (
        owner instanceof P.TableRefContext ||
        owner instanceof P.InsertStmtContext ||
        owner instanceof P.UpdateStmtContext ||
        owner instanceof P.DeleteStmtContext
      ) {
        return true;
      }
    }
  }
  throw syntax("{…} interpolation is allowed only in value and relation positions", p);
}

function verbOf(ctx: ParserRuleContext): SqlText["verb"] {
  if (ctx instanceof P.QueryStmtContext || ctx instanceof P.QueryContext) return "query";
  if (ctx instanceof P.InsertStatementContext || ctx instanceof P.UpdateStatementContext || ctx instanceof P.DeleteStatementContext)
    return "dml";
  if (ctx instanceof P.TransactionStatementContext) return "tx";
  if (ctx instanceof P.StatementContext) {
    const isDdl =
      ctx instanceof P.CreateTableStatementContext ||
      ctx instanceof P.CreateIndexStatementContext ||
      ctx instanceof P.CreateViewStatementContext ||
      ctx instanceof P.CreateSchemaStatementContext ||
      ctx instanceof P.DropStatementContext ||
      ctx instanceof P.AlterTableStatementContext ||
      ctx instanceof P.PlStatementAltContext;
    return isDdl ? "ddl" : "other";
  }
  return "query";
}
