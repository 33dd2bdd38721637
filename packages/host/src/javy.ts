/**
 * Runs a bare Javy dynamic module (one that `javy build -C dynamic -C plugin=…` or `kiln` emitted)
 * against the plugin it was built for, with Javy's I/O convention: input on stdin, output on stdout.
 * Works with Kiln's plugin and with plugins of Javy's older `canonical_abi_realloc` generation.
 *
 * @module
 */
import {
  createWasi,
  HOST_NAMESPACE,
  type JsErrorRecord,
  PluginInstance,
  readImportNamespace,
  type WasiOptions,
} from "@kiln/javy-plugin";
import { KilnError, ModuleInvalidError, ModuleLinkError } from "./errors.js";

/** Options of {@link runJavyModule}. */
export interface RunJavyModuleOptions {
  /** The plugin (bytes or compiled). */
  readonly plugin: Uint8Array | WebAssembly.Module;
  /** The dynamically linked module. */
  readonly module: Uint8Array | WebAssembly.Module;
  /** Bytes the program reads on fd 0. */
  readonly stdin?: Uint8Array;
  /** Export to call; default `_start`. */
  readonly export?: string;
  /** Called with each chunk written to fd 2, as it is written. */
  readonly onStderr?: (bytes: Uint8Array) => void;
}

/** What the program wrote. */
export interface JavyModuleResult {
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
}

/** The plugin could not run the module: it trapped, exited non-zero, or threw (Kiln's plugin). */
export class JavyModuleFailedError extends KilnError {
  /** What the program wrote to stderr before it failed. */
  readonly stderr: string;
  constructor(reason: string, stderr: string, options: { cause?: unknown } = {}) {
    super("KILN_MODULE_FAILED", `the module failed: ${reason}${stderr ? `\n${stderr.trimEnd()}` : ""}`, options);
    this.stderr = stderr;
  }
}

/**
 * Instantiates the plugin with a deny-by-default WASI (no files, no environment, no network), links
 * the module to it, and calls the export. A fresh instance pair per call, as Javy expects.
 */
export async function runJavyModule(options: RunJavyModuleOptions): Promise<JavyModuleResult> {
  const pluginModule = await compile(options.plugin, "plugin");
  const module = await compile(options.module, "module");
  const namespace = pluginNamespace(pluginModule, module);
  const foreign = WebAssembly.Module.imports(module).filter((i) => i.module !== namespace);
  if (foreign.length) {
    throw new ModuleLinkError(
      "module",
      foreign.map((i) => `it imports "${i.module}"."${i.name}", but the plugin's namespace is "${namespace}"`),
    );
  }

  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  const io = {
    stdin: options.stdin ?? new Uint8Array(),
    onStdout: (b: Uint8Array) => stdout.push(b.slice()),
    onStderr: (b: Uint8Array) => {
      stderr.push(b.slice());
      options.onStderr?.(b);
    },
  };
  const text = (chunks: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));
  const plugin = await instantiatePlugin(pluginModule, io);
  try {
    const instance = new WebAssembly.Instance(module, {
      [namespace]: plugin.exports as WebAssembly.ModuleImports,
    });
    const name = options.export ?? "_start";
    const fn = instance.exports[name];
    if (typeof fn !== "function") {
      const names = WebAssembly.Module.exports(module)
        .filter((e) => e.kind === "function")
        .map((e) => e.name);
      throw new JavyModuleFailedError(`it has no export "${name}" (exports: ${names.join(", ")})`, "");
    }
    (fn as () => void)();
  } catch (cause) {
    if (cause instanceof KilnError) throw cause;
    throw new JavyModuleFailedError((cause as Error).message, text(stderr), { cause });
  }
  const error = plugin.lastError();
  if (error) {
    throw new JavyModuleFailedError(
      `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ""}`,
      text(stderr),
    );
  }
  return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

/**
 * The namespace modules import the plugin from: its `import_namespace` section; for the oldest
 * providers, which had none, the one non-WASI module the module imports from.
 */
function pluginNamespace(plugin: WebAssembly.Module, module: WebAssembly.Module): string {
  const declared = readImportNamespace(plugin);
  if (declared) return declared;
  const used = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
  if (used.size === 1) return [...used][0] as string;
  throw new ModuleLinkError("module", [
    "the plugin has no import_namespace section and the module imports from several namespaces",
  ]);
}

async function compile(source: Uint8Array | WebAssembly.Module, what: string): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  try {
    return await WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    throw new ModuleInvalidError(what, (cause as Error).message, { cause });
  }
}

/**
 * Kiln's own plugin goes through {@link PluginInstance}, which serves its `kiln_host_v1` import (every
 * host call is answered "unavailable" in a bare run) and reads `kiln-last-error`. Any other plugin
 * gets WASI and nothing else: Javy's plugins import no more.
 */
async function instantiatePlugin(
  pluginModule: WebAssembly.Module,
  io: WasiOptions,
): Promise<{ exports: WebAssembly.Exports; lastError(): JsErrorRecord | undefined }> {
  const imports = WebAssembly.Module.imports(pluginModule);
  if (imports.some((i) => i.module === HOST_NAMESPACE)) return PluginInstance.create({ ...io, module: pluginModule });
  const foreign = imports.filter((i) => i.module !== "wasi_snapshot_preview1");
  if (foreign.length) {
    throw new ModuleLinkError(
      "plugin",
      foreign.map((i) => `the plugin imports "${i.module}"."${i.name}", which a bare Javy run does not provide`),
    );
  }
  const wasi = createWasi(io);
  const instance = new WebAssembly.Instance(pluginModule, { wasi_snapshot_preview1: wasi.imports });
  const memory = instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new ModuleInvalidError("plugin", "it exports no memory");
  wasi.bind(memory);
  (instance.exports._initialize as (() => void) | undefined)?.();
  return { exports: instance.exports, lastError: () => undefined };
}
