// Turns the ANTLR parse tree into the AST (ast.ts). Purely structural: no catalog lookups, no
// type checks. Anything the grammar accepts but the AST cannot express is a 42601/0A000 here.
import type { ParserRuleContext, TerminalNode, Token } from "antlr4ng";
import { KodiakError, SqlState } from "../../util/index.js";
import * as P from "../grammar/gen/KodiakParser.js";
import type * as A from "./ast.js";

const pos = (ctx: ParserRuleContext): number => ctx.start?.start ?? 0;
const tpos = (t: TerminalNode | Token): number => ("symbol" in t ? t.symbol.start : t.start);

export class AstBuilder {
  constructor(private readonly text: string) {}

  private source(ctx: ParserRuleContext): string {
    const start = ctx.start?.start ?? 0;
    const stop = ctx.stop?.stop ?? start - 1;
    return this.text.slice(start, stop + 1);
  }

  script(ctx: P.ScriptContext): A.ParsedStatement[] {
    return ctx.statement().map((s) => {
      const start = s.start?.start ?? 0;
      const end = (s.stop?.stop ?? start - 1) + 1;
      return { statement: this.statement(s), start, end, text: this.text.slice(start, end) };
    });
  }

  statement(ctx: P.StatementContext): A.Statement {
    const p = pos(ctx);
    if (ctx instanceof P.QueryStmtContext) return this.query(ctx.query());
    if (ctx instanceof P.InsertStatementContext) return this.insert(ctx.insertStmt());
    if (ctx instanceof P.UpdateStatementContext) return this.update(ctx.updateStmt());
    if (ctx instanceof P.DeleteStatementContext) return this.delete(ctx.deleteStmt());
    if (ctx instanceof P.CreateTableStatementContext) return this.createTable(ctx.createTableStmt());
    if (ctx instanceof P.CreateIndexStatementContext) return this.createIndex(ctx.createIndexStmt());
    if (ctx instanceof P.CreateViewStatementContext) return this.createView(ctx.createViewStmt());
    if (ctx instanceof P.CreateSchemaStatementContext) {
      const c = ctx.createSchemaStmt();
      return { kind: "createSchema", pos: p, name: this.ident(c.identifier()), ifNotExists: c.IF() !== null };
    }
    if (ctx instanceof P.DropStatementContext) return this.drop(ctx.dropStmt());
    if (ctx instanceof P.AlterTableStatementContext) return this.alterTable(ctx.alterTableStmt());
    if (ctx instanceof P.TransactionStatementContext) return this.transaction(ctx.transactionStmt());
    if (ctx instanceof P.ExplainStatementContext) {
      return { kind: "explain", pos: p, analyze: ctx.ANALYZE() !== null, statement: this.statement(ctx.statement()) };
    }
    if (ctx instanceof P.AnalyzeStatementContext) {
      const q = ctx.qualifiedName();
      return { kind: "analyze", pos: p, table: q ? this.qname(q) : undefined };
    }
    if (ctx instanceof P.SetStatementContext) {
      const name = ctx
        .setTarget()
        .identifier()
        .map((i) => this.ident(i))
        .join(".");
      const v = ctx.setValue();
      return {
        kind: "set",
        pos: p,
        name,
        value: v.DEFAULT()
          ? undefined
          : v
              .expr()
              .map((e) => this.settingText(e))
              .join(", "),
      };
    }
    if (ctx instanceof P.SetTransactionStatementContext) return { kind: "set", pos: p, name: "transaction", value: "" };
    if (ctx instanceof P.SetTimeZoneStatementContext) {
      const str = ctx.STRING();
      const id = ctx.identifier();
      const value = str ? unquoteString(str.getText()) : id ? this.ident(id) : undefined;
      return { kind: "set", pos: p, name: "timezone", value: value?.toLowerCase() === "local" ? undefined : value };
    }
    if (ctx instanceof P.ShowStatementContext) {
      const ids = ctx.identifier(); // `SHOW a.b`: a dotted (extension-style) setting name
      const name = ids.length > 0 ? ids.map((i) => this.ident(i)).join(".") : ctx.ALL() ? "all" : "transaction_isolation";
      return { kind: "show", pos: p, name };
    }
    if (ctx instanceof P.ResetStatementContext) {
      const id = ctx.identifier();
      return { kind: "reset", pos: p, name: id ? this.ident(id) : "all" };
    }
    if (ctx instanceof P.CopyStatementContext) return this.copy(ctx.copyStmt());
    if (ctx instanceof P.PrepareStatementContext) {
      return {
        kind: "prepare",
        pos: p,
        name: this.ident(ctx.identifier()),
        types: ctx.typeName().map((t) => this.typeName(t)),
        statement: this.statement(ctx.statement()),
      };
    }
    if (ctx instanceof P.ExecuteStatementContext) {
      return { kind: "execute", pos: p, name: this.ident(ctx.identifier()), args: ctx.expr().map((e) => this.expr(e)) };
    }
    if (ctx instanceof P.TruncateStatementContext)
      return { kind: "truncate", pos: p, tables: ctx.qualifiedName().map((q) => this.qname(q)) };
    if (ctx instanceof P.VacuumStatementContext) {
      const opts = ctx.identifier().map((i) => this.ident(i));
      return {
        kind: "vacuum",
        pos: p,
        analyze: ctx.ANALYZE() !== null || opts.includes("analyze"),
        tables: ctx.qualifiedName().map((q) => this.qname(q)),
      };
    }
    if (ctx instanceof P.DiscardStatementContext) return { kind: "discard", pos: p };
    if (ctx instanceof P.DeallocateStatementContext) {
      const id = ctx.identifier();
      return { kind: "deallocate", pos: p, name: id ? this.ident(id) : undefined };
    }
    // PL-Grizzly statements are built and run by sql/pl from their source text.
    if (ctx instanceof P.PlStatementAltContext) return { kind: "pl", pos: p, text: this.source(ctx) };
    throw unsupported(p, "statement");
  }

  private settingText(e: P.ExprContext): string {
    const s = this.source(e);
    if (s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
    return s;
  }

  // ---------- queries ----------
  query(ctx: P.QueryContext): A.Query {
    const w = ctx.withClause();
    const lim = ctx.limitClause();
    let limit: A.Expr | undefined;
    let offset: A.Expr | undefined;
    if (lim) {
      const exprs = lim.expr();
      // Work out which expression is which from token order.
      let idx = 0;
      for (let i = 0; i < lim.getChildCount(); i++) {
        const ch = lim.getChild(i);
        if (ch instanceof P.ExprContext) idx++;
        else if (ch !== null && "symbol" in ch) {
          const tt = (ch as TerminalNode).symbol.type;
          const next = lim.getChild(i + 1);
          if ((tt === P.KodiakParser.LIMIT || tt === P.KodiakParser.FIRST || tt === P.KodiakParser.NEXT) && next instanceof P.ExprContext) {
            limit = this.expr(exprs[idx]);
          } else if (tt === P.KodiakParser.OFFSET && next instanceof P.ExprContext) {
            offset = this.expr(exprs[idx]);
          }
        }
      }
    }
    return {
      kind: "query",
      pos: pos(ctx),
      with: w ? this.with(w) : undefined,
      body: this.selectBody(ctx.selectBody()),
      orderBy: this.orderBy(ctx.orderByClause()),
      limit,
      offset,
    };
  }

  private with(ctx: P.WithClauseContext): A.WithClause {
    return {
      recursive: ctx.RECURSIVE() !== null,
      ctes: ctx.cte().map((c) => {
        const st = this.statement(c.statement());
        if (st.kind !== "query") throw unsupported(pos(c), "data-modifying statements in WITH");
        return { name: this.ident(c.identifier()), columns: this.columnList(c.columnList()), query: st, pos: pos(c) };
      }),
    };
  }

  private selectBody(ctx: P.SelectBodyContext): A.QueryBody {
    if (ctx instanceof P.PrimarySelectContext) return this.selectPrimary(ctx.selectPrimary());
    if (ctx instanceof P.IntersectSelectContext) {
      return {
        kind: "setOp",
        pos: pos(ctx),
        op: "intersect",
        all: ctx.ALL() !== null,
        left: this.selectBody(ctx.selectBody(0)!),
        right: this.selectBody(ctx.selectBody(1)!),
      };
    }
    const u = ctx as P.UnionSelectContext;
    return {
      kind: "setOp",
      pos: pos(ctx),
      op: u.UNION() ? "union" : "except",
      all: u.ALL() !== null,
      left: this.selectBody(u.selectBody(0)!),
      right: this.selectBody(u.selectBody(1)!),
    };
  }

  private selectPrimary(ctx: P.SelectPrimaryContext): A.QueryBody {
    const core = ctx.selectCore() ?? ctx.fromFirstCore(); // PL-Grizzly: FROM-first queries
    if (core) return this.selectCore(core);
    const v = ctx.valuesClause();
    if (v) return this.values(v);
    const q = ctx.query();
    if (q) return { kind: "nested", pos: pos(ctx), query: this.query(q) };
    const name = this.qname(ctx.qualifiedName()!);
    return {
      kind: "select",
      pos: pos(ctx),
      distinct: false,
      distinctOn: undefined,
      items: [{ kind: "star", pos: pos(ctx), qualifier: undefined }],
      from: [{ kind: "table", pos: name.pos, name, alias: undefined }],
      where: undefined,
      groupBy: [],
      having: undefined,
      windows: [],
    };
  }

  private values(ctx: P.ValuesClauseContext): A.ValuesBody {
    return {
      kind: "values",
      pos: pos(ctx),
      rows: ctx.valuesRow().map((r) =>
        r.valuesItem().map((it): A.Expr => {
          const e = it.expr();
          return e ? this.expr(e) : { kind: "default", pos: pos(it) };
        }),
      ),
    };
  }

  private selectCore(ctx: P.SelectCoreContext | P.FromFirstCoreContext): A.SelectCore {
    const list = ctx.selectList();
    const q = ctx.setQuantifier();
    const from = ctx.fromClause();
    const where = ctx.whereClause();
    const group = ctx.groupByClause();
    const having = ctx.havingClause();
    const win = ctx.windowClause();
    return {
      kind: "select",
      pos: pos(ctx),
      distinct: q?.DISTINCT() != null,
      distinctOn: q?.ON() ? q.expr().map((e) => this.expr(e)) : undefined,
      items: list ? this.selectList(list) : [{ kind: "star", pos: pos(ctx), qualifier: undefined }],
      from: from ? from.fromItem().map((f) => this.fromItem(f)) : [],
      where: where ? this.expr(where.expr()) : undefined,
      groupBy: group ? group.expr().map((e) => this.expr(e)) : [],
      having: having ? this.expr(having.expr()) : undefined,
      windows: win ? win.windowDef().map((d) => ({ name: this.ident(d.identifier()), spec: this.windowSpec(d.windowSpec()) })) : [],
    };
  }

  private selectList(ctx: P.SelectListContext): A.SelectItem[] {
    return ctx.selectItem().map((it): A.SelectItem => {
      if (it instanceof P.StarItemContext) return { kind: "star", pos: pos(it), qualifier: undefined };
      if (it instanceof P.QualifiedStarItemContext) {
        return {
          kind: "star",
          pos: pos(it),
          qualifier: it
            .qualifiedName()
            .identifier()
            .map((i) => this.ident(i)),
        };
      }
      const e = it as P.ExprItemContext;
      const a = e.columnAlias();
      const bare = e.identifier();
      let alias: string | undefined = bare ? this.ident(bare) : undefined;
      if (a) {
        const id = a.identifier();
        alias = id ? this.ident(id) : unquoteString(a.STRING()!.getText());
      }
      return { kind: "expr", pos: pos(it), expr: this.expr(e.expr()), alias };
    });
  }

  private fromItem(ctx: P.FromItemContext): A.FromItem {
    const p = pos(ctx);
    if (ctx instanceof P.PrimaryFromContext) return this.tablePrimary(ctx.tablePrimary());
    if (ctx instanceof P.CrossJoinContext) {
      return {
        kind: "join",
        pos: p,
        joinType: "cross",
        left: this.fromItem(ctx.fromItem()),
        right: this.tablePrimary(ctx.tablePrimary()),
        on: undefined,
        using: undefined,
        natural: false,
      };
    }
    if (ctx instanceof P.NaturalJoinContext) {
      return {
        kind: "join",
        pos: p,
        joinType: this.joinType(ctx.joinType()),
        left: this.fromItem(ctx.fromItem()),
        right: this.tablePrimary(ctx.tablePrimary()),
        on: undefined,
        using: undefined,
        natural: true,
      };
    }
    const j = ctx as P.QualifiedJoinContext;
    const cond = j.joinCondition();
    const onE = cond.expr();
    return {
      kind: "join",
      pos: p,
      joinType: this.joinType(j.joinType()),
      left: this.fromItem(j.fromItem(0)!),
      right: this.fromItem(j.fromItem(1)!),
      on: onE ? this.expr(onE) : undefined,
      using: onE ? undefined : cond.identifier().map((i) => this.ident(i)),
      natural: false,
    };
  }

  private joinType(ctx: P.JoinTypeContext | null): "inner" | "left" | "right" | "full" {
    if (!ctx) return "inner";
    if (ctx.LEFT()) return "left";
    if (ctx.RIGHT()) return "right";
    if (ctx.FULL()) return "full";
    return "inner";
  }

  private alias(ctx: P.AliasClauseContext | null): A.Alias | undefined {
    if (!ctx) return undefined;
    return { name: this.ident(ctx.identifier()), columns: this.columnList(ctx.columnList()) };
  }

  private tablePrimary(ctx: P.TablePrimaryContext): A.FromItem {
    const p = pos(ctx);
    if (ctx instanceof P.TableRefContext)
      return { kind: "table", pos: p, name: this.qname(ctx.qualifiedName()), alias: this.alias(ctx.aliasClause()) };
    if (ctx instanceof P.SubqueryRefContext) {
      return {
        kind: "subquery",
        pos: p,
        query: this.query(ctx.query()),
        alias: this.alias(ctx.aliasClause()),
        lateral: ctx.LATERAL() !== null,
      };
    }
    if (ctx instanceof P.FunctionRefContext) {
      return {
        kind: "function",
        pos: p,
        func: this.functionCall(ctx.functionCall()),
        alias: this.alias(ctx.aliasClause()),
        ordinality: ctx.ORDINALITY() !== null,
      };
    }
    const pf = ctx as P.ParenFromContext;
    const inner = this.fromItem(pf.fromItem());
    const a = this.alias(pf.aliasClause());
    if (!a) return inner;
    // (a JOIN b) AS x: treat as a subquery selecting everything.
    return {
      kind: "subquery",
      pos: p,
      lateral: false,
      alias: a,
      query: {
        kind: "query",
        pos: p,
        with: undefined,
        orderBy: [],
        limit: undefined,
        offset: undefined,
        body: {
          kind: "select",
          pos: p,
          distinct: false,
          distinctOn: undefined,
          items: [{ kind: "star", pos: p, qualifier: undefined }],
          from: [inner],
          where: undefined,
          groupBy: [],
          having: undefined,
          windows: [],
        },
      },
    };
  }

  private orderBy(ctx: P.OrderByClauseContext | null): A.SortItem[] {
    if (!ctx) return [];
    return ctx.sortItem().map((s) => {
      const desc = s.DESC() !== null || s.GT() !== null;
      return { expr: this.expr(s.expr()), descending: desc, nullsFirst: s.NULLS() ? s.FIRST() !== null : undefined };
    });
  }

  private windowSpec(ctx: P.WindowSpecContext): A.WindowSpec {
    const f = ctx.frameClause();
    let frame: A.WindowFrame | undefined;
    if (f) {
      const bounds = f.frameBound().map((b) => this.frameBound(b));
      frame = {
        unit: f.ROWS() ? "rows" : f.RANGE() ? "range" : "groups",
        start: bounds[0],
        end: bounds[1] ?? { type: "currentRow", offset: undefined },
      };
    }
    const id = ctx.identifier();
    return {
      ref: id ? this.ident(id) : undefined,
      partitionBy: ctx.expr().map((e) => this.expr(e)),
      orderBy: this.orderBy(ctx.orderByClause()),
      frame,
    };
  }

  private frameBound(ctx: P.FrameBoundContext): A.FrameBound {
    if (ctx.UNBOUNDED()) return { type: ctx.PRECEDING() ? "unboundedPreceding" : "unboundedFollowing", offset: undefined };
    if (ctx.CURRENT()) return { type: "currentRow", offset: undefined };
    return { type: ctx.PRECEDING() ? "preceding" : "following", offset: this.expr(ctx.expr()!) };
  }

  // ---------- DML ----------
  private returning(ctx: P.ReturningClauseContext | null): A.SelectItem[] | undefined {
    return ctx ? this.selectList(ctx.selectList()) : undefined;
  }

  private setClause(ctx: P.SetClauseContext): A.SetClause {
    const cl = ctx.columnList();
    if (cl) return { columns: this.columnList(cl), values: ctx.expr().map((e) => this.expr(e)), pos: pos(ctx) };
    const e = ctx.expr(0);
    return {
      columns: [this.ident(ctx.identifier()!)],
      values: [e ? this.expr(e) : { kind: "default", pos: pos(ctx) }],
      pos: pos(ctx),
    };
  }

  private insert(ctx: P.InsertStmtContext): A.InsertStmt {
    const oc = ctx.onConflict();
    const w = ctx.withClause();
    const q = ctx.query();
    const aliasId = ctx.identifier();
    return {
      kind: "insert",
      pos: pos(ctx),
      with: w ? this.with(w) : undefined,
      table: this.qname(ctx.qualifiedName()),
      alias: aliasId ? this.ident(aliasId) : undefined,
      columns: ctx.columnList() ? this.columnList(ctx.columnList()) : undefined,
      source: q ? this.query(q) : undefined,
      onConflict: oc
        ? {
            target: oc.ON(1) ? [] : oc.identifier().map((i) => this.ident(i)),
            action: oc.NOTHING() ? "nothing" : "update",
            set: oc.setClause().map((s) => this.setClause(s)),
            where: oc.whereClause() ? this.expr(oc.whereClause()!.expr()) : undefined,
          }
        : undefined,
      returning: this.returning(ctx.returningClause()),
    };
  }

  private update(ctx: P.UpdateStmtContext): A.UpdateStmt {
    const w = ctx.withClause();
    const from = ctx.fromClause();
    const where = ctx.whereClause();
    return {
      kind: "update",
      pos: pos(ctx),
      with: w ? this.with(w) : undefined,
      table: this.qname(ctx.qualifiedName()),
      alias: this.alias(ctx.aliasClause())?.name,
      set: ctx.setClause().map((s) => this.setClause(s)),
      from: from ? from.fromItem().map((f) => this.fromItem(f)) : [],
      where: where ? this.expr(where.expr()) : undefined,
      returning: this.returning(ctx.returningClause()),
    };
  }

  private delete(ctx: P.DeleteStmtContext): A.DeleteStmt {
    const w = ctx.withClause();
    const where = ctx.whereClause();
    return {
      kind: "delete",
      pos: pos(ctx),
      with: w ? this.with(w) : undefined,
      table: this.qname(ctx.qualifiedName()),
      alias: this.alias(ctx.aliasClause())?.name,
      using: ctx.fromItem().map((f) => this.fromItem(f)),
      where: where ? this.expr(where.expr()) : undefined,
      returning: this.returning(ctx.returningClause()),
    };
  }

  private copy(ctx: P.CopyStmtContext): A.CopyStmt {
    const options = new Map<string, string>();
    for (const o of ctx.copyOption()) {
      if (o.CSV()) options.set("format", "csv");
      else if (o.HEADER()) options.set("header", "true");
      else if (o.FORMAT()) options.set("format", this.ident(o.identifier(0)!).toLowerCase());
      else if (o.DELIMITER()) options.set("delimiter", unquoteString(o.STRING()!.getText()));
      else {
        const ids = o.identifier();
        const key = this.ident(ids[0]!).toLowerCase();
        const val = ids[1]
          ? this.ident(ids[1])
          : o.STRING()
            ? unquoteString(o.STRING()!.getText())
            : o.FALSE()
              ? "false"
              : (o.INTEGER_LITERAL()?.getText() ?? "true");
        options.set(key, val.toLowerCase() === "csv" || key !== "format" ? val : val.toLowerCase());
      }
    }
    const str = ctx.STRING();
    const q = ctx.query();
    return {
      kind: "copy",
      pos: pos(ctx),
      table: q ? undefined : this.qname(ctx.qualifiedName()!),
      query: q ? this.query(q) : undefined,
      columns: ctx.columnList() ? this.columnList(ctx.columnList()) : undefined,
      direction: ctx.FROM() ? "from" : "to",
      target: ctx.STDIN() ? "stdin" : ctx.STDOUT() ? "stdout" : { file: unquoteString(str!.getText()) },
      options,
    };
  }

  // ---------- DDL ----------
  private createTable(ctx: P.CreateTableStmtContext): A.CreateTableStmt {
    const columns: A.ColumnDef[] = [];
    const constraints: A.TableConstraint[] = [];
    for (const el of ctx.tableElement()) {
      const cd = el.columnDef();
      if (cd) columns.push(this.columnDef(cd));
      else constraints.push(this.tableConstraint(el.tableConstraint()!));
    }
    const q = ctx.query();
    return {
      kind: "createTable",
      pos: pos(ctx),
      name: this.qname(ctx.qualifiedName()),
      ifNotExists: ctx.IF() !== null,
      columns: q
        ? this.columnList(ctx.columnList()).map((n) => ({ name: n, type: { name: "", args: [], arrayDims: 0 }, constraints: [], pos: 0 }))
        : columns,
      constraints,
      asQuery: q ? this.query(q) : undefined,
    };
  }

  private columnDef(ctx: P.ColumnDefContext): A.ColumnDef {
    return {
      name: this.ident(ctx.identifier()),
      type: this.typeName(ctx.typeName()),
      pos: pos(ctx),
      constraints: ctx.columnConstraint().map((cc): A.ColumnConstraint => {
        const name = cc.identifier() ? this.ident(cc.identifier()!) : undefined;
        const b = cc.columnConstraintBody();
        if (b instanceof P.NotNullConstraintContext) return { kind: "notNull" };
        if (b instanceof P.NullConstraintContext) return { kind: "null" };
        if (b instanceof P.PkColumnConstraintContext) return { kind: "primaryKey" };
        if (b instanceof P.UniqueColumnConstraintContext) return { kind: "unique" };
        if (b instanceof P.DefaultConstraintContext) return { kind: "default", expr: this.bexpr(b.bexpr()), text: this.source(b.bexpr()) };
        if (b instanceof P.CheckColumnConstraintContext)
          return { kind: "check", expr: this.expr(b.expr()), text: this.source(b.expr()), name };
        if (b instanceof P.ReferencesConstraintContext) {
          return {
            kind: "references",
            table: this.qname(b.qualifiedName()),
            columns: this.columnList(b.columnList()),
            onDelete: this.onDelete(b.referentialAction()),
          };
        }
        return { kind: "null" }; // COLLATE: accepted and ignored (binary collation only)
      }),
    };
  }

  private indexColumns(ctx: P.IndexColumnListContext): A.IndexColumn[] {
    return ctx.indexColumn().map((c) => ({ name: this.ident(c.identifier(0)!), descending: c.DESC() !== null }));
  }

  private tableConstraint(ctx: P.TableConstraintContext): A.TableConstraint {
    const name = ctx.identifier() ? this.ident(ctx.identifier()!) : undefined;
    const b = ctx.tableConstraintBody();
    if (b instanceof P.PkTableConstraintContext) return { kind: "primaryKey", name, columns: this.indexColumns(b.indexColumnList()) };
    if (b instanceof P.UniqueTableConstraintContext) return { kind: "unique", name, columns: this.indexColumns(b.indexColumnList()) };
    if (b instanceof P.CheckTableConstraintContext) return { kind: "check", name, expr: this.expr(b.expr()), text: this.source(b.expr()) };
    const fk = b as P.FkTableConstraintContext;
    return {
      kind: "foreignKey",
      name,
      columns: this.columnList(fk.columnList(0)),
      table: this.qname(fk.qualifiedName()),
      refColumns: this.columnList(fk.columnList(1)),
      onDelete: this.onDelete(fk.referentialAction()),
    };
  }

  private onDelete(actions: P.ReferentialActionContext[]): A.ReferentialAction {
    const del = actions.find((a) => a.DELETE() !== null);
    if (!del) return "noAction";
    if (del.CASCADE()) return "cascade";
    if (del.RESTRICT()) return "restrict";
    if (del.NULL()) return "setNull";
    if (del.DEFAULT()) return "setDefault";
    return "noAction";
  }

  private createIndex(ctx: P.CreateIndexStmtContext): A.CreateIndexStmt {
    const id = ctx.identifier();
    return {
      kind: "createIndex",
      pos: pos(ctx),
      name: id ? this.ident(id) : undefined,
      table: this.qname(ctx.qualifiedName()),
      unique: ctx.UNIQUE() !== null,
      ifNotExists: ctx.IF() !== null,
      columns: this.indexColumns(ctx.indexColumnList()),
    };
  }

  private createView(ctx: P.CreateViewStmtContext): A.CreateViewStmt {
    return {
      kind: "createView",
      pos: pos(ctx),
      name: this.qname(ctx.qualifiedName()),
      orReplace: ctx.REPLACE() !== null,
      ifNotExists: ctx.IF() !== null,
      columns: this.columnList(ctx.columnList()),
      query: this.query(ctx.query()),
      text: this.source(ctx.query()),
    };
  }

  private drop(ctx: P.DropStmtContext): A.DropStmt {
    return {
      kind: "drop",
      pos: pos(ctx),
      objectType: ctx.TABLE() ? "table" : ctx.INDEX() ? "index" : ctx.VIEW() ? "view" : "schema",
      names: ctx.qualifiedName().map((q) => this.qname(q)),
      ifExists: ctx.IF() !== null,
      cascade: ctx.CASCADE() !== null,
    };
  }

  private alterTable(ctx: P.AlterTableStmtContext): A.AlterTableStmt {
    return {
      kind: "alterTable",
      pos: pos(ctx),
      table: this.qname(ctx.qualifiedName()),
      ifExists: ctx.IF() !== null,
      actions: ctx.alterAction().map((a): A.AlterAction => {
        if (a instanceof P.AddColumnContext)
          return { kind: "addColumn", column: this.columnDef(a.columnDef()), ifNotExists: a.IF() !== null };
        if (a instanceof P.AddConstraintContext) return { kind: "addConstraint", constraint: this.tableConstraint(a.tableConstraint()) };
        if (a instanceof P.DropColumnContext) return { kind: "dropColumn", name: this.ident(a.identifier()), ifExists: a.IF() !== null };
        if (a instanceof P.RenameColumnContext)
          return { kind: "renameColumn", from: this.ident(a.identifier(0)!), to: this.ident(a.identifier(1)!) };
        if (a instanceof P.RenameTableContext) return { kind: "renameTable", to: this.ident(a.identifier()) };
        const ac = a as P.AlterColumnContext;
        const e = ac.expr();
        const action = ac.SET() ? (ac.DEFAULT() ? "setDefault" : "setNotNull") : ac.DEFAULT() ? "dropDefault" : "dropNotNull";
        return {
          kind: "alterColumn",
          name: this.ident(ac.identifier()),
          action,
          expr: e ? this.expr(e) : undefined,
          text: e ? this.source(e) : "",
        };
      }),
    };
  }

  private transaction(ctx: P.TransactionStmtContext): A.Statement {
    const p = pos(ctx);
    if (ctx instanceof P.BeginStmtContext) return { kind: "begin", pos: p };
    if (ctx instanceof P.CommitStmtContext) return { kind: "commit", pos: p };
    if (ctx instanceof P.RollbackStmtContext) return { kind: "rollback", pos: p };
    if (ctx instanceof P.SavepointStmtContext) return { kind: "savepoint", pos: p, name: this.ident(ctx.identifier()) };
    if (ctx instanceof P.ReleaseStmtContext) return { kind: "release", pos: p, name: this.ident(ctx.identifier()) };
    return { kind: "rollbackTo", pos: p, name: this.ident((ctx as P.RollbackToStmtContext).identifier()) };
  }

  // ---------- expressions ----------
  expr(ctx: P.ExprContext): A.Expr {
    const p = pos(ctx);
    if (ctx instanceof P.PrimaryExprContext) return this.primary(ctx.primary());
    if (ctx instanceof P.CastOpExprContext) return this.cast(tpos(ctx.TYPECAST()), this.expr(ctx.expr()), this.typeName(ctx.typeName()));
    if (ctx instanceof P.CollateExprContext) return this.collate(ctx);
    if (ctx instanceof P.OperatorExprContext) {
      const schema = ctx.identifier();
      if (schema !== null && this.ident(schema) !== "pg_catalog") {
        throw new KodiakError(SqlState.undefinedFunction, `operator does not exist: ${this.ident(schema)}.${ctx.qualifiedOp().getText()}`, {
          position: pos(schema) + 1,
        });
      }
      const op = normalizeCompOp(ctx.qualifiedOp().getText());
      return { kind: "binary", pos: tpos(ctx.OPERATOR()), op, left: this.expr(ctx.expr(0)!), right: this.expr(ctx.expr(1)!) };
    }
    if (ctx instanceof P.SubscriptExprContext) {
      const u = ctx.expr(2);
      return {
        kind: "subscript",
        pos: p,
        operand: this.expr(ctx.expr(0)!),
        index: this.expr(ctx.expr(1)!),
        upper: u ? this.expr(u) : undefined,
      };
    }
    if (ctx instanceof P.UnaryExprContext) return this.unary(p, ctx._op!.text!, this.expr(ctx.expr()));
    if (ctx instanceof P.PowerExprContext) return this.binary(ctx.CARET(), "^", ctx.expr(0)!, ctx.expr(1)!);
    if (ctx instanceof P.MulExprContext || ctx instanceof P.AddExprContext || ctx instanceof P.OtherOpExprContext) {
      const op = ctx._op!;
      return { kind: "binary", pos: op.start, op: op.text!, left: this.expr(ctx.expr(0)!), right: this.expr(ctx.expr(1)!) };
    }
    if (ctx instanceof P.InExprContext) {
      const operand = this.expr(ctx.expr());
      const q = ctx.query();
      const negated = ctx.NOT() !== null;
      const ip = tpos(ctx.IN());
      if (q) return { kind: "inQuery", pos: ip, operand, query: this.query(q), negated };
      const list = ctx.exprList();
      return { kind: "inList", pos: ip, operand, list: list ? list.expr().map((e) => this.expr(e)) : [], negated };
    }
    if (ctx instanceof P.BetweenExprContext) {
      return {
        kind: "between",
        pos: tpos(ctx.BETWEEN()),
        operand: this.expr(ctx.expr(0)!),
        low: this.bexpr(ctx.bexpr()),
        high: this.expr(ctx.expr(1)!),
        negated: ctx.NOT() !== null,
        symmetric: ctx.SYMMETRIC() !== null,
      };
    }
    if (ctx instanceof P.LikeExprContext) {
      const esc = ctx.bexpr(1);
      const kw = ctx.LIKE() ?? ctx.ILIKE()!;
      return {
        kind: "like",
        pos: tpos(kw),
        operand: this.expr(ctx.expr()),
        pattern: this.bexpr(ctx.bexpr(0)!),
        escape: esc ? this.bexpr(esc) : undefined,
        negated: ctx.NOT() !== null,
        caseInsensitive: ctx.ILIKE() !== null,
      };
    }
    if (ctx instanceof P.SimilarExprContext) {
      const e: A.Expr = {
        kind: "func",
        pos: p,
        name: "similar_to",
        schema: undefined,
        args: [this.expr(ctx.expr(0)!), this.expr(ctx.expr(1)!)],
        star: false,
        distinct: false,
        orderBy: [],
        withinGroup: [],
        filter: undefined,
        over: undefined,
      };
      return ctx.NOT() ? { kind: "not", pos: p, operand: e } : e;
    }
    if (ctx instanceof P.RegexExprContext) {
      const op = ctx._op!;
      return { kind: "binary", pos: op.start, op: op.text!, left: this.expr(ctx.expr(0)!), right: this.expr(ctx.expr(1)!) };
    }
    if (ctx instanceof P.QuantifiedExprContext) {
      const q = ctx.query();
      const op = normalizeCompOp(ctx.compOp().getText());
      return {
        kind: "quantified",
        pos: pos(ctx.compOp()),
        op,
        quantifier: ctx.ALL() ? "all" : "any",
        left: this.expr(ctx.expr(0)!),
        query: q ? this.query(q) : undefined,
        array: q ? undefined : this.expr(ctx.expr(1)!),
      };
    }
    if (ctx instanceof P.ComparisonExprContext) {
      const c = ctx.compOp();
      return {
        kind: "binary",
        pos: pos(c),
        op: normalizeCompOp(c.getText()),
        left: this.expr(ctx.expr(0)!),
        right: this.expr(ctx.expr(1)!),
      };
    }
    if (ctx instanceof P.IsExprContext) {
      return {
        kind: "is",
        pos: tpos(ctx.IS()),
        operand: this.expr(ctx.expr()),
        test: ctx.NULL() ? "null" : ctx.TRUE() ? "true" : "false",
        negated: ctx.NOT() !== null,
      };
    }
    if (ctx instanceof P.IsDistinctExprContext) {
      return {
        kind: "isDistinct",
        pos: tpos(ctx.IS()),
        left: this.expr(ctx.expr(0)!),
        right: this.expr(ctx.expr(1)!),
        negated: ctx.NOT() !== null,
      };
    }
    if (ctx instanceof P.IsNullPostfixContext) {
      return { kind: "is", pos: p, operand: this.expr(ctx.expr()), test: "null", negated: ctx.NOTNULL() !== null };
    }
    if (ctx instanceof P.NotExprContext) return { kind: "not", pos: p, operand: this.expr(ctx.expr()) };
    if (ctx instanceof P.AndExprContext)
      return { kind: "and", pos: tpos(ctx.AND()), left: this.expr(ctx.expr(0)!), right: this.expr(ctx.expr(1)!) };
    if (ctx instanceof P.OrExprContext)
      return { kind: "or", pos: tpos(ctx.OR()), left: this.expr(ctx.expr(0)!), right: this.expr(ctx.expr(1)!) };
    // PL-Grizzly expression forms: evaluated by sql/pl from their source text.
    // `pg_catalog.f(x)` parses as a PL member call; with a SQL schema as its base it is a
    // schema-qualified function call (psql's catalog queries depend on it).
    if (ctx instanceof P.PlMemberExprContext && ctx.LPAREN() !== null && SQL_SCHEMAS.has(ctx.expr().getText().toLowerCase())) {
      return {
        kind: "func",
        pos: p,
        name: this.ident(ctx.identifier()),
        schema: ctx.expr().getText().toLowerCase(),
        args: ctx.functionArg().map((a) => this.expr(a.expr())),
        star: false,
        distinct: false,
        orderBy: [],
        withinGroup: [],
        filter: undefined,
        over: undefined,
      };
    }
    if (isPlExpr(ctx)) return { kind: "pl", pos: p, text: this.source(ctx) };
    throw unsupported(p, "expression");
  }

  private binary(opTok: TerminalNode, op: string, l: P.ExprContext, r: P.ExprContext): A.Expr {
    return { kind: "binary", pos: tpos(opTok), op, left: this.expr(l), right: this.expr(r) };
  }

  private unary(p: number, op: string, operand: A.Expr): A.Expr {
    // Fold `-<number literal>` so -2147483648 and -9223372036854775808 are in range, as in PostgreSQL.
    if (op === "-" && operand.kind === "literal" && (operand.value.type === "int" || operand.value.type === "numeric")) {
      const t = operand.value.text;
      return { kind: "literal", pos: p, value: { type: operand.value.type, text: t.startsWith("-") ? t.slice(1) : `-${t}` } };
    }
    return { kind: "unary", pos: p, op, operand };
  }

  bexpr(ctx: P.BexprContext): A.Expr {
    const p = pos(ctx);
    if (ctx instanceof P.PrimaryBexprContext) return this.primary(ctx.primary());
    if (ctx instanceof P.CastOpBexprContext) return this.cast(tpos(ctx.TYPECAST()), this.bexpr(ctx.bexpr()), this.typeName(ctx.typeName()));
    if (ctx instanceof P.UnaryBexprContext) return this.unary(p, ctx._op!.text!, this.bexpr(ctx.bexpr()));
    if (ctx instanceof P.PowerBexprContext)
      return { kind: "binary", pos: tpos(ctx.CARET()), op: "^", left: this.bexpr(ctx.bexpr(0)!), right: this.bexpr(ctx.bexpr(1)!) };
    const b = ctx as P.MulBexprContext;
    const op = b._op!;
    return { kind: "binary", pos: op.start, op: op.text!, left: this.bexpr(b.bexpr(0)!), right: this.bexpr(b.bexpr(1)!) };
  }

  private primary(ctx: P.PrimaryContext): A.Expr {
    const p = pos(ctx);
    if (ctx instanceof P.LiteralPrimaryContext) return this.literal(ctx.literal());
    if (ctx instanceof P.ParamPrimaryContext) return { kind: "param", pos: p, index: Number(ctx.PARAM().getText().slice(1)) };
    if (ctx instanceof P.ColumnPrimaryContext)
      return {
        kind: "column",
        pos: p,
        parts: ctx
          .qualifiedName()
          .identifier()
          .map((i) => this.ident(i)),
      };
    if (ctx instanceof P.SubqueryPrimaryContext) return { kind: "subquery", pos: p, query: this.query(ctx.query()) };
    if (ctx instanceof P.ExistsPrimaryContext) return { kind: "exists", pos: p, query: this.query(ctx.query()) };
    if (ctx instanceof P.ArraySubqueryPrimaryContext) return { kind: "arrayQuery", pos: p, query: this.query(ctx.query()) };
    if (ctx instanceof P.ArrayPrimaryContext) return { kind: "array", pos: p, items: ctx.expr().map((e) => this.expr(e)) };
    if (ctx instanceof P.ParenPrimaryContext) {
      const items = ctx.expr();
      return items.length === 1 ? this.expr(items[0]) : { kind: "row", pos: p, items: items.map((e) => this.expr(e)) };
    }
    if (ctx instanceof P.RowPrimaryContext) return { kind: "row", pos: p, items: ctx.expr().map((e) => this.expr(e)) };
    if (ctx instanceof P.CasePrimaryContext) {
      const exprs = ctx.expr();
      const hasOperand = exprs.length > ctx.WHEN().length * 2 + (ctx.ELSE() ? 1 : 0);
      let i = 0;
      const operand = hasOperand ? this.expr(exprs[i++]) : undefined;
      const whens: { when: A.Expr; result: A.Expr }[] = [];
      for (let w = 0; w < ctx.WHEN().length; w++) {
        whens.push({ when: this.expr(exprs[i]), result: this.expr(exprs[i + 1]) });
        i += 2;
      }
      return { kind: "case", pos: p, operand, whens, elseExpr: ctx.ELSE() ? this.expr(exprs[i]) : undefined };
    }
    if (ctx instanceof P.ExtractPrimaryContext) {
      const fname = this.ident(ctx.identifier(0)!);
      if (fname !== "extract")
        throw new KodiakError(SqlState.syntaxError, `syntax error at or near "FROM"`, { position: tpos(ctx.FROM()) + 1 });
      const field: A.Expr = {
        kind: "literal",
        pos: pos(ctx.identifier(1)!),
        value: { type: "string", text: this.ident(ctx.identifier(1)!) },
      };
      return {
        kind: "func",
        pos: p,
        name: "extract",
        schema: undefined,
        args: [field, this.expr(ctx.expr())],
        star: false,
        distinct: false,
        orderBy: [],
        withinGroup: [],
        filter: undefined,
        over: undefined,
      };
    }
    if (ctx instanceof P.CastPrimaryContext) return this.cast(p, this.expr(ctx.expr()), this.typeName(ctx.typeName()));
    if (ctx instanceof P.TypedLiteralPrimaryContext) {
      return {
        kind: "cast",
        pos: p,
        operand: { kind: "literal", pos: tpos(ctx.STRING()), value: { type: "string", text: unquoteString(ctx.STRING().getText()) } },
        type: this.typeName(ctx.typeName()),
      };
    }
    if (ctx instanceof P.IntervalPrimaryContext) {
      const unit = ctx.identifier();
      const text = unquoteString(ctx.STRING().getText()) + (unit ? ` ${this.ident(unit)}` : "");
      return {
        kind: "cast",
        pos: p,
        operand: { kind: "literal", pos: p, value: { type: "string", text } },
        type: { name: "interval", args: [], arrayDims: 0 },
      };
    }
    if (ctx instanceof P.PlPrimaryAltContext) return { kind: "pl", pos: p, text: this.source(ctx) }; // PL-Grizzly primary
    return this.functionCall((ctx as P.FunctionPrimaryContext).functionCall());
  }

  private functionCall(ctx: P.FunctionCallContext): A.FuncExpr {
    const parts = ctx
      .qualifiedName()
      .identifier()
      .map((i) => this.ident(i));
    const orderBys = ctx.orderByClause();
    const within = ctx.WITHIN() !== null;
    const windowId = ctx.identifier();
    const spec = ctx.windowSpec();
    let over: A.WindowSpec | string | undefined;
    if (ctx.OVER()) over = spec ? this.windowSpec(spec) : this.ident(windowId!);
    const inner = within ? orderBys.slice(0, -1) : orderBys;
    return {
      kind: "func",
      pos: pos(ctx),
      name: parts[parts.length - 1],
      schema: parts.length > 1 ? parts[parts.length - 2] : undefined,
      args: ctx.functionArg().map((a) => this.expr(a.expr())),
      star: ctx.STAR() !== null,
      distinct: ctx.DISTINCT() !== null,
      orderBy: this.orderBy(inner[0] ?? null),
      withinGroup: within ? this.orderBy(orderBys[orderBys.length - 1]) : [],
      filter: ctx.FILTER() ? this.expr(ctx.expr()!) : undefined,
      over,
    };
  }

  private literal(ctx: P.LiteralContext): A.Expr {
    const p = pos(ctx);
    const lit = (value: A.LiteralValue): A.Expr => ({ kind: "literal", pos: p, value });
    const t = ctx.getText();
    if (ctx.INTEGER_LITERAL()) return lit({ type: "int", text: t.replace(/_/g, "") });
    if (ctx.HEX_INTEGER() || ctx.OCT_INTEGER() || ctx.BIN_INTEGER()) {
      const clean = t.replace(/_/g, "").toLowerCase();
      return lit({ type: "int", text: BigInt(clean).toString() });
    }
    if (ctx.DECIMAL_LITERAL()) return lit({ type: "numeric", text: t.replace(/_/g, "") });
    if (ctx.STRING()) return lit({ type: "string", text: unquoteString(t) });
    if (ctx.ESCAPE_STRING()) return lit({ type: "string", text: unescapeE(t.slice(2, -1)) });
    if (ctx.DOLLAR_STRING()) return lit({ type: "string", text: t.slice(2, -2) });
    if (ctx.BIT_STRING()) return lit({ type: "bytes", hex: t.slice(2, -1) });
    if (ctx.TRUE()) return lit({ type: "bool", value: true });
    if (ctx.FALSE()) return lit({ type: "bool", value: false });
    return lit({ type: "null" });
  }

  /**
   * A cast; casts to the OID alias types (regclass, regtype, ...) become calls of the catalog
   * function of that name, which maps names to OIDs and OIDs to names (sql/pg-catalog-engine.ts).
   */
  private cast(p: number, operand: A.Expr, type: A.TypeRef): A.Expr {
    if (!REG_TYPES.has(type.name) || type.arrayDims > 0) return { kind: "cast", pos: p, operand, type };
    return {
      kind: "func",
      pos: p,
      name: type.name,
      schema: "pg_catalog",
      args: [operand],
      star: false,
      distinct: false,
      orderBy: [],
      withinGroup: [],
      filter: undefined,
      over: undefined,
    };
  }

  /** `expr COLLATE name`: strings compare bytewise (C collation), so only C-equivalent collations exist. */
  private collate(ctx: P.CollateExprContext): A.Expr {
    const c = ctx.collationName();
    const ids = c.identifier().map((i) => this.ident(i));
    const name = c.DEFAULT() !== null ? "default" : (ids.pop() as string);
    const schema = ids[0];
    if ((schema !== undefined && schema !== "pg_catalog") || !C_COLLATIONS.has(name.toLowerCase())) {
      const full = schema === undefined ? name : `${schema}.${name}`;
      throw new KodiakError(SqlState.undefinedObject, `collation "${full}" for encoding "UTF8" does not exist`, { position: pos(c) + 1 });
    }
    return this.expr(ctx.expr());
  }

  typeName(ctx: P.TypeNameContext): A.TypeRef {
    const b = ctx.baseTypeName();
    const ids = b.identifier();
    let name: string;
    if (b.DOUBLE()) name = "double precision";
    else if (b.CHARACTER()) name = b.VARYING() ? "varchar" : "char";
    else if (b.INTERVAL()) name = "interval";
    else if (b.TIME() && ids.length === 0) name = b.WITH() ? "timetz" : "time";
    else {
      if (ids.length === 2 && this.ident(ids[0]!) !== "pg_catalog") {
        throw new KodiakError(SqlState.undefinedObject, `type "${this.ident(ids[0]!)}.${this.ident(ids[1]!)}" does not exist`, {
          position: pos(ids[0]!) + 1,
        });
      }
      name = this.ident(ids[ids.length - 1]!).toLowerCase();
      if (b.WITH() && name === "timestamp") name = "timestamptz";
    }
    const ints = ctx.INTEGER_LITERAL().map((i) => Number(i.getText()));
    const dims = ctx.LBRACKET().length;
    const argCount = ctx.LPAREN() ? (ctx.COMMA() ? 2 : 1) : 0;
    return { name, args: ints.slice(0, argCount), arrayDims: dims };
  }

  private qname(ctx: P.QualifiedNameContext): A.QualifiedName {
    const ids = ctx.identifier().map((i) => this.ident(i));
    if (ids.length > 2)
      throw new KodiakError(SqlState.featureNotSupported, `cross-database references are not implemented: ${ids.join(".")}`, {
        position: pos(ctx) + 1,
      });
    return { schema: ids.length === 2 ? ids[0] : undefined, name: ids[ids.length - 1], pos: pos(ctx) };
  }

  private columnList(ctx: P.ColumnListContext | null): string[] {
    return ctx ? ctx.identifier().map((i) => this.ident(i)) : [];
  }

  ident(ctx: P.IdentifierContext): string {
    const q = ctx.QUOTED_IDENT();
    if (q) return q.getText().slice(1, -1).replace(/""/g, '"');
    return ctx.getText().toLowerCase();
  }
}

/** OID alias types: a cast to one is a catalog lookup (see Builder.cast). */
const REG_TYPES = new Set(["regclass", "regtype", "regnamespace", "regproc", "regprocedure", "regrole", "regoper"]);
/** Collations that sort like C (bytewise), the only order Kodiak has. */
const C_COLLATIONS = new Set(["default", "c", "posix", "ucs_basic"]);

/** Schemas whose `schema.f(...)` is always a SQL function call, never a PL method call. */
const SQL_SCHEMAS = new Set(["pg_catalog", "information_schema", "public"]);

function isPlExpr(ctx: P.ExprContext): boolean {
  return (
    ctx instanceof P.PlMemberExprContext ||
    ctx instanceof P.PlRangeExprContext ||
    ctx instanceof P.PlContainsExprContext ||
    ctx instanceof P.PlAmpAmpExprContext ||
    ctx instanceof P.PlPipelineExprContext ||
    ctx instanceof P.PlTryExprContext ||
    ctx instanceof P.PlAwaitExprContext
  );
}

function normalizeCompOp(op: string): string {
  if (op === "!=") return "<>";
  if (op === "==") return "=";
  return op;
}

export function unquoteString(t: string): string {
  return t.slice(1, -1).replace(/''/g, "'");
}

function unescapeE(s: string): string {
  return s.replace(/''/g, "'").replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|u[0-9a-fA-F]{4}|.)/g, (_m, c: string) => {
    switch (c[0]) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "x":
        return String.fromCharCode(Number.parseInt(c.slice(1), 16));
      case "u":
        return String.fromCharCode(Number.parseInt(c.slice(1), 16));
      default:
        if (/[0-7]/.test(c[0])) return String.fromCharCode(Number.parseInt(c, 8));
        return c;
    }
  });
}

function unsupported(p: number, what: string): KodiakError {
  return new KodiakError(SqlState.featureNotSupported, `${what} is not supported`, { position: p + 1 });
}
