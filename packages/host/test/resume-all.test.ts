/**
 * `host.jobs.resumeAll`: the resume policy (`kiln jobs resume` uses it), scenario by scenario
 * against a real SQLite store file that a "dead process" left behind. Each scenario seeds one job
 * with the store's own API, opens a fresh host on the file, calls `resumeAll`, and checks where the
 * job was reported and where it ends.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResumeAllOptions, ResumeAllResult } from "../src/index.js";
import { ExtensionHost, type JobRecord, type JobState, SqliteJobStore } from "../src/index.js";
import { makeExtension } from "./fixtures.js";

let tmp: string;
let fixture: string;
let files = 0;
const hosts: ExtensionHost[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-resume-all-"));
  fixture = await makeExtension({ id: "fixture" });
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await rm(fixture, { recursive: true, force: true });
});

/** How a dead process left one job: the store calls that got it there. */
type Seed =
  | "queued"
  | "running"
  | "running, cancel requested"
  | "running, pause requested"
  | "interrupted"
  | "paused"
  | "paused, cancel requested"
  | "completed"
  | "failed"
  | "cancelled";

async function seed(store: SqliteJobStore, how: Seed, extensionId = "fixture"): Promise<JobRecord> {
  const job = await store.create({ extensionId, jobName: "echo", input: { seeded: how } });
  if (how === "queued") return job;
  const move = async (from: JobState, to: JobState) => {
    const moved = await store.transition(job.id, [from], to);
    if (!moved) throw new Error(`cannot seed ${how}: ${from} → ${to}`);
    return moved;
  };
  if (how === "cancelled") return move("queued", "cancelled");
  let record = await move("queued", "running");
  if (how === "running, cancel requested") record = (await store.request(job.id, "cancel")) ?? record;
  if (how === "running, pause requested") record = (await store.request(job.id, "pause")) ?? record;
  if (how === "interrupted") record = await move("running", "interrupted");
  if (how === "paused" || how === "paused, cancel requested") record = await move("running", "paused");
  if (how === "paused, cancel requested") record = (await store.request(job.id, "cancel")) ?? record;
  if (how === "completed") record = await move("running", "completed");
  if (how === "failed") record = await move("running", "failed");
  return record;
}

/** Where `resumeAll` reported a job. */
type Bucket = "resumed" | "cancelled" | "paused" | `skipped: ${string}` | "not reported";

function bucketOf(result: ResumeAllResult, id: string): Bucket {
  if (result.resumed.some((r) => r.id === id)) return "resumed";
  if (result.cancelled.some((r) => r.id === id)) return "cancelled";
  if (result.paused.some((r) => r.id === id)) return "paused";
  const skip = result.skipped.find((s) => s.job.id === id);
  return skip ? `skipped: ${skip.reason}` : "not reported";
}

interface Scenario {
  readonly name: string;
  readonly seed: Seed;
  /** Of the seeded job (default the loaded fixture). */
  readonly extensionId?: string;
  /** Load the fixture before calling (default true). */
  readonly loaded?: boolean;
  readonly options?: (host: ExtensionHost) => ResumeAllOptions;
  readonly bucket: Bucket;
  /** Reported by `recovered` (it was left running). */
  readonly recovered: boolean;
  /** Its state once whatever was resumed has finished. */
  readonly final: JobState;
  /** Its attempts then. */
  readonly attempts: number;
}

const loadFixture = (host: ExtensionHost) => async (id: string) => {
  if (id !== "fixture") throw new Error(`no extension "${id}" here`);
  await host.load(fixture);
};

const scenarios: Scenario[] = [
  // What runs
  {
    name: "a job left running resumes",
    seed: "running",
    bucket: "resumed",
    recovered: true,
    final: "completed",
    attempts: 2,
  },
  {
    name: "an interrupted job resumes",
    seed: "interrupted",
    bucket: "resumed",
    recovered: false,
    final: "completed",
    attempts: 2,
  },
  {
    name: "a queued job runs",
    seed: "queued",
    loaded: false,
    options: (h) => ({ load: loadFixture(h) }),
    bucket: "resumed",
    recovered: false,
    final: "completed",
    attempts: 1,
  },
  {
    name: "a queued job the host already started (on load) is its own: not recovered, not reported",
    seed: "queued",
    bucket: "not reported",
    recovered: false,
    final: "completed",
    attempts: 1,
  },
  {
    name: "a job left running with a pause requested resumes (the process that asked is gone)",
    seed: "running, pause requested",
    bucket: "resumed",
    recovered: true,
    final: "completed",
    attempts: 2,
  },
  {
    name: "a paused job resumes with paused: true",
    seed: "paused",
    options: () => ({ paused: true }),
    bucket: "resumed",
    recovered: false,
    final: "completed",
    attempts: 2,
  },
  // A pause stays unless asked
  {
    name: "a paused job stays paused by default",
    seed: "paused",
    bucket: "paused",
    recovered: false,
    final: "paused",
    attempts: 1,
  },
  // A cancel wins
  {
    name: "a job left running with a cancel requested is cancelled, not resumed",
    seed: "running, cancel requested",
    bucket: "cancelled",
    recovered: true,
    final: "cancelled",
    attempts: 1,
  },
  {
    name: "a paused job with a cancel requested is cancelled with paused: true",
    seed: "paused, cancel requested",
    options: () => ({ paused: true }),
    bucket: "cancelled",
    recovered: false,
    final: "cancelled",
    attempts: 1,
  },
  {
    name: "a cancel wins even when the extension is not loaded",
    seed: "running, cancel requested",
    loaded: false,
    bucket: "cancelled",
    recovered: true,
    final: "cancelled",
    attempts: 1,
  },
  // Finished jobs are never touched
  {
    name: "a completed job is left alone",
    seed: "completed",
    bucket: "not reported",
    recovered: false,
    final: "completed",
    attempts: 1,
  },
  {
    name: "a failed job is left alone",
    seed: "failed",
    bucket: "not reported",
    recovered: false,
    final: "failed",
    attempts: 1,
  },
  {
    name: "a cancelled job is left alone",
    seed: "cancelled",
    bucket: "not reported",
    recovered: false,
    final: "cancelled",
    attempts: 0,
  },
  // Extensions
  {
    name: "a job whose extension is not loaded is left interrupted",
    seed: "running",
    loaded: false,
    bucket: "skipped: not-loaded",
    recovered: true,
    final: "interrupted",
    attempts: 1,
  },
  {
    name: "a queued job whose extension is not loaded stays queued",
    seed: "queued",
    loaded: false,
    bucket: "skipped: not-loaded",
    recovered: false,
    final: "queued",
    attempts: 0,
  },
  {
    name: "load() loads the extension the job needs",
    seed: "running",
    loaded: false,
    options: (h) => ({ load: loadFixture(h) }),
    bucket: "resumed",
    recovered: true,
    final: "completed",
    attempts: 2,
  },
  {
    name: "a job whose load() throws is left interrupted",
    seed: "running",
    extensionId: "elsewhere",
    loaded: false,
    options: (h) => ({ load: loadFixture(h) }),
    bucket: "skipped: load-failed",
    recovered: true,
    final: "interrupted",
    attempts: 1,
  },
  {
    name: "a job whose load() loads nothing is left interrupted",
    seed: "interrupted",
    loaded: false,
    options: () => ({ load: async () => undefined }),
    bucket: "skipped: not-loaded",
    recovered: false,
    final: "interrupted",
    attempts: 1,
  },
  {
    name: "extensions: [...] leaves other extensions' jobs alone (recovery still covers them)",
    seed: "running",
    options: () => ({ extensions: ["another"] }),
    bucket: "not reported",
    recovered: true,
    final: "interrupted",
    attempts: 1,
  },
  {
    name: "extensions: [...] resumes the listed extensions' jobs",
    seed: "interrupted",
    options: () => ({ extensions: ["fixture"] }),
    bucket: "resumed",
    recovered: false,
    final: "completed",
    attempts: 2,
  },
  // Aborted
  {
    name: "an aborted signal resumes nothing",
    seed: "running",
    options: () => ({ signal: AbortSignal.abort() }),
    bucket: "skipped: aborted",
    recovered: true,
    final: "interrupted",
    attempts: 1,
  },
];

describe("host.jobs.resumeAll", () => {
  it.each(scenarios)("$name", async (scenario) => {
    const file = join(tmp, `s${files++}.db`);
    const store = SqliteJobStore.open(file);
    const seeded = await seed(store, scenario.seed, scenario.extensionId);
    await store.close();

    const host = new ExtensionHost({ store: file, logger: () => {} });
    hosts.push(host);
    if (scenario.loaded ?? true) await host.load(fixture);
    const result = await host.jobs.resumeAll(scenario.options?.(host) ?? {});

    expect(bucketOf(result, seeded.id)).toBe(scenario.bucket);
    expect(result.recovered.map((r) => r.id)).toEqual(scenario.recovered ? [seeded.id] : []);
    const final =
      scenario.final === "completed"
        ? await host.jobs.wait(seeded.id)
        : ((await host.jobs.get(seeded.id)) as JobRecord);
    expect(final).toMatchObject({ state: scenario.final, attempts: scenario.attempts });
    if (scenario.bucket === "resumed") expect(final.result).toEqual({ seeded: scenario.seed });
    if (scenario.bucket === "cancelled") expect(final.error?.code).toBe("KILN_CANCELLED");
    const skip = result.skipped.find((s) => s.job.id === seeded.id);
    if (skip?.reason === "load-failed") expect(String(skip.error)).toMatch(/no extension "elsewhere" here/);
  });

  it("handles a mixed store in one call: oldest first, each extension loaded once, only when needed", async () => {
    const file = join(tmp, "mixed.db");
    const store = SqliteJobStore.open(file);
    const a = await seed(store, "running");
    const b = await seed(store, "queued");
    const c = await seed(store, "running, cancel requested", "gone");
    const d = await seed(store, "running", "gone");
    const e = await seed(store, "paused");
    const f = await seed(store, "completed", "unused");
    await store.close();

    const host = new ExtensionHost({ store: file, logger: () => {} });
    hosts.push(host);
    const loads: string[] = [];
    const result = await host.jobs.resumeAll({
      load: async (id) => {
        loads.push(id);
        await loadFixture(host)(id);
      },
    });
    // "gone" is asked for (d needs it), once; "unused" never (its only job is finished).
    expect(loads).toEqual(["fixture", "gone"]);
    expect(result.recovered.map((r) => r.id)).toEqual([a.id, c.id, d.id]);
    expect(result.resumed.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(result.cancelled.map((r) => [r.id, r.state])).toEqual([[c.id, "cancelled"]]);
    expect(result.skipped.map((s) => [s.job.id, s.reason])).toEqual([[d.id, "load-failed"]]);
    expect(result.paused.map((r) => r.id)).toEqual([e.id]);
    const done = await Promise.all(result.resumed.map((r) => host.jobs.wait(r.id)));
    expect(done.map((r) => r.state)).toEqual(["completed", "completed"]);
    expect((await host.jobs.get(f.id))?.state).toBe("completed");

    // A second call finds nothing more to do but the job it could not load.
    const again = await host.jobs.resumeAll();
    expect(again).toMatchObject({ recovered: [], resumed: [], cancelled: [], paused: [{ id: e.id }] });
    expect(again.skipped.map((s) => [s.job.id, s.reason])).toEqual([[d.id, "not-loaded"]]);
  });

  it("reports a job another process resumed meanwhile as state-changed", async () => {
    const file = join(tmp, "race.db");
    const store = SqliteJobStore.open(file);
    const job = await seed(store, "interrupted");
    const host = new ExtensionHost({ store: file, logger: () => {} });
    hosts.push(host);
    const result = await host.jobs.resumeAll({
      // The other process moves the job while this one loads the extension.
      load: async () => {
        await store.transition(job.id, ["interrupted"], "queued");
        await store.transition(job.id, ["queued"], "running");
        await host.load(fixture);
      },
    });
    await store.close();
    expect(result.skipped.map((s) => [s.job.id, s.reason])).toEqual([[job.id, "state-changed"]]);
    expect((result.skipped[0]?.error as { code?: string } | undefined)?.code).toBe("KILN_JOB_STATE");
  });
});
