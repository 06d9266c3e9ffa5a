// One structured JSON logger (pino) for every process. Library code takes a Logger and never
// uses console.*; entry points decide the destination and level.

import { pino } from "pino";

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: { component: string } & Record<string, unknown>): Logger;
}

/** A JSON logger to stderr. Level from KODIAK_LOG_LEVEL (default "info"). */
export function createLogger(component: string, level = process.env.KODIAK_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { component } }, pino.destination(2));
}

/** Discards everything (tests, simulation). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
