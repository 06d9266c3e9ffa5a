// The ParameterStatus values sent after authentication and whenever a reported setting changes
// (SET TimeZone, application_name, ...). Session settings win; the defaults are what a PostgreSQL
// 15 server in UTF8 with ISO dates would report, so clients parse values right.

import type { SqlSession } from "../../sql/api.js";

export const DEFAULT_SERVER_VERSION = "15.0 (Kodiak)";

const DEFAULTS: Record<string, string> = {
  server_encoding: "UTF8",
  client_encoding: "UTF8",
  DateStyle: "ISO, MDY",
  IntervalStyle: "postgres",
  integer_datetimes: "on",
  standard_conforming_strings: "on",
  TimeZone: "UTC",
  application_name: "",
  is_superuser: "on",
  default_transaction_read_only: "off",
  in_hot_standby: "off",
};

/** Settings a SET can change, re-reported to the client when they do (PostgreSQL's GUC_REPORT set). */
const CHANGEABLE = [
  "DateStyle",
  "IntervalStyle",
  "TimeZone",
  "application_name",
  "standard_conforming_strings",
  "default_transaction_read_only",
  "is_superuser",
];

export class ReportedParameters {
  private readonly sent = new Map<string, string>();

  /** Everything reported at startup (and remembered, to detect changes later). */
  startup(session: SqlSession, serverVersion: string, startup: Record<string, string>): [string, string][] {
    const out: [string, string][] = [["server_version", serverVersion]];
    for (const [name, fallback] of Object.entries(DEFAULTS)) {
      // The server always talks UTF8; client_encoding is reported as such whatever was asked.
      if (name === "client_encoding" || name === "server_encoding") out.push([name, fallback]);
      else out.push([name, session.setting(name) ?? startup[name] ?? fallback]);
    }
    out.push(["session_authorization", startup.user ?? ""]);
    for (const [name, value] of out) this.sent.set(name, value);
    return out;
  }

  /** Reported settings whose value differs from what the client last heard. */
  changes(session: SqlSession): [string, string][] {
    const out: [string, string][] = [];
    for (const name of CHANGEABLE) {
      const value = session.setting(name);
      if (value !== undefined && value !== this.sent.get(name)) {
        this.sent.set(name, value);
        out.push([name, value]);
      }
    }
    return out;
  }
}
