/**
 * The durable job store: the {@link JobStore} contract, its embedded SQLite implementation, and the
 * store's errors.
 *
 * @module
 */
export {
  JobNotRunningError,
  JobTransitionInvalidError,
  JobUnknownError,
  StoreBusyError,
  StoreClosedError,
  StoreFailedError,
  StoreKeyInvalidError,
  StoreOpenError,
  StoreTooNewError,
  StoreValueInvalidError,
  StoreValueTooLargeError,
} from "./errors.js";
export { LATEST_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
export { SqliteJobStore, type SqliteJobStoreOptions } from "./sqlite.js";
export {
  isAllowedTransition,
  isTerminal,
  JOB_STATES,
  type JobCounters,
  type JobErrorInfo,
  type JobFilter,
  type JobProgress,
  type JobRecord,
  type JobState,
  type JobStore,
  KV_DEFAULT_LIST_LIMIT,
  KV_MAX_KEY_BYTES,
  KV_MAX_LIST_LIMIT,
  KV_MAX_VALUE_BYTES,
  type KvListOptions,
  type KvListPage,
  type KvStore,
  type NewJob,
  TERMINAL_STATES,
  type TransitionPatch,
} from "./types.js";
