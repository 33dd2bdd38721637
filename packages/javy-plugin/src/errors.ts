/**
 * Errors thrown by {@link PluginInstance}, the WASI layer and bare module runs. Each is a
 * {@link KilnError} with a stable `code` from the error table, so that callers (the host, the CLI)
 * can branch on it without parsing messages.
 *
 * @module
 */
import { KilnError } from "@kiln/contracts/errors";
import { BUNDLE_FILE, type JsErrorRecord } from "./abi.js";

/** The plugin could not compile the JavaScript source (QuickJS reported a syntax error, …). */
export class PluginCompileError extends KilnError {
  /** Stable identifier of this kind of failure. */
  declare readonly code: "KILN_JS_COMPILE_FAILED";
  /** QuickJS's own text, e.g. `SyntaxError: unexpected token …\n    at function.mjs:3`. */
  readonly quickjsMessage: string;

  /** @param quickjsMessage what `compile-src` returned */
  constructor(quickjsMessage: string) {
    super(
      "KILN_JS_COMPILE_FAILED",
      `QuickJS could not compile the JavaScript (as the ES module "${BUNDLE_FILE}"): ${quickjsMessage}\n` +
        "Fix the code at the line shown; the plugin accepts one bundled ES module without imports.",
    );
    this.quickjsMessage = quickjsMessage;
  }
}

/**
 * JavaScript inside the plugin threw (or an export's promise rejected, or never settled). The
 * instance is still usable: Kiln's plugin records JS errors instead of trapping.
 */
export class JsError extends KilnError {
  /** Stable identifier of this kind of failure. */
  declare readonly code: "KILN_JS_ERROR";
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
    super("KILN_JS_ERROR", `${record.name} in ${where}: ${record.message}${stack}`);
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
export class PluginTrapError extends KilnError {
  /** Stable identifier of this kind of failure. */
  declare readonly code: "KILN_PLUGIN_TRAP";
  /** The engine's message (`unreachable`, `memory access out of bounds`, …). */
  readonly trapMessage: string;

  /**
   * @param operation what the host was doing (`invoke`, `compile-src`, …)
   * @param cause the error the engine raised
   */
  constructor(operation: string, cause: unknown) {
    const trapMessage = cause instanceof Error ? cause.message : String(cause);
    super(
      "KILN_PLUGIN_TRAP",
      `The plugin trapped during ${operation}: ${trapMessage}. ` +
        "The instance is no longer usable; create a new PluginInstance. A trap means a plugin bug or an " +
        "exhausted resource (linear memory, the engine stack), not an ordinary JavaScript exception.",
      { cause },
    );
    this.trapMessage = trapMessage;
  }
}

/** The Wasm called WASI `proc_exit`; thrown out of the call so that nothing runs after it. */
export class WasiExit extends KilnError {
  /** Stable identifier of this kind of failure. */
  declare readonly code: "KILN_WASI_EXIT";
  /** The status passed to `proc_exit`. */
  readonly exitCode: number;

  /** @param exitCode the status passed to `proc_exit` */
  constructor(exitCode: number) {
    super(
      "KILN_WASI_EXIT",
      `The WebAssembly module called proc_exit(${exitCode}); its instance has stopped. ` +
        "Kiln plugins should return from their exports instead of exiting.",
    );
    this.exitCode = exitCode;
  }
}

/** A bare Javy module run could not complete: the module trapped, exited, or its JS threw. */
export class JavyModuleFailedError extends KilnError {
  /** Stable identifier of this kind of failure. */
  declare readonly code: "KILN_MODULE_FAILED";
  /** What the program wrote to stderr before it failed. */
  readonly stderr: string;

  /**
   * @param reason what went wrong
   * @param stderr what the program wrote to stderr, appended to the message
   * @param options the underlying error, if any
   */
  constructor(reason: string, stderr: string, options: { cause?: unknown } = {}) {
    super("KILN_MODULE_FAILED", `the module failed: ${reason}${stderr ? `\n${stderr.trimEnd()}` : ""}`, options);
    this.stderr = stderr;
  }
}
