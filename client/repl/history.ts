// Persistent REPL history: one entry per line in a file (~/.kodiak_history unless given), kept
// to the newest MAX_HISTORY_LINES. Failures to read or write history never stop the REPL.

import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const MAX_HISTORY_LINES = 1000;

export function defaultHistoryFile(): string {
  return process.env.KODIAK_HISTORY ?? join(homedir(), ".kodiak_history");
}

/** History entries, newest first (as node:readline wants them). */
export function loadHistory(file: string): string[] {
  try {
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    const kept = lines.slice(-MAX_HISTORY_LINES);
    if (kept.length < lines.length) writeFileSync(file, `${kept.join("\n")}\n`);
    return kept.reverse();
  } catch {
    return [];
  }
}

export function appendHistory(file: string, line: string): void {
  if (line.trim() === "") return;
  try {
    appendFileSync(file, `${line.replace(/\n/g, " ")}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home directory must not break the shell.
  }
}
