/**
 * The sandbox holds: regression tests for what a hostile extension could do to the host before
 * (deep values, traps, runaway start-up and cleanup, racing loads, a cancel that loses), and the
 * limits that now bound it. Each runs a real extension beside a well-behaved neighbour.
 */
import { rm } from "node:fs/promises";
import { compileSource, PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import { RuntimeOps } from "@kiln/sdk/protocol";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ExtensionHost, type KilnError, type LogEntry } from "../src/index.js";
import { makeExtension, protocolHelpers } from "./fixtures.js";

const dirs: string[] = [];
const hosts: ExtensionHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const HOOKS = `export function kilnInit() {} export function kilnCleanup() {}`;

/** JS of jobs that misbehave; each reads its input from the envelope. */
const HOSTILE = `
let runs = 0;
${HOOKS}
export function jobCount() { runs++; complete(runs); }
export function jobDeep() { const { input } = readInput(); let v = []; for (let i = 1; i < input.depth; i++) v = [v]; complete(v); }
export function jobSpin() { for (;;) {} }
export function jobSpinCatching() { for (;;) { try { for (;;) {} } catch (e) {} } }
export async function jobCatchCancel() {
  try { for (;;) { call("fixture.wait", {}); } } catch (e) { }
  complete("I caught it");
}
export async function jobSpinAfterAwait() { await Promise.resolve(); for (;;) {} }
export function jobBomb() { const a = []; try { for (;;) a.push("x".repeat(1 << 20)); } catch (e) { complete(String(e)); } }
export function jobBombUncaught() { const a = []; for (;;) a.push("y".repeat(1 << 20)); }
export function jobSteps() { const { input } = readInput(); let n = 0; for (let i = 0; i < input.n; i++) n += i; complete(n); }
export function jobCheckpoints() { const { input } = readInput(); let refused = null;
  for (let i = 0; i < input.n && !refused; i++) {
    try { call("${RuntimeOps.checkpoint}", { state: { i, pad: "p".repeat(input.pad ?? 0) }, progress: { done: i, total: null, message: null }, counters: { items: i, bytes: 0 } }); }
    catch (e) { refused = e.code; }
  }
  complete(refused);
}
export function jobRawCall() { const { input } = readInput(); complete(JSON.parse(__kiln.call(input.op, input.payload))); }
export function jobCalls() { const { input } = readInput(); for (let i = 0; i < input.n; i++) call("fixture.echo", i); complete(input.n); }
export function jobLogFlood() { const { input } = readInput(); const line = "z".repeat(1000); for (let i = 0; i < input.n; i++) console.log(line); complete(input.n); }
`;
const HOSTILE_JOBS = [
  "count",
  "deep",
  "spin",
  "spin-catching",
  "catch-cancel",
  "spin-after-await",
  "bomb",
  "bomb-uncaught",
  "steps",
  "checkpoints",
  "raw-call",
  "log-flood",
  "calls",
];

const NEIGHBOUR = `${HOOKS} export function jobPing() { complete({ pong: true }); }`;

async function setup(options: ConstructorParameters<typeof ExtensionHost>[0] = {}) {
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({ logger: (e) => logs.push(e), ...options });
  hosts.push(host);
  host.operations.register({
    name: "fixture.wait",
    permission: "fixture.wait",
    handler: (_: unknown, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(null))),
  });
  host.operations.register({ name: "fixture.echo", permission: "fixture.echo", handler: async (x: unknown) => x });
  const hostile = await makeExtension({
    id: "hostile",
    source: HOSTILE,
    jobs: HOSTILE_JOBS,
    manifest: (m) => ({ ...m, permissions: ["fixture.wait", "fixture.echo"], limits: { concurrentJobs: 8 } }),
  });
  const neighbour = await makeExtension({ id: "neighbour", source: NEIGHBOUR, jobs: ["ping"] });
  dirs.push(hostile, neighbour);
  await host.load(hostile, { permissions: "*" });
  await host.load(neighbour);
  return { host, logs, hostileDir: hostile };
}

async function neighbourAnswers(host: ExtensionHost) {
  expect(await host.run("neighbour", "ping")).toEqual({ pong: true });
}

const codeOf = (e: unknown) => (e as KilnError).code;

describe("values too deep for the host's recursion", () => {
  const deepText = (depth: number) => `{"value":${"[".repeat(depth)}${"]".repeat(depth)}}`;

  it("a job reporting a 2,500-deep result fails with a typed error and does not stay running", async () => {
    const { host } = await setup();
    const raw = await host.jobs.dispatch("hostile", "raw-call", { op: RuntimeOps.complete, payload: deepText(2500) });
    expect(await host.jobs.wait(raw)).toMatchObject({ state: "failed", error: { code: "KILN_VALUE_TOO_DEEP" } });
    // Built in QuickJS: the deepest value it can serialise is still past the host's limit.
    const built = await host.jobs.wait(await host.jobs.dispatch("hostile", "deep", { depth: 300 }));
    expect(built).toMatchObject({ state: "failed", error: { code: "KILN_VALUE_TOO_DEEP" } });
    const tooDeepForQuickJs = await host.jobs.wait(await host.jobs.dispatch("hostile", "deep", { depth: 2500 }));
    expect(tooDeepForQuickJs.state).toBe("failed");
    await neighbourAnswers(host);
  });

  it("host.run of a 3,500-deep result rejects instead of hanging", async () => {
    const { host } = await setup();
    await expect(
      host.run("hostile", "raw-call", { op: RuntimeOps.complete, payload: deepText(3500) }),
    ).rejects.toMatchObject({
      code: "KILN_VALUE_TOO_DEEP",
    });
    await neighbourAnswers(host);
  });

  it("an input 3,000 deep is refused at dispatch and by host.run, with one code", async () => {
    const { host } = await setup();
    let deep: unknown = [];
    for (let i = 0; i < 3000; i++) deep = [deep];
    await expect(host.jobs.dispatch("hostile", "count", deep)).rejects.toMatchObject({ code: "KILN_INVALID_INPUT" });
    await expect(host.run("hostile", "count", deep)).rejects.toMatchObject({ code: "KILN_INVALID_INPUT" });
  });

  it.each([
    ["NaN", Number.NaN],
    ["a function", { f: () => 1 }],
    ["a Date", { when: new Date(0) }],
    ["a Map", new Map()],
  ])("host.run refuses %s like dispatch does", async (_, input) => {
    const { host } = await setup();
    await expect(host.run("hostile", "count", input)).rejects.toMatchObject({ code: "KILN_INVALID_INPUT" });
    await expect(host.jobs.dispatch("hostile", "count", input)).rejects.toMatchObject({ code: "KILN_INVALID_INPUT" });
  });

  it("a raw host call with a 3,000-deep payload is refused before it reaches the app's handler", async () => {
    const { host } = await setup();
    const payload = `${"[".repeat(3000)}${"]".repeat(3000)}`;
    const reply = await host.run("hostile", "raw-call", { op: "fixture.echo", payload });
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_VALUE_TOO_DEEP" } });
    await neighbourAnswers(host);
  });

  it("a 4 MB operation name is refused at once", async () => {
    const { host } = await setup();
    const reply = await host.run("hostile", "raw-call", { op: "a".repeat(4_000_000), payload: "null" });
    expect(reply).toMatchObject({ ok: false, error: { code: "KILN_OPERATION_NAME_TOO_LONG" } });
  });
});

describe("stops reach running code within its instance", () => {
  it.each(["spin", "spin-catching", "spin-after-await"])(
    "cancel stops %s, and the instance stays in service",
    async (job) => {
      const { host } = await setup({ killAfterMs: 60_000 });
      const before = await host.run("hostile", "count");
      const id = await host.jobs.dispatch("hostile", job);
      await host.jobs.wait(id, ["running"]);
      await new Promise((r) => setTimeout(r, 50));
      await host.jobs.cancel(id);
      const done = await host.jobs.wait(id);
      expect(done.state).toBe("cancelled");
      // Module state survived: the same instance answered (a killed worker would restart at 1).
      expect(await host.run("hostile", "count")).toBe((before as number) + 1);
      await neighbourAnswers(host);
    },
  );

  it("a job that catches the cancellation and returns still ends cancelled", async () => {
    const { host } = await setup();
    const id = await host.jobs.dispatch("hostile", "catch-cancel");
    await host.jobs.wait(id, ["running"]);
    await new Promise((r) => setTimeout(r, 50));
    await host.jobs.cancel(id);
    const done = await host.jobs.wait(id);
    expect(done.state).toBe("cancelled");
    expect(done.error?.code).toBe("KILN_CANCELLED");
  });

  it("jobTimeoutMs fails a runaway job with KILN_JOB_TIMEOUT", async () => {
    const { host } = await setup({ limits: { jobTimeoutMs: 200 }, killAfterMs: 60_000 });
    const id = await host.jobs.dispatch("hostile", "spin");
    const done = await host.jobs.wait(id);
    expect(done).toMatchObject({ state: "failed", error: { code: "KILN_JOB_TIMEOUT" } });
    await neighbourAnswers(host);
  });

  it("host.run takes a timeout and a signal", async () => {
    const { host } = await setup();
    await expect(host.run("hostile", "spin", null, { timeoutMs: 100 })).rejects.toMatchObject({
      code: "KILN_JOB_TIMEOUT",
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(host.run("hostile", "spin", null, { signal: controller.signal })).rejects.toMatchObject({
      code: "KILN_CANCELLED",
    });
  });

  it("the instruction budget stops a job at the same point on every run", async () => {
    const { host } = await setup({ limits: { instructions: 1_000_000 } });
    await expect(host.run("hostile", "steps", { n: 10_000 })).resolves.toBe(49_995_000);
    await expect(host.run("hostile", "steps", { n: 100_000_000 })).rejects.toMatchObject({
      code: "KILN_INSTRUCTION_LIMIT",
    });
  });
});

describe("memory", () => {
  it("an allocation bomb is a catchable out of memory inside the job, and the host recycles the instance", async () => {
    const { host } = await setup({ limits: { memoryMiB: 48 } });
    const message = await host.run("hostile", "bomb");
    expect(message).toMatch(/out of memory/);
    await expect(host.run("hostile", "bomb-uncaught")).rejects.toMatchObject({ code: "KILN_OUT_OF_MEMORY" });
    expect(await host.run("hostile", "count")).toBeGreaterThanOrEqual(1);
    await neighbourAnswers(host);
  });
});

describe("checkpoints and logs", () => {
  it("refuses checkpoints that are too large or too frequent, keeping the last good one", async () => {
    const { host } = await setup({ limits: { checkpointBytes: 1024, checkpointsPerSecond: 10 } });
    const big = await host.jobs.wait(await host.jobs.dispatch("hostile", "checkpoints", { n: 5, pad: 4096 }));
    expect(big.result).toBe("KILN_CHECKPOINT_TOO_LARGE");
    const flood = await host.jobs.wait(await host.jobs.dispatch("hostile", "checkpoints", { n: 3000 }));
    expect(flood.result).toBe("KILN_CHECKPOINT_RATE_LIMITED");
    expect(flood.checkpointSeq).toBeGreaterThanOrEqual(10);
    expect(flood.checkpointSeq).toBeLessThan(100);
  });

  it("drops log lines past logBytes, with one warning", async () => {
    const { host, logs } = await setup({ limits: { logBytes: 100_000 } });
    expect(await host.run("hostile", "log-flood", { n: 1000 })).toBe(1000);
    const lines = logs.filter((l) => l.extensionId === "hostile" && l.source === "stdout");
    expect(lines.length).toBeLessThanOrEqual(100);
    expect(logs.filter((l) => l.message.includes("KILN_LOG_LIMIT"))).toHaveLength(1);
  });
});

describe("start-up, cleanup and loading", () => {
  const cases: [string, string, string][] = [
    ["a loop in top-level code", `for (;;) {}\n${HOOKS}`, "KILN_START_TIMEOUT"],
    [
      "a loop in init",
      "export function kilnInit() { for (;;) {} } export function kilnCleanup() {}",
      "KILN_START_TIMEOUT",
    ],
  ];
  it.each(cases)("%s fails the load within startTimeoutMs", async (_, source, code) => {
    const host = new ExtensionHost({ logger: () => {}, limits: { startTimeoutMs: 300 } });
    hosts.push(host);
    const dir = await makeExtension({ id: "slow-start", source });
    dirs.push(dir);
    const error = await host.load(dir).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(code);
    expect(host.list()).toEqual([]);
  });

  it("a loop in cleanup does not hold unload", async () => {
    const logs: LogEntry[] = [];
    const host = new ExtensionHost({ logger: (e) => logs.push(e), limits: { cleanupTimeoutMs: 200 } });
    hosts.push(host);
    const dir = await makeExtension({
      id: "slow-cleanup",
      source: "export function kilnInit() {} export function kilnCleanup() { for (;;) {} }",
    });
    dirs.push(dir);
    await host.load(dir);
    await host.unload("slow-cleanup");
    expect(logs.some((l) => l.message.includes("KILN_CLEANUP_TIMEOUT"))).toBe(true);
  });

  it("two concurrent loads of one folder: exactly one succeeds", async () => {
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    const dir = await makeExtension({ id: "racer", source: NEIGHBOUR, jobs: ["ping"] });
    dirs.push(dir);
    const results = await Promise.allSettled([host.load(dir), host.load(dir)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(codeOf(rejected.reason)).toBe("KILN_ALREADY_LOADED");
    expect(host.list().map((e) => e.id)).toEqual(["racer"]);
  });
});

describe("traps", () => {
  it("a trapped instance is never reused: the next job gets a fresh one", async () => {
    const { default: binaryen } = await import("binaryen");
    const js = `${protocolHelpers} let runs = 0; export function jobCount() { runs++; complete(runs); }`;
    const bytecode = await compileSource(js);
    const hex = (b: Uint8Array) => `"${[...b].map((x) => `\\${x.toString(16).padStart(2, "0")}`).join("")}"`;
    const name = new TextEncoder().encode("jobCount");
    // A dynamic module by hand: `job-count` runs the JS job (bumping module state); `job-trap`
    // runs it too, then traps, leaving the instance in a state nobody may trust.
    const call = `(local.set $bc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${bytecode.length})))
      (memory.init $bc (local.get $bc) (i32.const 0) (i32.const ${bytecode.length}))`;
    const job = `${call}
      (local.set $fn (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${name.length})))
      (memory.init $name (local.get $fn) (i32.const 0) (i32.const ${name.length}))
      (call $invoke (local.get $bc) (i32.const ${bytecode.length}) (i32.const 1) (local.get $fn) (i32.const ${name.length}))`;
    const wat = `(module
      (import "${PLUGIN_NAMESPACE}" "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      (import "${PLUGIN_NAMESPACE}" "invoke" (func $invoke (param i32 i32 i32 i32 i32)))
      (import "${PLUGIN_NAMESPACE}" "memory" (memory 0))
      (data $bc ${hex(bytecode)})
      (data $name ${hex(name)})
      (func (export "_start") (local $bc i32) ${call}
        (call $invoke (local.get $bc) (i32.const ${bytecode.length}) (i32.const 0) (i32.const 0) (i32.const 0)))
      (func (export "job-count") (local $bc i32) (local $fn i32) ${job})
      (func (export "job-trap") (local $bc i32) (local $fn i32) ${job} unreachable))`;
    const mod = binaryen.parseText(wat);
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory);
    const module = mod.emitBinary();
    mod.dispose();
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    const dir = await makeExtension({
      id: "trapper",
      module,
      jobs: ["count", "trap"],
      manifest: (m) => ({ ...m, hooks: {} }),
      source: "",
    });
    dirs.push(dir);
    await host.load(dir);
    expect(await host.run("trapper", "count")).toBe(1);
    expect(await host.run("trapper", "count")).toBe(2);
    for (let i = 0; i < 6; i++) {
      await expect(host.run("trapper", "trap")).rejects.toMatchObject({ code: "KILN_EXTENSION_FAILED" });
      // A fresh instance each time: its module state starts again.
      expect(await host.run("trapper", "count")).toBe(1);
    }
  });
});

describe("host calls", () => {
  it("a late wake-up is never taken for a reply: many calls between empty jobs all succeed", async () => {
    const { host } = await setup({ rateLimit: false, maxConcurrentJobs: 4 });
    // Calls made from a worker whose previous call was answered late used to read an empty slot
    // ("no reply to …") about once in twenty jobs; sequence numbers make every wait exact.
    for (let round = 0; round < 20; round++) {
      const ids = await Promise.all([
        host.jobs.dispatch("hostile", "calls", { n: 2000 }),
        host.jobs.dispatch("hostile", "count"),
        host.jobs.dispatch("hostile", "calls", { n: 500 }),
        host.jobs.dispatch("hostile", "count"),
      ]);
      const done = await Promise.all(ids.map((id) => host.jobs.wait(id)));
      expect(done.map((r) => r.state)).toEqual(["completed", "completed", "completed", "completed"]);
    }
  });
});

describe("fairness", () => {
  it("eight never-ending jobs of one extension leave slots for another", async () => {
    const { host } = await setup({ maxConcurrentJobs: 4 });
    const spinners = await Promise.all(Array.from({ length: 8 }, () => host.jobs.dispatch("hostile", "spin")));
    // Jobs created in the same millisecond start in id order: wait for whichever runs first.
    await Promise.race(spinners.map((s) => host.jobs.wait(s, ["running"])));
    await neighbourAnswers(host);
    const other = await makeExtension({ id: "other", source: NEIGHBOUR, jobs: ["ping"] });
    dirs.push(other);
    await host.load(other);
    const id = await host.jobs.dispatch("other", "ping");
    expect((await host.jobs.wait(id)).result).toEqual({ pong: true });
    await Promise.all(spinners.map((s) => host.jobs.cancel(s)));
  });
});
