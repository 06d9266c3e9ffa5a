// Bottom layer shared by all others: errors, assertions, and the determinism seams.
export { assert, AssertionFailure, unreachable } from "./assert.js";
export { type Clock, ManualClock, systemClock, type TimerHandle } from "./clock.js";
export { crc32c } from "./crc32c.js";
export { isKodiakError, KodiakError, type KodiakErrorFields, SqlState, type SqlStateCode, toKodiakError } from "./errors.js";
export { type FileHandle, type FileSystem, type LockHandle, NodeFileSystem, nodeFileSystem, type OpenOptions } from "./fs.js";
export { createLogger, type Logger, silentLogger } from "./logger.js";
export { type Random, SeededRandom, systemRandom } from "./random.js";
export { type SimFaults, SimFileSystem } from "./sim-fs.js";
