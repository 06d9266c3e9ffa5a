// PL-Grizzly definitions as the engine's catalog stores them: one entry per type, function,
// trigger and cron job (its CREATE statement's source; cron jobs add their paused state), in
// creation order. Writing them in the statement's transaction makes PL DDL transactional,
// replicated and durable with the rest of the catalog; the in-memory catalog is rebuilt from them.

import { KodiakError } from "../../util/index.js";
import type { TopStmt } from "./ast.js";
import { type CronRun, MemoryCatalog } from "./catalog.js";
import { createCron, createFunction, createTrigger, createType, type DefinitionContext } from "./definitions.js";
import { PlBuilder } from "./parse/build.js";
import { parseTree } from "./parse/tree.js";
import type { PlType } from "./types.js";

export type StoredDefinitions = Record<string, string>;

interface StoredCron {
  readonly src: string;
  readonly paused: boolean;
  readonly createdAtMs: number;
  readonly resumedAtMs: number;
}

const cronEntry = (catalog: MemoryCatalog, name: string, src: string): string => {
  const j = catalog.cronJobs.get(name)!;
  const v: StoredCron = { src, paused: j.paused, createdAtMs: j.createdAtMs, resumedAtMs: j.resumedAtMs };
  return JSON.stringify(v);
};

/** How a successful top-level PL statement changes the stored definitions (undefined: none). */
export function definitionChange(st: TopStmt, after: MemoryCatalog): ((defs: StoredDefinitions) => void) | undefined {
  const src = st.src ?? "";
  switch (st.kind) {
    case "createType":
      return (d) => {
        d[`type:${st.def.name}`] = src;
      };
    case "dropType":
      return (d) => {
        delete d[`type:${st.name}`];
      };
    case "createFunction":
      return (d) => {
        const key = `fn:${st.def.receiver ?? ""}.${st.def.name}`;
        delete d[key];
        d[key] = src;
      };
    case "dropFunction":
      return (d) => {
        delete d[`fn:${st.receiver ?? ""}.${st.name}`];
      };
    case "createTrigger":
      return (d) => {
        d[`trigger:${st.table}.${st.name}`] = src;
      };
    case "dropTrigger":
      return (d) => {
        delete d[`trigger:${st.table}.${st.name}`];
      };
    case "createCron":
      return (d) => {
        d[`cron:${st.name}`] = cronEntry(after, st.name, src);
      };
    case "dropCron":
      return (d) => {
        delete d[`cron:${st.name}`];
      };
    case "alterCron":
      if (st.op === "RUN NOW") return undefined;
      return (d) => {
        const key = `cron:${st.name}`;
        const old = d[key];
        if (old !== undefined) d[key] = cronEntry(after, st.name, (JSON.parse(old) as StoredCron).src);
      };
    default:
      return undefined;
  }
}

/** Rebuilds the in-memory catalog from stored definitions (in creation order). */
export function rebuildCatalog(
  defs: StoredDefinitions | undefined,
  runs: CronRun[],
  tableRowType: (table: string) => PlType | undefined,
  nowMs: () => number,
): MemoryCatalog {
  const catalog = new MemoryCatalog(runs);
  const d: DefinitionContext = { catalog, sessionVar: () => undefined, nowMs, tableRowType, trusted: true };
  for (const [key, value] of Object.entries(defs ?? {})) {
    const cron = key.startsWith("cron:") ? (JSON.parse(value) as StoredCron) : undefined;
    const src = cron?.src ?? value;
    try {
      const st = new PlBuilder(src).top(parseTree(src).statement(0)!);
      if (st.kind === "createType") createType(st, d);
      else if (st.kind === "createFunction") createFunction({ ...st, def: { ...st.def, orReplace: true } }, d);
      else if (st.kind === "createTrigger") createTrigger(st, d);
      else if (st.kind === "createCron" && cron !== undefined) {
        const job = createCron(st, { ...d, nowMs: () => cron.createdAtMs });
        job.paused = cron.paused;
        job.resumedAtMs = cron.resumedAtMs;
      }
    } catch (e) {
      // A definition whose dependencies are gone (e.g. a trigger's dropped table) is left out.
      if (!(e instanceof KodiakError)) throw e;
    }
  }
  return catalog;
}
