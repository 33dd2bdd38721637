/**
 * `@kiln/host`: embed Kiln extensions in a Node.js application. Load and verify built extensions,
 * offer them operations behind permissions, and run their jobs durably.
 *
 * @packageDocumentation
 */

// Errors: every error is a KilnError with a code from the one table in @kiln/contracts
// Limits and the manifest: defined in @kiln/contracts, re-exported for the types of this face
// Operations. The built-ins' table (names, permissions, schemas, types) and the kv limits are
// defined in @kiln/contracts, re-exported for the types of this face
export {
  BUILTIN_OPERATIONS,
  BUILTIN_PERMISSIONS,
  type BuiltinOperationName,
  type BuiltinOperations,
  type BuiltinPermission,
  DEFAULT_LIMITS,
  type ExtensionLimits,
  type FileContent,
  type FileEntry,
  type FileStat,
  type FileType,
  type HttpRequest,
  type HttpResponse,
  isKilnError,
  KilnError,
  type KilnErrorCode,
  KV_DEFAULT_LIST_LIMIT,
  KV_DEFAULT_MAX_VALUE_BYTES,
  KV_MAX_KEY_BYTES,
  KV_MAX_LIST_LIMIT,
  LIMITS,
  type LimitName,
  type LimitSpec,
  type Manifest,
  type ManifestJob,
  type ManifestModule,
  PERMISSION_PATTERN,
  type ResolvedLimits,
} from "@kiln/contracts";
export {
  ExtensionAlreadyLoadedError,
  ExtensionFailedError,
  ExtensionNotLoadedError,
  InvalidInputError,
  JobInputInvalidError,
  JobNotFoundError,
  JobOutputInvalidError,
  ManifestInvalidError,
  ModuleHashMismatchError,
  ModuleInvalidError,
  ModuleLinkError,
  type SchemaIssue,
} from "./errors.js";
// The host
export {
  ExtensionHost,
  type ExtensionHostOptions,
  type HostStats,
  type LoadedExtension,
  type LoadOptions,
  type RunOptions,
} from "./host.js";
// Jobs
export type { JobEvents } from "./jobs/events.js";
export { JobManager, type JobManagerOptions, JobStateError } from "./jobs/manager.js";
export type { ResumeAllOptions, ResumeAllResult, ResumeSkipReason } from "./jobs/resume.js";
export { checkJobInput } from "./jobs/schemas.js";
// Compile-time types of known extensions (dist/types.d.ts registers each)
export type {
  ExtensionIdArg,
  ExtensionTypes,
  JobCheckpoint,
  JobId,
  JobInput,
  JobInputArgs,
  JobNameOf,
  JobOutput,
  JobsOf,
  JobTypes,
  JobTypesOf,
  KilnExtensions,
  KnownExtensionId,
} from "./known-extensions.js";
export { consoleLogger, type LogEntry, type Logger, type LogLevel, type LogLocation } from "./logger.js";
export {
  type BuiltinOptions,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  type FilesOptions,
  type HttpOptions,
  type KvOptions,
  MAX_REDIRECTS,
  registerBuiltins,
  registerFiles,
  registerHttp,
  registerKv,
} from "./operations/builtins/index.js";
export {
  OPERATION_ERROR_CODE_PATTERN,
  OperationDefinitionError,
  type OperationDefinitionErrorCode,
  OperationError,
} from "./operations/errors.js";
export { DEFAULT_RATE_LIMIT, type RateLimit } from "./operations/rate-limit.js";
export { OPERATION_NAME_PATTERN, OperationRegistry, type OperationRegistryOptions } from "./operations/registry.js";
export {
  defineOperation,
  type OperationTypes,
  type SchemaValue,
  type TypedOperationDefinition,
} from "./operations/typed.js";
export type {
  CallerContext,
  ExtensionGrants,
  JsonSchema,
  KvBackend,
  OperationContext,
  OperationDefinition,
  OperationInfo,
} from "./operations/types.js";
// The job and key-value store
export type { PackageManager, SqliteBindingFailure, SqliteBindingProblem } from "./store/binding.js";
export {
  JobNotRunningError,
  JobTransitionInvalidError,
  JobUnknownError,
  SqliteBindingMissingError,
  StoreBusyError,
  StoreClosedError,
  StoreFailedError,
  StoreKeyInvalidError,
  StoreOpenError,
  StoreTooNewError,
  StoreValueInvalidError,
  StoreValueTooLargeError,
} from "./store/errors.js";
export { SqliteJobStore, type SqliteJobStoreOptions } from "./store/sqlite.js";
export {
  type CheckpointOptions,
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
  type KvListOptions,
  type KvListPage,
  type KvStore,
  type NewJob,
  TERMINAL_STATES,
  type TransitionOptions,
  type TransitionPatch,
} from "./store/types.js";
