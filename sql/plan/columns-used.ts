// Which stored columns a scan must decode (projection push-down): a conservative, name-based
// reading of a query block's AST. Every name that appears in a column reference (any part, so
// whole-row references and field access count) or a USING list is kept; anything that can read
// columns without naming them (`*`, NATURAL joins, PL-Grizzly nodes) means "all columns".
import type { SelectCore, SortItem } from "../parser/ast.js";
import type { Col } from "./context.js";
import type { ScanProjection } from "./nodes.js";

/** Names referenced anywhere in the given AST fragments, or undefined when all columns may be read. */
export function referencedNames(roots: readonly unknown[]): Set<string> | undefined {
  const out = new Set<string>();
  let all = false;
  const visit = (x: unknown): void => {
    if (all || x === null || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const node = x as { kind?: unknown; parts?: unknown; using?: unknown; natural?: unknown };
    if (node.kind === "star" || node.kind === "pl" || node.natural === true) {
      all = true;
      return;
    }
    if (node.kind === "column" && Array.isArray(node.parts)) {
      for (const p of node.parts) {
        if (p === "*") all = true;
        if (typeof p === "string") out.add(p);
      }
      return;
    }
    if (Array.isArray(node.using)) for (const u of node.using) if (typeof u === "string") out.add(u);
    for (const v of Object.values(node)) if (typeof v === "object") visit(v);
  };
  for (const r of roots) visit(r);
  return all ? undefined : out;
}

/**
 * Names a SELECT block's scans must decode. A block without select items is the DML "raw rows"
 * form (UPDATE/DELETE read whole rows to write them back), so it gets every column.
 */
export function blockColumnNames(core: SelectCore, orderBy: readonly SortItem[]): Set<string> | undefined {
  if (core.items.length === 0) return undefined;
  return referencedNames([core, orderBy]);
}

function mask(cols: readonly Col[], names: ReadonlySet<string>): Uint8Array {
  const m = new Uint8Array(cols.length);
  for (let i = 0; i < cols.length; i++) if (names.has(cols[i].name)) m[i] = 1;
  return m;
}

/** The mask without its trailing zeros (decodeColumns stops at the mask's end). */
function trim(m: Uint8Array): Uint8Array {
  let end = m.length;
  while (end > 0 && m[end - 1] === 0) end--;
  return m.slice(0, end);
}

/**
 * The scan projection for a table read under `relNames` (alias and table name) with `cols`, or
 * undefined to decode whole rows. `filterNames` are the columns the pushed-down filter reads.
 */
export function scanProjection(
  cols: readonly Col[],
  relNames: readonly string[],
  needed: ReadonlySet<string> | undefined,
  filterNames: ReadonlySet<string> | undefined,
): ScanProjection | undefined {
  if (needed === undefined || relNames.some((n) => needed.has(n))) return undefined;
  const columns = mask(cols, needed);
  if (columns.every((b) => b === 1)) return undefined;
  if (filterNames === undefined) return { columns: trim(columns), filterColumns: undefined, restColumns: undefined };
  const filterColumns = mask(cols, filterNames);
  const restColumns = columns.map((b, i) => (b === 1 && filterColumns[i] === 0 ? 1 : 0));
  for (let i = 0; i < columns.length; i++) filterColumns[i] &= columns[i];
  if (restColumns.every((b) => b === 0)) return { columns: trim(columns), filterColumns: undefined, restColumns: undefined };
  return { columns: trim(columns), filterColumns: trim(filterColumns), restColumns: trim(restColumns) };
}
