// Segment file naming and listing. Segments are named by a sequence number only (16 hex digits +
// ".log"); which entries they hold is learned by scanning. Never guesses at foreign file names.

import { join } from "node:path";
import type { FileSystem } from "../../util/index.js";

/** Default size at which the active segment is closed and a new one started. */
export const SEGMENT_MAX_BYTES = 64 * 1024 * 1024;

const SEGMENT_NAME = /^([0-9a-f]{16})\.log$/;

export function segmentName(seq: number): string {
  return `${seq.toString(16).padStart(16, "0")}.log`;
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentName(seq));
}

/** Sequence numbers of the segment files in dir, ascending. */
export function listSegments(fs: FileSystem, dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdir(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m?.[1] !== undefined) out.push(Number.parseInt(m[1], 16));
  }
  return out.sort((a, b) => a - b);
}
