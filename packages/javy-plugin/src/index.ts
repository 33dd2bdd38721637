/**
 * `@kiln/javy-plugin`: the Kiln Javy plugin (`dist/plugin.wasm`) and the tools for Javy's formats
 * that codegen and the host share.
 *
 * @packageDocumentation
 */
export {
  HOST_CALL_IMPORT,
  HOST_CALL_REFUSED,
  HOST_CALL_STOP,
  HOST_NAMESPACE,
  HOST_TAKE_IMPORT,
  type HostCallError,
  type HostCallReply,
  IMPORT_NAMESPACE_SECTION,
  INSTRUCTIONS_PER_INTERRUPT,
  INTERRUPT_IMPORT,
  INTERRUPTED_ERROR,
  JAVY_SOURCE_SECTION,
  type JsErrorRecord,
  LAST_ERROR_EXPORT,
  PLUGIN_NAMESPACE,
  SET_MEMORY_LIMIT_EXPORT,
} from "./abi.js";
export { JsError, PluginCompileError, PluginTrapError, WasiExit } from "./errors.js";
export {
  type DynamicExport,
  type DynamicModuleOptions,
  emitDynamicModule,
  jsExportName,
  preloadModuleEmitter,
} from "./module.js";
export {
  compileSource,
  type HostCallHandler,
  loadPluginModule,
  PluginInstance,
  type PluginInstanceOptions,
  pluginWasmUrl,
  readImportNamespace,
  readPluginBytes,
} from "./plugin.js";
export { createWasi, Errno, WASI_PREVIEW1_FUNCTIONS, type Wasi, type WasiFunction, type WasiOptions } from "./wasi.js";
