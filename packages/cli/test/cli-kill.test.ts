/**
 * Killing `kiln run` with SIGKILL and then running `kiln jobs resume` completes the job from its
 * last checkpoint: nothing lost, nothing applied twice. Real CLI processes, the real test extension,
 * a real SQLite file that the test reads while the CLI writes it (WAL allows a concurrent reader).
 * The child runs the packages' dist/ (vitest.config.ts rebuilds them first).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JobRecord, SqliteJobStore } from "@kiln/host";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Child, type Exit, killAll, runKiln, startKiln, TEST_EXTENSION } from "./kiln-process.js";

const STEPS = 20;
const STEP_MS = 60;
const INPUT = JSON.stringify({ steps: STEPS, stepMs: STEP_MS });

/** Resume timings per kill point, printed at the end (figures for the closing note, not asserted). */
const figures: Record<string, string | number>[] = [];
let tmp: string;
let dist: string;

function start(args: readonly string[], timeoutMs?: number): Child {
  return startKiln(tmp, args, timeoutMs);
}

function kiln(args: readonly string[], timeoutMs?: number): Promise<Exit> {
  return runKiln(tmp, args, timeoutMs);
}

/** Polls `check` every ~15 ms until it returns a value, failing after `timeoutMs`. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** The one job in a store file, read with the host's own store (a second connection). */
async function readJob(file: string): Promise<JobRecord> {
  const store = SqliteJobStore.open(file);
  try {
    const [job, ...others] = await store.list();
    expect(others).toEqual([]);
    if (!job) throw new Error(`no job in ${file}`);
    return job;
  } finally {
    await store.close();
  }
}

/**
 * Starts `kiln run … steps --store <file>`, waits until the job has written at least `minSeq`
 * checkpoints (and still runs), kills the process with SIGKILL, and returns the job as the dead
 * process left it.
 */
async function runAndKill(file: string, minSeq: number): Promise<{ killed: JobRecord; run: Exit }> {
  const child = start(["run", "dist", "steps", "--input", INPUT, "--store", file]);
  // The store is created and migrated before the extension's init logs: only then read it.
  await until("the extension to start", () => (child.output().stdout.includes("initialized!") ? true : undefined));
  const store = SqliteJobStore.open(join(tmp, file));
  try {
    await until(`checkpoint ${minSeq}`, async () => {
      const [job] = await store.list();
      if (job && job.state !== "queued" && job.state !== "running") {
        throw new Error(`the job ended before the kill: ${job.state}; raise STEP_MS`);
      }
      return job?.state === "running" && job.checkpointSeq >= minSeq ? job : undefined;
    });
    child.process.kill("SIGKILL");
  } finally {
    await store.close();
  }
  const run = await child.exit;
  expect(run.signal).toBe("SIGKILL");
  return { killed: await readJob(join(tmp, file)), run };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-kill-"));
  dist = join(tmp, "dist");
  const build = await kiln(["build", TEST_EXTENSION, "--out", dist], 120_000);
  if (build.code !== 0) throw new Error(`kiln build failed: ${build.stderr}`);
  await mkdir(join(tmp, "empty"));
});

afterEach(() => {
  killAll();
});

afterAll(async () => {
  if (figures.length) console.table(figures);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kill -9 `kiln run`, then `kiln jobs resume`", () => {
  it.each([
    { minSeq: 0, extensions: "." }, // running, before (or right at) the first checkpoint
    { minSeq: 1, extensions: "dist" },
    { minSeq: 5, extensions: "." },
    { minSeq: 18, extensions: "dist" }, // near the end
  ])(
    "completes the job from its last checkpoint when killed after checkpoint $minSeq (--extensions $extensions)",
    async ({ minSeq, extensions }) => {
      const file = `k${minSeq}.db`;
      const { killed } = await runAndKill(file, minSeq);

      // What the dead process left: running (nobody could mark it), at its last durable checkpoint.
      const at = killed.checkpointSeq;
      expect(killed.state).toBe("running");
      expect(at).toBeGreaterThanOrEqual(minSeq);
      expect(at).toBeLessThan(STEPS);
      expect(killed.attempts).toBe(1);
      // One checkpoint per step: checkpoint number n holds step n (none yet: no state).
      expect(killed.checkpoint).toEqual(at === 0 ? null : { i: at, sum: (at * (at + 1)) / 2, resumedAt: [] });
      // A resumed job restarts from the counters saved with its checkpoint; the live counters may
      // already count the step after it (a kill between its progress report and its checkpoint).
      expect(killed.checkpointCounters.items).toBe(at);
      expect(killed.counters.items - at).toBeLessThanOrEqual(1);

      const listed = await kiln(["jobs", "list", "--store", file]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^${killed.id}\\s+test-extension\\s+steps\\s+running\\s`, "m"));

      const resumeStarted = Date.now();
      const resumed = await kiln(["jobs", "resume", "--store", file, "--extensions", extensions]);
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(0);
      const expected = { steps: STEPS, sum: (STEPS * (STEPS + 1)) / 2, resumedAt: [at], attempt: 2, items: STEPS };
      expect(resumed.stdout).toContain(`${killed.id} test-extension/steps completed ${JSON.stringify(expected)}\n`);

      const done = await readJob(join(tmp, file));
      expect(done).toMatchObject({ state: "completed", attempts: 2, error: null, result: expected });
      // Nothing applied twice: one checkpoint per step in all, the last one holding step 20.
      expect(done.checkpointSeq).toBe(STEPS);
      expect(done.checkpoint).toEqual({ i: STEPS, sum: expected.sum, resumedAt: [at] });
      expect(done.counters.items).toBe(STEPS);
      expect(done.progress).toEqual({ done: STEPS, total: STEPS, message: `step ${STEPS}` });

      const after = await kiln(["jobs", "list", "--store", file, "--json"]);
      expect((JSON.parse(after.stdout) as JobRecord[]).map((r) => [r.id, r.state])).toEqual([[killed.id, "completed"]]);

      const startedAt = done.startedAt ?? 0;
      const finishedAt = done.finishedAt ?? 0;
      figures.push({
        "killed at checkpoint": at,
        "resume cmd wall ms": Math.round(resumed.ms),
        "cmd start → job running ms": startedAt - resumeStarted,
        "cmd start → job completed ms": finishedAt - resumeStarted,
        "resumed run ms": finishedAt - startedAt,
        "steps left × stepMs": (STEPS - at) * STEP_MS,
      });
    },
  );

  it("leaves a job interrupted, and says so, when its extension is not in --extensions", async () => {
    const file = "missing-ext.db";
    const { killed } = await runAndKill(file, 2);
    const r = await kiln(["jobs", "resume", "--store", file, "--extensions", "empty"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `kiln: ${killed.id} test-extension/steps: extension "test-extension" not found in empty; left interrupted\n`,
    );
    const still = await readJob(join(tmp, file));
    expect(still).toMatchObject({ state: "interrupted", attempts: 1, checkpointSeq: killed.checkpointSeq });

    // With the extension found, it completes from where it stopped.
    const ok = await kiln(["jobs", "resume", "--store", file, "--extensions", "."]);
    expect(ok.code).toBe(0);
    expect((await readJob(join(tmp, file))).result).toMatchObject({ resumedAt: [killed.checkpointSeq], items: STEPS });
  });
});

describe("Ctrl-C on `kiln run --store`", () => {
  it("pauses the job, says how to resume it, exits 130; `jobs resume --paused` finishes it", async () => {
    const file = "sigint.db";
    const child = start(["run", "dist", "steps", "--input", INPUT, "--store", file, "--grant", "*"]);
    await until("progress", () => (/^progress [3-9]\/20/m.test(child.output().stdout) ? true : undefined));
    child.process.kill("SIGINT");
    const run = await child.exit;
    expect(run.code).toBe(130);
    const paused = await readJob(join(tmp, file));
    expect(paused.state).toBe("paused");
    expect(run.stderr).toBe(
      `kiln: pausing ${paused.id} (press Ctrl-C again to exit at once)\n` +
        `kiln: paused ${paused.id}; resume with: kiln jobs resume --store ${file} --extensions dist --paused --grant '*'\n`,
    );
    // The log of cleanup, and no result line.
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("[test-extension] Test Extension cleaned up");

    const without = await kiln(["jobs", "resume", "--store", file, "--extensions", "dist"]);
    expect(without.code).toBe(0);
    expect(without.stdout).toBe("no interrupted jobs (1 paused: resume it with --paused)\n");

    const resumed = await kiln(["jobs", "resume", "--store", file, "--extensions", "dist", "--paused", "--grant", "*"]);
    expect(resumed.code).toBe(0);
    const done = await readJob(join(tmp, file));
    expect(done).toMatchObject({ state: "completed", attempts: 2, checkpointSeq: STEPS });
    expect(done.result).toEqual({
      steps: STEPS,
      sum: 210,
      resumedAt: [paused.checkpointSeq],
      attempt: 2,
      items: STEPS,
    });
    expect(resumed.stdout).toContain(`${done.id} test-extension/steps completed ${JSON.stringify(done.result)}\n`);
  });
});
