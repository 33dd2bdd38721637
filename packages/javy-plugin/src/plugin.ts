/**
 * Running the Kiln plugin from Node: load `dist/plugin.wasm`, instantiate it with our WASI and
 * the `kiln_host_v1` imports, compile JS to QuickJS bytecode, invoke exports. Codegen uses it to
 * compile extensions at build time; the host uses it to run them.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { KilnError } from "@kiln/contracts/errors";
import {
  type CallSite,
  COMPILE_EXPORT,
  GLOBALS_IMPORT,
  GLOBALS_SECTION,
  HOST_CALL_IMPORT,
  HOST_CALL_REFUSED,
  HOST_CALL_START_IMPORT,
  HOST_CALL_STOP,
  HOST_NAMESPACE,
  HOST_TAKE_IMPORT,
  hostCallErrorReply,
  IMPORT_NAMESPACE_SECTION,
  INITIALIZE_EXPORT,
  INITIALIZE_RUNTIME_EXPORT,
  INTERRUPT_IMPORT,
  INVOKE_EXPORT,
  type JsErrorRecord,
  LAST_ERROR_EXPORT,
  LOOP_STATE_EXPORT,
  type LoopState,
  MEMORY_EXPORT,
  OUTPUT_SITE_BYTES,
  OUTPUT_SITE_CALLEE_BYTES,
  OUTPUT_SITE_EXPORT,
  POST_COMPILE_EXPORT,
  REALLOC_EXPORT,
  REQUIRED_PLUGIN_EXPORTS,
  SET_MEMORY_LIMIT_EXPORT,
  SETTLE_EXPORT,
  TICK_EXPORT,
  WASI_NAMESPACE,
} from "./abi.js";
import { JsError, PluginCompileError, PluginTrapError, WasiExit } from "./errors.js";
import { createWasi, type Wasi, type WasiOptions } from "./wasi.js";

/**
 * Where the built plugin lives. Resolves from `src/` (tests, via the `@kiln/source` condition)
 * and from `dist/` (published) alike, since both sit one level below the package root.
 */
export const pluginWasmUrl: URL = new URL("../dist/plugin.wasm", import.meta.url);

/** Reads `dist/plugin.wasm`, failing with a message that says how to produce it. */
export async function readPluginBytes(): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await readFile(pluginWasmUrl));
  } catch (error) {
    throw new KilnError(
      "KILN_MODULE_INVALID",
      `Cannot read the Kiln plugin at ${pluginWasmUrl.pathname}: ${(error as Error).message}. ` +
        "Build it with `pnpm --filter @kiln/javy-plugin build`.",
      { cause: error },
    );
  }
}

let pluginModule: Promise<WebAssembly.Module> | undefined;

/** The compiled plugin, compiled once per process: compiling ~1 MB of Wasm is the slow part. */
export function loadPluginModule(): Promise<WebAssembly.Module> {
  pluginModule ??= readPluginBytes().then((bytes) => WebAssembly.compile(bytes));
  pluginModule.catch(() => {
    pluginModule = undefined; // let a later call retry, e.g. after the plugin was built
  });
  return pluginModule;
}

const globalSources = new WeakMap<WebAssembly.Module, Map<string, Uint8Array>>();

/** The sources of a plugin's groups of sandbox globals, read once per compiled module. */
function globalsOf(module: WebAssembly.Module): Map<string, Uint8Array> {
  let sources = globalSources.get(module);
  if (!sources) {
    sources = new Map();
    const [section] = WebAssembly.Module.customSections(module, GLOBALS_SECTION);
    if (section) {
      const parsed = JSON.parse(new TextDecoder().decode(section)) as Record<string, string>;
      for (const [name, source] of Object.entries(parsed)) sources.set(name, encoder.encode(source));
    }
    globalSources.set(module, sources);
  }
  return sources;
}

/** The namespace in a plugin's `import_namespace` custom section, as Javy reads it. */
export function readImportNamespace(module: WebAssembly.Module): string | undefined {
  const [section] = WebAssembly.Module.customSections(module, IMPORT_NAMESPACE_SECTION);
  return section === undefined ? undefined : new TextDecoder().decode(section);
}

/**
 * Implements `kiln_host_v1.call`: takes the operation name and its JSON payload and returns the
 * reply JSON (built with `hostCallReply` or `hostCallErrorReply`), or `null` to stop the running code instead of replying (the import returns {@link HOST_CALL_STOP}: JS gets
 * the uncatchable `InternalError: interrupted`, as if {@link PluginInstanceOptions.interrupt} had
 * said stop).
 */
export type HostCallHandler = (op: string, payloadJson: string) => string | null;

/**
 * Implements `kiln_host_v1.call_start`: starts host call `id` and returns at once; its reply goes to
 * {@link PluginInstance.settle} later. Returns `false` to stop the running code instead (as a
 * {@link HostCallHandler} returning `null` does).
 */
export type HostCallStartHandler = (id: number, op: string, payloadJson: string) => boolean;

/** How to create a {@link PluginInstance}. */
export interface PluginInstanceOptions extends WasiOptions {
  /** The plugin to instantiate; defaults to `dist/plugin.wasm` (see {@link loadPluginModule}). */
  readonly module?: WebAssembly.Module;
  /** Serves `__kiln.call` from JS; by default every call is answered `KILN_HOST_UNAVAILABLE`. */
  readonly hostCall?: HostCallHandler;
  /**
   * Starts asynchronous host calls (`__kiln.callAsync`, what the SDK's `ctx.call` uses). By default
   * they are queued on the instance and {@link PluginInstance.invoke} answers them with
   * {@link PluginInstanceOptions.hostCall}, one after the other, while it waits.
   */
  readonly hostCallStart?: HostCallStartHandler;
  /**
   * Answers `kiln_host_v1.interrupt`, which QuickJS asks once every
   * `INSTRUCTIONS_PER_INTERRUPT` interpreter polls (calls and loop back-edges): `true` stops
   * the running code with an uncatchable `InternalError: interrupted`, and the plugin does not ask
   * again until the next invoke. A callback that throws counts as `true` (and is noted in
   * {@link PluginInstance.hostFaults}). By default the code is never stopped.
   */
  readonly interrupt?: () => boolean;
}

/** The exports of a Kiln (or Javy) plugin that this class drives. */
interface PluginExports {
  readonly [MEMORY_EXPORT]: WebAssembly.Memory;
  [REALLOC_EXPORT](oldPtr: number, oldLen: number, align: number, newLen: number): number;
  [COMPILE_EXPORT](ptr: number, len: number): number;
  [POST_COMPILE_EXPORT]?(retPtr: number): void;
  [INVOKE_EXPORT](bcPtr: number, bcLen: number, fnIsSome: number, fnPtr: number, fnLen: number): void;
  [INITIALIZE_RUNTIME_EXPORT]?(): void;
  [LAST_ERROR_EXPORT]?(): number;
  [SET_MEMORY_LIMIT_EXPORT]?(bytes: number): void;
  [INITIALIZE_EXPORT]?(): void;
  [LOOP_STATE_EXPORT]?(): number;
  [TICK_EXPORT]?(stop: number): void;
  [SETTLE_EXPORT]?(id: number, ptr: number, len: number): void;
  [OUTPUT_SITE_EXPORT]?(): number;
}

/** What {@link PluginInstance.loopState} says of a plugin without an event loop: nothing waits. */
const ENDED: LoopState = {
  waiting: false,
  nextTimerMs: -1,
  calls: 0,
  timers: 0,
  cancelledTimers: 0,
  cancelledCalls: 0,
};

/** Blocks the thread for `ms` (bare runs only: the host's workers wait in their event loop instead). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const encoder = new TextEncoder();

/**
 * Scratch space for the UTF-8 of host-call replies, shared by every instance of the thread: a
 * reply is copied into plugin memory (by `take` or `settle`) before the next is encoded.
 * `encoder.encode` allocated a buffer per reply, 1.2 µs of a 5 µs call; `encodeInto` here takes 0.07.
 */
let scratch = new Uint8Array(4096);

/** `text` as UTF-8, in {@link scratch} (valid until the next call). */
function encodeReply(text: string): Uint8Array {
  // UTF-16 to UTF-8 takes at most 3 bytes per unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}
const decoder = new TextDecoder();

const unavailable: HostCallHandler = (op) =>
  hostCallErrorReply(
    "KILN_HOST_UNAVAILABLE",
    `no host is attached to this plugin instance, so operation "${op}" cannot run; pass hostCall to PluginInstance.create`,
  );

/**
 * One instance of the plugin: one QuickJS runtime, its memory, its WASI. Not thread-safe and
 * not re-entrant (neither is Wasm). After a trap it refuses further calls.
 */
export class PluginInstance {
  /** The raw exports, e.g. to link a dynamic module: `{ [PLUGIN_NAMESPACE]: instance.exports }`. */
  readonly exports: WebAssembly.Exports;
  readonly #api: PluginExports;
  readonly #wasi: Wasi;
  readonly #hostFaults: string[];
  readonly #hostCall: HostCallHandler;
  readonly #interrupt: (() => boolean) | undefined;
  /** Asynchronous calls started with the default `hostCallStart`, answered by `invoke`. */
  readonly #queued: { id: number; op: string; payload: string }[];
  #trapped: PluginTrapError | undefined;
  /** Where {@link OUTPUT_SITE_EXPORT}'s record lives (read once, at creation); 0 for a plugin without it. */
  #outputSite = 0;
  #outputSiteView: DataView | undefined;

  private constructor(
    exports: WebAssembly.Exports,
    wasi: Wasi,
    hostFaults: string[],
    hostCall: HostCallHandler,
    interrupt: (() => boolean) | undefined,
    queued: { id: number; op: string; payload: string }[],
  ) {
    this.exports = exports;
    this.#api = exports as unknown as PluginExports;
    this.#wasi = wasi;
    this.#hostFaults = hostFaults;
    this.#hostCall = hostCall;
    this.#interrupt = interrupt;
    this.#queued = queued;
  }

  /** Instantiates and initialises the plugin (`_initialize`, then `initialize-runtime`). */
  static async create(options: PluginInstanceOptions = {}): Promise<PluginInstance> {
    const module = options.module ?? (await loadPluginModule());
    const wasi = createWasi(options);
    const hostCall = options.hostCall ?? unavailable;
    const interrupt = options.interrupt;
    const hostFaults: string[] = [];
    const queued: { id: number; op: string; payload: string }[] = [];
    const hostCallStart: HostCallStartHandler =
      options.hostCallStart ??
      ((id, op, payload) => {
        queued.push({ id, op, payload });
        return true;
      });
    let memory: WebAssembly.Memory | undefined;
    let pending: Uint8Array | undefined;

    /** [ptr, ptr+len) of plugin memory, or undefined (recorded) if Wasm handed us garbage. */
    const region = (what: string, ptr: number, len: number): Uint8Array | undefined => {
      const buf = memory?.buffer;
      const start = ptr >>> 0;
      const length = len >>> 0;
      if (!buf || start + length > buf.byteLength) {
        hostFaults.push(`${HOST_NAMESPACE}: ${what} [${ptr}, +${len}) is outside the plugin's memory`);
        return undefined;
      }
      return new Uint8Array(buf, start, length);
    };

    const hostImports = {
      [HOST_CALL_IMPORT](opPtr: number, opLen: number, payloadPtr: number, payloadLen: number): number {
        const op = region("call: operation name", opPtr, opLen);
        const payload = region("call: payload", payloadPtr, payloadLen);
        if (!op || !payload) return HOST_CALL_REFUSED;
        pending = undefined;
        let reply: string | null;
        try {
          reply = hostCall(decoder.decode(op), decoder.decode(payload));
        } catch (error) {
          // A throwing handler must not unwind through Wasm (that would be a trap): answer instead.
          reply = hostCallErrorReply("KILN_HOST_CALL_FAILED", error instanceof Error ? error.message : String(error));
        }
        if (reply === null) return HOST_CALL_STOP;
        pending = encodeReply(reply);
        return pending.length;
      },
      [HOST_CALL_START_IMPORT](id: number, opPtr: number, opLen: number, payloadPtr: number, payloadLen: number) {
        const op = region("call_start: operation name", opPtr, opLen);
        const payload = region("call_start: payload", payloadPtr, payloadLen);
        if (!op || !payload) return HOST_CALL_REFUSED;
        try {
          return hostCallStart(id >>> 0, decoder.decode(op), decoder.decode(payload)) ? 0 : HOST_CALL_STOP;
        } catch (error) {
          // Must not unwind through Wasm (a trap): a handler that cannot start the call refuses it.
          const message = error instanceof Error ? error.message : String(error);
          hostFaults.push(`${HOST_NAMESPACE}: call_start: the handler threw (${message})`);
          return HOST_CALL_REFUSED;
        }
      },
      [GLOBALS_IMPORT](namePtr: number, nameLen: number): number {
        const name = region("globals: group name", namePtr, nameLen);
        const source = name ? globalsOf(module).get(decoder.decode(name)) : undefined;
        if (!source) return -1;
        pending = source;
        return source.length;
      },
      [HOST_TAKE_IMPORT](dstPtr: number): void {
        const reply = pending ?? new Uint8Array(0);
        pending = undefined;
        region("take: destination", dstPtr, reply.length)?.set(reply);
      },
      [INTERRUPT_IMPORT](): number {
        if (!interrupt) return 0;
        try {
          return interrupt() ? 1 : 0;
        } catch (error) {
          // Must not unwind through Wasm (a trap): a callback that cannot answer stops the code.
          const message = error instanceof Error ? error.message : String(error);
          hostFaults.push(`${HOST_NAMESPACE}: interrupt: the callback threw (${message}); the code was stopped`);
          return 1;
        }
      },
    };

    // Synchronous on purpose: the asynchronous form queues behind V8's background tier-up jobs
    // for earlier instances, which costs a second instance ~300 ms (measured); this costs ~1 ms.
    const instance = new WebAssembly.Instance(module, {
      [WASI_NAMESPACE]: wasi.imports,
      [HOST_NAMESPACE]: hostImports,
    });
    const exports = instance.exports;
    const missing = REQUIRED_PLUGIN_EXPORTS.filter((name) => !(name in exports));
    if (missing.length > 0) {
      throw new KilnError(
        "KILN_MODULE_LINK",
        `The module is not a Javy plugin of the current generation: it lacks the export(s) ${missing.join(", ")}. ` +
          "Use @kiln/javy-plugin’s dist/plugin.wasm or a plugin built for Javy 6 or later.",
      );
    }
    memory = exports[MEMORY_EXPORT] as WebAssembly.Memory;
    wasi.bind(memory);
    const plugin = new PluginInstance(exports, wasi, hostFaults, hostCall, interrupt, queued);
    plugin.#guard(INITIALIZE_EXPORT, () => plugin.#api[INITIALIZE_EXPORT]?.());
    plugin.#guard(INITIALIZE_RUNTIME_EXPORT, () => plugin.#api[INITIALIZE_RUNTIME_EXPORT]?.());
    plugin.#outputSite = plugin.#guard(OUTPUT_SITE_EXPORT, () => plugin.#api[OUTPUT_SITE_EXPORT]?.() ?? 0);
    return plugin;
  }

  /**
   * Problems the host imports met: bad pointers the plugin passed them, an `interrupt` callback
   * that threw.
   */
  get hostFaults(): readonly string[] {
    return this.#hostFaults;
  }

  /** Whether the instance trapped; it then refuses every further call. */
  get trapped(): boolean {
    return this.#trapped !== undefined;
  }

  /**
   * The current size of the plugin's linear memory, in bytes. Wasm memory only grows, so this is
   * the high-water mark of everything the instance has allocated so far.
   */
  get memoryBytes(): number {
    return this.#api[MEMORY_EXPORT].buffer.byteLength;
  }

  /**
   * Caps QuickJS's memory (`kiln-set-memory-limit`): it may hold at most `bytes`, and its
   * allocations may grow linear memory by at most `bytes` (plus a 256 KiB reserve for reporting)
   * past {@link PluginInstance.memoryBytes} as it is now. 0, or anything of 4 GiB or more, lifts the
   * cap. Past it, JS gets a catchable `InternalError: out of memory` and the instance stays usable.
   * The plugin's own buffers (bytecode passed to invoke, error records) are not counted. Does
   * nothing on plugins without the export.
   */
  setMemoryLimit(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new KilnError("KILN_INVALID_OPTION", `setMemoryLimit: expected a whole number of bytes ≥ 0, got ${bytes}`);
    }
    const set = this.#api[SET_MEMORY_LIMIT_EXPORT];
    if (!set) return;
    this.#guard(SET_MEMORY_LIMIT_EXPORT, () => set(bytes >= 2 ** 32 ? 0 : bytes));
  }

  /**
   * Runs `fn`, a call into an export of a module linked to this plugin (for example a dynamic
   * module's `job-…` export), under the same trap guard as the instance's own calls: if it throws,
   * the instance counts as trapped, `fn`'s error is rethrown as a {@link PluginTrapError} (a
   * {@link WasiExit} as it is), and every later call is refused. Use it for every call into a
   * linked module, so that a trapped instance is never reused. JS errors, including a stopped
   * invoke, do not throw here: read them with {@link PluginInstance.lastError} afterwards.
   *
   * @param name the export's name, for the error message
   * @param fn the call itself, e.g. `() => (moduleExports[name] as () => void)()`
   */
  runExport<T>(name: string, fn: () => T): T {
    return this.#guard(`export "${name}"`, fn);
  }

  /** Replaces the bytes the plugin reads from fd 0 (e.g. the input of the next invoke). */
  setStdin(bytes: Uint8Array): void {
    this.#wasi.setStdin(bytes);
  }

  /** Compiles JS source (one ES module) to QuickJS bytecode for this plugin's namespace. */
  compile(source: string): Uint8Array {
    return this.#guard(COMPILE_EXPORT, () => {
      const src = encoder.encode(source);
      const retPtr = this.#api[COMPILE_EXPORT](this.#copyIn(src, 1), src.length);
      const ret = new DataView(this.#api[MEMORY_EXPORT].buffer, retPtr, 12);
      const status = ret.getUint8(0);
      const ptr = ret.getUint32(4, true);
      const len = ret.getUint32(8, true);
      const out = new Uint8Array(this.#api[MEMORY_EXPORT].buffer, ptr, len).slice();
      this.#api[POST_COMPILE_EXPORT]?.(retPtr);
      if (status !== 0) throw new PluginCompileError(decoder.decode(out));
      return out;
    });
  }

  /**
   * Evaluates the bytecode (once per instance for the same bytes) and calls the named export, then
   * runs the invocation's event loop on this thread until it ends: timers are waited for (the thread
   * sleeps), asynchronous host calls are answered with `hostCall` in the order they were made, and
   * `interrupt` is asked before each step. Throws {@link JsError} when the JS threw or its promise
   * rejected or never settled. Hosts that must not block (the host's workers) drive the loop
   * themselves with {@link PluginInstance.loopState}, {@link PluginInstance.tick} and
   * {@link PluginInstance.settle}.
   */
  invoke(bytecode: Uint8Array, fn?: string): void {
    this.#guard(INVOKE_EXPORT, () => {
      const bcPtr = this.#copyIn(bytecode, 1);
      if (fn === undefined) {
        this.#api[INVOKE_EXPORT](bcPtr, bytecode.length, 0, 0, 0);
      } else {
        const name = encoder.encode(fn);
        const namePtr = this.#copyIn(name, 1);
        this.#api[INVOKE_EXPORT](bcPtr, bytecode.length, 1, namePtr, name.length);
      }
    });
    this.runLoop();
    const error = this.lastError();
    if (error) throw new JsError(error, fn);
  }

  /**
   * Runs the open invocation (after a call into a module's export, say) to its end on this thread,
   * as {@link PluginInstance.invoke} does after its own call.
   */
  runLoop(): void {
    for (let state = this.loopState(); state.waiting; state = this.loopState()) {
      if (this.#stopAsked()) {
        this.tick(true);
      } else if (this.#queued.length > 0) {
        const call = this.#queued.shift() as { id: number; op: string; payload: string };
        let reply: string | null;
        try {
          reply = this.#hostCall(call.op, call.payload);
        } catch (error) {
          reply = hostCallErrorReply("KILN_HOST_CALL_FAILED", error instanceof Error ? error.message : String(error));
        }
        if (reply === null) this.tick(true);
        else this.settle(call.id, reply);
      } else if (state.nextTimerMs >= 0) {
        if (state.nextTimerMs > 0) sleep(state.nextTimerMs);
        this.tick(false);
      } else {
        // Waiting for calls started through a custom hostCallStart: their replies cannot come
        // while this thread blocks, so the invocation ends here.
        this.tick(true);
      }
    }
    this.#queued.length = 0;
  }

  #stopAsked(): boolean {
    if (!this.#interrupt) return false;
    try {
      return this.#interrupt();
    } catch {
      return true;
    }
  }

  /**
   * Where the last step left the invocation: whether it still waits, and for what. A plugin
   * without an event loop (stock Javy's) always reports an ended invocation.
   */
  loopState(): LoopState {
    const read = this.#api[LOOP_STATE_EXPORT];
    if (!read) return ENDED;
    return this.#guard(LOOP_STATE_EXPORT, () => {
      const view = new DataView(this.#api[MEMORY_EXPORT].buffer, read(), 24);
      return {
        waiting: view.getInt32(0, true) !== 0,
        nextTimerMs: view.getInt32(4, true),
        calls: view.getUint32(8, true),
        timers: view.getUint32(12, true),
        cancelledTimers: view.getUint32(16, true),
        cancelledCalls: view.getUint32(20, true),
      };
    });
  }

  /**
   * Runs the open invocation's due timers, or (`stop`) ends it as stopped by the host, its error
   * record then `InternalError: interrupted`. Does nothing when no invocation is open.
   */
  tick(stop: boolean): void {
    const tick = this.#api[TICK_EXPORT];
    if (tick) this.#guard(TICK_EXPORT, () => tick(stop ? 1 : 0));
  }

  /** Delivers the reply (JSON text) to asynchronous host call `id` of the open invocation. */
  settle(id: number, reply: string): void {
    const settle = this.#api[SETTLE_EXPORT];
    if (!settle) return;
    this.#guard(SETTLE_EXPORT, () => {
      const bytes = encodeReply(reply);
      settle(id, this.#copyIn(bytes, 1), bytes.length);
    });
  }

  /**
   * Where the console call whose output is being written was made, for an `onStdout` or
   * `onStderr` callback to call while it runs: the line of the bundle and the console method
   * (`log`, `warn`, …). Undefined for output from elsewhere (`Javy.IO.writeSync`, a console call
   * outside the bundle), outside the callbacks, and on plugins without {@link OUTPUT_SITE_EXPORT}.
   * Reads plugin memory only: no call into the instance, so it is safe from inside a callback.
   */
  outputSite(): CallSite | undefined {
    const at = this.#outputSite;
    if (at === 0) return undefined;
    const memory = this.#api[MEMORY_EXPORT].buffer;
    // Kept between calls, renewed when memory grew (which replaces the buffer): every console
    // line passes here.
    let view = this.#outputSiteView;
    if (view?.buffer !== memory) {
      view = new DataView(memory, at, OUTPUT_SITE_BYTES);
      this.#outputSiteView = view;
    }
    const line = view.getInt32(0, true);
    if (line <= 0) return undefined;
    const length = Math.min(view.getUint32(4, true), OUTPUT_SITE_CALLEE_BYTES);
    // A console method's name: ASCII, a few bytes, for which TextDecoder costs more than this.
    let callee = "";
    for (let i = 0; i < length; i++) {
      const byte = view.getUint8(8 + i);
      if (byte >= 0x80) return { line, callee: decoder.decode(new Uint8Array(memory, at + 8, length)) };
      callee += String.fromCharCode(byte);
    }
    return { line, callee };
  }

  /** The JS error recorded by the last invoke, if any (undefined for non-Kiln plugins). */
  lastError(): JsErrorRecord | undefined {
    const read = this.#api[LAST_ERROR_EXPORT];
    if (!read) return undefined;
    const text = this.#guard(LAST_ERROR_EXPORT, () => {
      const retPtr = read();
      const memory = this.#api[MEMORY_EXPORT].buffer;
      const ret = new DataView(memory, retPtr, 12);
      if (ret.getUint8(0) === 0) return undefined;
      return decoder.decode(new Uint8Array(memory, ret.getUint32(4, true), ret.getUint32(8, true)));
    });
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as Partial<JsErrorRecord>;
      return {
        name: String(record.name ?? "Error"),
        message: String(record.message ?? ""),
        ...(typeof record.stack === "string" ? { stack: record.stack } : {}),
      };
    } catch {
      return { name: "Error", message: text };
    }
  }

  /** Allocates with the plugin's realloc and copies `bytes` in; the callee will own the buffer. */
  #copyIn(bytes: Uint8Array, align: number): number {
    const ptr = this.#api[REALLOC_EXPORT](0, 0, align, bytes.length);
    new Uint8Array(this.#api[MEMORY_EXPORT].buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Runs a call into Wasm; a trap poisons the instance, since its memory may be half-updated. */
  #guard<T>(operation: string, body: () => T): T {
    if (this.#trapped) {
      throw new PluginTrapError(operation, new Error(`the instance trapped earlier (${this.#trapped.trapMessage})`));
    }
    try {
      return body();
    } catch (error) {
      if (error instanceof PluginCompileError) throw error;
      this.#trapped = new PluginTrapError(operation, error);
      throw error instanceof WasiExit ? error : this.#trapped;
    }
  }
}

/**
 * Compiles JS source to bytecode with a fresh plugin instance. Convenient for build tools; for
 * many sources, create one {@link PluginInstance} and call `compile` repeatedly.
 */
export async function compileSource(source: string): Promise<Uint8Array> {
  const plugin = await PluginInstance.create();
  return plugin.compile(source);
}

/** Options of {@link warmUp}. */
export interface WarmUpOptions {
  /** The plugin to warm up; defaults to `dist/plugin.wasm` (see {@link loadPluginModule}). */
  readonly module?: WebAssembly.Module;
  /**
   * How many rounds of the built-in workload to run (default 3). One round leaves the interpreter
   * loop in baseline code (measured: a first `fib(27)` still took 640–950 ms instead of ~50 ms);
   * three tier it up.
   */
  readonly rounds?: number;
}

/**
 * What {@link warmUp} runs: the paths that every job takes (reading bytecode and evaluating a
 * module, calls, property access, closures, exceptions, promises and the job queue, the GC) and the
 * library code jobs lean on (JSON, regular expressions, strings, arrays, numbers).
 */
const WARM_UP_SOURCE = `
const rows = [];
for (let i = 0; i < 200; i++) rows.push({ id: i, name: "row " + i, tags: ["a", "b"], score: i * 1.5, ok: i % 2 === 0 });
const text = JSON.stringify(rows);
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
class Box { #v; constructor(v) { this.#v = v; } get v() { return this.#v; } }
export async function run() {
  let n = fib(20);
  for (let k = 0; k < 4; k++) {
    const copy = JSON.parse(text);
    n += JSON.stringify(copy).length + copy.map((r) => new Box(r.score).v).reduce((a, b) => a + b, 0);
    n += text.match(/"name":"row \\d+"/g).length + text.replace(/row/g, "ROW").indexOf("ROW");
    let s = "";
    for (let i = 0; i < 2000; i++) s += String.fromCharCode(97 + (i % 26)) + i.toString(16);
    n += s.split("a").join("-").length + [...s.slice(0, 500)].sort().length;
    const m = new Map();
    for (let i = 0; i < 500; i++) m.set("k" + i, { i, f: (i * 0.1).toFixed(2) });
    try { null.x; } catch (e) { n += String(e).length; }
    n += (await Promise.all([1, 2, 3].map(async (x) => x * 2))).length + m.size;
  }
  return n;
}
`;

/**
 * Runs a short built-in workload on a throwaway instance of the plugin, so that the first job a
 * host runs does not pay for V8's lazy compilation and tier-up of the interpreter: V8 compiles each
 * function of the plugin only when it first runs, with its baseline compiler (Liftoff), and
 * recompiles the hot ones with TurboFan later, in the background. That code belongs to the
 * compiled `WebAssembly.Module`, so it serves every instance made from that module afterwards,
 * in this thread and in workers the module is posted to. Call it once per process, after compiling
 * the plugin and before the first job (a host: when it starts, off the path of any request);
 * not in short-lived processes such as a one-shot CLI run, whose single job it would only delay.
 * Resolves when the workload has run (about 2 s of one thread on a loaded 2-core machine); the
 * TurboFan recompilations it started may still be finishing on V8's background threads. Measured
 * in fresh processes, after it: a first instance 423 → 20 ms, evaluating a module 296 → 35 ms, the
 * first `fib(27)` 658 → 52 ms (steady state: ~28 ms).
 */
export async function warmUp(options: WarmUpOptions = {}): Promise<void> {
  const module = options.module ?? (await loadPluginModule());
  const rounds = options.rounds ?? 3;
  const plugin = await PluginInstance.create({ module });
  const bytecode = plugin.compile(WARM_UP_SOURCE);
  for (let i = 0; i < rounds; i++) {
    // A fresh module evaluation each round: bytecode reading and top-level code are hot paths too.
    const fresh = await PluginInstance.create({ module });
    fresh.invoke(bytecode, "run");
    plugin.invoke(bytecode, "run");
  }
}
