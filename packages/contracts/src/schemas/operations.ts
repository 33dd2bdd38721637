/**
 * The built-in operations' schemas, written with TypeBox: one expression is both the JSON Schema
 * the host validates every call against and, through `Static`, the TypeScript type the SDK gives
 * `ctx.call`. A build-time module: `scripts/generate.mjs` writes `schema/operations.schema.json`
 * from {@link operationsDocument}, and `../operations.ts` reads that file at run time and takes only
 * its types from here, so nothing a Kiln process imports loads TypeBox. The kv limits and the HTTP
 * methods the schemas use are those of `../operations.ts`.
 *
 * @module
 */

import { Type } from "@sinclair/typebox";
import { type BuiltinOperationSpec, HTTP_METHODS, KV_MAX_KEY_BYTES, KV_MAX_LIST_LIMIT } from "../operations.js";

const closed = { additionalProperties: false } as const;

/** A string schema whose static type is the union of `values` (JSON Schema `enum`). */
function stringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

// --- shared value types -------------------------------------------------------------------------------

/** Kind of a directory entry; symbolic links, sockets and devices are all `other`. */
export const fileTypeSchema = stringEnum(["file", "directory", "other"]);

/** How `files.read` returns a file's bytes. */
export const fileEncodingSchema = stringEnum(["utf8", "base64"]);

/** One entry of `files.list`. */
export const fileEntrySchema = Type.Object(
  {
    name: Type.String(),
    type: fileTypeSchema,
    /** Size in bytes; 0 for anything but files. */
    size: Type.Integer({ minimum: 0 }),
  },
  closed,
);

/** Reply of `files.read`. */
export const fileContentSchema = Type.Object(
  {
    content: Type.String(),
    /** The file's size in bytes. */
    size: Type.Integer({ minimum: 0 }),
    encoding: fileEncodingSchema,
  },
  closed,
);

/** Reply of `files.stat`. */
export const fileStatSchema = Type.Object(
  { type: fileTypeSchema, size: Type.Integer({ minimum: 0 }), mtimeMs: Type.Number() },
  closed,
);

/** Header name → value. Every key is checked, even one `^(.*)$` would not match (a newline). */
const headersSchema = Type.Record(Type.String(), Type.String(), closed);

/** Payload of `http.fetch`. */
export const httpRequestSchema = Type.Object(
  {
    /** Absolute `http:` or `https:` URL, without credentials. */
    url: Type.String({ minLength: 1, maxLength: 8192 }),
    /** Default `GET`. */
    method: Type.Optional(stringEnum(HTTP_METHODS)),
    headers: Type.Optional(headersSchema),
    /** The request body, as text; not with GET or HEAD. */
    body: Type.Optional(Type.String()),
  },
  closed,
);

/** Reply of `http.fetch`. */
export const httpResponseSchema = Type.Object(
  {
    status: Type.Integer(),
    /** Lower-case names; repeated headers joined with `, `. */
    headers: headersSchema,
    body: Type.String(),
    /** The final URL, after redirects. */
    url: Type.String(),
  },
  closed,
);

const kvKey = Type.String({ minLength: 1, maxLength: KV_MAX_KEY_BYTES });

/** Payload of `kv.list`. */
export const kvListOptionsSchema = Type.Object(
  {
    /** Only keys starting with this. */
    prefix: Type.Optional(Type.String({ maxLength: KV_MAX_KEY_BYTES })),
    /** At most this many keys (default `KV_DEFAULT_LIST_LIMIT`, at most `KV_MAX_LIST_LIMIT`). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: KV_MAX_LIST_LIMIT })),
    /** Only keys after this one: pass the previous page's `next`. */
    after: Type.Optional(Type.String({ maxLength: KV_MAX_KEY_BYTES })),
  },
  closed,
);

/** Reply of `kv.list`. */
export const kvListPageSchema = Type.Object(
  {
    /** Keys in ascending order (by their UTF-8 bytes, i.e. by code point). */
    keys: Type.Array(Type.String()),
    /** Pass as `after` to get the next page; absent on the last page. */
    next: Type.Optional(Type.String()),
  },
  closed,
);

// --- the table --------------------------------------------------------------------------------------

/** A folder name as the application granted it (`{ folders: { photos: "/srv/photos" } }`). */
function folderName() {
  return Type.String({ minLength: 1, maxLength: 256 });
}

/** A `/`-separated path relative to the folder; the host refuses `..`, absolute paths and links. */
function relativePath() {
  return Type.String({ maxLength: 4096 });
}

// Each row's doc comment is what authors see on hover in `ctx.call("…")`.
/**
 * Every built-in operation, by name, without its name: permission, description, input and output
 * schemas. `BUILTIN_OPERATIONS` (`../operations.ts`) is this table with the names added.
 */
export const operationTable = {
  /** The JSON value stored under `key` in the extension's own namespace, or null. [`kv.read`] */
  "kv.get": {
    permission: "kv.read",
    description: "The value stored under `key`, or null when there is none.",
    input: Type.Object({ key: kvKey }, closed),
    output: Type.Unknown(),
  },
  /** One page of keys in key order; pass `next` as `after` for the next page. [`kv.read`] */
  "kv.list": {
    permission: "kv.read",
    description: "One page of keys in key order; pass `next` as `after` for the next page.",
    input: kvListOptionsSchema,
    output: kvListPageSchema,
  },
  /** Stores a JSON value (at most 1 MiB unless the application allows more) under `key`. [`kv.write`] */
  "kv.set": {
    permission: "kv.write",
    description: "Stores a JSON value under `key`, replacing any previous one.",
    input: Type.Object({ key: kvKey, value: Type.Unknown() }, closed),
    output: Type.Null(),
  },
  /** Removes `key`; `deleted` says whether it existed. [`kv.write`] */
  "kv.delete": {
    permission: "kv.write",
    description: "Removes `key`; `deleted` says whether it existed.",
    input: Type.Object({ key: kvKey }, closed),
    output: Type.Object({ deleted: Type.Boolean() }, closed),
  },
  /**
   * Entries of a directory inside a folder the app granted, sorted by name. `path` is relative
   * (`"sub/dir"`); `..`, absolute paths and symbolic links are refused. [`files.read`]
   */
  "files.list": {
    permission: "files.read",
    description: "Entries of a directory in a granted folder, sorted by name.",
    input: Type.Object({ folder: folderName(), path: Type.Optional(relativePath()) }, closed),
    output: Type.Array(fileEntrySchema),
  },
  /** A file's contents, as UTF-8 text or base64. [`files.read`] */
  "files.read": {
    permission: "files.read",
    description: "Contents of a file in a granted folder, as UTF-8 text or base64 (up to the host's read limit).",
    input: Type.Object(
      {
        folder: folderName(),
        path: relativePath(),
        /** Default `utf8`. */
        encoding: Type.Optional(fileEncodingSchema),
        /** Refuse files larger than this (the host's own read limit applies too). */
        maxBytes: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      closed,
    ),
    output: fileContentSchema,
  },
  /** Type, size and modification time of an entry. [`files.read`] */
  "files.stat": {
    permission: "files.read",
    description: "Type, size and modification time of an entry in a granted folder.",
    input: Type.Object({ folder: folderName(), path: relativePath() }, closed),
    output: fileStatSchema,
  },
  /**
   * An HTTP request to a host in the manifest's `allowedHosts` (redirects are checked too); the
   * body comes back as text. [`http.fetch`]
   */
  "http.fetch": {
    permission: "http.fetch",
    description: "An HTTP(S) request to a host listed in the manifest's allowedHosts; the body is returned as text.",
    input: httpRequestSchema,
    output: httpResponseSchema,
  },
} as const satisfies Record<string, Omit<BuiltinOperationSpec, "name">>;

/**
 * What `schema/operations.schema.json` holds: the table (`operations`), and the schemas of the
 * shared value types (`values`, by the name of their exported schema less `Schema`).
 */
export const operationsDocument = {
  operations: operationTable,
  values: {
    fileType: fileTypeSchema,
    fileEncoding: fileEncodingSchema,
    fileEntry: fileEntrySchema,
    fileContent: fileContentSchema,
    fileStat: fileStatSchema,
    httpRequest: httpRequestSchema,
    httpResponse: httpResponseSchema,
    kvListOptions: kvListOptionsSchema,
    kvListPage: kvListPageSchema,
  },
} as const;
