/**
 * The contracts between a Kiln plugin, the modules built for it and the host, defined once.
 * `@kiln/codegen`, `@kiln/host` and the SDK runtime (its types) import these; the C bridge
 * (`c/bridge.c`) mirrors them, the docs site's plugin ABI page (`docs/plugin-abi.md`) documents
 * them byte by byte, and `test/abi.test.ts` checks them against the built plugin.
 *
 * @module
 */

/**
 * The namespace that dynamically linked modules import the plugin from. It is stored in the plugin's
 * `import_namespace` custom section, exactly as Javy's plugins do. Bump the suffix whenever the
 * QuickJS bytecode format or the plugin's exports change: bytecode runs only on the plugin that
 * produced it.
 */
export const PLUGIN_NAMESPACE = "kiln-plugin-v1";

/**
 * The import module through which the plugin calls into the host (besides WASI). Versioned
 * separately from the plugin: the host may offer several versions side by side.
 */
export const HOST_NAMESPACE = "kiln_host_v1";

/**
 * `kiln_host_v1.call(op_ptr, op_len, payload_ptr, payload_len) -> i32`: the host runs an operation
 * and returns the byte length of its pending reply, or {@link HOST_CALL_REFUSED} or
 * {@link HOST_CALL_STOP}.
 */
export const HOST_CALL_IMPORT = "call";

/**
 * `kiln_host_v1.call_start(id, op_ptr, op_len, payload_ptr, payload_len) -> i32`: the host starts an
 * operation and returns at once, 0, or {@link HOST_CALL_REFUSED} or {@link HOST_CALL_STOP}. The
 * reply to call `id` (a number the plugin chose) comes later, through {@link SETTLE_EXPORT}, while
 * the invocation waits (see {@link LOOP_STATE_EXPORT}).
 */
export const HOST_CALL_START_IMPORT = "call_start";

/**
 * `kiln_host_v1.globals(name_ptr, name_len) -> i32`: the host hands over the source of the group
 * of sandbox globals `name`, read from the plugin's {@link GLOBALS_SECTION} custom section: it
 * returns the source's byte length, the bytes then pending for `take`, or -1 if there is none.
 */
export const GLOBALS_IMPORT = "globals";

/**
 * The plugin's custom section holding the sources of its groups of sandbox globals, as UTF-8 JSON
 * `{ "<group>": "<source>" }`. Kept out of the plugin's memory so that an instance holds only the
 * groups it uses; the host serves them through {@link GLOBALS_IMPORT}.
 */
export const GLOBALS_SECTION = "kiln_globals";

/** `kiln_host_v1.take(dst_ptr)`: copies the pending bytes (the last `call`'s reply, or `globals`' source) into plugin memory. */
export const HOST_TAKE_IMPORT = "take";

/**
 * `kiln_host_v1.interrupt() -> i32`: QuickJS's interrupt handler asks the host, once every
 * {@link INSTRUCTIONS_PER_INTERRUPT} interpreter polls, whether to stop the running code. Non-zero
 * stops it: JS gets an uncatchable {@link INTERRUPTED_ERROR}, and the plugin does not ask again
 * until the next `invoke` (every later poll of that invoke is a stop).
 */
export const INTERRUPT_IMPORT = "interrupt";

/**
 * What `kiln_host_v1.call` returns when it refused the call (bad pointers, for example): JS gets a
 * catchable `InternalError`. Any negative value other than {@link HOST_CALL_STOP} means the same.
 */
export const HOST_CALL_REFUSED = -1;

/**
 * What `kiln_host_v1.call` returns to stop the running code instead of replying: JS gets the
 * uncatchable {@link INTERRUPTED_ERROR}, exactly as if `interrupt` had returned non-zero.
 */
export const HOST_CALL_STOP = -2;

/**
 * How many interpreter polls (QuickJS polls on every function call and loop back-edge) pass between
 * two calls of the `interrupt` import: QuickJS 2021-03-27's `JS_INTERRUPT_COUNTER_INIT`. The count
 * restarts at every `invoke`, so a host can meter "instructions" as `interrupt` calls × this.
 */
export const INSTRUCTIONS_PER_INTERRUPT = 10_000;

/** WASI preview1's import module, the only one besides {@link HOST_NAMESPACE} the plugin imports from. */
export const WASI_NAMESPACE = "wasi_snapshot_preview1";

/** The imports of {@link HOST_NAMESPACE}, as `WebAssembly.Module.imports` lists them. */
export const HOST_IMPORTS = [
  { name: HOST_CALL_IMPORT, kind: "function" },
  { name: HOST_CALL_START_IMPORT, kind: "function" },
  { name: GLOBALS_IMPORT, kind: "function" },
  { name: HOST_TAKE_IMPORT, kind: "function" },
  { name: INTERRUPT_IMPORT, kind: "function" },
] as const satisfies readonly AbiEntry[];

/** The plugin export `memory`: its linear memory, which dynamic modules import. */
export const MEMORY_EXPORT = "memory";

/** The plugin export `_initialize() -> ()`: wasi-libc's reactor start-up, called once before anything else. */
export const INITIALIZE_EXPORT = "_initialize";

/**
 * The plugin export `cabi_realloc(old_ptr, old_len, align, new_len) -> ptr`: the allocator through
 * which the host and dynamic modules hand buffers to the plugin.
 */
export const REALLOC_EXPORT = "cabi_realloc";

/** The plugin export `initialize-runtime() -> ()`: creates the QuickJS runtime (idempotent, optional). */
export const INITIALIZE_RUNTIME_EXPORT = "initialize-runtime";

/** The plugin export `compile-src(src_ptr, src_len) -> ret_ptr`: JS source to QuickJS bytecode. */
export const COMPILE_EXPORT = "compile-src";

/** The plugin export `cabi_post_compile-src(ret_ptr) -> ()`: frees what `compile-src` returned. */
export const POST_COMPILE_EXPORT = "cabi_post_compile-src";

/**
 * The plugin export `invoke(bc_ptr, bc_len, fn_is_some, fn_ptr, fn_len) -> ()`: evaluates the
 * bytecode (once per instance) and calls the named JS export.
 */
export const INVOKE_EXPORT = "invoke";

/**
 * Bit of `invoke`'s `fn_is_some` argument (bit 0 still says whether a name is given): the caller
 * lends the bytecode and name buffers instead of handing them over. It keeps them, unchanged, for
 * the life of the plugin instance and passes the same pointers on every call, so the plugin
 * recognises the module it already evaluated by its pointer, whatever the bytecode's size. Kiln's
 * emitted modules set it; stock Javy modules (and Kiln's before it) hand over a fresh copy per call.
 */
export const INVOKE_BORROWED = 2;

/**
 * The plugin export `kiln-set-memory-limit(bytes: u32)`: caps what QuickJS allocates; 0 lifts the
 * cap. Past it, JS gets a catchable `InternalError: out of memory`.
 */
export const SET_MEMORY_LIMIT_EXPORT = "kiln-set-memory-limit";

/** The plugin export `kiln-last-error() -> ret_ptr`: the error record of the last `invoke`. */
export const LAST_ERROR_EXPORT = "kiln-last-error";

/**
 * The plugin export `kiln-loop-state() -> ptr`: where the last `invoke`, {@link TICK_EXPORT} or
 * {@link SETTLE_EXPORT} left the invocation, as 6 little-endian 32-bit fields ({@link LoopState}):
 * `waiting` (1: it waits for a timer or a host call; 0: it ended, its error in `kiln-last-error`),
 * `next_timer_ms` (ms until the earliest timer is due, -1 without one), `calls` and `timers`
 * pending, and, once it ended, `cancelled_timers` and `cancelled_calls`: what it left pending,
 * cancelled.
 */
export const LOOP_STATE_EXPORT = "kiln-loop-state";

/**
 * The plugin export `kiln-tick(stop: i32)`: runs the open invocation's due timers (each followed
 * by the microtasks it queued); with `stop` non-zero, ends it as stopped by the host instead
 * (its error record is {@link INTERRUPTED_ERROR}) without running any JS.
 */
export const TICK_EXPORT = "kiln-tick";

/**
 * The plugin export `kiln-settle(id: u32, reply_ptr, reply_len)`: delivers the reply to host call
 * `id`, in a buffer from `cabi_realloc` that the plugin then owns. A reply for a call the
 * invocation no longer waits for is dropped.
 */
export const SETTLE_EXPORT = "kiln-settle";

/**
 * The plugin export `kiln-output-site() -> ptr`: where the console call whose output the host is
 * receiving was made, read while the host's WASI `fd_write` for fd 1 or 2 runs, as
 * {@link OUTPUT_SITE_BYTES} bytes: `line` (i32, a line of {@link BUNDLE_FILE}; 0 for output that
 * does not come from a console method called in the bundle, such as `Javy.IO.writeSync`),
 * `callee_len` (u32) and `callee` (the console method's name, UTF-8, at most
 * {@link OUTPUT_SITE_CALLEE_BYTES} bytes). The address is the same for the instance's life.
 */
export const OUTPUT_SITE_EXPORT = "kiln-output-site";

/** Size of the record {@link OUTPUT_SITE_EXPORT} points at. */
export const OUTPUT_SITE_BYTES = 32;

/** Longest console method name the {@link OUTPUT_SITE_EXPORT} record holds (a NUL follows it). */
export const OUTPUT_SITE_CALLEE_BYTES = 23;

/**
 * A call in progress in the bundle, as the plugin reports it: QuickJS records a line per bytecode
 * position and no column, so the line, and the name of the function called there, with which a
 * source map's segments for that line pick the call's column.
 */
export interface CallSite {
  /** 1-based line of {@link BUNDLE_FILE}. */
  readonly line: number;
  /** The name of the function called at that site (`log`, `warn`, …). */
  readonly callee: string;
}

/** The invocation's state after a step, as {@link LOOP_STATE_EXPORT} describes it. */
export interface LoopState {
  /** The invocation waits for a timer or a host call; false once it ended. */
  readonly waiting: boolean;
  /** Milliseconds until the earliest timer is due (0: now), or -1 without timers. */
  readonly nextTimerMs: number;
  /** Host calls in flight. */
  readonly calls: number;
  /** Timers set. */
  readonly timers: number;
  /** Once it ended: the timers it left, cancelled. */
  readonly cancelledTimers: number;
  /** Once it ended: the host calls it left in flight, whose replies are now ignored. */
  readonly cancelledCalls: number;
}

/** An import or export by name and kind, as `WebAssembly.Module.imports`/`exports` describe it. */
export interface AbiEntry {
  /** The import's or export's name. */
  readonly name: string;
  /** What it is; the ABI has no tables or globals. */
  readonly kind: "function" | "memory";
}

/** Everything Kiln's plugin exports. */
export const PLUGIN_EXPORTS = [
  { name: MEMORY_EXPORT, kind: "memory" },
  { name: INITIALIZE_EXPORT, kind: "function" },
  { name: REALLOC_EXPORT, kind: "function" },
  { name: INITIALIZE_RUNTIME_EXPORT, kind: "function" },
  { name: COMPILE_EXPORT, kind: "function" },
  { name: POST_COMPILE_EXPORT, kind: "function" },
  { name: INVOKE_EXPORT, kind: "function" },
  { name: SET_MEMORY_LIMIT_EXPORT, kind: "function" },
  { name: LAST_ERROR_EXPORT, kind: "function" },
  { name: LOOP_STATE_EXPORT, kind: "function" },
  { name: TICK_EXPORT, kind: "function" },
  { name: SETTLE_EXPORT, kind: "function" },
  { name: OUTPUT_SITE_EXPORT, kind: "function" },
] as const satisfies readonly AbiEntry[];

/**
 * The exports without which a module is no plugin of Javy's current generation: the rest are Kiln's
 * additions or optional, and Javy's own plugins lack some of them.
 */
export const REQUIRED_PLUGIN_EXPORTS = [MEMORY_EXPORT, REALLOC_EXPORT, COMPILE_EXPORT, INVOKE_EXPORT] as const;

/**
 * Everything a Kiln (or Javy dynamic) module may import, all from the plugin's namespace, in the
 * order the emitter writes them. A host refuses a module that imports anything else.
 */
export const MODULE_IMPORTS = [
  { name: MEMORY_EXPORT, kind: "memory" },
  { name: REALLOC_EXPORT, kind: "function" },
  { name: INVOKE_EXPORT, kind: "function" },
] as const satisfies readonly AbiEntry[];

/** The module export that runs the module's top-level code, as in Javy. */
export const MODULE_START_EXPORT = "_start";

/**
 * `name` and `message` of the error record of an `invoke` that the host stopped (through
 * `interrupt` or {@link HOST_CALL_STOP}). The record may also carry QuickJS's `stack`.
 */
export const INTERRUPTED_ERROR = { name: "InternalError", message: "interrupted" } as const;

/** Name of the custom section that carries {@link PLUGIN_NAMESPACE}, as in Javy. */
export const IMPORT_NAMESPACE_SECTION = "import_namespace";

/** Name of the custom section where Javy (and Kiln) store the extension's JS source. */
export const JAVY_SOURCE_SECTION = "javy_source";

/**
 * The file name `compile-src` gives every module it compiles, so the name QuickJS shows for the
 * module's frames: `at fn (function.mjs:12)`, 12 being a line of the bundled JS.
 */
export const BUNDLE_FILE = "function.mjs";

/**
 * Name of the custom section where Kiln stores the source map from the bundled JS (the bytecode's
 * `function.mjs`) back to the extension's own files: Brotli-compressed JSON of a version 3 source
 * map (see `source-map.ts`). In the module, so the manifest's SHA-256 covers it; a module may lack it.
 */
export const SOURCE_MAP_SECTION = "kiln_source_map";

/**
 * The reply the host gives to a `kiln_host_v1.call`: the JSON text of one of these, UTF-8.
 * Errors are values, never traps, so that JS code in the extension can catch them.
 */
export type HostCallReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: HostCallError };

/** A failed host call as the extension sees it. `code` is stable (`KILN_PERMISSION_DENIED`, …). */
export interface HostCallError {
  readonly code: string;
  readonly message: string;
}

/**
 * A failed host call's reply, as a value: for code that passes replies around before they are
 * serialised. {@link hostCallErrorReply} is the same as JSON text.
 */
export function hostCallFailure(code: string, message: string): HostCallReply {
  return { ok: false, error: { code, message } };
}

/** The JSON text of a successful host call's reply: `{"ok":true,"value":…}`. */
export function hostCallReply(value: unknown): string {
  return JSON.stringify({ ok: true, value });
}

/** The JSON text of a failed host call's reply: `{"ok":false,"error":{"code":…,"message":…}}`. */
export function hostCallErrorReply(code: string, message: string): string {
  return JSON.stringify(hostCallFailure(code, message));
}

/**
 * The JSON error record `kiln-last-error` hands back after an `invoke` whose JS threw or whose
 * promise rejected (Javy would trap instead).
 */
export interface JsErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}
