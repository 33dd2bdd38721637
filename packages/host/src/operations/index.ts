/**
 * Operations: what extensions can ask of the application through `ctx.call`, and the checks every
 * such call passes.
 *
 * @module
 */
export {
  type BuiltinOptions,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_KV_VALUE_BYTES,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  type FileContent,
  type FileEntry,
  type FileStat,
  type FileType,
  type HttpOptions,
  type HttpRequest,
  type HttpResponse,
  MAX_REDIRECTS,
  registerBuiltins,
  registerFiles,
  registerHttp,
  registerKv,
} from "./builtins/index.js";
export { OperationDefinitionError, OperationError, type OperationErrorCode, OperationErrorCodes } from "./errors.js";
export { DEFAULT_RATE_LIMIT, type RateLimit } from "./rate-limit.js";
export { OPERATION_NAME_PATTERN, OperationRegistry, type OperationRegistryOptions } from "./registry.js";
export type {
  CallerContext,
  ExtensionGrants,
  JsonSchema,
  KvBackend,
  KvListOptions,
  KvListPage,
  OperationContext,
  OperationDefinition,
  OperationInfo,
} from "./types.js";
