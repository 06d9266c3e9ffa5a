// Resolves written type references (TypeRef) to PlTypes: built-in names and aliases, arrays,
// futures, and user STRUCT/EXCEPTION types from the catalog. Unknown name → 42704.

import { SqlState } from "../../util/index.js";
import type { TypeRef } from "./ast.js";
import { PlError } from "./errors.js";
import type { PlCatalog } from "./host.js";
import { arrayOf, builtinType, type PlType } from "./types.js";

export function resolveType(ref: TypeRef, catalog: PlCatalog): PlType {
  if (ref.elem !== undefined) {
    const inner = resolveType(ref.elem, catalog);
    return ref.name === "future" ? { k: "future", inner } : arrayOf(inner);
  }
  const name = ref.name.toLowerCase();
  const b = builtinType(name, ref.mods);
  if (b !== undefined) return b;
  const u = catalog.type(name);
  if (u !== undefined) return u;
  throw new PlError(SqlState.undefinedObject, `type "${ref.name}" does not exist`);
}
