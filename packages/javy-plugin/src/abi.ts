/**
 * The contracts between a Kiln plugin, the modules built for it and the host, defined once.
 * `@kiln/codegen` and `@kiln/host` import these; the C bridge (`c/bridge.c`) mirrors them, and
 * `README.md` documents them byte by byte.
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

/** `kiln_host_v1.take(dst_ptr)`: copies the pending reply of the last `call` into plugin memory. */
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

/**
 * The plugin export `kiln-set-memory-limit(bytes: u32)`: caps what QuickJS allocates; 0 lifts the
 * cap. Past it, JS gets a catchable `InternalError: out of memory`.
 */
export const SET_MEMORY_LIMIT_EXPORT = "kiln-set-memory-limit";

/** The plugin export `kiln-last-error() -> ret_ptr`: the error record of the last `invoke`. */
export const LAST_ERROR_EXPORT = "kiln-last-error";

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
 * The JSON error record `kiln-last-error` hands back after an `invoke` whose JS threw or whose
 * promise rejected (Javy would trap instead).
 */
export interface JsErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}
