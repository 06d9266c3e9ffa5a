// Test/dev fixture only, NOT the SQL engine: parses the tiny SQL subset of FakeSqlEngine
// (CREATE/DROP TABLE, INSERT, SELECT, UPDATE, DELETE, COPY, BEGIN/COMMIT/ROLLBACK, SET/SHOW).

import type { SqlType, SqlValue } from "../../../sql/api.js";
import { PgOid } from "../../../sql/api.js";
import { KodiakError, SqlState } from "../../../util/index.js";
import { syntaxError, type Token, tokenize } from "./fake-sql-lexer.js";

export type Expr =
  | { kind: "lit"; value: SqlValue; type: SqlType }
  | { kind: "param"; n: number }
  | { kind: "col"; name: string; pos: number }
  | { kind: "cast"; expr: Expr; type: SqlType }
  | { kind: "bin"; op: string; a: Expr; b: Expr }
  | { kind: "call"; fn: string; args: Expr[]; pos: number };

export interface Where {
  column: string;
  op: string;
  value: Expr;
  pos: number;
}

export type Stmt =
  | { kind: "begin" | "commit" | "rollback" }
  | { kind: "createTable"; table: string; columns: { name: string; type: SqlType }[] }
  | { kind: "dropTable"; tables: string[]; ifExists: boolean }
  | { kind: "insert"; table: string; pos: number; columns: string[] | undefined; rows: Expr[][]; returning: boolean }
  | {
      kind: "select";
      items: { expr: Expr; alias: string }[] | "*";
      from: { table: string; pos: number } | undefined;
      where: Where | undefined;
      orderBy: { column: string; desc: boolean } | undefined;
      limit: number | undefined;
    }
  | { kind: "update"; table: string; pos: number; sets: [string, Expr][]; where: Where | undefined }
  | { kind: "delete"; table: string; pos: number; where: Where | undefined }
  | { kind: "copy"; table: string; pos: number; direction: "from" | "to" }
  | { kind: "set"; name: string; value: string }
  | { kind: "show"; name: string };

const TYPES: Record<string, keyof typeof PgOid> = {
  int: "int4",
  integer: "int4",
  int4: "int4",
  serial: "int4",
  bigint: "int8",
  int8: "int8",
  smallint: "int2",
  int2: "int2",
  text: "text",
  varchar: "varchar",
  bool: "bool",
  boolean: "bool",
  float8: "float8",
  double: "float8",
  real: "float4",
  float4: "float4",
  numeric: "numeric",
  decimal: "numeric",
  bytea: "bytea",
  date: "date",
  time: "time",
  timestamp: "timestamp",
  timestamptz: "timestamptz",
  uuid: "uuid",
  json: "json",
  jsonb: "jsonb",
  interval: "interval",
};
const ARRAY_TYPES: Record<string, keyof typeof PgOid> = {
  int4: "_int4",
  int8: "_int8",
  int2: "_int2",
  text: "_text",
  bool: "_bool",
  float8: "_float8",
  numeric: "_numeric",
};

export const typeOf = (name: keyof typeof PgOid): SqlType => ({ name, oid: PgOid[name], typmod: -1 });

class Parser {
  private i = 0;
  constructor(
    private readonly sql: string,
    private readonly t: Token[],
  ) {}

  private get cur(): Token {
    return this.t[this.i]!;
  }
  private fail(): never {
    const tok = this.cur;
    throw syntaxError(this.sql, tok.pos, tok.kind === "end" ? "syntax error at end of input" : `syntax error at or near "${tok.text}"`);
  }
  private is(text: string): boolean {
    return (this.cur.kind === "ident" || this.cur.kind === "op") && this.cur.text === text;
  }
  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.i++;
    return true;
  }
  private expect(text: string): void {
    if (!this.accept(text)) this.fail();
  }
  private ident(): string {
    if (this.cur.kind !== "ident") this.fail();
    return this.t[this.i++]!.text;
  }
  private identPos(): { name: string; pos: number } {
    const pos = this.cur.pos;
    return { name: this.ident(), pos: pos + 1 };
  }

  statement(): Stmt {
    const s = this.statementBody();
    this.accept(";");
    if (this.cur.kind !== "end") this.fail();
    return s;
  }

  private statementBody(): Stmt {
    const word = this.cur.kind === "ident" ? this.cur.text : "";
    this.i++;
    switch (word) {
      case "begin":
      case "start":
        this.accept("transaction") || this.accept("work");
        return { kind: "begin" };
      case "commit":
      case "end":
        this.accept("transaction") || this.accept("work");
        return { kind: "commit" };
      case "rollback":
      case "abort":
        this.accept("transaction") || this.accept("work");
        return { kind: "rollback" };
      case "create":
        return this.createTable();
      case "drop":
        return this.dropTable();
      case "insert":
        return this.insert();
      case "select":
        return this.select();
      case "update":
        return this.update();
      case "delete":
        return this.del();
      case "copy":
        return this.copy();
      case "set":
        return this.set();
      case "show": {
        const name = this.ident();
        return { kind: "show", name };
      }
      default:
        this.i--;
        return this.fail();
    }
  }

  private type(): SqlType {
    const name = this.ident();
    if (name === "double") this.expect("precision");
    if (name === "character" && this.accept("varying")) return this.typeMods(typeOf("varchar"));
    const key = TYPES[name];
    if (key === undefined)
      throw new KodiakError(SqlState.undefinedObject, `type "${name}" does not exist`, { position: this.t[this.i - 1]!.pos + 1 });
    let type = this.typeMods(typeOf(key));
    if (this.accept("[")) {
      this.expect("]");
      const arr = ARRAY_TYPES[key];
      if (arr === undefined) this.fail();
      type = typeOf(arr);
    }
    return type;
  }

  private typeMods(type: SqlType): SqlType {
    if (!this.accept("(")) return type;
    while (!this.accept(")")) this.i++;
    return type;
  }

  private createTable(): Stmt {
    this.expect("table");
    const table = this.ident();
    this.expect("(");
    const columns: { name: string; type: SqlType }[] = [];
    do {
      columns.push({ name: this.ident(), type: this.type() });
      while (this.accept("primary") || this.accept("key") || this.accept("not") || this.accept("null")) {}
    } while (this.accept(","));
    this.expect(")");
    return { kind: "createTable", table, columns };
  }

  private dropTable(): Stmt {
    this.expect("table");
    const ifExists = this.accept("if");
    if (ifExists) this.expect("exists");
    const tables = [this.ident()];
    while (this.accept(",")) tables.push(this.ident());
    return { kind: "dropTable", tables, ifExists };
  }

  private insert(): Stmt {
    this.expect("into");
    const { name: table, pos } = this.identPos();
    let columns: string[] | undefined;
    if (this.accept("(")) {
      columns = [this.ident()];
      while (this.accept(",")) columns.push(this.ident());
      this.expect(")");
    }
    this.expect("values");
    const rows: Expr[][] = [];
    do {
      this.expect("(");
      const row = [this.expr()];
      while (this.accept(",")) row.push(this.expr());
      this.expect(")");
      rows.push(row);
    } while (this.accept(","));
    const returning = this.accept("returning");
    if (returning) this.expect("*");
    return { kind: "insert", table, pos, columns, rows, returning };
  }

  private select(): Stmt {
    let items: { expr: Expr; alias: string }[] | "*" = "*";
    if (!this.accept("*")) {
      items = [];
      do {
        const expr = this.expr();
        let alias = expr.kind === "col" ? expr.name : expr.kind === "call" ? expr.fn : "?column?";
        if (expr.kind === "cast" && expr.expr.kind === "col") alias = expr.expr.name;
        if (this.accept("as")) alias = this.ident();
        items.push({ expr, alias });
      } while (this.accept(","));
    }
    let from: { table: string; pos: number } | undefined;
    if (this.accept("from")) {
      const t = this.identPos();
      from = { table: t.name, pos: t.pos };
    }
    const where = this.where();
    let orderBy: { column: string; desc: boolean } | undefined;
    if (this.accept("order")) {
      this.expect("by");
      const column = this.ident();
      const desc = this.accept("desc");
      if (!desc) this.accept("asc");
      orderBy = { column, desc };
    }
    let limit: number | undefined;
    if (this.accept("limit")) {
      if (this.cur.kind !== "number") this.fail();
      limit = Number(this.t[this.i++]!.text);
    }
    return { kind: "select", items, from, where, orderBy, limit };
  }

  private where(): Where | undefined {
    if (!this.accept("where")) return undefined;
    const { name: column, pos } = this.identPos();
    const op = this.cur.text;
    if (this.cur.kind !== "op" || !["=", "<", ">", "<=", ">=", "<>", "!="].includes(op)) this.fail();
    this.i++;
    return { column, op, value: this.expr(), pos };
  }

  private update(): Stmt {
    const { name: table, pos } = this.identPos();
    this.expect("set");
    const sets: [string, Expr][] = [];
    do {
      const col = this.ident();
      this.expect("=");
      sets.push([col, this.expr()]);
    } while (this.accept(","));
    return { kind: "update", table, pos, sets, where: this.where() };
  }

  private del(): Stmt {
    this.expect("from");
    const { name: table, pos } = this.identPos();
    return { kind: "delete", table, pos, where: this.where() };
  }

  private copy(): Stmt {
    const { name: table, pos } = this.identPos();
    let direction: "from" | "to" = "from";
    if (!this.accept("from")) {
      this.expect("to");
      direction = "to";
    }
    this.expect(direction === "from" ? "stdin" : "stdout");
    return { kind: "copy", table, pos, direction };
  }

  private set(): Stmt {
    this.accept("session");
    const name = this.ident();
    if (!this.accept("=")) this.expect("to");
    const tok = this.cur;
    if (tok.kind === "end") this.fail();
    this.i++;
    return { kind: "set", name, value: tok.text };
  }

  expr(): Expr {
    let e = this.term();
    while (this.is("+") || this.is("-")) {
      const op = this.t[this.i++]!.text;
      e = { kind: "bin", op, a: e, b: this.term() };
    }
    return e;
  }

  private term(): Expr {
    let e = this.postfix();
    while (this.is("*") || this.is("/")) {
      const op = this.t[this.i++]!.text;
      e = { kind: "bin", op, a: e, b: this.postfix() };
    }
    return e;
  }

  private postfix(): Expr {
    let e = this.primary();
    while (this.accept("::")) e = { kind: "cast", expr: e, type: this.type() };
    return e;
  }

  private primary(): Expr {
    const tok = this.cur;
    if (this.accept("(")) {
      const e = this.expr();
      this.expect(")");
      return e;
    }
    if (this.accept("-")) return { kind: "bin", op: "-", a: { kind: "lit", value: 0, type: typeOf("int4") }, b: this.postfix() };
    this.i++;
    switch (tok.kind) {
      case "number": {
        if (/[.e]/i.test(tok.text)) return { kind: "lit", value: tok.text, type: typeOf("numeric") };
        const big = BigInt(tok.text);
        return big > 2147483647n
          ? { kind: "lit", value: big, type: typeOf("int8") }
          : { kind: "lit", value: Number(tok.text), type: typeOf("int4") };
      }
      case "string":
        return { kind: "lit", value: tok.text, type: typeOf("text") };
      case "param":
        return { kind: "param", n: Number(tok.text) };
      case "ident":
        if (tok.text === "true" || tok.text === "false") return { kind: "lit", value: tok.text === "true", type: typeOf("bool") };
        if (tok.text === "null") return { kind: "lit", value: null, type: typeOf("text") };
        if (this.accept("(")) {
          const args: Expr[] = [];
          if (this.accept("*")) args.push({ kind: "lit", value: 1, type: typeOf("int4") });
          else if (!this.is(")")) {
            args.push(this.expr());
            while (this.accept(",")) args.push(this.expr());
          }
          this.expect(")");
          return { kind: "call", fn: tok.text, args, pos: tok.pos + 1 };
        }
        return { kind: "col", name: tok.text, pos: tok.pos + 1 };
      default:
        this.i--;
        return this.fail();
    }
  }
}

/** Parses one statement; positions in errors are relative to `sql`. */
export function parseStatement(sql: string): Stmt {
  return new Parser(sql, tokenize(sql)).statement();
}
