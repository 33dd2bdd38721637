import { rm } from "node:fs/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ExtensionHost, type JobEvents, type JobRecord } from "../src/index.js";
import { makeExtension } from "./fixtures.js";

const dirs: string[] = [];
const hosts: ExtensionHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function host(options: {
  maxConcurrentJobs?: number;
  /** The application's per-extension cap (default: half the host's slots). */
  perExtension?: number;
  extensions: { id: string; concurrentJobs?: number }[];
}) {
  const h = new ExtensionHost({
    logger: () => {},
    ...(options.maxConcurrentJobs ? { maxConcurrentJobs: options.maxConcurrentJobs } : {}),
    ...(options.perExtension ? { limits: { concurrentJobs: options.perExtension } } : {}),
  });
  hosts.push(h);
  for (const ext of options.extensions) {
    const dir = await makeExtension({
      id: ext.id,
      manifest: (m) => (ext.concurrentJobs ? { ...m, limits: { concurrentJobs: ext.concurrentJobs } } : m),
    });
    dirs.push(dir);
    await h.load(dir);
  }
  return h;
}

/** The most jobs that were `running` at once, per extension and in all, from state events. */
function trackRunning(h: ExtensionHost) {
  const running = new Map<string, string>();
  const peak = { all: 0, byExtension: new Map<string, number>() };
  h.jobs.on("state", (r: JobRecord) => {
    if (r.state === "running") running.set(r.id, r.extensionId);
    else running.delete(r.id);
    peak.all = Math.max(peak.all, running.size);
    const count = [...running.values()].filter((e) => e === r.extensionId).length;
    peak.byExtension.set(r.extensionId, Math.max(peak.byExtension.get(r.extensionId) ?? 0, count));
  });
  return peak;
}

describe("job concurrency", () => {
  const limits: [string, number, number | undefined, number, number, number][] = [
    // name, host limit, application's per-extension cap, extension limit, jobs, expected peak
    ["the host limit", 2, 8, 8, 6, 2],
    ["the extension's limit", 8, undefined, 3, 6, 3],
    ["one at a time by default", 8, undefined, 0, 3, 1],
    ["the fair share: half the host's slots by default", 6, undefined, 8, 8, 3],
    ["the application's per-extension cap", 8, 2, 8, 6, 2],
  ];
  it.each(limits)("respects %s", async (_, hostLimit, perExtension, extLimit, count, expected) => {
    const h = await host({
      maxConcurrentJobs: hostLimit,
      ...(perExtension ? { perExtension } : {}),
      extensions: [{ id: "limited", ...(extLimit ? { concurrentJobs: extLimit } : {}) }],
    });
    const peak = trackRunning(h);
    const ids = await Promise.all(
      Array.from({ length: count }, () => h.jobs.dispatch("limited", "spin", { steps: 3, ms: 30 })),
    );
    const done = await Promise.all(ids.map((id) => h.jobs.wait(id)));
    expect(done.map((r) => r.state)).toEqual(ids.map(() => "completed"));
    expect(peak.all).toBe(expected);
  });

  it("runs two extensions' jobs in parallel, interleaved, without blocking the event loop", async () => {
    const h = await host({ extensions: [{ id: "alpha" }, { id: "beta" }] });
    const order: string[] = [];
    h.jobs.on("progress", (e: JobEvents["progress"]) => order.push(e.extensionId));
    const a = await h.jobs.dispatch("alpha", "spin", { steps: 8, ms: 50 });
    const b = await h.jobs.dispatch("beta", "spin", { steps: 8, ms: 50 });
    // Both spin in their workers; this timer firing proves the application's event loop is free.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await new Promise((r) => setTimeout(r, 150));
    const midway = [await h.jobs.get(a), await h.jobs.get(b)].map((r) => r?.state);
    const reportedMidway = order.length;
    clearInterval(timer);
    expect(midway).toEqual(["running", "running"]);
    expect(ticks).toBeGreaterThan(0);
    // Reports reach listeners while the code still runs (a worker posts what it queued within 1 ms).
    expect(reportedMidway).toBeGreaterThan(0);
    const results = await Promise.all([h.jobs.wait(a), h.jobs.wait(b)]);
    expect(results.map((r) => r.result)).toEqual(["alpha done", "beta done"]);
    // Interleaved: beta reported progress before alpha finished.
    expect(order.indexOf("beta")).toBeLessThan(order.lastIndexOf("alpha"));
    expect(order.filter((e) => e === "alpha")).toHaveLength(8);
  });

  it("tells listeners every progress report, and stores the last one", async () => {
    const h = await host({ extensions: [{ id: "chatty" }] });
    const seen: number[] = [];
    h.jobs.on("progress", (e: JobEvents["progress"]) => seen.push(e.progress.done));
    const id = await h.jobs.dispatch("chatty", "chatter", { n: 3000 });
    const done = await h.jobs.wait(id);
    expect(done).toMatchObject({
      state: "completed",
      result: 3000,
      progress: { done: 3000, total: 3000, message: "report 3000" },
      counters: { items: 3000, bytes: 0 },
    });
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });

  it("keeps a job queued while its extension is not loaded, and starts it once loaded", async () => {
    const h = await host({ extensions: [{ id: "later" }] });
    const id = await h.jobs.dispatch("later", "echo", "hi");
    await expect(h.jobs.wait(id)).resolves.toMatchObject({ state: "completed", result: "hi" });
    await expect(h.jobs.dispatch("nobody", "echo")).rejects.toMatchObject({ code: "KILN_NOT_LOADED" });
    await expect(h.jobs.dispatch("later", "nope")).rejects.toMatchObject({ code: "KILN_JOB_NOT_FOUND" });
  });

  it("offers applications no way to feed the scheduler: progress, checkpoints and logs come only from jobs", () => {
    const h = new ExtensionHost({ logger: () => {} });
    hosts.push(h);
    for (const plumbing of ["schedule", "progress", "checkpoint", "log", "runningCount"]) {
      expect(plumbing in h.jobs, plumbing).toBe(false);
    }
    expect(typeof h.jobs.dispatch).toBe("function");
  });

  it("names what is loaded, and the closest match, when an extension or job name is wrong", async () => {
    const h = await host({ extensions: [{ id: "alpha" }, { id: "beta" }] });
    await expect(h.jobs.dispatch("alpah", "echo", 1)).rejects.toMatchObject({
      code: "KILN_NOT_LOADED",
      message: 'no extension "alpah" is loaded (did you mean "alpha"?) (loaded: alpha, beta)',
    });
    await expect(h.run("alpha", "ecoh", 1)).rejects.toMatchObject({
      code: "KILN_JOB_NOT_FOUND",
      message: expect.stringContaining('has no job "ecoh" (did you mean "echo"?)'),
    });
  });

  it("refuses pause/resume/cancel in states that do not allow them, with typed errors", async () => {
    const h = await host({ extensions: [{ id: "states" }] });
    const id = await h.jobs.dispatch("states", "echo", 1);
    await h.jobs.wait(id);
    await expect(h.jobs.resume(id)).rejects.toMatchObject({ code: "KILN_JOB_STATE" });
    await expect(h.jobs.pause(id)).rejects.toMatchObject({ code: "KILN_JOB_STATE" });
    await expect(h.jobs.cancel("job_nope")).rejects.toMatchObject({ code: "KILN_JOB_NOT_FOUND" });
  });
});
