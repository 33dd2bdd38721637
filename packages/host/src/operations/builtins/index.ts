/**
 * The operations every Kiln host offers: `kv.*`, `files.*` and `http.fetch`, each behind one of
 * the `BUILTIN_PERMISSIONS`. Their names, permissions, schemas and types are the table
 * `BUILTIN_OPERATIONS` of `@kiln/contracts`; the handlers are here.
 *
 * @module
 */
import type { OperationRegistry } from "../registry.js";
import { registerFiles } from "./files.js";
import { registerHttp } from "./http.js";
import { registerKv } from "./kv.js";

export { DEFAULT_MAX_READ_BYTES, type FilesOptions, registerFiles } from "./files.js";
export {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  type HttpOptions,
  MAX_REDIRECTS,
  registerHttp,
} from "./http.js";
export { type KvOptions, registerKv } from "./kv.js";

/** Options of {@link registerBuiltins}; every limit has a default. */
export interface BuiltinOptions {
  /** The `fetch` behind `http.fetch`; default the global one. */
  readonly fetch?: typeof fetch;
  /** Largest file `files.read` returns. Default 8 MiB. */
  readonly maxReadBytes?: number;
  /** Largest body `http.fetch` returns. Default 4 MiB. */
  readonly maxResponseBytes?: number;
  /** Time limit of one `http.fetch`, redirects included. Default 30 s. */
  readonly httpTimeoutMs?: number;
  /** Largest JSON value `kv.set` stores, in bytes. Default `KV_DEFAULT_MAX_VALUE_BYTES` (1 MiB). */
  readonly maxKvValueBytes?: number;
}

/** Registers every built-in operation on `registry`. */
export function registerBuiltins(registry: OperationRegistry, options: BuiltinOptions = {}): void {
  registerKv(registry, defined({ maxValueBytes: options.maxKvValueBytes }));
  registerFiles(registry, defined({ maxReadBytes: options.maxReadBytes }));
  registerHttp(
    registry,
    defined({ fetch: options.fetch, maxResponseBytes: options.maxResponseBytes, timeoutMs: options.httpTimeoutMs }),
  );
}

/** Drops undefined fields: under `exactOptionalPropertyTypes` absent and undefined differ. */
function defined<T extends object>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
