import { Ajv } from "ajv";
import { describe, expect, expectTypeOf, it } from "vitest";
import { PERMISSION_PATTERN, plainSchema } from "./manifest.js";
import {
  BUILTIN_OPERATIONS,
  BUILTIN_PERMISSIONS,
  type BuiltinOperationName,
  type BuiltinOperations,
  type BuiltinPermission,
  type FileType,
  KV_MAX_KEY_BYTES,
  KV_MAX_LIST_LIMIT,
} from "./operations.js";

const rows = Object.entries(BUILTIN_OPERATIONS);

describe("BUILTIN_OPERATIONS", () => {
  it("names every row after its key, with a permission and a description", () => {
    expect(rows.map(([name]) => name)).toEqual([
      "kv.get",
      "kv.list",
      "kv.set",
      "kv.delete",
      "files.list",
      "files.read",
      "files.stat",
      "http.fetch",
    ]);
    for (const [name, op] of rows) {
      expect(op.name).toBe(name);
      // Operation names follow the permission rule, and so do permissions.
      expect(name).toMatch(new RegExp(PERMISSION_PATTERN));
      expect(op.permission).toMatch(new RegExp(PERMISSION_PATTERN));
      expect(op.description.length).toBeGreaterThan(10);
    }
  });

  it("has schemas that compile in ajv's strict mode, as the host compiles them", () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    for (const [, op] of rows) {
      expect(() => ajv.compile(op.input)).not.toThrow();
      expect(() => ajv.compile(op.output)).not.toThrow();
      // Plain JSON once TypeBox's symbols are dropped: what `host.operations.list()` shows.
      expect(plainSchema(op.input)).toEqual(JSON.parse(JSON.stringify(op.input)));
    }
  });

  const ajv = new Ajv({ strict: true, allErrors: true });
  const valid = (name: BuiltinOperationName, which: "input" | "output", value: unknown) =>
    ajv.compile(BUILTIN_OPERATIONS[name][which])(value);

  it.each<[BuiltinOperationName, unknown]>([
    ["kv.get", { key: "k" }],
    ["kv.list", {}],
    ["kv.list", { prefix: "doc:", limit: KV_MAX_LIST_LIMIT, after: "doc:1" }],
    ["kv.set", { key: "k", value: { any: ["json", 1, null] } }],
    ["kv.set", { key: "k", value: null }],
    ["files.list", { folder: "docs" }],
    ["files.read", { folder: "docs", path: "a.txt", encoding: "base64", maxBytes: 10 }],
    ["http.fetch", { url: "https://example.com", method: "POST", headers: { "x-a": "1" }, body: "{}" }],
  ])("accepts a %s payload %j", (name, payload) => {
    expect(valid(name, "input", payload)).toBe(true);
  });

  it.each<[BuiltinOperationName, unknown]>([
    ["kv.get", { key: "" }],
    ["kv.get", { key: "k".repeat(KV_MAX_KEY_BYTES + 1) }],
    ["kv.get", { key: "k", extra: 1 }],
    ["kv.list", { limit: 0 }],
    ["kv.list", { limit: KV_MAX_LIST_LIMIT + 1 }],
    ["kv.set", { key: "k" }],
    ["files.read", { folder: "docs" }],
    ["files.read", { folder: "docs", path: "a", encoding: "latin1" }],
    ["http.fetch", { url: "https://example.com", method: "TRACE" }],
    ["http.fetch", { url: "https://example.com", headers: { "x-a": 1 } }],
    ["http.fetch", { url: "https://example.com", headers: { "x\na": 1 } }],
  ])("refuses a %s payload %j", (name, payload) => {
    expect(valid(name, "input", payload)).toBe(false);
  });

  it("describes the replies the host sends", () => {
    expect(valid("kv.get", "output", { anything: 1 })).toBe(true);
    expect(valid("kv.list", "output", { keys: ["a"], next: "a" })).toBe(true);
    expect(valid("kv.set", "output", null)).toBe(true);
    expect(valid("kv.delete", "output", { deleted: true })).toBe(true);
    expect(valid("files.list", "output", [{ name: "a", type: "file", size: 3 }])).toBe(true);
    expect(valid("files.list", "output", [{ name: "a", type: "link", size: 3 }])).toBe(false);
    expect(valid("files.stat", "output", { type: "directory", size: 0, mtimeMs: 1.5 })).toBe(true);
    expect(valid("files.read", "output", { content: "", size: 0, encoding: "utf8" })).toBe(true);
    expect(
      valid("http.fetch", "output", { status: 200, headers: { "content-type": "text/plain" }, body: "", url: "x" }),
    ).toBe(true);
  });
});

describe("BuiltinOperations", () => {
  it("types payloads and replies from the same schemas", () => {
    expectTypeOf<BuiltinOperations["kv.get"]>().toEqualTypeOf<{ input: { key: string }; output: unknown }>();
    expectTypeOf<BuiltinOperations["kv.set"]["input"]>().toEqualTypeOf<{ key: string; value: unknown }>();
    expectTypeOf<BuiltinOperations["kv.set"]["output"]>().toEqualTypeOf<null>();
    expectTypeOf<BuiltinOperations["kv.list"]["input"]>().toEqualTypeOf<{
      prefix?: string;
      limit?: number;
      after?: string;
    }>();
    expectTypeOf<BuiltinOperations["kv.list"]["output"]>().toEqualTypeOf<{ keys: string[]; next?: string }>();
    expectTypeOf<BuiltinOperations["files.stat"]["output"]>().toEqualTypeOf<{
      type: FileType;
      size: number;
      mtimeMs: number;
    }>();
    expectTypeOf<FileType>().toEqualTypeOf<"file" | "directory" | "other">();
    expectTypeOf<BuiltinOperations["files.read"]["input"]["encoding"]>().toEqualTypeOf<"utf8" | "base64" | undefined>();
    expectTypeOf<BuiltinOperations["http.fetch"]["output"]["headers"]>().toEqualTypeOf<Record<string, string>>();
  });
});

describe("BUILTIN_PERMISSIONS", () => {
  it("is every permission of the table, once, sorted", () => {
    expect(BUILTIN_PERMISSIONS).toEqual(["files.read", "http.fetch", "kv.read", "kv.write"]);
    expectTypeOf<BuiltinPermission>().toEqualTypeOf<"files.read" | "http.fetch" | "kv.read" | "kv.write">();
  });
});
