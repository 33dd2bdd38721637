import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExtensionHost, JobRecord } from "@kiln/host";
import { type TestExtension, type TestExtensionOptions, testExtension } from "@kiln/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appOperations } from "./fixtures.js";

const projectDir = new URL("..", import.meta.url);
let work: string;
const opened: TestExtension[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-jobs-"));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((ext) => ext.close()));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** The extension on a file store, granted the app operation `test.sleep` it asks for, faked. */
async function open(options: TestExtensionOptions = {}): Promise<TestExtension> {
  const ext = await testExtension(projectDir, {
    store: join(work, `store-${Math.random().toString(36).slice(2)}.db`),
    grants: ["test.sleep"],
    stopGraceMs: 2000,
    operations: { "test.sleep": appOperations["test.sleep"] },
    ...options,
  });
  opened.push(ext);
  return ext;
}

describe("durable jobs", () => {
  it("the job completes with progress and checkpoints persisted", async () => {
    const ext = await open();
    const run = await ext.run("steps", { steps: 5 });
    expect(run.job.id).toMatch(/^job_/);
    expect(run.job).toMatchObject({
      state: "completed",
      result: { steps: 5, sum: 15, resumedAt: [], attempt: 1, items: 5 },
      checkpoint: { i: 5, sum: 15, resumedAt: [] },
      checkpointSeq: 5,
      progress: { done: 5, total: 5, message: "step 5" },
      counters: { items: 5, bytes: 0 },
      attempts: 1,
    });
    expect(run.progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    expect(await ext.host.jobs.get(run.job.id)).toMatchObject({ state: "completed", checkpointSeq: 5 });
  });

  it("dispatch returns an id at once, before the job has run", async () => {
    const ext = await open();
    const states: string[] = [];
    const id = await ext.host.jobs.dispatch("test-extension", "steps", { steps: 5 });
    ext.host.jobs.on("state", (r) => r.id === id && states.push(r.state));
    expect(id).toMatch(/^job_/);
    await ext.host.jobs.wait(id);
    expect(states).toContain("completed");
  });

  it("pause stops a running job at its next checkpoint; resume continues from it", async () => {
    const ext = await open();
    const run = await ext.pauseAndResume("steps", { steps: 40, stepMs: 20 }, { afterCheckpoints: 3 });
    const at = (run.resumedFrom as { i: number }).i;
    expect(at).toBeGreaterThanOrEqual(3);
    expect(at).toBeLessThan(40);
    expect(run.result).toMatchObject({ steps: 40, sum: 820, resumedAt: [at], attempt: 2, items: 40 });
  });

  it("cancel ends a running job cancelled, and a queued one at once", async () => {
    const { host } = await open({ maxConcurrentJobs: 1 });
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
  });

  it("cancel interrupts a job blocked in a slow async host operation", async () => {
    const ext = await open();
    // Cancelled once the 60 s sleep has started; a cancel that did not interrupt it would fail the
    // run with KILN_TEST_TIMEOUT (30 s) long before the sleep ends.
    const run = await ext.cancel("wait-op", { ms: 60_000 }, { afterCalls: 1 });
    expect(run.state).toBe("cancelled");
    expect(run.calls).toEqual([{ name: "test.sleep", input: { ms: 60_000 }, error: expect.anything() }]);
  });

  it("a runaway job that never checks is killed after the grace period, and the extension keeps serving", async () => {
    const ext = await open({ stopGraceMs: 300 });
    await expect(ext.cancel("spin")).resolves.toMatchObject({ state: "cancelled" });
    await expect(ext.run("counter", { to: 2 })).resolves.toMatchObject({ state: "completed", result: { count: 2 } });
  });

  it("a failing job ends failed with the JS error", async () => {
    const ext = await open();
    await expect(ext.run("counter", { to: -1 })).resolves.toMatchObject({
      state: "failed",
      error: { code: "KILN_EXTENSION_FAILED", message: expect.stringContaining("RangeError: input.to must be") },
    });
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
