/**
 * The scheduler's queue in memory, against the store's truth: the order jobs start in, queued jobs
 * that are cancelled or paused, jobs queued in the store by someone else, an extension unloaded with
 * jobs queued, and no completion reported before it is committed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExtensionHost, type ExtensionHostOptions, type JobRecord, SqliteJobStore } from "../src/index.js";
import { makeExtension } from "./fixtures.js";

let tmp: string;
const fixtures: Record<string, string> = {};
const hosts: ExtensionHost[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-scheduling-"));
  for (const id of ["alpha", "beta"]) fixtures[id] = await makeExtension({ id });
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await Promise.all(Object.values(fixtures).map((d) => rm(d, { recursive: true, force: true })));
});

let files = 0;
function host(options: ExtensionHostOptions = {}): ExtensionHost {
  const h = new ExtensionHost({ logger: () => {}, ...options });
  hosts.push(h);
  return h;
}

/** Ids in the order their jobs entered `running`. */
function startOrder(h: ExtensionHost): string[] {
  const order: string[] = [];
  h.jobs.on("state", (r: JobRecord) => {
    if (r.state === "running") order.push(r.id);
  });
  return order;
}

describe("the scheduler", () => {
  it("starts jobs oldest first within an extension and round robin between extensions", async () => {
    const h = host({ maxConcurrentJobs: 1 });
    await h.load(fixtures.alpha as string);
    await h.load(fixtures.beta as string);
    const order = startOrder(h);
    // Holds the only slot while the others queue up.
    // Jobs created in the same millisecond are ordered by id, as the store lists them: apart here.
    const dispatch = async (ext: string, job: string, input: unknown) => {
      await new Promise((r) => setTimeout(r, 2));
      return h.jobs.dispatch(ext, job, input);
    };
    const blocker = await dispatch("alpha", "spin", { steps: 2, ms: 30 });
    const a1 = await dispatch("alpha", "echo", "a1");
    const a2 = await dispatch("alpha", "echo", "a2");
    const b1 = await dispatch("beta", "echo", "b1");
    const b2 = await dispatch("beta", "echo", "b2");
    const all = [blocker, a1, a2, b1, b2];
    await Promise.all(all.map((id) => h.jobs.wait(id)));
    // alpha was served last (the blocker): beta's turn comes first.
    expect(order).toEqual([blocker, b1, a1, b2, a2]);
  });

  it("never starts a queued job that was cancelled, and runs a paused one only once resumed", async () => {
    const h = host({ maxConcurrentJobs: 1 });
    await h.load(fixtures.alpha as string);
    const order = startOrder(h);
    const blocker = await h.jobs.dispatch("alpha", "spin", { steps: 2, ms: 30 });
    const cancelled = await h.jobs.dispatch("alpha", "echo", "never");
    const paused = await h.jobs.dispatch("alpha", "echo", "later");
    const after = await h.jobs.dispatch("alpha", "echo", "after");
    expect((await h.jobs.cancel(cancelled)).state).toBe("cancelled");
    expect((await h.jobs.pause(paused)).state).toBe("paused");
    await h.jobs.wait(after);
    expect(order).toEqual([blocker, after]);
    expect(await h.jobs.get(cancelled)).toMatchObject({ state: "cancelled", attempts: 0 });
    expect((await h.jobs.get(paused))?.state).toBe("paused");
    await h.jobs.resume(paused);
    expect(await h.jobs.wait(paused)).toMatchObject({ state: "completed", result: "later" });
  });

  it("runs 300 queued jobs, each once, within the limits", async () => {
    const h = host({ maxConcurrentJobs: 4, limits: { concurrentJobs: 4 } });
    await h.load(fixtures.alpha as string);
    let running = 0;
    let peak = 0;
    const starts = new Map<string, number>();
    h.jobs.on("state", (r: JobRecord) => {
      if (r.state === "running") {
        running++;
        starts.set(r.id, (starts.get(r.id) ?? 0) + 1);
      } else if (r.state === "completed") running--;
      peak = Math.max(peak, running);
    });
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => h.jobs.dispatch("alpha", "echo", i)));
    const done = await Promise.all(ids.map((id) => h.jobs.wait(id)));
    expect(done.map((r) => r.result)).toEqual(ids.map((_, i) => i));
    expect(done.every((r) => r.attempts === 1)).toBe(true);
    expect([...starts.values()].every((n) => n === 1)).toBe(true);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it("runs jobs queued in the store by another handle once their extension is loaded", async () => {
    const file = join(tmp, `s${files++}.db`);
    const other = SqliteJobStore.open(file);
    const h = host({ store: file });
    const early = await other.create({ extensionId: "alpha", jobName: "echo", input: "early" });
    await h.load(fixtures.alpha as string);
    expect(await h.jobs.wait(early.id)).toMatchObject({ state: "completed", result: "early" });
    await other.close();
  });

  it("keeps an unloaded extension's queued jobs, and runs them once it is loaded again", async () => {
    const h = host({ maxConcurrentJobs: 2 });
    await h.load(fixtures.alpha as string);
    const blocker = await h.jobs.dispatch("alpha", "spin", { steps: 3, ms: 30 });
    const queued = await h.jobs.dispatch("alpha", "echo", "kept");
    await h.jobs.wait(blocker, ["running"]);
    await h.unload("alpha");
    expect((await h.jobs.get(queued))?.state).toBe("queued");
    // The fixture never checks for a pause: it runs to its end before its grace is over.
    expect((await h.jobs.get(blocker))?.state).toBe("completed");
    await h.load(fixtures.alpha as string);
    expect(await h.jobs.wait(queued)).toMatchObject({ state: "completed", result: "kept" });
  });

  it("reports a job completed only once its completion is committed", async () => {
    const file = join(tmp, `s${files++}.db`);
    const h = host({ store: file, maxConcurrentJobs: 4, limits: { concurrentJobs: 4 } });
    await h.load(fixtures.alpha as string);
    const reader = new Database(file, { readonly: true });
    const stored = reader.prepare("SELECT state FROM jobs WHERE id = ?").pluck();
    const seen: [string, unknown][] = [];
    h.jobs.on("state", (r: JobRecord) => {
      if (r.state === "completed") seen.push([r.state, stored.get(r.id)]);
    });
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => h.jobs.dispatch("alpha", "echo", i)));
    const waited = await Promise.all(ids.map((id) => h.jobs.wait(id).then((r) => [r.state, stored.get(id)])));
    reader.close();
    expect(seen).toHaveLength(40);
    expect([...seen, ...waited].every(([, inStore]) => inStore === "completed")).toBe(true);
  });
});
