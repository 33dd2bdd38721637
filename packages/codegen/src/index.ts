/**
 * `@kiln/codegen`: reads an extension's decorators into an {@link ExtensionModel} and builds
 * `manifest.json` + `extension.wasm` from it. Its errors are `KilnError`s with codes from the error
 * table of `@kiln/contracts`; the `kiln` command line that drives it is a package of its own.
 *
 * @packageDocumentation
 */
export { AnalysisCache, type AnalysisResult, type AnalyzeOptions, analyzeProject } from "./analyze.js";
export {
  BuildError,
  type BuildErrorCode,
  type BuildOptions,
  type BuildResult,
  buildExtension,
  MODULE_FILE,
  TYPES_FILE,
} from "./build.js";
export {
  codeFrame,
  DIAGNOSTIC_CODES,
  type Diagnostic,
  type DiagnosticCode,
  type DiagnosticCodeInfo,
  DiagnosticsError,
  type FrameSpan,
  formatDiagnostic,
  summarizeDiagnostics,
} from "./diagnostics.js";
export { generateGlue, generateManifest } from "./generate.js";
export { EXTENSION_MODEL_VERSION, type ExtensionModel, type JobModel, type SourceLocation } from "./model.js";
export { HOOK_EXPORTS, jobExportName, moduleExports } from "./names.js";
/**
 * The reference page of an extension, as markdown (what `kiln docs` writes): its jobs with their
 * input, output and state schemas as tables, its permissions, allowed hosts, limits and hooks.
 * Read from the {@link ExtensionModel} alone, so the same model always gives the same page, and
 * escaped so that VitePress (markdown and Vue) reads every author's text as text.
 */
export { generateReference } from "./reference.js";
export { BuildSession } from "./session.js";
export { generateOperationTypes, generateTypes, type OperationTypeSource } from "./types.js";
export { CODEGEN_VERSION } from "./version.js";
