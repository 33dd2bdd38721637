/**
 * `@kiln/host`: embed Kiln extensions in a Node.js application.
 *
 * @packageDocumentation
 */

export {
  ExtensionAlreadyLoadedError,
  ExtensionFailedError,
  ExtensionNotLoadedError,
  InvalidInputError,
  JobNotFoundError,
  KilnError,
  ManifestInvalidError,
  ModuleHashMismatchError,
  ModuleInvalidError,
  ModuleLinkError,
} from "./errors.js";
export { ExtensionHost, type ExtensionHostOptions, type LoadedExtension, type LoadOptions } from "./host.js";
export { JavyModuleFailedError, type JavyModuleResult, type RunJavyModuleOptions, runJavyModule } from "./javy.js";
export type { JobEvents } from "./jobs/events.js";
export { JobManager, type JobManagerOptions, JobStateError } from "./jobs/manager.js";
export { consoleLogger, type LogEntry, type Logger, type LogLevel } from "./logger.js";
export {
  checkManifest,
  isManifest,
  KEBAB_CASE_PATTERN,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestIssue,
  type ManifestJob,
  type ManifestLimits,
  type ManifestModule,
  manifestSchema,
  SEMVER_PATTERN,
} from "./manifest.js";
export { BUILTIN_PERMISSIONS, type BuiltinPermission, PERMISSION_PATTERN } from "./permissions.js";
export { SqliteJobStore, type SqliteJobStoreOptions } from "./store/sqlite.js";
export {
  isTerminal,
  JOB_STATES,
  type JobCounters,
  type JobErrorInfo,
  type JobFilter,
  type JobProgress,
  type JobRecord,
  type JobState,
  type JobStore,
  type KvStore,
  type NewJob,
  TERMINAL_STATES,
} from "./store/types.js";
