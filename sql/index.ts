// Public API of the SQL layer: the engine contract (api.ts), engine factories, the KV seam, the
// parser (for tools that only need syntax) and the jsonl formatter. Other folders import from here.
export * from "./api.js";
export { openEmbeddedEngine, type EmbeddedEngineOptions } from "./embedded.js";
export { KvSqlEngine } from "./engine/engine.js";
export { formatJsonlError, formatJsonlResult } from "./jsonl.js";
export type { CommitRequest, KeyRange, KvEntry, KvScanEntry, KvStore } from "./kv/index.js";
export { MemoryKvStore } from "./kv/index.js";
export type { ParsedStatement, Statement } from "./parser/ast.js";
export { parseSql, parseStatement } from "./parser/parse.js";
export { formatSqlValue as formatSqlValueText } from "./engine/convert.js";
import { typeOfSqlType, toSqlValue } from "./engine/convert.js";
import { parseText as parseValueText } from "./types/values.js";
import type { SqlType, SqlValue } from "./api.js";
/** Parses PostgreSQL text input for a type (what SqlSession.parseText does, without a session). */
export function parseSqlValueText(text: string, type: SqlType): SqlValue {
  return toSqlValue(parseValueText(text, typeOfSqlType(type)));
}
