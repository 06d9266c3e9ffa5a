// The SQL abstract syntax tree: readonly nodes with a `kind` tag, produced by the parser and
// consumed by the binder. No semantics here (names are unresolved, types unknown).
// `pos` is the 0-based offset of the node's first character in the statement text.

export interface TypeRef {
  readonly name: string; // lower-case, canonical spelling as written ("int", "varchar", "double precision")
  readonly args: readonly number[];
  readonly arrayDims: number;
}

export type LiteralValue =
  | { readonly type: "int"; readonly text: string }
  | { readonly type: "numeric"; readonly text: string }
  | { readonly type: "string"; readonly text: string }
  | { readonly type: "bytes"; readonly hex: string }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "null" };

interface Node {
  readonly pos: number;
}

export interface LiteralExpr extends Node {
  readonly kind: "literal";
  readonly value: LiteralValue;
}
export interface ParamExpr extends Node {
  readonly kind: "param";
  readonly index: number;
}
export interface ColumnExpr extends Node {
  readonly kind: "column";
  readonly parts: readonly string[];
}
export interface UnaryExpr extends Node {
  readonly kind: "unary";
  readonly op: string;
  readonly operand: Expr;
}
export interface BinaryExpr extends Node {
  readonly kind: "binary";
  readonly op: string;
  readonly left: Expr;
  readonly right: Expr;
}
export interface AndExpr extends Node {
  readonly kind: "and";
  readonly left: Expr;
  readonly right: Expr;
}
export interface OrExpr extends Node {
  readonly kind: "or";
  readonly left: Expr;
  readonly right: Expr;
}
export interface NotExpr extends Node {
  readonly kind: "not";
  readonly operand: Expr;
}
export interface IsExpr extends Node {
  readonly kind: "is";
  readonly operand: Expr;
  readonly test: "null" | "true" | "false";
  readonly negated: boolean;
}
export interface IsDistinctExpr extends Node {
  readonly kind: "isDistinct";
  readonly left: Expr;
  readonly right: Expr;
  readonly negated: boolean;
}
export interface InListExpr extends Node {
  readonly kind: "inList";
  readonly operand: Expr;
  readonly list: readonly Expr[];
  readonly negated: boolean;
}
export interface InQueryExpr extends Node {
  readonly kind: "inQuery";
  readonly operand: Expr;
  readonly query: Query;
  readonly negated: boolean;
}
export interface BetweenExpr extends Node {
  readonly kind: "between";
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly symmetric: boolean;
}
export interface LikeExpr extends Node {
  readonly kind: "like";
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly escape: Expr | undefined;
  readonly negated: boolean;
  readonly caseInsensitive: boolean;
}
export interface CaseExpr extends Node {
  readonly kind: "case";
  readonly operand: Expr | undefined;
  readonly whens: readonly { readonly when: Expr; readonly result: Expr }[];
  readonly elseExpr: Expr | undefined;
}
export interface CastExpr extends Node {
  readonly kind: "cast";
  readonly operand: Expr;
  readonly type: TypeRef;
}
export interface WindowSpec {
  readonly ref: string | undefined;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortItem[];
  readonly frame: WindowFrame | undefined;
}
export interface FrameBound {
  readonly type: "unboundedPreceding" | "unboundedFollowing" | "currentRow" | "preceding" | "following";
  readonly offset: Expr | undefined;
}
export interface WindowFrame {
  readonly unit: "rows" | "range" | "groups";
  readonly start: FrameBound;
  readonly end: FrameBound;
}
export interface FuncExpr extends Node {
  readonly kind: "func";
  readonly name: string;
  readonly schema: string | undefined;
  readonly args: readonly Expr[];
  readonly star: boolean;
  readonly distinct: boolean;
  readonly orderBy: readonly SortItem[];
  readonly withinGroup: readonly SortItem[];
  readonly filter: Expr | undefined;
  readonly over: WindowSpec | string | undefined;
}
export interface SubqueryExpr extends Node {
  readonly kind: "subquery";
  readonly query: Query;
}
export interface ExistsExpr extends Node {
  readonly kind: "exists";
  readonly query: Query;
}
export interface QuantifiedExpr extends Node {
  readonly kind: "quantified";
  readonly op: string;
  readonly quantifier: "any" | "all";
  readonly left: Expr;
  readonly query: Query | undefined;
  readonly array: Expr | undefined;
}
export interface ArrayExpr extends Node {
  readonly kind: "array";
  readonly items: readonly Expr[];
}
export interface ArrayQueryExpr extends Node {
  readonly kind: "arrayQuery";
  readonly query: Query;
}
export interface RowExpr extends Node {
  readonly kind: "row";
  readonly items: readonly Expr[];
}
export interface SubscriptExpr extends Node {
  readonly kind: "subscript";
  readonly operand: Expr;
  readonly index: Expr;
  readonly upper: Expr | undefined;
}
export interface DefaultExpr extends Node {
  readonly kind: "default";
}

export type Expr =
  | LiteralExpr
  | ParamExpr
  | ColumnExpr
  | UnaryExpr
  | BinaryExpr
  | AndExpr
  | OrExpr
  | NotExpr
  | IsExpr
  | IsDistinctExpr
  | InListExpr
  | InQueryExpr
  | BetweenExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | FuncExpr
  | SubqueryExpr
  | ExistsExpr
  | QuantifiedExpr
  | ArrayExpr
  | ArrayQueryExpr
  | RowExpr
  | SubscriptExpr
  | DefaultExpr
  | PlNode;
export type ExprKind = Expr["kind"];

export interface SortItem {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean | undefined;
}

export type SelectItem =
  | { readonly kind: "star"; readonly pos: number; readonly qualifier: readonly string[] | undefined }
  | { readonly kind: "expr"; readonly pos: number; readonly expr: Expr; readonly alias: string | undefined };

export interface QualifiedName {
  readonly schema: string | undefined;
  readonly name: string;
  readonly pos: number;
}

export interface Alias {
  readonly name: string;
  readonly columns: readonly string[];
}

export type FromItem =
  | { readonly kind: "table"; readonly pos: number; readonly name: QualifiedName; readonly alias: Alias | undefined }
  | { readonly kind: "subquery"; readonly pos: number; readonly query: Query; readonly alias: Alias | undefined; readonly lateral: boolean }
  | {
      readonly kind: "function";
      readonly pos: number;
      readonly func: FuncExpr;
      readonly alias: Alias | undefined;
      /** WITH ORDINALITY: a bigint column numbering the rows from 1 follows the function's. */
      readonly ordinality: boolean;
    }
  | {
      readonly kind: "join";
      readonly pos: number;
      readonly joinType: "inner" | "left" | "right" | "full" | "cross";
      readonly left: FromItem;
      readonly right: FromItem;
      readonly on: Expr | undefined;
      readonly using: readonly string[] | undefined;
      readonly natural: boolean;
    };

export interface SelectCore {
  readonly kind: "select";
  readonly pos: number;
  readonly distinct: boolean;
  readonly distinctOn: readonly Expr[] | undefined;
  readonly items: readonly SelectItem[];
  readonly from: readonly FromItem[];
  readonly where: Expr | undefined;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | undefined;
  readonly windows: readonly { readonly name: string; readonly spec: WindowSpec }[];
}
export interface ValuesBody {
  readonly kind: "values";
  readonly pos: number;
  readonly rows: readonly (readonly Expr[])[];
}
export interface SetOpBody {
  readonly kind: "setOp";
  readonly pos: number;
  readonly op: "union" | "intersect" | "except";
  readonly all: boolean;
  readonly left: QueryBody;
  readonly right: QueryBody;
}
export interface NestedBody {
  readonly kind: "nested";
  readonly pos: number;
  readonly query: Query;
}
export type QueryBody = SelectCore | ValuesBody | SetOpBody | NestedBody;

export interface Cte {
  readonly name: string;
  readonly columns: readonly string[];
  readonly query: Query;
  readonly pos: number;
}
export interface WithClause {
  readonly recursive: boolean;
  readonly ctes: readonly Cte[];
}

export interface Query {
  readonly kind: "query";
  readonly pos: number;
  readonly with: WithClause | undefined;
  readonly body: QueryBody;
  readonly orderBy: readonly SortItem[];
  readonly limit: Expr | undefined;
  readonly offset: Expr | undefined;
}

export interface SetClause {
  readonly columns: readonly string[];
  readonly values: readonly Expr[];
  readonly pos: number;
}

export interface OnConflict {
  readonly target: readonly string[];
  readonly action: "nothing" | "update";
  readonly set: readonly SetClause[];
  readonly where: Expr | undefined;
}

export interface InsertStmt {
  readonly kind: "insert";
  readonly pos: number;
  readonly with: WithClause | undefined;
  readonly table: QualifiedName;
  readonly alias: string | undefined;
  readonly columns: readonly string[] | undefined;
  readonly source: Query | undefined; // undefined = DEFAULT VALUES
  readonly onConflict: OnConflict | undefined;
  readonly returning: readonly SelectItem[] | undefined;
}
export interface UpdateStmt {
  readonly kind: "update";
  readonly pos: number;
  readonly with: WithClause | undefined;
  readonly table: QualifiedName;
  readonly alias: string | undefined;
  readonly set: readonly SetClause[];
  readonly from: readonly FromItem[];
  readonly where: Expr | undefined;
  readonly returning: readonly SelectItem[] | undefined;
}
export interface DeleteStmt {
  readonly kind: "delete";
  readonly pos: number;
  readonly with: WithClause | undefined;
  readonly table: QualifiedName;
  readonly alias: string | undefined;
  readonly using: readonly FromItem[];
  readonly where: Expr | undefined;
  readonly returning: readonly SelectItem[] | undefined;
}

export type ColumnConstraint =
  | { readonly kind: "notNull" }
  | { readonly kind: "null" }
  | { readonly kind: "primaryKey" }
  | { readonly kind: "unique" }
  | { readonly kind: "default"; readonly expr: Expr; readonly text: string }
  | { readonly kind: "check"; readonly expr: Expr; readonly text: string; readonly name: string | undefined }
  | {
      readonly kind: "references";
      readonly table: QualifiedName;
      readonly columns: readonly string[];
      readonly onDelete: ReferentialAction;
    };

export type ReferentialAction = "noAction" | "restrict" | "cascade" | "setNull" | "setDefault";

export interface ColumnDef {
  readonly name: string;
  readonly type: TypeRef;
  readonly constraints: readonly ColumnConstraint[];
  readonly pos: number;
}

export interface IndexColumn {
  readonly name: string;
  readonly descending: boolean;
}

export type TableConstraint =
  | { readonly kind: "primaryKey"; readonly name: string | undefined; readonly columns: readonly IndexColumn[] }
  | { readonly kind: "unique"; readonly name: string | undefined; readonly columns: readonly IndexColumn[] }
  | { readonly kind: "check"; readonly name: string | undefined; readonly expr: Expr; readonly text: string }
  | {
      readonly kind: "foreignKey";
      readonly name: string | undefined;
      readonly columns: readonly string[];
      readonly table: QualifiedName;
      readonly refColumns: readonly string[];
      readonly onDelete: ReferentialAction;
    };

export interface CreateTableStmt {
  readonly kind: "createTable";
  readonly pos: number;
  readonly name: QualifiedName;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDef[];
  readonly constraints: readonly TableConstraint[];
  readonly asQuery: Query | undefined;
}
export interface CreateIndexStmt {
  readonly kind: "createIndex";
  readonly pos: number;
  readonly name: string | undefined;
  readonly table: QualifiedName;
  readonly unique: boolean;
  readonly ifNotExists: boolean;
  readonly columns: readonly IndexColumn[];
}
export interface CreateViewStmt {
  readonly kind: "createView";
  readonly pos: number;
  readonly name: QualifiedName;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly columns: readonly string[];
  readonly query: Query;
  readonly text: string;
}
export interface CreateSchemaStmt {
  readonly kind: "createSchema";
  readonly pos: number;
  readonly name: string;
  readonly ifNotExists: boolean;
}
export interface DropStmt {
  readonly kind: "drop";
  readonly pos: number;
  readonly objectType: "table" | "index" | "view" | "schema";
  readonly names: readonly QualifiedName[];
  readonly ifExists: boolean;
  readonly cascade: boolean;
}
export type AlterAction =
  | { readonly kind: "addColumn"; readonly column: ColumnDef; readonly ifNotExists: boolean }
  | { readonly kind: "addConstraint"; readonly constraint: TableConstraint }
  | { readonly kind: "dropColumn"; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: "renameColumn"; readonly from: string; readonly to: string }
  | { readonly kind: "renameTable"; readonly to: string }
  | {
      readonly kind: "alterColumn";
      readonly name: string;
      readonly action: "setDefault" | "dropDefault" | "setNotNull" | "dropNotNull";
      readonly expr: Expr | undefined;
      readonly text: string;
    };
export interface AlterTableStmt {
  readonly kind: "alterTable";
  readonly pos: number;
  readonly table: QualifiedName;
  readonly ifExists: boolean;
  readonly actions: readonly AlterAction[];
}
export interface TransactionStmt {
  readonly kind: "begin" | "commit" | "rollback";
  readonly pos: number;
}
export interface SavepointStmt {
  readonly kind: "savepoint" | "release" | "rollbackTo";
  readonly pos: number;
  readonly name: string;
}
export interface ExplainStmt {
  readonly kind: "explain";
  readonly pos: number;
  readonly analyze: boolean;
  readonly statement: Statement;
}
export interface AnalyzeStmt {
  readonly kind: "analyze";
  readonly pos: number;
  readonly table: QualifiedName | undefined;
}
export interface SetStmt {
  readonly kind: "set";
  readonly pos: number;
  readonly name: string;
  readonly value: string | undefined; // undefined = DEFAULT
}
export interface ShowStmt {
  readonly kind: "show";
  readonly pos: number;
  readonly name: string;
}
export interface ResetStmt {
  readonly kind: "reset";
  readonly pos: number;
  readonly name: string;
}
export interface CopyStmt {
  readonly kind: "copy";
  readonly pos: number;
  readonly table: QualifiedName | undefined;
  readonly query: Query | undefined;
  readonly columns: readonly string[] | undefined;
  readonly direction: "from" | "to";
  readonly target: "stdin" | "stdout" | { readonly file: string };
  readonly options: ReadonlyMap<string, string>;
}
export interface PrepareStmt {
  readonly kind: "prepare";
  readonly pos: number;
  readonly name: string;
  readonly types: readonly TypeRef[];
  readonly statement: Statement;
}
export interface ExecuteStmt {
  readonly kind: "execute";
  readonly pos: number;
  readonly name: string;
  readonly args: readonly Expr[];
}
export interface DeallocateStmt {
  readonly kind: "deallocate";
  readonly pos: number;
  readonly name: string | undefined; // undefined = ALL
}

/** PL-Grizzly statement or expression, built and run by sql/pl from its source text. */
export interface PlNode extends Node {
  readonly kind: "pl";
  readonly text: string;
}

export interface TruncateStmt {
  readonly kind: "truncate";
  readonly pos: number;
  readonly tables: readonly QualifiedName[];
}
export interface VacuumStmt {
  readonly kind: "vacuum";
  readonly pos: number;
  readonly analyze: boolean;
  readonly tables: readonly QualifiedName[];
}
export interface DiscardStmt {
  readonly kind: "discard";
  readonly pos: number;
}

export type Statement =
  | PlNode
  | TruncateStmt
  | VacuumStmt
  | DiscardStmt
  | Query
  | InsertStmt
  | UpdateStmt
  | DeleteStmt
  | CreateTableStmt
  | CreateIndexStmt
  | CreateViewStmt
  | CreateSchemaStmt
  | DropStmt
  | AlterTableStmt
  | TransactionStmt
  | SavepointStmt
  | ExplainStmt
  | AnalyzeStmt
  | SetStmt
  | ShowStmt
  | ResetStmt
  | CopyStmt
  | PrepareStmt
  | ExecuteStmt
  | DeallocateStmt
  | TruncateStmt
  | VacuumStmt;
export type StatementKind = Statement["kind"];

/** One statement of a script with its source span (0-based, end exclusive). */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}
