import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExtension } from "@kiln/codegen";
import { ExtensionHost, type JobRecord, type LogEntry } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const projectDir = new URL("..", import.meta.url).pathname;
let work: string;
let dist: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-jobs-"));
  dist = join(work, "dist");
  await buildExtension({ projectDir, outDir: dist });
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A host with a file store and the app operation `test.sleep` the extension asks for. */
async function openHost(options: { store?: string; maxConcurrentJobs?: number; stopGraceMs?: number } = {}) {
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({
    store: options.store ?? join(work, `store-${Math.random().toString(36).slice(2)}.db`),
    logger: (e) => logs.push(e),
    ...(options.maxConcurrentJobs ? { maxConcurrentJobs: options.maxConcurrentJobs } : {}),
    stopGraceMs: options.stopGraceMs ?? 2000,
  });
  host.operations.register({
    name: "test.sleep",
    permission: "test.sleep",
    input: { type: "object", properties: { ms: { type: "number" } }, required: ["ms"], additionalProperties: false },
    handler: ({ ms }: { ms: number }, ctx) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(null), ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new Error("aborted"));
        });
      }),
  });
  await host.load(dist, { permissions: ["test.sleep"] });
  return { host, logs };
}

describe("durable jobs", () => {
  it("dispatch returns an id at once; the job completes with progress and checkpoints persisted", async () => {
    const { host } = await openHost();
    const progress: number[] = [];
    const states: string[] = [];
    host.jobs.on("progress", (e) => progress.push(e.progress.done));
    const id = await host.jobs.dispatch("test-extension", "steps", { steps: 5 });
    host.jobs.on("state", (r) => r.id === id && states.push(r.state));
    expect(id).toMatch(/^job_/);
    const done = await host.jobs.wait(id);
    expect(done).toMatchObject({
      state: "completed",
      result: { steps: 5, sum: 15, resumedAt: [], attempt: 1, items: 5 },
      checkpoint: { i: 5, sum: 15, resumedAt: [] },
      checkpointSeq: 5,
      progress: { done: 5, total: 5, message: "step 5" },
      counters: { items: 5, bytes: 0 },
      attempts: 1,
    });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(states).toContain("completed");
    await host.close();
  });

  it("pause stops a running job at its next checkpoint; resume continues from it", async () => {
    const { host } = await openHost();
    const id = await host.jobs.dispatch("test-extension", "steps", { steps: 40, stepMs: 20 });
    await waitFor(host, id, (r) => r.checkpointSeq >= 3);
    await host.jobs.pause(id);
    const paused = await host.jobs.wait(id, ["paused"]);
    const at = (paused.checkpoint as { i: number }).i;
    expect(at).toBeGreaterThanOrEqual(3);
    expect(at).toBeLessThan(40);
    await host.jobs.resume(id);
    const done = await host.jobs.wait(id);
    expect(done.result).toMatchObject({ steps: 40, sum: 820, resumedAt: [at], attempt: 2, items: 40 });
    await host.close();
  });

  it("cancel ends a running job cancelled, and a queued one at once", async () => {
    const { host } = await openHost({ maxConcurrentJobs: 1 });
    const running = await host.jobs.dispatch("test-extension", "steps", { steps: 1000, stepMs: 10 });
    const queued = await host.jobs.dispatch("test-extension", "steps", { steps: 1 });
    await waitFor(host, running, (r) => r.checkpointSeq >= 1);
    expect((await host.jobs.get(queued))?.state).toBe("queued");
    await expect(host.jobs.cancel(queued)).resolves.toMatchObject({ state: "cancelled" });
    await host.jobs.cancel(running);
    await expect(host.jobs.wait(running)).resolves.toMatchObject({
      state: "cancelled",
      error: { code: "KILN_CANCELLED" },
    });
    await host.close();
  });

  it("cancel interrupts a job blocked in a slow async host operation", async () => {
    const { host } = await openHost();
    const id = await host.jobs.dispatch("test-extension", "wait-op", { ms: 60_000 });
    await waitFor(host, id, (r) => r.state === "running");
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await host.jobs.cancel(id);
    await expect(host.jobs.wait(id)).resolves.toMatchObject({ state: "cancelled" });
    expect(Date.now() - started).toBeLessThan(60_000);
    await host.close();
  });

  it("a runaway job that never checks is killed after the grace period, and the extension keeps serving", async () => {
    const { host } = await openHost({ stopGraceMs: 300 });
    const id = await host.jobs.dispatch("test-extension", "spin");
    await waitFor(host, id, (r) => r.state === "running");
    await host.jobs.cancel(id);
    await expect(host.jobs.wait(id)).resolves.toMatchObject({ state: "cancelled" });
    const next = await host.jobs.dispatch("test-extension", "counter", { to: 2 });
    await expect(host.jobs.wait(next)).resolves.toMatchObject({ state: "completed", result: { count: 2 } });
    await host.close();
  });

  it("a failing job ends failed with the JS error", async () => {
    const { host } = await openHost();
    const id = await host.jobs.dispatch("test-extension", "counter", { to: -1 });
    await expect(host.jobs.wait(id)).resolves.toMatchObject({
      state: "failed",
      error: { code: "KILN_EXTENSION_FAILED", message: expect.stringContaining("RangeError: input.to must be") },
    });
    await host.close();
  });
});

async function waitFor(host: ExtensionHost, id: string, predicate: (r: JobRecord) => boolean): Promise<JobRecord> {
  for (let i = 0; i < 1000; i++) {
    const record = await host.jobs.get(id);
    if (record && predicate(record)) return record;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${id} never reached the expected state`);
}
