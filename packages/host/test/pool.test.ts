/**
 * The pool of worker threads: many instances per worker, host calls through the shared call block,
 * and the last resort (terminating a worker) reaching nobody but the instance that needed it.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { ExtensionHost, type ExtensionHostOptions } from "../src/index.js";
import { SURPLUS_IDLE_MS } from "../src/worker/pool.js";
import { CALL_BLOCK_BYTES } from "../src/worker/protocol.js";
import { makeExtension } from "./fixtures.js";

const SOURCE = `
let runs = 0;
export function kilnInit() {}
export function kilnCleanup() {}
export function jobCount() { complete(++runs); }
export function jobEcho() { complete(call("fixture.echo", readInput().input)); }
export function jobMany() {
  const { n } = readInput().input;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += call("fixture.echo", i);
  complete(sum);
}
export function jobGate() { complete(call("fixture.gate", null)); }
export function jobSpin() { for (;;) {} }
// Exponential backtracking inside the regular-expression engine: native code that never returns
// to the interpreter's interrupt check, so only terminating the worker ends it.
export function jobNative() { complete(/^(a+)+$/.test("a".repeat(40) + "b")); }
`;
const JOBS = ["count", "echo", "many", "gate", "native", "spin"];

const hosts: ExtensionHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

async function setup(options: ExtensionHostOptions, ids: string[]) {
  const host = new ExtensionHost({ logger: () => {}, ...options });
  hosts.push(host);
  const gate: { waiting: number; open?: () => void } = { waiting: 0 };
  host.operations.register({ name: "fixture.echo", permission: "fixture.echo", handler: async (x: unknown) => x });
  host.operations.register({
    name: "fixture.gate",
    permission: "fixture.echo",
    handler: () => {
      gate.waiting++;
      return new Promise((resolve) => {
        const previous = gate.open;
        gate.open = () => {
          previous?.();
          resolve(gate.waiting);
        };
      });
    },
  });
  for (const id of ids) {
    const dir = await makeExtension({
      id,
      source: SOURCE,
      jobs: JOBS,
      manifest: (m) => ({ ...m, permissions: ["fixture.echo"] }),
    });
    await host.load(dir, { permissions: "*" });
  }
  return { host, gate };
}

describe("the worker pool", () => {
  it("holds many extensions in a few workers, each with its own globals", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `ext-${i}`);
    const { host } = await setup({ workers: 2 }, ids);
    expect(host.stats()).toEqual({ workers: 2, instances: 30 });
    for (const id of ids.slice(0, 5)) await host.run(id, "count");
    expect(await host.run("ext-0", "count")).toBe(2);
    expect(await host.run("ext-29", "count")).toBe(1);
  });

  it("warms the plugin up in a worker, which leaves none behind", async () => {
    const host = new ExtensionHost({ logger: () => {} });
    hosts.push(host);
    await host.warmUp();
    expect(host.stats()).toEqual({ workers: 0, instances: 0 });
  });

  it("a worker left with no instances exits", async () => {
    const { host } = await setup({ workers: 2 }, ["a", "b"]);
    expect(host.stats().workers).toBe(2);
    await host.unload("a");
    await host.unload("b");
    expect(host.stats()).toEqual({ workers: 0, instances: 0 });
  });

  it("a worker that is gone leaves nothing behind: its call block is freed", async () => {
    // The host waits for a worker's host calls with Atomics.waitAsync on the worker's call block;
    // a wait nobody ends holds the block until the process exits.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const arrayBytes = async () => {
      await new Promise((r) => setTimeout(r, 10));
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    const { host } = await setup({ workers: 1 }, []);
    const dir = await makeExtension({ id: "cycle", source: SOURCE, jobs: JOBS });
    const cycle = async () => {
      await host.load(dir);
      await host.run("cycle", "count");
      await host.unload("cycle");
      expect(host.stats().workers).toBe(0);
    };
    await cycle();
    const before = await arrayBytes();
    const cycles = 16;
    for (let i = 0; i < cycles; i++) await cycle();
    expect(await arrayBytes()).toBeLessThan(before + (cycles / 4) * CALL_BLOCK_BYTES);
  });

  it("grows past its size while every worker waits on a host call, so blocked jobs do not block the rest", async () => {
    const { host, gate } = await setup({ workers: 1, maxConcurrentJobs: 4 }, ["a", "b", "c"]);
    const runs = ["a", "b", "c"].map((id) => host.run(id, "gate"));
    while (gate.waiting < 3) await new Promise((r) => setTimeout(r, 5));
    expect(host.stats().workers).toBeGreaterThanOrEqual(3);
    gate.open?.();
    expect(await Promise.all(runs)).toEqual([3, 3, 3]);
    // Once idle, the pool shrinks back to its size; the instances it dropped come back on demand.
    const until = Date.now() + 4 * SURPLUS_IDLE_MS;
    while (host.stats().workers > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(host.stats().workers).toBe(1);
    expect(await Promise.all(["a", "b", "c"].map((id) => host.run(id, "count")))).toHaveLength(3);
  });

  it.each([
    ["small", "x".repeat(100)],
    ["larger than the call block", "é".repeat(100_000)],
  ])("carries %s payloads and replies intact", async (_, text) => {
    const { host } = await setup({ workers: 1 }, ["a"]);
    expect(await host.run("a", "echo", { text })).toEqual({ text });
  });

  it("answers thousands of host calls in one job, between jobs of other instances in the same worker", async () => {
    const { host } = await setup({ workers: 1, maxWorkers: 1 }, ["a", "b"]);
    for (let round = 0; round < 5; round++) {
      const [many, count] = await Promise.all([host.run("a", "many", { n: 2000 }), host.run("b", "count")]);
      expect(many).toBe((2000 * 1999) / 2);
      expect(count).toBe(round + 1);
    }
  });

  it("a worker kept busy by back-to-back runs (it polls for them between runs) still loads a neighbour", async () => {
    const { host } = await setup({ workers: 1, maxWorkers: 1 }, ["a"]);
    let loaded = false;
    let runs = 0;
    const loop = (async () => {
      while (!loaded) {
        await host.run("a", "count");
        runs++;
      }
    })();
    const dir = await makeExtension({ id: "b", source: SOURCE, jobs: JOBS });
    await host.load(dir, { permissions: "*" });
    loaded = true;
    await loop;
    expect(runs).toBeGreaterThan(0);
    expect(await host.run("b", "count")).toBe(1);
    expect(host.stats().workers).toBe(1);
  });

  it("unloading an extension whose code runs stops it at an interrupt check: its worker, and the neighbour in it, stay", async () => {
    const { host } = await setup({ workers: 1, maxWorkers: 1, killAfterMs: 60_000 }, ["spinner", "neighbour"]);
    expect(await host.run("neighbour", "count")).toBe(1);
    const spinning = host.run("spinner", "spin");
    await new Promise((r) => setTimeout(r, 50));
    await host.unload("spinner");
    await expect(spinning).rejects.toThrow();
    // The same instance answers (a terminated worker would have started it over at 1).
    expect(await host.run("neighbour", "count")).toBe(2);
  });

  it("terminating a worker for native code that never stops takes only that job: a neighbour's call queued behind it runs on a fresh instance", async () => {
    const { host } = await setup({ workers: 1, maxWorkers: 1, killAfterMs: 50 }, ["runaway", "neighbour"]);
    expect(host.stats().workers).toBe(1);
    expect(await host.run("neighbour", "count")).toBe(1);
    const runaway = host.run("runaway", "native", null, { timeoutMs: 50 });
    // Queued behind the runaway in the only worker.
    const neighbour = host.run("neighbour", "count");
    await expect(runaway).rejects.toMatchObject({ code: "KILN_JOB_TIMEOUT" });
    // A fresh instance (module state starts over), not a failure.
    expect(await neighbour).toBe(1);
    expect(await host.run("runaway", "count")).toBe(1);
    expect(host.stats().workers).toBe(1);
  });
});
