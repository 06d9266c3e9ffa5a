// Set-returning functions other than generate_series as FROM items: unnest(anyarray) and
// pg_partition_ancestors(regclass). The arguments arrive bound; each function yields the scan.

import { KodiakError, SqlState } from "../../util/index.js";
import { pgCatalogFunction } from "../pg-catalog-engine.js";
import { type DataType, T, typeDisplayName } from "../types/types.js";
import type { Row, Value } from "../types/values.js";
import type { BoundExpr, Col, PlanNode } from "./context.js";
import { FunctionScanNode } from "./nodes.js";

export interface TableFunctionRel {
  node: PlanNode;
  cols: Col[];
}

/** Bound on the rows one unnest produces (arrays are in memory already; this guards the row list). */
const MAX_UNNEST_ROWS = 50_000_000;

/** Names planTableFunction hands to this module. */
export const TABLE_FUNCTIONS = new Set(["unnest", "pg_partition_ancestors"]);

export function planSetFunction(
  name: string,
  args: readonly BoundExpr[],
  alias: string | undefined,
  colNames: readonly string[],
  pos: number,
): TableFunctionRel {
  return name === "unnest" ? planUnnest(args, alias, colNames, pos) : planPartitionAncestors(args, alias, colNames, pos);
}

/**
 * unnest(array): one row per element in storage order (a multi-dimensional array is flattened, as
 * PostgreSQL does); a NULL or empty array gives no rows. The column is named after the alias when
 * there is no column list (`unnest(a) x` has column x), else after the function.
 */
function planUnnest(args: readonly BoundExpr[], alias: string | undefined, colNames: readonly string[], pos: number): TableFunctionRel {
  const arg = args[0];
  if (args.length !== 1 || arg === undefined || arg.type.id !== "array") {
    const sig = args.map((a) => typeDisplayName(a.type)).join(", ");
    throw new KodiakError(SqlState.undefinedFunction, `function unnest(${sig}) does not exist`, { position: pos + 1 });
  }
  if (colNames.length > 1) {
    throw new KodiakError(SqlState.datatypeMismatch, `too many column aliases specified for function unnest`, { position: pos + 1 });
  }
  const rel = alias ?? "unnest";
  let elem: DataType = arg.type.elem ?? T.text;
  while (elem.id === "array") elem = elem.elem ?? T.text; // nested arrays are dimensions of one array
  const cols: Col[] = [{ rel, name: colNames[0] ?? alias ?? "unnest", type: elem }];
  const f = arg.fn;
  const node = new FunctionScanNode("Function Scan on unnest", cols, (env) => {
    const v = f([], env);
    if (v === null) return [];
    if (!Array.isArray(v)) throw new KodiakError(SqlState.internalError, "unnest argument is not an array");
    const out: Row[] = [];
    const flatten = (xs: readonly Value[]): void => {
      for (const x of xs) {
        if (Array.isArray(x)) flatten(x);
        else {
          if (out.length >= MAX_UNNEST_ROWS) throw new KodiakError(SqlState.programLimitExceeded, "unnest produced too many rows");
          out.push([x]);
        }
      }
    };
    flatten(v);
    return out;
  });
  return { node, cols };
}

/**
 * pg_partition_ancestors(regclass): the relation and its partitioning ancestors. Kodiak has no
 * partitioning, so that is the relation alone (one row, column relid); NULL gives no rows.
 */
function planPartitionAncestors(
  args: readonly BoundExpr[],
  alias: string | undefined,
  colNames: readonly string[],
  pos: number,
): TableFunctionRel {
  const scalar = pgCatalogFunction("pg_partition_ancestors", args, pos);
  if (scalar === undefined || args.length !== 1) {
    throw new KodiakError(SqlState.undefinedFunction, "function pg_partition_ancestors takes one argument", { position: pos + 1 });
  }
  const rel = alias ?? "pg_partition_ancestors";
  const cols: Col[] = [{ rel, name: colNames[0] ?? "relid", type: scalar.type }];
  const f = scalar.fn;
  const node = new FunctionScanNode("Function Scan on pg_partition_ancestors", cols, (env) => {
    const v = f([], env);
    return v === null ? [] : [[v]];
  });
  return { node, cols };
}

/**
 * f(...) WITH ORDINALITY: the function's rows numbered from 1 in a bigint column, named by the
 * alias list's entry after the function's columns, else "ordinality".
 */
export function withOrdinality(rel: TableFunctionRel, colNames: readonly string[], fnName: string, pos: number): TableFunctionRel {
  const width = rel.cols.length;
  if (colNames.length > width + 1) {
    throw new KodiakError(SqlState.datatypeMismatch, `too many column aliases specified for function ${fnName.toLowerCase()}`, {
      position: pos + 1,
    });
  }
  const first = rel.cols[0];
  const cols: Col[] = [...rel.cols, { rel: first?.rel ?? fnName, name: colNames[width] ?? "ordinality", type: T.int8 }];
  const inner = rel.node;
  const node = new FunctionScanNode(inner.label, cols, (env) => inner.run(env).map((row, i) => [...row, BigInt(i + 1)]));
  return { node, cols };
}
