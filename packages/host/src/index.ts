/**
 * `@kiln/host`: embed Kiln extensions in a Node.js application. Load and verify built extensions,
 * offer them operations behind permissions, and run their jobs durably.
 *
 * @packageDocumentation
 */

// Errors
export {
  ExtensionAlreadyLoadedError,
  ExtensionFailedError,
  ExtensionNotLoadedError,
  InvalidInputError,
  JobNotFoundError,
  KilnError,
  LimitErrorCodes,
  ManifestInvalidError,
  ModuleHashMismatchError,
  ModuleInvalidError,
  ModuleLinkError,
} from "./errors.js";
// The host
export {
  ExtensionHost,
  type ExtensionHostOptions,
  type LoadedExtension,
  type LoadOptions,
  type RunOptions,
} from "./host.js";
// Bare Javy modules
export { JavyModuleFailedError, type JavyModuleResult, type RunJavyModuleOptions, runJavyModule } from "./javy.js";
// Jobs
export type { JobEvents } from "./jobs/events.js";
export { JobManager, type JobManagerOptions, JobStateError } from "./jobs/manager.js";
// Limits
export {
  DEFAULT_LIMITS,
  type ExtensionLimits,
  LIMIT_NAMES,
  LIMITS,
  type LimitName,
  type LimitSpec,
  limitsSchema,
  MAX_OPERATION_NAME_LENGTH,
  type ResolvedLimits,
  resolveLimits,
} from "@kiln/contracts";
export { consoleLogger, type LogEntry, type Logger, type LogLevel } from "./logger.js";
// The manifest contract
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
} from "@kiln/contracts";

// Operations
export {
  type BuiltinOptions,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_KV_VALUE_BYTES,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  type FileContent,
  type FileEntry,
  type FileStat,
  type FilesOptions,
  type FileType,
  type HttpOptions,
  type HttpRequest,
  type HttpResponse,
  MAX_REDIRECTS,
  registerBuiltins,
  registerFiles,
  registerHttp,
  registerKv,
} from "./operations/builtins/index.js";
export {
  OperationDefinitionError,
  OperationError,
  type OperationErrorCode,
  OperationErrorCodes,
} from "./operations/errors.js";
export { DEFAULT_RATE_LIMIT, type RateLimit } from "./operations/rate-limit.js";
export { OPERATION_NAME_PATTERN, OperationRegistry, type OperationRegistryOptions } from "./operations/registry.js";
export type {
  CallerContext,
  ExtensionGrants,
  JsonSchema,
  KvBackend,
  OperationContext,
  OperationDefinition,
  OperationInfo,
} from "./operations/types.js";
export { BUILTIN_PERMISSIONS, type BuiltinPermission, PERMISSION_PATTERN } from "./permissions.js";
// The job and key-value store
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
} from "./store/errors.js";
export { LATEST_VERSION, MIGRATIONS, type Migration } from "./store/migrations.js";
export { SqliteJobStore, type SqliteJobStoreOptions } from "./store/sqlite.js";
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
} from "./store/types.js";
