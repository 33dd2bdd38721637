/**
 * `@kiln/javy-plugin`: the Kiln Javy plugin (`dist/plugin.wasm`) and the tools for Javy's formats
 * that codegen and the host share.
 *
 * @packageDocumentation
 */
export {
  type AbiEntry,
  BUNDLE_FILE,
  type CallSite,
  GLOBALS_IMPORT,
  GLOBALS_SECTION,
  HOST_CALL_IMPORT,
  HOST_CALL_REFUSED,
  HOST_CALL_START_IMPORT,
  HOST_CALL_STOP,
  HOST_IMPORTS,
  HOST_NAMESPACE,
  HOST_TAKE_IMPORT,
  type HostCallError,
  type HostCallReply,
  hostCallErrorReply,
  hostCallFailure,
  hostCallReply,
  IMPORT_NAMESPACE_SECTION,
  INSTRUCTIONS_PER_INTERRUPT,
  INTERRUPT_IMPORT,
  INTERRUPTED_ERROR,
  INVOKE_BORROWED,
  JAVY_SOURCE_SECTION,
  type JsErrorRecord,
  LAST_ERROR_EXPORT,
  LOOP_STATE_EXPORT,
  type LoopState,
  MODULE_IMPORTS,
  MODULE_START_EXPORT,
  OUTPUT_SITE_BYTES,
  OUTPUT_SITE_CALLEE_BYTES,
  OUTPUT_SITE_EXPORT,
  PLUGIN_EXPORTS,
  PLUGIN_NAMESPACE,
  REQUIRED_PLUGIN_EXPORTS,
  SET_MEMORY_LIMIT_EXPORT,
  SETTLE_EXPORT,
  SOURCE_MAP_SECTION,
  TICK_EXPORT,
  WASI_NAMESPACE,
} from "./abi.js";
export { JavyModuleFailedError, JsError, PluginCompileError, PluginTrapError, WasiExit } from "./errors.js";
export { type JavyModuleResult, type RunJavyModuleOptions, runJavyModule } from "./javy.js";
export { type ModuleLinkage, moduleLinkProblems } from "./linkage.js";
export { type DynamicExport, type DynamicModuleOptions, emitDynamicModule, jsExportName } from "./module.js";
export {
  compileSource,
  type HostCallHandler,
  type HostCallStartHandler,
  loadPluginModule,
  PluginInstance,
  type PluginInstanceOptions,
  pluginWasmUrl,
  readImportNamespace,
  readPluginBytes,
  type WarmUpOptions,
  warmUp,
} from "./plugin.js";
export {
  decodeMappings,
  decodeSourceMapSection,
  encodeMappings,
  encodeSourceMapSection,
  type MappingSegment,
  type StoredSourceMap,
} from "./source-map.js";
export { createWasi, type Wasi, type WasiFunction, type WasiOptions } from "./wasi.js";
