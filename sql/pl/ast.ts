// The PL-Grizzly AST: readonly nodes tagged by `kind`, built from the ANTLR parse tree (or by
// tests). Interpreter and checker dispatch on `kind` through Record<Kind, Handler> tables, so
// adding a node kind fails to compile until every table handles it.

import type { PlValue } from "./values.js";

export interface Pos {
  readonly line: number;
  readonly col: number;
}

export interface TypeRef {
  readonly name: string;
  readonly mods: readonly number[];
  /** ARRAY<T> / T[]: name is "array", elem set. FUTURE<T>: name "future". */
  readonly elem?: TypeRef;
}

/** Embedded SQL: literal text pieces and `{path}` interpolations (bound parameters, or a quoted
 * identifier in relation position). Never pasted as text. */
export type SqlPart = string | { readonly path: readonly string[]; readonly relation: boolean; readonly at?: Pos };

export interface SqlText {
  readonly parts: readonly SqlPart[];
  /** Statement class, to apply body rules (no BEGIN/COMMIT, read-only async bodies, IMMUTABLE). */
  readonly verb: "query" | "dml" | "ddl" | "tx" | "other";
}

export type Arg = { readonly name: string | null; readonly value: Expr | Lambda };

export interface Lambda {
  readonly kind: "lambda";
  readonly params: readonly string[];
  readonly body: Expr | Block;
  readonly at?: Pos;
}

export type Pattern =
  | { readonly kind: "pLit"; readonly value: Expr }
  | { readonly kind: "pRange"; readonly lo: Expr; readonly hi: Expr }
  | { readonly kind: "pBind"; readonly name: string }
  | { readonly kind: "pAny" }
  | { readonly kind: "pStruct"; readonly fields: readonly { readonly name: string; readonly pattern: Pattern }[] };

export interface MatchArm {
  readonly patterns: readonly Pattern[];
  readonly guard: Expr | null;
  readonly body: Expr | Block;
}

export type CatchMatcher =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "sqlstate"; readonly code: string }
  | { readonly kind: "any" };

export interface CatchArm {
  readonly match: CatchMatcher;
  readonly bind: string | null;
  readonly body: Expr | Block;
}

interface N<K extends string> {
  readonly kind: K;
  readonly at?: Pos;
  /** Source text (top-level PL statements: what the catalog stores). */
  readonly src?: string;
}

export type Expr =
  | (N<"lit"> & { readonly value: PlValue })
  | (N<"name"> & { readonly name: string })
  | (N<"var"> & { readonly path: readonly string[] })
  | (N<"field"> & { readonly obj: Expr; readonly name: string })
  | (N<"index"> & { readonly obj: Expr; readonly index: Expr })
  | (N<"call"> & { readonly name: string; readonly args: readonly Arg[]; readonly star?: boolean })
  | (N<"method"> & { readonly obj: Expr; readonly name: string; readonly args: readonly Arg[] })
  | (N<"unary"> & { readonly op: "-" | "+" | "NOT"; readonly e: Expr })
  | (N<"binary"> & { readonly op: import("./ops.js").BinaryOp; readonly l: Expr; readonly r: Expr })
  | (N<"logic"> & { readonly op: "AND" | "OR"; readonly l: Expr; readonly r: Expr })
  | (N<"is"> & { readonly e: Expr; readonly test: "NULL" | "TRUE" | "FALSE" | "UNKNOWN"; readonly not: boolean })
  | (N<"between"> & { readonly e: Expr; readonly lo: Expr; readonly hi: Expr; readonly not: boolean })
  | (N<"in"> & { readonly e: Expr; readonly list: readonly Expr[]; readonly not: boolean })
  | (N<"like"> & { readonly e: Expr; readonly pattern: Expr; readonly not: boolean; readonly ci: boolean })
  | (N<"cast"> & { readonly e: Expr; readonly type: TypeRef })
  | (N<"range"> & { readonly lo: Expr; readonly hi: Expr })
  | (N<"struct"> & { readonly fields: readonly { readonly name: string; readonly value: Expr }[] })
  | (N<"array"> & { readonly items: readonly Expr[] })
  | (N<"if"> & { readonly branches: readonly { readonly cond: Expr; readonly body: Block }[]; readonly otherwise: Block | null })
  | (N<"match"> & { readonly subject: Expr; readonly arms: readonly MatchArm[] })
  | (N<"case"> & {
      readonly subject: Expr | null;
      readonly whens: readonly { readonly when: Expr; readonly result: Expr }[];
      readonly otherwise: Expr | null;
    })
  | (N<"try"> & { readonly body: Expr | Block; readonly arms: readonly CatchArm[] | null; readonly fallback: Expr | null })
  | (N<"await"> & { readonly e: Expr; readonly all: boolean })
  | (N<"pipeline"> & { readonly source: Expr; readonly stages: readonly { readonly name: string; readonly args: readonly Arg[] }[] })
  | (N<"query"> & { readonly sql: SqlText; readonly mode: "scalar" | "array" | "rows" })
  | (N<"block"> & { readonly block: Block });

export type ExprKind = Expr["kind"];

export interface Block {
  readonly kind: "blk";
  readonly items: readonly Stmt[];
  readonly at?: Pos;
}

export type Stmt =
  | (N<"let"> & { readonly name: string; readonly type: TypeRef | null; readonly e: Expr })
  | (N<"set"> & { readonly target: readonly string[]; readonly e: Expr })
  | (N<"return"> & { readonly e: Expr | null })
  | (N<"raise"> & {
      readonly name: string | null;
      readonly message: Expr | null;
      readonly fields: readonly { readonly name: string; readonly value: Expr }[];
    })
  | N<"break">
  | N<"continue">
  | (N<"while"> & { readonly cond: Expr; readonly body: Block })
  | (N<"for"> & { readonly name: string; readonly source: Expr; readonly body: Block })
  | (N<"sql"> & { readonly sql: SqlText })
  | (N<"expr"> & { readonly e: Expr });

export type StmtKind = Stmt["kind"];

export interface Param {
  readonly name: string;
  readonly type: TypeRef;
  readonly default: Expr | null;
}

export interface FunctionDef {
  readonly name: string;
  readonly receiver: string | null;
  readonly params: readonly Param[];
  readonly returns: TypeRef;
  readonly raises: readonly string[];
  readonly async: boolean;
  readonly immutable: boolean;
  readonly body: Block;
  readonly orReplace: boolean;
  /** Source text of the definition, for the catalog and error reports. */
  readonly source: string;
  /** `self` appears exactly as the first parameter of a receiver function (else 42P13). */
  readonly selfOk: boolean;
}

export interface TypeDef {
  readonly name: string;
  readonly struct: boolean;
  readonly fields: readonly { readonly name: string; readonly type: TypeRef }[];
  readonly message: string;
  readonly sqlstate: string | null;
}

export type TriggerAction = { readonly fn: string } | { readonly block: Block };

/** Top-level PL-Grizzly statements (section 16), run by the PL session layer. */
export type TopStmt =
  | (N<"do"> & { readonly block: Block })
  | (N<"createType"> & { readonly def: TypeDef })
  | (N<"dropType"> & { readonly name: string; readonly ifExists: boolean })
  | (N<"createFunction"> & { readonly def: FunctionDef })
  | (N<"dropFunction"> & { readonly name: string; readonly receiver: string | null; readonly ifExists: boolean })
  | (N<"createTrigger"> & {
      readonly name: string;
      readonly timing: "BEFORE" | "AFTER";
      readonly events: readonly ("INSERT" | "UPDATE" | "DELETE")[];
      readonly table: string;
      readonly forEach: string;
      readonly when: Expr | null;
      readonly action: TriggerAction;
      readonly source: string;
    })
  | (N<"dropTrigger"> & { readonly name: string; readonly table: string; readonly ifExists: boolean })
  | (N<"createCron"> & {
      readonly name: string;
      readonly schedule: string;
      readonly timezone: string;
      readonly onMissed: "SKIP" | "RUN ONCE";
      readonly action: TriggerAction;
      readonly actionText: string;
    })
  | (N<"dropCron"> & { readonly name: string; readonly ifExists: boolean })
  | (N<"alterCron"> & { readonly name: string; readonly op: "PAUSE" | "RESUME" | "RUN NOW" })
  | (N<"setVar"> & { readonly target: readonly string[]; readonly e: Expr })
  | (N<"sql"> & {
      readonly sql: SqlText;
      readonly text: string;
      /** Set for a FROM-less `SELECT e1, e2 …`: evaluated by PL-Grizzly itself. */
      readonly select?: readonly { readonly e: Expr; readonly name: string; readonly plSyntax: boolean }[];
    });

export type TopStmtKind = TopStmt["kind"];
