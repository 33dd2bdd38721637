/**
 * `kv.*`: a small persistent key-value space per extension. Every access is scoped to the calling
 * extension's id by the host, never by the payload, so one extension cannot read another's keys.
 *
 * @module
 */

import type { KvListOptions, KvListPage } from "../../store/types.js";
import { OperationError, OperationErrorCodes } from "../errors.js";
import type { OperationRegistry } from "../registry.js";

/** Largest JSON text `kv.set` stores for one value: kv is for state, not for blobs. */
export const DEFAULT_MAX_KV_VALUE_BYTES = 1024 * 1024;

const key = { type: "string", minLength: 1, maxLength: 512 } as const;

/** Registers `kv.get`, `kv.list` (permission `kv.read`), `kv.set` and `kv.delete` (`kv.write`). */
export function registerKv(registry: OperationRegistry, options: { maxValueBytes?: number } = {}): void {
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_KV_VALUE_BYTES;

  registry.register<{ key: string }, unknown>({
    name: "kv.get",
    permission: "kv.read",
    description: "The value stored under `key`, or null when there is none.",
    input: { type: "object", additionalProperties: false, required: ["key"], properties: { key } },
    handler: async (input, ctx) => (await ctx.kv.get(ctx.extensionId, input.key)) ?? null,
  });

  registry.register<KvListOptions, KvListPage>({
    name: "kv.list",
    permission: "kv.read",
    description: "One page of keys in key order; pass `next` as `after` for the next page.",
    input: {
      type: "object",
      additionalProperties: false,
      properties: {
        prefix: { type: "string", maxLength: 512 },
        limit: { type: "integer", minimum: 1, maximum: 1000 },
        after: { type: "string", maxLength: 512 },
      },
    },
    handler: async (input, ctx) => {
      const page = await ctx.kv.list(ctx.extensionId, listOptions(input));
      return page.next === undefined ? { keys: page.keys } : { keys: page.keys, next: page.next };
    },
  });

  registry.register<{ key: string; value: unknown }, null>({
    name: "kv.set",
    permission: "kv.write",
    description: "Stores a JSON value under `key`, replacing any previous one.",
    input: { type: "object", additionalProperties: false, required: ["key", "value"], properties: { key, value: {} } },
    handler: async (input, ctx) => {
      checkValueSize(input.key, input.value, maxValueBytes);
      await ctx.kv.set(ctx.extensionId, input.key, input.value);
      return null;
    },
  });

  registry.register<{ key: string }, { deleted: boolean }>({
    name: "kv.delete",
    permission: "kv.write",
    description: "Removes `key`; `deleted` says whether it existed.",
    input: { type: "object", additionalProperties: false, required: ["key"], properties: { key } },
    handler: async (input, ctx) => ({ deleted: await ctx.kv.delete(ctx.extensionId, input.key) }),
  });
}

/** Copies only the fields present: backends must not see `prefix: undefined`. */
function listOptions(input: KvListOptions): KvListOptions {
  return {
    ...(input.prefix !== undefined && { prefix: input.prefix }),
    ...(input.limit !== undefined && { limit: input.limit }),
    ...(input.after !== undefined && { after: input.after }),
  };
}

function checkValueSize(key: string, value: unknown, max: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > max) {
    throw new OperationError(
      OperationErrorCodes.valueTooLarge,
      `the value for key "${key}" is ${bytes} bytes of JSON, over the ${max}-byte limit; store large data in files instead`,
    );
  }
}
