import { KilnError } from "@kiln/contracts";
import { RuntimeOps } from "@kiln/sdk/protocol";
import { describe, expect, it } from "vitest";
import { testManifest } from "../../test/fixtures.js";
import { isOperationErrorCode, OperationDefinitionError, OperationError } from "./errors.js";
import { OperationRegistry } from "./registry.js";
import type { CallerContext, KvBackend, OperationContext, OperationDefinition } from "./types.js";

/** The registry never touches kv itself; handlers here do not either. */
const noKv: KvBackend = {
  get: () => Promise.reject(new Error("unused")),
  set: () => Promise.reject(new Error("unused")),
  delete: () => Promise.reject(new Error("unused")),
  list: () => Promise.reject(new Error("unused")),
};

interface Caller extends CallerContext {
  readonly logs: Array<[string, string]>;
}

function caller(
  options: { id?: string; declared?: string[]; granted?: string[]; signal?: AbortSignal; jobId?: string } = {},
): Caller {
  const declared = options.declared ?? ["test.read", "test.write"];
  const logs: Array<[string, string]> = [];
  return {
    extensionId: options.id ?? "ext-a",
    manifest: testManifest(options.id ?? "ext-a", declared),
    grants: { permissions: new Set((options.granted ?? declared).filter((p) => declared.includes(p))), folders: {} },
    signal: options.signal ?? new AbortController().signal,
    kv: noKv,
    ...(options.jobId !== undefined && { jobId: options.jobId }),
    log: (level, message) => logs.push([level, message]),
    logs,
  };
}

const echo: OperationDefinition<{ text: string }, { text: string }> = {
  name: "test.echo",
  permission: "test.read",
  input: {
    type: "object",
    additionalProperties: false,
    required: ["text"],
    properties: { text: { type: "string", maxLength: 10 } },
  },
  output: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
  handler: (input) => ({ text: input.text }),
};

function registryWith(...defs: OperationDefinition<never, unknown>[]): OperationRegistry {
  const registry = new OperationRegistry();
  registry.register(echo);
  for (const def of defs) registry.register(def as OperationDefinition);
  return registry;
}

describe("OperationRegistry.register", () => {
  const handler = () => null;
  it.each([
    ["duplicate name", { name: "test.echo", permission: "test.read", handler }, "KILN_OPERATION_DUPLICATE"],
    ["reserved $ name", { name: RuntimeOps.log, permission: "test.read", handler }, "KILN_OPERATION_NAME_INVALID"],
    [
      "reserved $ dotted name",
      { name: "$kiln.thing", permission: "test.read", handler },
      "KILN_OPERATION_NAME_INVALID",
    ],
    ["single segment", { name: "echo", permission: "test.read", handler }, "KILN_OPERATION_NAME_INVALID"],
    ["upper case", { name: "Test.Echo2", permission: "test.read", handler }, "KILN_OPERATION_NAME_INVALID"],
    ["empty segment", { name: "test..echo", permission: "test.read", handler }, "KILN_OPERATION_NAME_INVALID"],
    ["trailing space", { name: "test.echo2 ", permission: "test.read", handler }, "KILN_OPERATION_NAME_INVALID"],
    ["too long", { name: `test.${"a".repeat(200)}`, permission: "test.read", handler }, "KILN_OPERATION_NAME_INVALID"],
    ["bad permission", { name: "test.other", permission: "Read", handler }, "KILN_OPERATION_DEFINITION_INVALID"],
    ["no handler", { name: "test.other", permission: "test.read" }, "KILN_OPERATION_DEFINITION_INVALID"],
    [
      "unknown type",
      { name: "test.other", permission: "test.read", input: { type: "strin" }, handler },
      "KILN_OPERATION_SCHEMA_INVALID",
    ],
    [
      "unknown keyword (strict)",
      { name: "test.other", permission: "test.read", input: { type: "object", requird: ["a"] }, handler },
      "KILN_OPERATION_SCHEMA_INVALID",
    ],
    [
      "schema not an object",
      { name: "test.other", permission: "test.read", input: "string", handler },
      "KILN_OPERATION_SCHEMA_INVALID",
    ],
    [
      "bad output schema",
      { name: "test.other", permission: "test.read", output: { minLength: "1" }, handler },
      "KILN_OPERATION_SCHEMA_INVALID",
    ],
    [
      "unknown $schema",
      { name: "test.other", permission: "test.read", input: { $schema: "https://example.com/nope#" }, handler },
      "KILN_OPERATION_SCHEMA_INVALID",
    ],
  ])("refuses %s", (_, def, code) => {
    const registry = registryWith();
    let thrown: unknown;
    try {
      registry.register(def as unknown as OperationDefinition);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(OperationDefinitionError);
    expect(thrown).toMatchObject({ code, operation: typeof def.name === "string" ? def.name : "" });
    expect((thrown as Error).message).toMatch(/^cannot register operation/);
    // A refused definition leaves the registry as it was.
    expect(registry.list().map((o) => o.name)).toEqual(["test.echo"]);
  });

  it("accepts draft-07 schemas with $schema and $id, and frees the $id on unregister", () => {
    const registry = new OperationRegistry();
    const def = {
      name: "test.ided",
      permission: "test.read",
      input: {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: "https://example.com/ided.json",
        type: "object",
      },
      handler: () => null,
    };
    registry.register(def);
    // The same schema object may serve several operations; a different one may not claim the $id.
    registry.register({ ...def, name: "test.shared" });
    const again = { ...def, name: "test.ided2", input: { ...def.input } };
    expect(() => registry.register(again)).toThrow(/ided\.json/);
    expect(registry.unregister("test.ided")).toBe(true);
    registry.register(again);
    expect(registry.has("test.ided2")).toBe(true);
    expect(registry.has("test.shared")).toBe(true);
  });

  it("lists, finds and unregisters", () => {
    const registry = registryWith({ name: "test.a", permission: "test.write", description: "A.", handler: () => 1 });
    expect(registry.list()).toEqual([
      { name: "test.a", permission: "test.write", description: "A." },
      { name: "test.echo", permission: "test.read", input: echo.input, output: echo.output },
    ]);
    expect(registry.has("test.a")).toBe(true);
    expect(registry.unregister("test.a")).toBe(true);
    expect(registry.unregister("test.a")).toBe(false);
    expect(registry.has("test.a")).toBe(false);
  });
});

describe("OperationRegistry.call", () => {
  it("runs a sync handler and replies with its value", async () => {
    const c = caller();
    await expect(registryWith().call("test.echo", { text: "hi" }, c)).resolves.toEqual({
      ok: true,
      value: { text: "hi" },
    });
    expect(c.logs).toEqual([]);
  });

  it("runs an async handler, turns undefined into null, and hands the context on", async () => {
    const seen: OperationContext[] = [];
    const registry = registryWith({
      name: "test.ctx",
      permission: "test.read",
      handler: async (_input: unknown, ctx: OperationContext) => {
        seen.push(ctx);
        await new Promise((r) => setTimeout(r, 1));
        return undefined;
      },
    });
    const c = caller({ jobId: "job-1" });
    await expect(registry.call("test.ctx", undefined, c)).resolves.toEqual({ ok: true, value: null });
    expect(seen[0]).toMatchObject({
      extensionId: "ext-a",
      jobId: "job-1",
      signal: c.signal,
      grants: c.grants,
      kv: noKv,
      manifest: c.manifest,
    });
  });

  const throwsPlain = {
    name: "test.plain",
    permission: "test.read",
    handler: () => {
      throw new Error("disk on fire");
    },
  };
  const throwsKiln = {
    name: "test.kiln",
    permission: "test.read",
    handler: () => Promise.reject(Object.assign(new Error("invoice 7 is locked"), { code: "KILN_INVOICE_LOCKED" })),
  };
  const throwsBadCode = {
    name: "test.badcode",
    permission: "test.read",
    handler: () => {
      throw Object.assign(new Error("nope"), { code: "ENOENT" });
    },
  };
  const throwsAppCode = {
    name: "test.app-code",
    permission: "test.read",
    handler: async () => {
      throw new OperationError("ACME_INVOICE_LOCKED", "invoice 7 is locked until it is paid");
    },
  };
  const throwsMalformedCode = {
    name: "test.malformed-code",
    permission: "test.read",
    handler: () => {
      throw new OperationError("locked!", "invoice 7 is locked");
    },
  };
  const throwsKilnError = {
    name: "test.kiln-error",
    permission: "test.read",
    handler: () => {
      throw new KilnError("KILN_NOT_FOUND", "no invoice 7");
    },
  };
  const throwsString = {
    name: "test.string",
    permission: "test.read",
    handler: async () => {
      throw "just a string";
    },
  };
  const badOutput = {
    name: "test.badout",
    permission: "test.read",
    output: { type: "array" },
    handler: () => ({ not: "an array" }),
  };
  const dateOutput = { name: "test.date", permission: "test.read", handler: () => ({ at: new Date(0) }) };
  const nanOutput = { name: "test.nan", permission: "test.read", handler: () => [1, Number.NaN] };
  const fnOutput = { name: "test.fn", permission: "test.read", handler: async () => ({ f: () => 1 }) };
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cycleOutput = { name: "test.cycle", permission: "test.read", handler: () => cycle };

  it.each([
    [
      "unknown operation, with a suggestion",
      "test.ecko",
      { text: "x" },
      {},
      "KILN_UNKNOWN_OPERATION",
      /unknown operation "test\.ecko"; did you mean "test\.echo"\?/,
    ],
    ["unknown $ operation", RuntimeOps.log, {}, {}, "KILN_UNKNOWN_OPERATION", /'\$' belong to the SDK runtime/],
    [
      "permission not declared",
      "test.echo",
      { text: "x" },
      { declared: ["test.write"] },
      "KILN_PERMISSION_NOT_DECLARED",
      /add 'test\.read' to @extension\(\{ permissions \}\)/,
    ],
    [
      "permission declared but not granted",
      "test.echo",
      { text: "x" },
      { granted: ["test.write"] },
      "KILN_PERMISSION_DENIED",
      /"test\.read", which the application has not granted to extension "ext-a"/,
    ],
    [
      "input of the wrong type",
      "test.echo",
      { text: 5 },
      {},
      "KILN_OPERATION_INPUT_INVALID",
      /invalid input for operation "test\.echo": payload\/text must be string/,
    ],
    [
      "input missing a property",
      "test.echo",
      {},
      {},
      "KILN_OPERATION_INPUT_INVALID",
      /payload is missing required property "text"/,
    ],
    [
      "input with an extra property",
      "test.echo",
      { text: "a", more: 1 },
      {},
      "KILN_OPERATION_INPUT_INVALID",
      /payload has unknown property "more"/,
    ],
    [
      "input too long",
      "test.echo",
      { text: "a".repeat(11) },
      {},
      "KILN_OPERATION_INPUT_INVALID",
      /payload\/text must NOT have more than 10 characters/,
    ],
    ["no input at all", "test.echo", undefined, {}, "KILN_OPERATION_INPUT_INVALID", /payload must be object/],
    ["handler throws", "test.plain", null, {}, "KILN_OPERATION_FAILED", /operation "test\.plain" failed: disk on fire/],
    [
      "handler rejects with a KILN_ code",
      "test.kiln",
      null,
      {},
      "KILN_INVOICE_LOCKED",
      /operation "test\.kiln" failed: invoice 7 is locked/,
    ],
    ["handler throws a non-KILN code", "test.badcode", null, {}, "KILN_OPERATION_FAILED", /failed: nope/],
    [
      "handler throws an OperationError with the application's code",
      "test.app-code",
      null,
      {},
      "ACME_INVOICE_LOCKED",
      /operation "test\.app-code" failed: invoice 7 is locked until it is paid/,
    ],
    [
      "handler throws an OperationError with a malformed code",
      "test.malformed-code",
      null,
      {},
      "KILN_OPERATION_FAILED",
      /failed: invoice 7 is locked/,
    ],
    ["handler throws a KilnError", "test.kiln-error", null, {}, "KILN_NOT_FOUND", /failed: no invoice 7/],
    ["handler throws a string", "test.string", null, {}, "KILN_OPERATION_FAILED", /failed: just a string/],
    [
      "output breaks its schema",
      "test.badout",
      null,
      {},
      "KILN_OPERATION_OUTPUT_INVALID",
      /breaks its output schema \(a bug in the application\): payload must be array/,
    ],
    [
      "output with a Date",
      "test.date",
      null,
      {},
      "KILN_OPERATION_OUTPUT_INVALID",
      /result\.at is a Date, not a plain object/,
    ],
    ["output with NaN", "test.nan", null, {}, "KILN_OPERATION_OUTPUT_INVALID", /result\[1\] is NaN/],
    ["output with a function", "test.fn", null, {}, "KILN_OPERATION_OUTPUT_INVALID", /result\.f is a function/],
    [
      "output with a cycle",
      "test.cycle",
      null,
      {},
      "KILN_OPERATION_OUTPUT_INVALID",
      /result\.self refers back to result \(a cycle\)/,
    ],
  ])("replies to %s", async (_, name, payload, who, code, message) => {
    const registry = registryWith(
      throwsPlain,
      throwsKiln,
      throwsBadCode,
      throwsAppCode,
      throwsMalformedCode,
      throwsKilnError,
      throwsString,
      badOutput,
      dateOutput,
      nanOutput,
      fnOutput,
      cycleOutput,
    );
    const c = caller(who);
    const reply = await registry.call(name, payload, c);
    expect(reply).toMatchObject({ ok: false, error: { code } });
    if (reply.ok) throw new Error("unreachable");
    expect(reply.error.message).toMatch(message);
    expect(c.logs.length).toBe(1);
    expect(c.logs[0]?.[0]).toBe("warn");
  });

  it("checks in order: existence, declaration, grant, rate, input", async () => {
    let clock = 0;
    const registry = new OperationRegistry({ rateLimit: { callsPerSecond: 1, burst: 1 }, now: () => clock });
    registry.register(echo);
    const undeclared = caller({ declared: [] });
    const ungranted = caller({ granted: [] });
    expect(await registry.call("nope.nope", { text: 1 }, undeclared)).toMatchObject({
      error: { code: "KILN_UNKNOWN_OPERATION" },
    });
    expect(await registry.call("test.echo", { text: 1 }, undeclared)).toMatchObject({
      error: { code: "KILN_PERMISSION_NOT_DECLARED" },
    });
    expect(await registry.call("test.echo", { text: 1 }, ungranted)).toMatchObject({
      error: { code: "KILN_PERMISSION_DENIED" },
    });
    // Denied calls spent no token; invalid input does spend one (the extension did call).
    const c = caller();
    expect(await registry.call("test.echo", { text: 1 }, c)).toMatchObject({
      error: { code: "KILN_OPERATION_INPUT_INVALID" },
    });
    expect(await registry.call("test.echo", { text: 1 }, c)).toMatchObject({ error: { code: "KILN_RATE_LIMITED" } });
    clock += 1000;
    expect(await registry.call("test.echo", { text: "ok" }, c)).toEqual({ ok: true, value: { text: "ok" } });
  });

  it("refuses a call whose signal is already aborted, before the handler runs", async () => {
    let ran = false;
    const registry = registryWith({
      name: "test.side",
      permission: "test.write",
      handler: () => {
        ran = true;
      },
    });
    const controller = new AbortController();
    controller.abort();
    const c = caller({ signal: controller.signal });
    expect(await registry.call("test.side", null, c)).toMatchObject({ ok: false, error: { code: "KILN_CANCELLED" } });
    expect(ran).toBe(false);
    expect(c.logs[0]?.[0]).toBe("info");
  });

  it("answers KILN_CANCELLED promptly when aborted while a slow async handler runs", async () => {
    let handlerSignal: AbortSignal | undefined;
    let release: () => void = () => {};
    const registry = registryWith({
      name: "test.slow",
      permission: "test.read",
      handler: (_: unknown, ctx: OperationContext) => {
        handlerSignal = ctx.signal;
        // Ignores its signal on purpose: the registry must not wait for it.
        return new Promise<string>((resolve) => {
          release = () => resolve("too late");
        });
      },
    });
    const controller = new AbortController();
    const pending = registry.call("test.slow", null, caller({ signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error("job cancelled by user"));
    const reply = await pending;
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "KILN_CANCELLED", message: expect.stringContaining("job cancelled by user") },
    });
    expect(handlerSignal?.aborted).toBe(true);
    release(); // settling afterwards is harmless
  });

  it("treats a handler that fails because of the abort as cancelled", async () => {
    const controller = new AbortController();
    const registry = registryWith({
      name: "test.abortthrow",
      permission: "test.read",
      handler: () => {
        controller.abort();
        throw new Error("aborted");
      },
    });
    expect(await registry.call("test.abortthrow", null, caller({ signal: controller.signal }))).toMatchObject({
      error: { code: "KILN_CANCELLED" },
    });
  });

  it("never rejects, even when the caller's logger throws", async () => {
    const registry = registryWith();
    const c: CallerContext = {
      ...caller(),
      log: () => {
        throw new Error("logger broke");
      },
    };
    const reply = await registry.call("nope.nope", null, c);
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "KILN_OPERATION_FAILED", message: expect.stringContaining("logger broke") },
    });
  });
});

describe("rate limiting", () => {
  function limited(options: ConstructorParameters<typeof OperationRegistry>[0]) {
    const registry = new OperationRegistry(options);
    registry.register(echo);
    return registry;
  }
  const call = (registry: OperationRegistry, c: CallerContext) =>
    registry.call("test.echo", { text: "x" }, c).then((r) => (r.ok ? "ok" : r.error.code));

  it("allows a burst, refuses beyond it with a retry hint, and refills with time", async () => {
    let clock = 10_000;
    const registry = limited({ rateLimit: { callsPerSecond: 2, burst: 3 }, now: () => clock });
    const c = caller();
    expect([await call(registry, c), await call(registry, c), await call(registry, c)]).toEqual(["ok", "ok", "ok"]);
    const refused = await registry.call("test.echo", { text: "x" }, c);
    expect(refused).toMatchObject({ ok: false, error: { code: "KILN_RATE_LIMITED" } });
    if (!refused.ok)
      expect(refused.error.message).toMatch(/limit of 2\/s \(burst 3\); "test\.echo" refused, retry in 500 ms/);
    clock += 499;
    expect(await call(registry, c)).toBe("KILN_RATE_LIMITED");
    clock += 1;
    expect(await call(registry, c)).toBe("ok");
    expect(await call(registry, c)).toBe("KILN_RATE_LIMITED");
  });

  it("keeps one bucket per extension", async () => {
    const registry = limited({ rateLimit: { callsPerSecond: 1, burst: 1 }, now: () => 0 });
    const a = caller({ id: "ext-a" });
    const b = caller({ id: "ext-b" });
    expect([await call(registry, a), await call(registry, a), await call(registry, b)]).toEqual([
      "ok",
      "KILN_RATE_LIMITED",
      "ok",
    ]);
  });

  it("takes per-extension overrides, unlimited, and back to default", async () => {
    const registry = limited({ rateLimit: { callsPerSecond: 1, burst: 1 }, now: () => 0 });
    const a = caller({ id: "ext-a" });
    registry.setRateLimit("ext-a", { callsPerSecond: 1, burst: 2 });
    expect([await call(registry, a), await call(registry, a), await call(registry, a)]).toEqual([
      "ok",
      "ok",
      "KILN_RATE_LIMITED",
    ]);
    registry.setRateLimit("ext-a", false);
    for (let i = 0; i < 50; i++) expect(await call(registry, a)).toBe("ok");
    registry.setRateLimit("ext-a", null);
    expect([await call(registry, a), await call(registry, a)]).toEqual(["ok", "KILN_RATE_LIMITED"]);
  });

  it("can be switched off", async () => {
    const registry = limited({ rateLimit: false, now: () => 0 });
    const a = caller();
    for (let i = 0; i < 2000; i++) expect(await call(registry, a)).toBe("ok");
  });

  it("rejects nonsense limits where they are configured", () => {
    expect(() => new OperationRegistry({ rateLimit: { callsPerSecond: 0, burst: 1 } })).toThrow(
      expect.objectContaining({ code: "KILN_INVALID_OPTION", message: expect.stringMatching(/callsPerSecond/) }),
    );
    expect(() => new OperationRegistry({ maxValueDepth: 0 })).toThrow(KilnError);
    expect(() => new OperationRegistry({ maxValueDepth: 0 })).toThrow(/maxValueDepth must be a whole number/);
    expect(() => new OperationRegistry().setRateLimit("x", { callsPerSecond: 1, burst: 0.5 })).toThrow(/burst/);
  });
});

describe("OperationError", () => {
  it("is the application's error, with a code of its own rather than one of Kiln's", () => {
    const e = new OperationError("ACME_INVOICE_LOCKED", "invoice 7 is locked", { cause: "paid: no" });
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(KilnError);
    expect(e).toMatchObject({ name: "OperationError", code: "ACME_INVOICE_LOCKED", message: "invoice 7 is locked" });
    expect(e.cause).toBe("paid: no");
  });

  it.each([
    ["ACME_INVOICE_LOCKED", true],
    ["KILN_NOT_FOUND", true],
    ["A1_B2", true],
    ["ACME", false],
    ["ACME_", false],
    ["acme_locked", false],
    ["_ACME_LOCKED", false],
    [`ACME_${"X".repeat(124)}`, false],
  ])("%s is a code it may pass on: %s", (code, ok) => {
    expect(isOperationErrorCode(code)).toBe(ok);
  });
});
