/**
 * `@kiln/contracts`: the contracts every Kiln package shares, each defined once and light to load
 * (no SQLite, no workers, no Wasm tooling): the manifest's type and JSON Schema with its patterns,
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
  checkLimits,
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
} from "./manifest.js";
export { closestMatch, closestMatches, didYouMean, editDistance, type SuggestOptions } from "./suggest.js";
