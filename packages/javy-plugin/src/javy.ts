/**
 * Runs a bare Javy dynamic module (one that `javy build -C dynamic -C plugin=…` or `kiln` emitted)
 * against the plugin it was built for, with Javy's I/O convention: input on stdin, output on stdout.
 * Works with Kiln's plugin and with plugins of Javy's older `canonical_abi_realloc` generation.
 *
 * @module
 */
import { KilnError } from "@kiln/contracts/errors";
import {
  HOST_NAMESPACE,
  INITIALIZE_EXPORT,
  type JsErrorRecord,
  MEMORY_EXPORT,
  MODULE_START_EXPORT,
  WASI_NAMESPACE,
} from "./abi.js";
import { JavyModuleFailedError } from "./errors.js";
import { PluginInstance, readImportNamespace } from "./plugin.js";
import { createWasi, type WasiOptions } from "./wasi.js";

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

/**
 * Instantiates the plugin with a deny-by-default WASI (no files, no environment, no network), links
 * the module to it, and calls the export. A fresh instance pair per call, as Javy expects.
 *
 * Throws a {@link JavyModuleFailedError} (`KILN_MODULE_FAILED`) when the module traps, exits or
 * its JS throws; a {@link KilnError} with `KILN_MODULE_INVALID` when the plugin or the module is
 * not WebAssembly, or `KILN_MODULE_LINK` when the two do not fit together.
 */
export async function runJavyModule(options: RunJavyModuleOptions): Promise<JavyModuleResult> {
  const pluginModule = await compile(options.plugin, "plugin");
  const module = await compile(options.module, "module");
  const namespace = pluginNamespace(pluginModule, module);
  const foreign = WebAssembly.Module.imports(module).filter((i) => i.module !== namespace);
  if (foreign.length) {
    throw linkError(
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
    const name = options.export ?? MODULE_START_EXPORT;
    const fn = instance.exports[name];
    if (typeof fn !== "function") {
      const names = WebAssembly.Module.exports(module)
        .filter((e) => e.kind === "function")
        .map((e) => e.name);
      throw new JavyModuleFailedError(`it has no export "${name}" (exports: ${names.join(", ")})`, "");
    }
    (fn as () => void)();
    // Timers and host calls the module left waiting run to their end here, as in Node.
    plugin.runLoop();
  } catch (cause) {
    // Everything else, a `WasiExit` included, is the module failing: one code for all of it.
    if (cause instanceof JavyModuleFailedError) throw cause;
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
  throw linkError("module", [
    "the plugin has no import_namespace section and the module imports from several namespaces",
  ]);
}

async function compile(source: Uint8Array | WebAssembly.Module, what: string): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  try {
    return await WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    throw new KilnError(
      "KILN_MODULE_INVALID",
      `the ${what} is not a valid WebAssembly module: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

function linkError(what: string, problems: readonly string[]): KilnError {
  return new KilnError(
    "KILN_MODULE_LINK",
    `the ${what} cannot be linked:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
      "Run a module with the plugin it was built for (`javy build -C plugin=…`, or the plugin of the Kiln that built it).",
  );
}

/**
 * Kiln's own plugin goes through {@link PluginInstance}, which serves its `kiln_host_v1` import (every
 * host call is answered "unavailable" in a bare run) and reads `kiln-last-error`. Any other plugin
 * gets WASI and nothing else: Javy's plugins import no more.
 */
async function instantiatePlugin(
  pluginModule: WebAssembly.Module,
  io: WasiOptions,
): Promise<{ exports: WebAssembly.Exports; lastError(): JsErrorRecord | undefined; runLoop(): void }> {
  const imports = WebAssembly.Module.imports(pluginModule);
  if (imports.some((i) => i.module === HOST_NAMESPACE)) return PluginInstance.create({ ...io, module: pluginModule });
  const foreign = imports.filter((i) => i.module !== WASI_NAMESPACE);
  if (foreign.length) {
    throw linkError(
      "plugin",
      foreign.map((i) => `the plugin imports "${i.module}"."${i.name}", which a bare Javy run does not provide`),
    );
  }
  const wasi = createWasi(io);
  const instance = new WebAssembly.Instance(pluginModule, { [WASI_NAMESPACE]: wasi.imports });
  const memory = instance.exports[MEMORY_EXPORT];
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new KilnError("KILN_MODULE_INVALID", "the plugin is not a Javy plugin: it exports no memory");
  }
  wasi.bind(memory);
  (instance.exports[INITIALIZE_EXPORT] as (() => void) | undefined)?.();
  return { exports: instance.exports, lastError: () => undefined, runLoop: () => undefined };
}
