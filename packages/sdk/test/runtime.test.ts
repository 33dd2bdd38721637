/**
 * The SDK runtime, running where it runs for real: bundled, compiled to QuickJS bytecode by the real
 * plugin, and invoked the way the host invokes it. The host side of the ABI is played by the test:
 * it answers `__kiln.call` and records what the runtime asked for.
 */
import { compileSource, PluginInstance } from "@kiln/javy-plugin";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import type { JobCounters } from "../src/index.js";

const entry = `
import { createRuntime } from "@kiln/sdk/runtime";
import { extension, job, HostCallError, JobInterrupted } from "@kiln/sdk";

@extension({ id: "sdk-test", name: "SDK test", version: "1.0.0" })
class Subject {
  calls = 0;
  init(ctx) { ctx.log("init", { n: 1 }); ctx.warn("careful"); }
  @job() async work(ctx, state) {
    this.calls++;
    let i = state.i ?? 0;
    while (i < ctx.input.to) {
      i++;
      ctx.counters.items += 2;
      ctx.progress(i, ctx.input.to, "step " + i);
      await ctx.checkpoint({ i });
    }
    return { i, attempt: ctx.attempt, jobId: ctx.jobId, calls: this.calls, items: ctx.counters.items };
  }
  @job() async denied(ctx) {
    try { await ctx.call("kv.get", { key: "x" }); }
    catch (e) { return { isHostCallError: e instanceof HostCallError, code: e.code, operation: e.operation, message: e.message }; }
  }
  @job() async poll(ctx) { return { interrupted: ctx.interrupted }; }
  @job() async boom() { throw new TypeError("bad input"); }
  @job() nothing() {}
}
const runtime = createRuntime(Subject, { id: "sdk-test" });
export const kilnInit = () => runtime.init();
export const jobWork = () => runtime.job("work", "work");
export const jobDenied = () => runtime.job("denied", "denied");
export const jobPoll = () => runtime.job("poll", "poll");
export const jobBoom = () => runtime.job("boom", "boom");
export const jobNothing = () => runtime.job("nothing", "nothing");
`;

type Call = [op: string, payload: unknown];

let bytecode: Uint8Array;
/** The bundled JS, whose lines `$log` payloads name. */
let bundled = "";
/** The 1-based line of the bundle on which `needle` first appears. */
const bundleLine = (needle: string) => bundled.slice(0, bundled.indexOf(needle)).split("\n").length;
beforeAll(async () => {
  const out = await build({
    stdin: { contents: entry, resolveDir: new URL(".", import.meta.url).pathname, loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    target: "es2020",
    conditions: ["@kiln/source"],
    logLevel: "silent",
  });
  bundled = out.outputFiles[0]?.text ?? "";
  bytecode = await compileSource(bundled);
});

/** A plugin instance whose host side answers like Kiln's host and records every call. */
async function instance(options: { interrupt?: string; deny?: boolean } = {}) {
  const calls: Call[] = [];
  const plugin = await PluginInstance.create({
    hostCall: (op, payload) => {
      calls.push([op, JSON.parse(payload)]);
      if (op === "$interrupted") return JSON.stringify({ ok: true, value: options.interrupt ?? "none" });
      if (op.startsWith("$")) return JSON.stringify({ ok: true, value: null });
      return JSON.stringify({ ok: false, error: { code: "KILN_PERMISSION_DENIED", message: `no ${op} for you` } });
    },
  });
  const run = (fn: string, envelope?: unknown) => {
    calls.length = 0;
    plugin.setStdin(new TextEncoder().encode(envelope === undefined ? "" : JSON.stringify(envelope)));
    plugin.invoke(bytecode, fn);
    return calls.slice();
  };
  return { plugin, run };
}

describe("SDK runtime inside QuickJS", () => {
  it("init logs through $log at the right levels, formatting values as Node's console does", async () => {
    const { run } = await instance();
    // Each with the bundle line of the extension's own call (not the runtime's): the host maps it.
    expect(run("kilnInit")).toEqual([
      ["$log", { level: "info", message: "init { n: 1 }", line: bundleLine('ctx.log("init"') }],
      ["$log", { level: "warn", message: "careful", line: bundleLine('ctx.warn("careful")') }],
    ]);
  });

  it("a job reports progress, checkpoints in order, and completes with its result", async () => {
    const { run } = await instance();
    const calls = run("jobWork", { input: { to: 2 }, state: {}, jobId: "job_1", attempt: 1 });
    const counters: JobCounters = { items: 2, bytes: 0 };
    expect(calls).toEqual([
      ["$progress", { done: 1, total: 2, message: "step 1", counters }],
      ["$checkpoint", { state: { i: 1 }, progress: { done: 1, total: 2, message: "step 1" }, counters }],
      ["$interrupted", null],
      ["$progress", { done: 2, total: 2, message: "step 2", counters: { items: 4, bytes: 0 } }],
      [
        "$checkpoint",
        { state: { i: 2 }, progress: { done: 2, total: 2, message: "step 2" }, counters: { items: 4, bytes: 0 } },
      ],
      ["$interrupted", null],
      ["$complete", { value: { i: 2, attempt: 1, jobId: "job_1", calls: 1, items: 4 } }],
    ]);
  });

  it("resumes from the state and counters it is given; the instance (and its fields) persist", async () => {
    const { run } = await instance();
    run("jobWork", { input: { to: 1 }, state: {} });
    const calls = run("jobWork", { input: { to: 3 }, state: { i: 2 }, attempt: 2, counters: { items: 10, bytes: 5 } });
    expect(calls.at(-1)).toEqual(["$complete", { value: { i: 3, attempt: 2, jobId: "", calls: 2, items: 12 } }]);
  });

  const interrupts: [string, string][] = [
    ["pause", "pause"],
    ["cancel", "cancel"],
  ];
  it.each(interrupts)("stops at the checkpoint when asked to %s, reporting an interruption", async (_, kind) => {
    const { run } = await instance({ interrupt: kind });
    const calls = run("jobWork", { input: { to: 5 }, state: {} });
    expect(calls.filter(([op]) => op === "$checkpoint")).toHaveLength(1);
    expect(calls.at(-1)).toEqual(["$complete", { interrupted: true }]);
  });

  it("ctx.interrupted reads the host's answer", async () => {
    expect((await instance({ interrupt: "pause" })).run("jobPoll", {}).at(-1)).toEqual([
      "$complete",
      { value: { interrupted: true } },
    ]);
    expect((await instance()).run("jobPoll", {}).at(-1)).toEqual(["$complete", { value: { interrupted: false } }]);
  });

  it("a refused host call throws HostCallError with the code, operation and message", async () => {
    const { run } = await instance();
    expect(run("jobDenied", {}).at(-1)).toEqual([
      "$complete",
      {
        value: {
          isHostCallError: true,
          code: "KILN_PERMISSION_DENIED",
          operation: "kv.get",
          message: "KILN_PERMISSION_DENIED: no kv.get for you",
        },
      },
    ]);
  });

  it("a job that throws reports no result; the error reaches the host with its stack", async () => {
    const { plugin, run } = await instance();
    expect(() => run("jobBoom", {})).toThrow(/TypeError in export `jobBoom`: bad input/);
    expect(plugin.lastError()).toMatchObject({
      name: "TypeError",
      message: "bad input",
      stack: expect.stringContaining("boom"),
    });
  });

  it("undefined results become null", async () => {
    const { run } = await instance();
    expect(run("jobNothing", {})).toEqual([["$complete", { value: null }]]);
  });
});
