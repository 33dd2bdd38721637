/**
 * `@kiln/contracts`: the contracts every Kiln package shares, each defined once and light to load
 * (no SQLite, no workers, no Wasm tooling): the manifest's type and JSON Schema with its patterns,
 * the rules for the JSON Schemas of a job,
 * the limits table, the built-in operations, the error table with {@link KilnError}, and the
 * "did you mean" helper.
 *
 * @packageDocumentation
 */

export {
  ERROR_AREAS,
  ERRORS,
  type ErrorArea,
  type ErrorInfo,
  isKilnError,
  isKilnErrorCode,
  KilnError,
  type KilnErrorCode,
  type KilnErrorOptions,
} from "./errors.js";
export {
  escapePointerToken,
  JOB_SCHEMA_DIALECT,
  JOB_SCHEMA_KINDS,
  JOB_SCHEMA_LIMITS,
  type JobSchemaIssue,
  type JobSchemaKind,
  type JsonSchema,
  jobSchemaIssues,
  jobSchemaProblems,
  patternProblem,
  unescapePointerToken,
} from "./job-schemas.js";
export {
  checkLimits,
  DEFAULT_LIMITS,
  type ExtensionLimits,
  LIMIT_NAMES,
  LIMITS,
  type LimitName,
  type LimitSpec,
  limitsSchema,
  MAX_CALLS_IN_FLIGHT,
  MAX_OPERATION_NAME_LENGTH,
  type ResolvedLimits,
  resolveLimits,
} from "./limits.js";
export {
  ALLOWED_HOST_PATTERN,
  checkManifest,
  isManifest,
  KEBAB_CASE_PATTERN,
  MANIFEST_LIMITS,
  MANIFEST_PLUGIN_NAMESPACE,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestIssue,
  type ManifestJob,
  type ManifestModule,
  manifestSchema,
  PERMISSION_PATTERN,
  plainSchema,
  SEMVER_PATTERN,
  upgradeManifest,
} from "./manifest.js";
export {
  BUILTIN_OPERATIONS,
  BUILTIN_PERMISSIONS,
  type BuiltinOperationName,
  type BuiltinOperationSpec,
  type BuiltinOperations,
  type BuiltinPermission,
  type FileContent,
  type FileEncoding,
  type FileEntry,
  type FileStat,
  type FileType,
  fileContentSchema,
  fileEncodingSchema,
  fileEntrySchema,
  fileStatSchema,
  fileTypeSchema,
  HTTP_METHODS,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  httpRequestSchema,
  httpResponseSchema,
  KV_DEFAULT_LIST_LIMIT,
  KV_DEFAULT_MAX_VALUE_BYTES,
  KV_MAX_KEY_BYTES,
  KV_MAX_LIST_LIMIT,
  type KvListOptions,
  type KvListPage,
  kvListOptionsSchema,
  kvListPageSchema,
} from "./operations.js";
export { closestMatch, closestMatches, didYouMean, editDistance, type SuggestOptions } from "./suggest.js";
