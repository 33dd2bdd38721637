/**
 * The harness against the real thing: extensions/test-extension (and two small fixture projects)
 * built by codegen, loaded in a real ExtensionHost, jobs in SQLite, the crash in a real child
 * process killed with SIGKILL.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { OperationError } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appOperations } from "../../../extensions/test-extension/test/fixtures.js";
import { type BuildInfo, type TestExtension, testExtension } from "../src/index.js";

const testExtensionDir = new URL("../../../extensions/test-extension/", import.meta.url);
const syncFixture = new URL("./fixtures/sync/", import.meta.url);
const brokenFixture = new URL("./fixtures/broken/", import.meta.url);

/** Build figures, printed at the end (for the record, not asserted). */
const figures: Record<string, number | string>[] = [];
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-testing-"));
});
afterAll(async () => {
  console.log(figures);
  await rm(work, { recursive: true, force: true });
});

/** A test-extension loaded with the app operations it asks for, faked. */
function openTestExtension(options: Parameters<typeof testExtension>[1] = {}): Promise<TestExtension> {
  return testExtension(testExtensionDir, { operations: appOperations, ...options });
}

describe("the build cache", () => {
  it("builds once, then reuses the build of unchanged sources", async () => {
    const cacheDir = join(work, "cache");
    const first = await openTestExtension({ build: { cacheDir } });
    await first.close();
    const second = await openTestExtension({ build: { cacheDir } });
    await second.close();
    expect(first.build.source).toBe("built");
    expect(second.build.source).toBe("cache");
    expect(second.build.dir).toBe(first.build.dir);
    expect(second.build.key).toBe(first.build.key);
    figures.push({ build: "first (cold cache)", ms: first.build.ms }, { build: "cached", ms: second.build.ms });
  });

  it("two processes building the same sources at once both succeed, and leave one whole entry", async () => {
    const cacheDir = join(work, "cache-race");
    const script = `
      const { buildForTest } = await import(${JSON.stringify(new URL("../dist/build-cache.js", import.meta.url).href)});
      const info = await buildForTest(${JSON.stringify(fileURLToPath(testExtensionDir))}, { cacheDir: ${JSON.stringify(cacheDir)} });
      console.log(JSON.stringify(info));`;
    const builds = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<BuildInfo>((resolve, reject) =>
            execFile(process.execPath, ["--input-type=module", "-e", script], (error, stdout) =>
              error ? reject(error) : resolve(JSON.parse(stdout) as BuildInfo),
            ),
          ),
      ),
    );
    expect(builds.map((b) => b.dir)).toEqual([builds[0]?.dir, builds[0]?.dir]);
    // Only the entry: no temporary folder left behind, and the entry holds a whole build.
    expect(await readdir(cacheDir)).toEqual([builds[0]?.key]);
    expect((await readdir(builds[0]?.dir as string)).sort()).toEqual(["extension.wasm", "manifest.json", "types.d.ts"]);
    const ext = await openTestExtension({ build: { cacheDir } });
    await ext.close();
    expect(ext.build.source).toBe("cache");
  });

  it("throws the build's diagnostics, formatted as kiln build prints them", async () => {
    const error = await testExtension(brokenFixture, { build: { cache: false } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KILN_BUILD_FAILED", name: "ExtensionBuildError" });
    const message = (error as Error).message;
    expect(message).toMatch(/src\/index\.ts:4:\d+: error KILN_INVALID_ID/);
    expect(message).toContain("fix:");
    expect(message).toMatch(/1 error$/);
  });
});

describe("testExtension", () => {
  let ext: TestExtension;
  beforeAll(async () => {
    ext = await openTestExtension();
  });
  afterAll(() => ext.close());

  it("loads from a URL, runs init, and runs a job to its end with its logs", async () => {
    expect(ext.id).toBe("test-extension");
    expect(ext.logs[0]).toMatchObject({ message: "✓ Test Extension v0.1.0 initialized!" });
    const run = await ext.run("counter", { to: 3 });
    expect(run).toMatchObject({ state: "completed", result: { count: 3 }, error: undefined });
    expect(run.logs.map((l) => l.message)).toEqual(["step 1/3", "step 2/3", "step 3/3"]);
    expect(run.job).toMatchObject({ jobName: "counter", attempts: 1 });
  });

  it("a failing job resolves with its state and error", async () => {
    const run = await ext.run("counter", { to: -1 });
    expect(run.state).toBe("failed");
    expect(run.result).toBeUndefined();
    expect(run.error).toMatchObject({
      code: "KILN_EXTENSION_FAILED",
      message: expect.stringContaining("RangeError: input.to must be"),
    });
  });

  it("records each call to a fake operation: name, input, result", async () => {
    const run = await ext.run("ping", { n: 3 });
    expect(run.result).toEqual({ calls: 3 });
    expect(run.calls).toEqual([0, 1, 2].map((i) => ({ name: "test.echo", input: { i }, result: { echoed: { i } } })));
  });

  it("records progress and each checkpoint's state, in order", async () => {
    const run = await ext.run("steps", { steps: 4 });
    expect(run.result).toEqual({ steps: 4, sum: 10, resumedAt: [], attempt: 1, items: 4 });
    expect(run.progress).toEqual([1, 2, 3, 4].map((i) => ({ done: i, total: 4, message: `step ${i}` })));
    expect(run.checkpoints).toEqual([
      { i: 1, sum: 1, resumedAt: [] },
      { i: 2, sum: 3, resumedAt: [] },
      { i: 3, sum: 6, resumedAt: [] },
      { i: 4, sum: 10, resumedAt: [] },
    ]);
  });

  it("pauseAndResume pauses right after the n-th checkpoint and resumes from it", async () => {
    const paused: number[] = [];
    const run = await ext.pauseAndResume(
      "steps",
      { steps: 6 },
      { afterCheckpoints: 2, whilePaused: (job) => void paused.push(job.checkpointSeq) },
    );
    expect(paused).toEqual([2]);
    expect(run.resumedFrom).toEqual({ i: 2, sum: 3, resumedAt: [] });
    expect(run.result).toEqual({ steps: 6, sum: 21, resumedAt: [2], attempt: 2, items: 6 });
    expect(run.checkpoints).toHaveLength(6);
    expect(run.job.attempts).toBe(2);
  });

  it("cancel after the n-th checkpoint ends the job cancelled there", async () => {
    const run = await ext.cancel("steps", { steps: 1000, stepMs: 5 }, { afterCheckpoints: 2 });
    expect(run).toMatchObject({ state: "cancelled", error: { code: "KILN_CANCELLED" } });
    expect(run.checkpoints).toEqual([
      { i: 1, sum: 1, resumedAt: [] },
      { i: 2, sum: 3, resumedAt: [] },
    ]);
  });

  it("cancel after a call aborts the call's signal and the job", async () => {
    const run = await ext.cancel("wait-op", { ms: 60_000 }, { afterCalls: 1 });
    expect(run.state).toBe("cancelled");
    expect(run.calls).toEqual([{ name: "test.sleep", input: { ms: 60_000 }, error: expect.anything() }]);
  });

  it("crashAndResume kills the host after the n-th checkpoint and resumes the job in a new one", async () => {
    const run = await ext.crashAndResume("steps", { steps: 6 }, { afterCheckpoints: 3 });
    expect(run.resumedFrom).toEqual({ i: 3, sum: 6, resumedAt: [] });
    expect(run.result).toEqual({ steps: 6, sum: 21, resumedAt: [3], attempt: 2, items: 6 });
    expect(run.checkpoints.map((c) => (c as { i: number }).i)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.job.attempts).toBe(2);
    expect(run.host).not.toBe(ext.host);
  });

  it("a driver whose job ends before its checkpoint says so", async () => {
    await expect(ext.pauseAndResume("steps", { steps: 2 }, { afterCheckpoints: 5 })).rejects.toMatchObject({
      code: "KILN_TEST_NO_CHECKPOINT",
      message: expect.stringContaining("ended completed after 2 checkpoint(s), before checkpoint 5"),
    });
    await expect(ext.crashAndResume("counter", { to: 1 }, { afterCheckpoints: 1 })).rejects.toMatchObject({
      code: "KILN_TEST_NO_CHECKPOINT",
    });
  });

  it("a job past its timeoutMs is cancelled, and the run fails with KILN_TEST_TIMEOUT", async () => {
    const error = await ext.run("wait-op", { ms: 60_000 }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KILN_TEST_TIMEOUT" });
    expect((error as Error).message).toContain('waiting in operation "test.sleep"');
    const jobId = (error as { jobId: string }).jobId;
    await expect(ext.host.jobs.wait(jobId)).resolves.toMatchObject({ state: "cancelled" });
  });
});

describe("grants and fake operations", () => {
  it("grants: [] withholds every permission; the refused call never reaches the fake", async () => {
    const ext = await openTestExtension({ grants: [] });
    try {
      const run = await ext.run("ping", { n: 1 });
      expect(run.state).toBe("failed");
      expect(run.error?.message).toContain("KILN_PERMISSION_DENIED");
      expect(run.calls).toEqual([]);
      expect(run.logs.some((l) => l.level === "warn" && l.message.includes("test.echo"))).toBe(true);
    } finally {
      await ext.close();
    }
  });

  it("a fake that throws an OperationError fails the call with its code", async () => {
    const ext = await openTestExtension({
      operations: {
        "test.echo": () => {
          throw new OperationError("ACME_DOWN", "the echo service is down");
        },
      },
    });
    try {
      const run = await ext.run("ping", { n: 1 });
      expect(run.state).toBe("failed");
      expect(run.error?.message).toContain("ACME_DOWN");
      expect(run.calls).toEqual([
        { name: "test.echo", input: { i: 0 }, error: { code: "ACME_DOWN", message: "the echo service is down" } },
      ]);
    } finally {
      await ext.close();
    }
  });

  it("crashAndResume serves the fakes from this process, and the new host holds what the job wrote", async () => {
    const served: number[] = [];
    const ext = await testExtension(syncFixture, {
      operations: {
        "acme.items.get": {
          permission: "acme.items.read",
          handler: ({ i }: { i: number }) => {
            served.push(i);
            return { i, name: `item ${i}` };
          },
        },
      },
    });
    try {
      const run = await ext.crashAndResume("sync", { n: 5 }, { afterCheckpoints: 2 });
      expect(run.result).toEqual({ synced: 5 });
      expect(run.resumedFrom).toEqual({ next: 2 });
      // Each item fetched once: the crash came after item 2's checkpoint, before item 3 was asked for.
      expect(served).toEqual([0, 1, 2, 3, 4]);
      expect(run.calls.map((c) => `${c.name}:${JSON.stringify(c.input)}`)).toEqual(
        [0, 1, 2, 3, 4].flatMap((i) => [
          `acme.items.get:${JSON.stringify({ i })}`,
          `kv.set:${JSON.stringify({ key: `item:${i}`, value: { i, name: `item ${i}` } })}`,
        ]),
      );
      expect(run.logs.map((l) => l.message)).toEqual([1, 2, 3, 4, 5].map((i) => `copied item ${i}`));
      expect(await run.host.store.kv.get("sync-fixture", "item:4")).toEqual({ i: 4, name: "item 4" });
    } finally {
      await ext.close();
    }
  });
});
