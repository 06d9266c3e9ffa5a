// PL-Grizzly: the interpreter, its types and values, and the seams it needs from the engine.
// The engine imports only from here.

export type * from "./ast.js";
export { Budget } from "./budget.js";
export { callFunction } from "./call.js";
export { assign, cast, parseText } from "./cast.js";
export { Ctx, DEFAULT_MAX_CALL_DEPTH, type PlEnv } from "./context.js";
export { checkTimeZone, cronNext, parseCron } from "./cron.js";
export { conditionName, conditions, PlError } from "./errors.js";
export type { BoundParam, HostResult, PlCatalog, PlFunction, SqlHost } from "./host.js";
export { binary } from "./ops.js";
export { callFromSql, evalStandalone, runBlock } from "./runtime.js";
export { SessionVars } from "./scope.js";
export { bindParam, fromSqlValue, plTypeOf, sqlTypeOf } from "./sqlconv.js";
export { type PlType, T, typeName } from "./types.js";
export { formatValue, type PlValue, toSqlValue } from "./values.js";
export { type CronJobDef, type CronRun, MemoryCatalog, type TriggerDef } from "./catalog.js";
export { isConfigParameter, PlSession, type PlSessionOptions } from "./session.js";
export { CRON_ON_TIME_GRACE_MS, type CronHost, CronScheduler, memoryRunLog, nextRunMs } from "./cron-scheduler.js";
export { CRON_JOBS_COLUMNS, CRON_RUNS_COLUMNS, cronJobsRows, cronRunsRows } from "./cron-tables.js";
export { type RowChange, TRIGGER_DEPTH_MAX, type TriggerOp, TriggerRuntime } from "./triggers.js";
