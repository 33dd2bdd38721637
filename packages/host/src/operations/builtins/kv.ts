/**
 * `kv.*`: a small persistent key-value space per extension. Every access is scoped to the calling
 * extension's id by the host, never by the payload, so one extension cannot read another's keys.
 * Names, permissions and schemas are the rows of `BUILTIN_OPERATIONS` (`@kiln/contracts`).
 *
 * @module
 */
import { KilnError, KV_DEFAULT_MAX_VALUE_BYTES, type KvListOptions } from "@kiln/contracts";
import type { OperationRegistry } from "../registry.js";
import { builtin } from "./define.js";

/** Options of {@link registerKv}. */
export interface KvOptions {
  /**
   * Largest value `kv.set` stores, in bytes of its JSON text; larger ones are refused with
   * `KILN_VALUE_TOO_LARGE`. Default `KV_DEFAULT_MAX_VALUE_BYTES` (1 MiB). A value also has to fit
   * in one host call (`limits.payloadBytes`, 8 MiB by default).
   */
  readonly maxValueBytes?: number;
}

/**
 * Registers `kv.get`, `kv.list` (permission `kv.read`), `kv.set` and `kv.delete` (`kv.write`).
 * Throws a `KILN_INVALID_OPTION` {@link KilnError} for a `maxValueBytes` that is not a whole number ≥ 1.
 */
export function registerKv(registry: OperationRegistry, options: KvOptions = {}): void {
  const maxValueBytes = options.maxValueBytes ?? KV_DEFAULT_MAX_VALUE_BYTES;
  if (!Number.isSafeInteger(maxValueBytes) || maxValueBytes < 1) {
    throw new KilnError(
      "KILN_INVALID_OPTION",
      `maxValueBytes must be a whole number ≥ 1, got ${String(maxValueBytes)}`,
    );
  }

  registry.register(builtin("kv.get", async (input, ctx) => (await ctx.kv.get(ctx.extensionId, input.key)) ?? null));

  registry.register(
    builtin("kv.list", async (input, ctx) => {
      const page = await ctx.kv.list(ctx.extensionId, listOptions(input));
      return page.next === undefined ? { keys: page.keys } : { keys: page.keys, next: page.next };
    }),
  );

  registry.register(
    builtin("kv.set", async (input, ctx) => {
      // The store measures the JSON text it writes and refuses it over the limit (KILN_VALUE_TOO_LARGE).
      await ctx.kv.set(ctx.extensionId, input.key, input.value, { maxValueBytes });
      return null;
    }),
  );

  registry.register(
    builtin("kv.delete", async (input, ctx) => ({ deleted: await ctx.kv.delete(ctx.extensionId, input.key) })),
  );
}

/** Copies only the fields present: backends must not see `prefix: undefined`. */
function listOptions(input: KvListOptions): KvListOptions {
  return {
    ...(input.prefix !== undefined && { prefix: input.prefix }),
    ...(input.limit !== undefined && { limit: input.limit }),
    ...(input.after !== undefined && { after: input.after }),
  };
}
