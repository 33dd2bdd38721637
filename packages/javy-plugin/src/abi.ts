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
