/**
 * `@kiln/javy-plugin`: the Kiln Javy plugin (`dist/plugin.wasm`) and the tools for Javy's formats
 * that codegen and the host share.
 *
 * @packageDocumentation
 */
export {
  HOST_NAMESPACE,
  IMPORT_NAMESPACE_SECTION,
  JAVY_SOURCE_SECTION,
  PLUGIN_NAMESPACE,
  RuntimeOps,
  type HostCallError,
  type HostCallReply,
  type JsErrorRecord,
} from "./abi.js";
export { JsError, PluginCompileError, PluginTrapError, WasiExit } from "./errors.js";
export { emitDynamicModule, type DynamicExport, type DynamicModuleOptions } from "./module.js";
export {
  PluginInstance,
  compileSource,
  pluginWasmUrl,
  readImportNamespace,
  readPluginBytes,
  type PluginInstanceOptions,
} from "./plugin.js";
export { createWasi, type Wasi, type WasiOptions } from "./wasi.js";
