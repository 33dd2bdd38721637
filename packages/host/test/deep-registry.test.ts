/**
 * Hostile values at the registry: payloads and results nested far deeper than any JavaScript stack,
 * and an operation name of megabytes. Each call must answer with a reply (a value or a typed error),
 * never reject, never leave an unhandled rejection behind (which would end the host process), and
 * never spend seconds of the main thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CallerContext, type KvBackend, OperationRegistry, registerBuiltins } from "../src/index.js";
import { DEFAULT_MAX_DEPTH } from "../src/json-safety.js";
import { SqliteJobStore } from "../src/store/sqlite.js";
import { testManifest } from "./fixtures.js";

const PERMISSIONS = ["test.read", "kv.read", "kv.write"];

function caller(kv: KvBackend, logs: Array<[string, string]> = []): CallerContext {
  return {
    extensionId: "ext-deep",
    manifest: testManifest("ext-deep", PERMISSIONS),
    grants: { permissions: new Set(PERMISSIONS), folders: {} },
    signal: new AbortController().signal,
    kv,
    log: (level, message) => logs.push([level, message]),
  };
}

/** `[[[…0…]]]`, `depth` arrays deep, built without recursion. */
function deepArray(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** `{a:{a:{…}}}`, `depth` objects deep. */
function deepObject(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A kv backend that keeps JSON text, as a real store does, and never recurses itself. */
const unusedKv: KvBackend = {
  get: () => Promise.reject(new Error("unused")),
  set: () => Promise.reject(new Error("unused")),
  delete: () => Promise.reject(new Error("unused")),
  list: () => Promise.reject(new Error("unused")),
};

// Belt and braces: vitest already fails a run with an unhandled rejection, but this names the test.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  // Let any stray `.then` callback run and fail before the check.
  await new Promise((r) => setTimeout(r, 10));
  expect(unhandled).toEqual([]);
});

describe("a deep value through an echoing operation", () => {
  const registry = new OperationRegistry({ rateLimit: false });
  registry.register({ name: "test.echo", permission: "test.read", handler: async (x: unknown) => x });
  registry.register({ name: "test.sync-echo", permission: "test.read", handler: (x: unknown) => x });
  registry.register({
    name: "test.deep-result",
    permission: "test.read",
    handler: async (input: { depth: number }) => deepArray(input.depth),
  });

  it.each([
    ["3,000-deep arrays", deepArray(3_000)],
    ["100,000-deep arrays", deepArray(100_000)],
    ["3,000-deep objects", deepObject(3_000)],
    ["100,000-deep objects", deepObject(100_000)],
  ])("answers a payload of %s with KILN_VALUE_TOO_DEEP", async (_, payload) => {
    for (const name of ["test.echo", "test.sync-echo"]) {
      const logs: Array<[string, string]> = [];
      const reply = await registry.call(name, payload, caller(unusedKv, logs));
      expect(reply).toMatchObject({ ok: false, error: { code: "KILN_VALUE_TOO_DEEP" } });
      if (reply.ok) throw new Error("unreachable");
      expect(reply.error.message).toContain(`deeper than the limit of ${DEFAULT_MAX_DEPTH}`);
      // The path is elided, not 100,000 segments long.
      expect(reply.error.message.length).toBeLessThan(1_000);
      expect(logs.map(([level]) => level)).toEqual(["warn"]);
    }
  });

  it("echoes a value exactly at the depth limit", async () => {
    const payload = deepArray(DEFAULT_MAX_DEPTH);
    expect(await registry.call("test.echo", payload, caller(unusedKv))).toEqual({ ok: true, value: payload });
  });

  it.each([3_000, 100_000])("answers a handler's %i-deep result with a typed error", async (depth) => {
    const reply = await registry.call("test.deep-result", { depth }, caller(unusedKv));
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_VALUE_TOO_DEEP" } });
    if (reply.ok) throw new Error("unreachable");
    expect(reply.error.message).toMatch(/^operation "test\.deep-result" returned a result nested deeper than/);
  });
});

describe("kv.set and kv.get of deep values through the registry", () => {
  let dir: string;
  let store: SqliteJobStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kiln-deep-"));
    store = SqliteJobStore.open(join(dir, "jobs.db"));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([3_000, 100_000])("refuses to set a %i-deep value, with a typed error", async (depth) => {
    const registry = new OperationRegistry({ rateLimit: false });
    registerBuiltins(registry);
    const c = caller(store.kv);
    const reply = await registry.call("kv.set", { key: "deep", value: deepArray(depth) }, c);
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_VALUE_TOO_DEEP" } });
    expect(await registry.call("kv.get", { key: "deep" }, c)).toEqual({ ok: true, value: null });
  });

  it("answers kv.get of a deep value already in the store (written by an older host) with a typed error", async () => {
    // Straight to the store: the store accepts deeper values than the wall does.
    const depth = 1_000;
    await store.kv.set("ext-deep", "deep", deepArray(depth));
    const registry = new OperationRegistry({ rateLimit: false });
    registerBuiltins(registry);
    const reply = await registry.call("kv.get", { key: "deep" }, caller(store.kv));
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_VALUE_TOO_DEEP" } });
  });

  it("round-trips a value at the depth limit", async () => {
    const registry = new OperationRegistry({ rateLimit: false });
    registerBuiltins(registry);
    const c = caller(store.kv);
    const value = deepObject(DEFAULT_MAX_DEPTH - 1);
    // The payload `{ key, value }` adds one level.
    expect(await registry.call("kv.set", { key: "ok", value }, c)).toEqual({ ok: true, value: null });
    expect(await registry.call("kv.get", { key: "ok" }, c)).toEqual({ ok: true, value });
  });
});

describe("a kv backend returning a deep value", () => {
  it("cannot take the host down through kv.get", async () => {
    const deepKv: KvBackend = { ...unusedKv, get: async () => deepObject(100_000) };
    const registry = new OperationRegistry({ rateLimit: false });
    registerBuiltins(registry);
    const reply = await registry.call("kv.get", { key: "x" }, caller(deepKv));
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_VALUE_TOO_DEEP" } });
  });
});

describe("settle and finish cannot throw", () => {
  it("answers when the caller's logger throws on an async failure path", async () => {
    const registry = new OperationRegistry({ rateLimit: false });
    registry.register({
      name: "test.fails",
      permission: "test.read",
      handler: async () => Promise.reject(new Error("x")),
    });
    registry.register({ name: "test.bad", permission: "test.read", handler: async () => ({ at: new Date(0) }) });
    registry.register({
      name: "test.weird",
      permission: "test.read",
      // Rejects with something that cannot even be turned into a string.
      handler: () => Promise.reject(Object.create(null)),
    });
    const c: CallerContext = {
      ...caller(unusedKv),
      log: () => {
        throw new Error("logger down");
      },
    };
    for (const name of ["test.fails", "test.bad", "test.weird"]) {
      const reply = await registry.call(name, null, c);
      expect(reply.ok).toBe(false);
      if (reply.ok) throw new Error("unreachable");
      expect(reply.error.code).toMatch(/^KILN_/);
    }
  });

  it("answers even when the logger throws inside the abort listener", async () => {
    const registry = new OperationRegistry({ rateLimit: false });
    registry.register({ name: "test.slow", permission: "test.read", handler: () => new Promise(() => {}) });
    const controller = new AbortController();
    const c: CallerContext = {
      ...caller(unusedKv),
      signal: controller.signal,
      log: () => {
        throw new Error("logger down");
      },
    };
    const pending = registry.call("test.slow", null, c);
    await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    // As on every other path, a throwing logger shows as the registry's own failure.
    expect(await pending).toMatchObject({
      ok: false,
      error: { code: "KILN_OPERATION_FAILED", message: expect.stringContaining("logger down") },
    });
  });
});

describe("operation names", () => {
  it("refuses a 4 MB name at once, without a suggestion", async () => {
    const registry = new OperationRegistry({ rateLimit: false });
    registerBuiltins(registry);
    const logs: Array<[string, string]> = [];
    const name = `kv.${"g".repeat(4 * 1024 * 1024)}`;
    const reply = await registry.call(name, null, caller(unusedKv, logs));
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_OPERATION_NAME_TOO_LONG" } });
    if (reply.ok) throw new Error("unreachable");
    expect(reply.error.message).not.toContain("did you mean");
    expect(reply.error.message.length).toBeLessThan(500);
    expect(logs[0]?.[1]?.length).toBeLessThan(500);
  });

  it("accepts a 128-character name as a name (unknown, with suggestions as before)", async () => {
    const registry = new OperationRegistry({ rateLimit: false });
    registerBuiltins(registry);
    const reply = await registry.call(`kv.${"g".repeat(125)}`, null, caller(unusedKv));
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_UNKNOWN_OPERATION" } });
    expect(await registry.call("kv.gte", { key: "k" }, caller(unusedKv))).toMatchObject({
      error: { code: "KILN_UNKNOWN_OPERATION", message: expect.stringContaining('did you mean "kv.get"') },
    });
  });

  it("still suggests among many registered names quickly", async () => {
    const registry = new OperationRegistry({ rateLimit: false });
    for (let i = 0; i < 2_000; i++) {
      registry.register({ name: `bulk.op-${i}-${"x".repeat(100)}`, permission: "test.read", handler: () => null });
    }
    const reply = await registry.call(`bulk.op-7-${"x".repeat(99)}y`, null, caller(unusedKv));
    expect(reply).toMatchObject({
      error: { code: "KILN_UNKNOWN_OPERATION", message: expect.stringContaining(`did you mean "bulk.op-7-`) },
    });
  });
});
