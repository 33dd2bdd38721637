/**
 * The built-in operations every Kiln host offers, defined once: for each, its name, the permission
 * it needs, what it does, and its input and output schemas. The table and its schemas are written
 * with TypeBox in `./schemas/operations.ts`, so one expression is both the JSON Schema the host
 * validates every call against and, through `Static`, the TypeScript type the SDK gives
 * `ctx.call`. At build time `schema/operations.schema.json` is generated from it; this module reads
 * that file and imports only the definitions' types, so loading it does not load TypeBox. The
 * handlers are the host's; the kv limits the table's schemas use are exported beside it.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Static, TSchema } from "@sinclair/typebox";
import type * as definitions from "./schemas/operations.js";

// --- kv limits --------------------------------------------------------------------------------------

/** Longest kv key, in UTF-8 bytes (the input schemas allow as many characters; the store counts bytes). */
export const KV_MAX_KEY_BYTES = 512;
/**
 * Default largest kv value, in bytes of its JSON text: kv is for state, not for blobs. An
 * application may set another (`registerBuiltins(registry, { maxKvValueBytes })`); a value over
 * the limit is refused with `KILN_VALUE_TOO_LARGE`.
 */
export const KV_DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
/** Page size of `kv.list` when the call gives none. */
export const KV_DEFAULT_LIST_LIMIT = 100;
/** Largest page size of `kv.list`. */
export const KV_MAX_LIST_LIMIT = 1000;

// --- shared value types -------------------------------------------------------------------------------

/** `schema/operations.schema.json`, as written by `scripts/generate.mjs` from `./schemas/operations.ts`. */
const generated: typeof definitions.operationsDocument = JSON.parse(
  readFileSync(new URL("../schema/operations.schema.json", import.meta.url), "utf8"),
);

/** Kind of a directory entry; symbolic links, sockets and devices are all `other`. */
export const fileTypeSchema: typeof definitions.fileTypeSchema = generated.values.fileType;
/** Kind of a directory entry of `files.list` and `files.stat`; links, sockets and devices are `other`. */
export type FileType = Static<typeof fileTypeSchema>;

/** How `files.read` returns a file's bytes. */
export const fileEncodingSchema: typeof definitions.fileEncodingSchema = generated.values.fileEncoding;
/** How `files.read` returns a file's bytes: UTF-8 text (refused if it is not) or base64. */
export type FileEncoding = Static<typeof fileEncodingSchema>;

/** One entry of `files.list`. */
export const fileEntrySchema: typeof definitions.fileEntrySchema = generated.values.fileEntry;
/** One entry of `files.list`. `size` is 0 for anything but files. */
export type FileEntry = Static<typeof fileEntrySchema>;

/** Reply of `files.read`. */
export const fileContentSchema: typeof definitions.fileContentSchema = generated.values.fileContent;
/** Reply of `files.read`. `size` is the file's size in bytes. */
export type FileContent = Static<typeof fileContentSchema>;

/** Reply of `files.stat`. */
export const fileStatSchema: typeof definitions.fileStatSchema = generated.values.fileStat;
/** Reply of `files.stat`: `size` is 0 for anything but files; `mtimeMs` in ms since the epoch. */
export type FileStat = Static<typeof fileStatSchema>;

/** The methods `http.fetch` accepts. */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** One of {@link HTTP_METHODS}. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Payload of `http.fetch`. */
export const httpRequestSchema: typeof definitions.httpRequestSchema = generated.values.httpRequest;
/** Payload of `http.fetch`. */
export type HttpRequest = Static<typeof httpRequestSchema>;

/** Reply of `http.fetch`. */
export const httpResponseSchema: typeof definitions.httpResponseSchema = generated.values.httpResponse;
/** Reply of `http.fetch`. `url` is the final URL after redirects; header names are lower-case. */
export type HttpResponse = Static<typeof httpResponseSchema>;

/** Payload of `kv.list`. */
export const kvListOptionsSchema: typeof definitions.kvListOptionsSchema = generated.values.kvListOptions;
/** Payload of `kv.list` (and options of the store's `kv.list`). */
export type KvListOptions = Static<typeof kvListOptionsSchema>;

/** Reply of `kv.list`. */
export const kvListPageSchema: typeof definitions.kvListPageSchema = generated.values.kvListPage;
/** Reply of `kv.list`: one page of keys. */
export type KvListPage = Static<typeof kvListPageSchema>;

// --- the table --------------------------------------------------------------------------------------

/** A row of {@link BUILTIN_OPERATIONS}. */
export interface BuiltinOperationSpec {
  /** Dotted lowercase, as extensions call it (`files.read`). */
  readonly name: string;
  /** What an extension must declare and be granted to call it. */
  readonly permission: string;
  /** One or two sentences, for docs and `host.operations.list()`. */
  readonly description: string;
  /** JSON Schema of the payload (typed by its TypeBox definition). */
  readonly input: TSchema;
  /** JSON Schema of the reply (typed by its TypeBox definition). */
  readonly output: TSchema;
}

/** Each row of `T` with its name. */
type Named<T> = { readonly [N in keyof T]: T[N] & { readonly name: N } };

/** The table of `./schemas/operations.ts` (each row's doc comment is what authors see on hover). */
type Table = typeof definitions.operationTable;

/**
 * Every built-in operation, by name: its permission, description and schemas (plain JSON Schema,
 * typed by their TypeBox definitions). The host registers them with its handlers; the SDK's
 * `Operations` types are {@link BuiltinOperations}.
 */
export const BUILTIN_OPERATIONS: Named<Table> = Object.fromEntries(
  Object.entries(generated.operations).map(([name, spec]) => [name, { name, ...spec }]),
) as unknown as Named<Table>;

/** The name of a built-in operation (`"kv.get"`, `"files.read"`, …). */
export type BuiltinOperationName = keyof typeof BUILTIN_OPERATIONS;

/** Payload and reply types of every built-in operation, from the table's schemas. */
export type BuiltinOperations = {
  [N in BuiltinOperationName]: {
    input: Static<(typeof BUILTIN_OPERATIONS)[N]["input"]>;
    output: Static<(typeof BUILTIN_OPERATIONS)[N]["output"]>;
  };
};

/** A permission some built-in operation needs. */
export type BuiltinPermission = (typeof BUILTIN_OPERATIONS)[BuiltinOperationName]["permission"];

/**
 * The permissions of the built-in operations, sorted. Codegen accepts these in
 * `@extension({ permissions })` without further declaration; an application that registers its
 * own operations publishes their permission names.
 */
export const BUILTIN_PERMISSIONS: readonly BuiltinPermission[] = [
  ...new Set(Object.values(BUILTIN_OPERATIONS).map((op) => op.permission)),
].sort();
