// Lets the SQL type resolver (sql/types/types.ts) accept PL-Grizzly STRUCT type names as column
// types without importing the PL layer: the PL bridge registers the lookup at load time. A
// STRUCT column is stored as jsonb and remembers its STRUCT type name.

let isStruct: (name: string) => boolean = () => false;

export function setPlStructLookup(f: (name: string) => boolean): void {
  isStruct = f;
}

/** jsonb carrying the STRUCT name, or undefined when `name` is not a PL STRUCT type. */
export function plStructColumnType(name: string): { readonly id: "jsonb"; readonly typmod: -1; readonly plStruct: string } | undefined {
  return isStruct(name) ? { id: "jsonb", typmod: -1, plStruct: name } : undefined;
}
