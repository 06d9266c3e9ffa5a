// Errors the log raises. RaftStorage reads below the compaction point or past the end throw
// CompactedError / UnavailableError (named like etcd's raft so the core can tell them apart by
// `name` without importing this folder); corrupt bytes are XX001 naming file and offset.

import { KodiakError, SqlState } from "../../util/index.js";

export class CompactedError extends KodiakError {
  constructor(index: number, firstIndex: number) {
    super(SqlState.objectNotInPrerequisiteState, `log entry ${index} is compacted (first index ${firstIndex})`, { where: "log" });
    this.name = "CompactedError";
  }
}

export class UnavailableError extends KodiakError {
  constructor(index: number, lastIndex: number) {
    super(SqlState.objectNotInPrerequisiteState, `log entry ${index} is not available yet (last index ${lastIndex})`, { where: "log" });
    this.name = "UnavailableError";
  }
}

export function isCompactedError(e: unknown): boolean {
  return e instanceof Error && e.name === "CompactedError";
}

export function isUnavailableError(e: unknown): boolean {
  return e instanceof Error && e.name === "UnavailableError";
}

/** Corrupt bytes in a segment: never served, always naming where. */
export function corruptSegment(path: string, offset: number, why: string, hint?: string): KodiakError {
  return new KodiakError(SqlState.dataCorrupted, `log segment ${path} is corrupt at byte offset ${offset}: ${why}`, {
    where: "log",
    detail: `file ${path}, offset ${offset}`,
    hint:
      hint ??
      "the node refuses to start rather than serve a damaged log; remove this node's data directory and let it rejoin from its peers",
  });
}
