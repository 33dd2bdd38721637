/**
 * `@kiln/javy-plugin`: the Kiln Javy plugin (`dist/plugin.wasm`) and the tools for Javy's formats
 * that codegen and the host share.
 *
 * @packageDocumentation
 */
export {
  HOST_NAMESPACE,
  type HostCallError,
  type HostCallReply,
  IMPORT_NAMESPACE_SECTION,
  JAVY_SOURCE_SECTION,
  type JsErrorRecord,
  PLUGIN_NAMESPACE,
  RuntimeOps,
} from "./abi.js";
export { JsError, PluginCompileError, PluginTrapError, WasiExit } from "./errors.js";
export { type DynamicExport, type DynamicModuleOptions, emitDynamicModule } from "./module.js";
export {
  compileSource,
  PluginInstance,
  type PluginInstanceOptions,
  pluginWasmUrl,
  readImportNamespace,
  readPluginBytes,
} from "./plugin.js";
export { createWasi, type Wasi, type WasiOptions } from "./wasi.js";
