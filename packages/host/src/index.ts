/**
 * `@kiln/host`: embed Kiln extensions in a Node.js application.
 *
 * @packageDocumentation
 */
export { ExtensionHost, type ExtensionHostOptions, type LoadedExtension } from "./host.js";
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
export { JavyModuleFailedError, runJavyModule, type JavyModuleResult, type RunJavyModuleOptions } from "./javy.js";
export { consoleLogger, type LogEntry, type LogLevel, type Logger } from "./logger.js";
export {
  KEBAB_CASE_PATTERN,
  MANIFEST_VERSION,
  SEMVER_PATTERN,
  checkManifest,
  isManifest,
  manifestSchema,
  type Manifest,
  type ManifestIssue,
  type ManifestJob,
  type ManifestLimits,
  type ManifestModule,
} from "./manifest.js";
export { BUILTIN_PERMISSIONS, PERMISSION_PATTERN, type BuiltinPermission } from "./permissions.js";
