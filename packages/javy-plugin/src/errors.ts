/**
 * Errors thrown by {@link PluginInstance} and the WASI layer. Each has a stable `code` so that
 * callers (the host, the CLI) can branch on it without parsing messages.
 *
 * @module
 */
import type { JsErrorRecord } from "./abi.js";

/** The plugin could not compile the JavaScript source (QuickJS reported a syntax error, …). */
export class PluginCompileError extends Error {
  /** Stable identifier of this kind of failure. */
  readonly code = "KILN_JS_COMPILE_FAILED";
  /** QuickJS's own text, e.g. `SyntaxError: unexpected token …\n    at function.mjs:3`. */
  readonly quickjsMessage: string;

  /** @param quickjsMessage what `compile-src` returned */
  constructor(quickjsMessage: string) {
    super(
      `QuickJS could not compile the JavaScript (as the ES module "function.mjs"): ${quickjsMessage}\n` +
        "Fix the code at the line shown; the plugin accepts one bundled ES module without imports.",
    );
    this.name = "PluginCompileError";
    this.quickjsMessage = quickjsMessage;
  }
}

/**
 * JavaScript inside the plugin threw (or an export's promise rejected, or never settled). The
 * instance is still usable: Kiln's plugin records JS errors instead of trapping.
 */
export class JsError extends Error {
  /** Stable identifier of this kind of failure. */
  readonly code = "KILN_JS_ERROR";
  /** The JS error's `name` (`TypeError`, …). */
  readonly jsName: string;
  /** The JS error's `message`. */
  readonly jsMessage: string;
  /** QuickJS's stack trace (`    at fn (function.mjs:3)` lines), when the value was an Error. */
  readonly jsStack: string | undefined;
  /** The export that was called, or undefined for the module's top-level code. */
  readonly exportName: string | undefined;

  /**
   * @param record the record `kiln-last-error` returned
   * @param exportName the export being invoked, if any
   */
  constructor(record: JsErrorRecord, exportName?: string) {
    const where = exportName === undefined ? "the module's top-level code" : `export \`${exportName}\``;
    const stack = record.stack ? `\n${record.stack.trimEnd()}` : "";
    super(`${record.name} in ${where}: ${record.message}${stack}`);
    this.name = "JsError";
    this.jsName = record.name;
    this.jsMessage = record.message;
    this.jsStack = record.stack;
    this.exportName = exportName;
  }
}

/**
 * The plugin's Wasm trapped (or a host callback threw through it). Its memory may be
 * inconsistent, so the instance refuses further calls: make a new one.
 */
export class PluginTrapError extends Error {
  /** Stable identifier of this kind of failure. */
  readonly code = "KILN_PLUGIN_TRAP";
  /** The engine's message (`unreachable`, `memory access out of bounds`, …). */
  readonly trapMessage: string;

  /**
   * @param operation what the host was doing (`invoke`, `compile-src`, …)
   * @param cause the error the engine raised
   */
  constructor(operation: string, cause: unknown) {
    const trapMessage = cause instanceof Error ? cause.message : String(cause);
    super(
      `The plugin trapped during ${operation}: ${trapMessage}. ` +
        "The instance is no longer usable; create a new PluginInstance. A trap means a plugin bug or an " +
        "exhausted resource (linear memory, the engine stack), not an ordinary JavaScript exception.",
      { cause },
    );
    this.name = "PluginTrapError";
    this.trapMessage = trapMessage;
  }
}

/** The Wasm called WASI `proc_exit`; thrown out of the call so that nothing runs after it. */
export class WasiExit extends Error {
  /** Stable identifier of this kind of failure. */
  readonly code = "KILN_WASI_EXIT";
  /** The status passed to `proc_exit`. */
  readonly exitCode: number;

  /** @param exitCode the status passed to `proc_exit` */
  constructor(exitCode: number) {
    super(
      `The WebAssembly module called proc_exit(${exitCode}); its instance has stopped. ` +
        "Kiln plugins should return from their exports instead of exiting.",
    );
    this.name = "WasiExit";
    this.exitCode = exitCode;
  }
}
