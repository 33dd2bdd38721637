/**
 * `@kiln/codegen`: reads an extension's decorators into an {@link ExtensionModel} and builds
 * `manifest.json` + `extension.wasm` from it. The `kiln` CLI is its command-line face.
 *
 * @packageDocumentation
 */
export { type AnalysisResult, type AnalyzeOptions, analyzeProject } from "./analyze.js";
export { BuildError, type BuildOptions, type BuildResult, buildExtension, MODULE_FILE } from "./build.js";
export { main } from "./cli.js";
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
export { CODEGEN_VERSION } from "./version.js";
