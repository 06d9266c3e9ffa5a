// CREATE/DROP of PL-Grizzly definitions: STRUCT and EXCEPTION types, functions, triggers and
// cron jobs. Validates everything section 3.3 / 7 / 12 / 13 names before anything is stored,
// so a failing CREATE changes nothing.

import { SqlState } from "../../util/index.js";
import type { TopStmt } from "./ast.js";
import type { CronJobDef, MemoryCatalog, TriggerDef } from "./catalog.js";
import { Checker } from "./check.js";
import { checkTimeZone, parseCron } from "./cron.js";
import { builtinExceptionDef, PlError, validUserSqlstate } from "./errors.js";
import type { PlFunction } from "./host.js";
import { resolveType } from "./resolve.js";
import { anonStruct, type PlType, type StructField, T } from "./types.js";

export const MAX_STRUCT_FIELDS = 1000;
export const MAX_FUNCTION_PARAMS = 100;

type Of<K extends TopStmt["kind"]> = Extract<TopStmt, { kind: K }>;

export interface DefinitionContext {
  readonly catalog: MemoryCatalog;
  readonly sessionVar: (name: string) => PlType | undefined;
  readonly nowMs: () => number;
  /** Does a table exist, and its row type (for NEW/OLD) — engine hook; undefined = no engine. */
  readonly tableRowType?: (table: string) => PlType | undefined;
  /** Rebuilding from stored definitions: they were checked when created, so skip body checks. */
  readonly trusted?: boolean;
}

function usesType(t: PlType, name: string): boolean {
  switch (t.k) {
    case "struct":
      return t.name === name || t.fields.some((f) => usesType(f.type, name));
    case "array":
      return usesType(t.elem, name);
    case "future":
      return usesType(t.inner, name);
    case "exception":
      return t.name === name;
    default:
      return false;
  }
}

export function createType(s: Of<"createType">, d: DefinitionContext): void {
  const { catalog } = d;
  const def = s.def;
  if (catalog.type(def.name) !== undefined || builtinExceptionDef(def.name) !== undefined) {
    throw new PlError(SqlState.duplicateObject, `type "${def.name}" already exists`);
  }
  if (def.fields.length > MAX_STRUCT_FIELDS)
    throw new PlError(SqlState.programLimitExceeded, `a type can have at most ${MAX_STRUCT_FIELDS} fields`);
  const fields: StructField[] = [];
  for (const f of def.fields) {
    if (fields.some((x) => x.name === f.name)) throw new PlError(SqlState.duplicateColumn, `field "${f.name}" specified more than once`);
    const t = resolveType(f.type, catalog);
    if (t.k === "exception" || t.k === "future") throw new PlError(SqlState.datatypeMismatch, `field "${f.name}" cannot have type ${t.k}`);
    fields.push({ name: f.name, type: t });
  }
  if (def.struct) {
    catalog.types.set(def.name, { k: "struct", name: def.name, fields });
    if (s.src !== undefined) catalog.typeSources.set(def.name, s.src);
    return;
  }
  if (def.sqlstate !== null && !validUserSqlstate(def.sqlstate)) {
    throw new PlError(SqlState.invalidParameterValue, `invalid SQLSTATE '${def.sqlstate}' for a user exception`);
  }
  catalog.types.set(def.name, {
    k: "exception",
    name: def.name,
    def: { name: def.name, defaultMessage: def.message, fields, sqlstate: def.sqlstate ?? "P0001", builtin: false },
  });
  if (s.src !== undefined) catalog.typeSources.set(def.name, s.src);
}

export function dropType(s: Of<"dropType">, d: DefinitionContext, tableUses?: (name: string) => boolean): void {
  const { catalog } = d;
  if (catalog.type(s.name) === undefined) {
    if (s.ifExists) return;
    throw new PlError(SqlState.undefinedObject, `type "${s.name}" does not exist`);
  }
  const usedByType = [...catalog.types.entries()].some(([n, t]) => n !== s.name && usesType(t, s.name));
  const usedByFn = [...catalog.functions.values()].some(
    (f) => f.def.receiver === s.name || usesType(f.returnType, s.name) || f.paramTypes.some((p) => usesType(p, s.name)),
  );
  if (usedByType || usedByFn || tableUses?.(s.name) === true) {
    throw new PlError("2BP01", `cannot drop type ${s.name} because other objects depend on it`);
  }
  catalog.types.delete(s.name);
  catalog.typeSources.delete(s.name);
}

export function createFunction(s: Of<"createFunction">, d: DefinitionContext): PlFunction {
  const { catalog } = d;
  const def = s.def;
  if (def.params.length > MAX_FUNCTION_PARAMS)
    throw new PlError(SqlState.programLimitExceeded, `a function can have at most ${MAX_FUNCTION_PARAMS} parameters`);
  if (!def.selfOk) throw new PlError("42P13", "self must be the first parameter of a receiver function, and only there");
  if (def.receiver !== null) {
    const rt = catalog.type(def.receiver);
    if (rt === undefined) throw new PlError(SqlState.undefinedObject, `type "${def.receiver}" does not exist`);
    if (rt.k !== "struct" && rt.k !== "exception")
      throw new PlError(SqlState.wrongObjectType, `${def.receiver} is not a STRUCT or EXCEPTION type`);
  }
  if (catalog.func(def.name, def.receiver) !== undefined && !def.orReplace) {
    throw new PlError(SqlState.duplicateFunction, `function ${def.name} already exists`);
  }
  let sawDefault = false;
  for (const p of def.params) {
    if (p.default !== null) sawDefault = true;
    else if (sawDefault) throw new PlError("42P13", "parameters with defaults must come last");
  }
  const paramTypes = def.params.map((p) => resolveType(p.type, catalog));
  const returnType = resolveType(def.returns, catalog);
  for (const r of def.raises) {
    const t = catalog.type(r);
    if ((t === undefined || t.k !== "exception") && builtinExceptionDef(r) === undefined) {
      throw new PlError(SqlState.undefinedObject, `exception type "${r}" does not exist`);
    }
  }
  if (def.immutable && def.async) throw new PlError("42P13", "an IMMUTABLE function cannot be ASYNC");
  const params = new Map<string, PlType | null>(def.params.map((p, i) => [p.name, paramTypes[i]!]));
  if (def.receiver !== null) params.set("self", catalog.type(def.receiver)!);
  if (returnType.k === "trigger") for (const n of ["new", "old"]) params.set(n, null);
  if (returnType.k === "trigger") for (const n of ["tg_op", "tg_when", "tg_table_name"]) params.set(n, T.text);
  const checker = new Checker({
    catalog,
    sessionVar: d.sessionVar,
    returnType: returnType.k === "void" || returnType.k === "trigger" ? null : returnType,
    raises: def.raises,
    immutable: def.immutable,
    params,
    self: {
      name: def.name,
      paramTypes,
      defaults: def.params.filter((p) => p.default !== null).length,
      returnType,
      async: def.async,
    },
  });
  if (d.trusted !== true) checker.checkBody(def.body);
  const fn: PlFunction = { def, paramTypes, returnType };
  catalog.putFunction(fn);
  return fn;
}

export function dropFunction(s: Of<"dropFunction">, d: DefinitionContext): void {
  if (!d.catalog.dropFunction(s.name, s.receiver) && !s.ifExists) {
    throw new PlError(SqlState.undefinedFunction, `function ${s.name} does not exist`);
  }
}

/** Checks a DO / inline trigger / cron block before running or storing it. */
export function checkBlock(block: Of<"do">["block"], d: DefinitionContext, params: ReadonlyMap<string, PlType | null> = new Map()): void {
  if (d.trusted === true) return;
  new Checker({ catalog: d.catalog, sessionVar: d.sessionVar, returnType: null, raises: null, immutable: false, params }).checkBody(block);
}

function mentions(e: unknown, name: string): boolean {
  if (e === null || typeof e !== "object") return false;
  const o = e as Record<string, unknown>;
  if ((o.kind === "name" && o.name === name) || (o.kind === "var" && Array.isArray(o.path) && o.path[0] === name)) return true;
  return Object.values(o).some((v) => (Array.isArray(v) ? v.some((x) => mentions(x, name)) : mentions(v, name)));
}

export function createTrigger(s: Of<"createTrigger">, d: DefinitionContext): TriggerDef {
  const { catalog } = d;
  if (s.forEach !== "ROW") throw new PlError(SqlState.featureNotSupported, "only FOR EACH ROW triggers are supported");
  const rowType = d.tableRowType?.(s.table);
  if (d.tableRowType !== undefined && rowType === undefined)
    throw new PlError(SqlState.undefinedTable, `relation "${s.table}" does not exist`);
  if (catalog.triggers.has(catalog.triggerKey(s.table, s.name))) {
    throw new PlError(SqlState.duplicateObject, `trigger "${s.name}" for relation "${s.table}" already exists`);
  }
  if (s.when !== null) {
    if (s.events.length === 1 && s.events[0] === "DELETE" && mentions(s.when, "new"))
      throw new PlError("42P17", "a DELETE trigger's WHEN cannot reference NEW");
    if (s.events.length === 1 && s.events[0] === "INSERT" && mentions(s.when, "old"))
      throw new PlError("42P17", "an INSERT trigger's WHEN cannot reference OLD");
  }
  const row = rowType ?? anonStruct([]);
  const params = new Map<string, PlType | null>([
    ["new", rowType === undefined ? null : row],
    ["old", rowType === undefined ? null : row],
    ["tg_op", T.text],
    ["tg_when", T.text],
    ["tg_table_name", T.text],
  ]);
  if ("fn" in s.action) {
    const fn = catalog.func(s.action.fn, null);
    if (fn === undefined) throw new PlError(SqlState.undefinedFunction, `function ${s.action.fn}() does not exist`);
    if (fn.returnType.k !== "trigger" || fn.def.params.some((p) => p.default === null) || fn.def.async) {
      throw new PlError("42P17", `function ${s.action.fn} must be a SYNC function RETURNS TRIGGER without required parameters`);
    }
  } else checkBlock(s.action.block, d, params);
  const t: TriggerDef = {
    name: s.name,
    table: s.table,
    timing: s.timing,
    events: s.events,
    when: s.when,
    action: s.action,
    source: s.source,
  };
  catalog.triggers.set(catalog.triggerKey(s.table, s.name), t);
  return t;
}

export function dropTrigger(s: Of<"dropTrigger">, d: DefinitionContext): void {
  if (!d.catalog.triggers.delete(d.catalog.triggerKey(s.table, s.name)) && !s.ifExists) {
    throw new PlError(SqlState.undefinedObject, `trigger "${s.name}" for table "${s.table}" does not exist`);
  }
}

export function createCron(s: Of<"createCron">, d: DefinitionContext): CronJobDef {
  const { catalog } = d;
  parseCron(s.schedule);
  checkTimeZone(s.timezone);
  if (catalog.cronJobs.has(s.name)) throw new PlError(SqlState.duplicateObject, `cron job "${s.name}" already exists`);
  if ("fn" in s.action) {
    if (catalog.func(s.action.fn, null) === undefined)
      throw new PlError(SqlState.undefinedFunction, `function ${s.action.fn}() does not exist`);
  } else checkBlock(s.action.block, d);
  const now = d.nowMs();
  const job: CronJobDef = {
    name: s.name,
    schedule: s.schedule,
    timezone: s.timezone,
    onMissed: s.onMissed,
    action: s.action,
    actionText: s.actionText,
    ...(s.src !== undefined ? { source: s.src } : {}),
    paused: false,
    createdAtMs: now,
    resumedAtMs: now,
  };
  catalog.cronJobs.set(s.name, job);
  return job;
}

export function cronJob(name: string, d: DefinitionContext): CronJobDef {
  const j = d.catalog.cronJobs.get(name);
  if (j === undefined) throw new PlError(SqlState.undefinedObject, `cron job "${name}" does not exist`);
  return j;
}

export function dropCron(s: Of<"dropCron">, d: DefinitionContext): void {
  if (!d.catalog.cronJobs.delete(s.name) && !s.ifExists) throw new PlError(SqlState.undefinedObject, `cron job "${s.name}" does not exist`);
}
