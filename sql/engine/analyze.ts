// ANALYZE: gathers per-table statistics (row count, distinct values and NULL fraction per column)
// and stores them in the catalog, where the planner reads them to order joins.
import { qualified, type TableMeta, type TableStats, updateCatalog } from "../catalog/catalog.js";
import { hashKey } from "../types/values.js";
import { scanTable } from "./tables.js";
import type { Transaction } from "./txn.js";

export function analyzeTables(txn: Transaction, tables: readonly TableMeta[]): void {
  const computed: [string, TableStats][] = tables.map((t) => {
    const rows = scanTable(txn, t);
    const distinct = t.columns.map((_c, i) => new Set(rows.filter((r) => r[i] !== null).map((r) => hashKey(r[i]))).size);
    const nullFraction = t.columns.map((_c, i) => (rows.length === 0 ? 0 : rows.filter((r) => r[i] === null).length / rows.length));
    return [qualified(t.schema, t.name), { rows: rows.length, distinct, nullFraction }];
  });
  updateCatalog(txn, (c) => {
    c.stats = c.stats ?? {};
    for (const [k, v] of computed) c.stats[k] = v;
  });
}
