/**
 * The SQLite job store against real database files in a temporary directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LATEST_VERSION, MIGRATIONS } from "./migrations.js";
import { SqliteJobStore } from "./sqlite.js";
import type { JobRecord, JobState, JobStore } from "./types.js";

let dir: string;
let file: string;
const opened: JobStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kiln-store-"));
  file = join(dir, "jobs.db");
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(path = file, options: Parameters<typeof SqliteJobStore.open>[1] = {}): SqliteJobStore {
  const store = SqliteJobStore.open(path, options);
  opened.push(store);
  return store;
}

/** Expects `promise` to reject with a store error of this code. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

const job = { extensionId: "acme.photos", jobName: "resize", input: { size: 3 } };

/** A job driven to `state` through allowed transitions. */
async function jobIn(store: JobStore, state: JobState, extensionId = job.extensionId): Promise<JobRecord> {
  const created = await store.create({ ...job, extensionId });
  if (state === "queued") return created;
  if (state === "cancelled") return (await store.transition(created.id, ["queued"], "cancelled")) as JobRecord;
  const running = (await store.transition(created.id, ["queued"], "running")) as JobRecord;
  if (state === "running") return running;
  return (await store.transition(created.id, ["running"], state)) as JobRecord;
}

describe("jobs", () => {
  it("creates a queued job, persisted before create resolves", async () => {
    const created = await open().create(job);
    expect(created).toMatchObject({
      extensionId: "acme.photos",
      jobName: "resize",
      input: { size: 3 },
      state: "queued",
      progress: { done: 0, total: null, message: null },
      counters: { items: 0, bytes: 0 },
      checkpoint: null,
      checkpointSeq: 0,
      result: null,
      error: null,
      attempts: 0,
      requested: null,
      startedAt: null,
      finishedAt: null,
    });
    expect(created.id).toMatch(/^job_[a-z2-7]{16}$/);
    expect(created.createdAt).toBe(created.updatedAt);
    expect(await open().get(created.id)).toEqual(created);
  });

  it("returns undefined for an unknown id", async () => {
    expect(await open().get("job_nope")).toBeUndefined();
  });

  it("stores an undefined input as null", async () => {
    expect((await open().create({ ...job, input: undefined })).input).toBeNull();
  });

  it.each([
    ["an empty extension id", { ...job, extensionId: "" }],
    ["an empty job name", { ...job, jobName: "" }],
    ["a Date input", { ...job, input: new Date() }],
  ])("refuses %s", async (_what, bad) => {
    await rejectsWith(open().create(bad), "KILN_STORE_VALUE_INVALID");
  });

  it("lists by creation, filtered by state, extension and limit", async () => {
    const store = open();
    const a = await jobIn(store, "queued", "ext.a");
    const b = await jobIn(store, "running", "ext.b");
    const c = await jobIn(store, "completed", "ext.a");
    const d = await jobIn(store, "running", "ext.a");
    const ids = (records: JobRecord[]) => records.map((r) => r.id);
    const ordered = [a, b, c, d].sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1));
    expect(ids(await store.list())).toEqual(ids(ordered));
    expect(ids(await store.list({ extensionId: "ext.a" }))).toEqual(ids(ordered.filter((r) => r !== b)));
    expect(ids(await store.list({ states: ["running"] }))).toEqual(ids(ordered.filter((r) => r === b || r === d)));
    expect(ids(await store.list({ states: ["running"], extensionId: "ext.a" }))).toEqual([d.id]);
    expect(ids(await store.list({ states: ["queued", "completed"] }))).toEqual(
      ids(ordered.filter((r) => r === a || r === c)),
    );
    expect(await store.list({ states: [] })).toEqual([]);
    expect(ids(await store.list({ limit: 2 }))).toEqual(ids(ordered.slice(0, 2)));
    expect(await store.list({ extensionId: "ext.none" })).toEqual([]);
  });

  it.each([
    [{ states: ["done" as JobState] }, "KILN_STORE_VALUE_INVALID"],
    [{ limit: -1 }, "KILN_STORE_VALUE_INVALID"],
    [{ limit: 1.5 }, "KILN_STORE_VALUE_INVALID"],
  ])("refuses the filter %j", async (filter, code) => {
    await rejectsWith(open().list(filter), code);
  });
});

describe("transition", () => {
  // [state the job is in, from, to, succeeds]
  const table: [JobState, JobState[], JobState, boolean][] = [
    ["queued", ["queued"], "running", true],
    ["queued", ["queued", "paused", "interrupted"], "running", true],
    ["queued", ["queued"], "cancelled", true],
    ["queued", ["queued"], "failed", true],
    ["queued", ["running"], "completed", false],
    ["running", ["running"], "completed", true],
    ["running", ["running"], "failed", true],
    ["running", ["running"], "cancelled", true],
    ["running", ["running"], "paused", true],
    ["running", ["running"], "interrupted", true],
    ["running", ["running"], "queued", true],
    ["running", ["queued"], "running", false],
    ["paused", ["paused"], "running", true],
    ["paused", ["paused"], "cancelled", true],
    ["paused", ["queued"], "cancelled", false],
    ["interrupted", ["interrupted"], "running", true],
    ["interrupted", ["interrupted"], "queued", true],
    ["interrupted", ["paused"], "running", false],
    ["completed", ["queued", "running", "paused", "interrupted"], "cancelled", false],
    ["failed", ["running"], "completed", false],
    ["cancelled", ["queued"], "running", false],
  ];

  it.each(table)("%s, from %j to %s: succeeds=%s", async (state, from, to, succeeds) => {
    const store = open();
    const before = await jobIn(store, state);
    const after = await store.transition(before.id, from, to);
    const stored = await store.get(before.id);
    if (!succeeds) {
      expect(after).toBeUndefined();
      expect(stored).toEqual(before);
      return;
    }
    expect(after).toEqual(stored);
    expect(after?.state).toBe(to);
    expect(after?.attempts).toBe(before.attempts + (to === "running" ? 1 : 0));
    expect(after?.startedAt).toBe(to === "running" ? after?.updatedAt : before.startedAt);
    const terminal = ["completed", "failed", "cancelled"].includes(to);
    expect(after?.finishedAt).toBe(terminal ? after?.updatedAt : null);
    expect(after?.updatedAt).toBeGreaterThanOrEqual(before.updatedAt);
  });

  it.each([
    [["completed"], "running"],
    [["queued"], "interrupted"],
    [["running"], "running"],
    [["cancelled", "queued"], "failed"],
  ] as [JobState[], JobState][])("rejects the never-allowed move %j -> %s", async (from, to) => {
    const store = open();
    const created = await store.create(job);
    await rejectsWith(store.transition(created.id, from, to), "KILN_STORE_TRANSITION_INVALID");
  });

  it("returns undefined for an unknown job", async () => {
    expect(await open().transition("job_nope", ["queued"], "running")).toBeUndefined();
  });

  it("counts attempts across resumes", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await store.transition(id, ["running"], "paused");
    await store.transition(id, ["paused"], "running");
    await store.transition(id, ["running"], "interrupted");
    const resumed = await store.transition(id, ["interrupted"], "running");
    expect(resumed?.attempts).toBe(3);
  });

  it("writes the result and the error, and keeps them unless patched", async () => {
    const store = open();
    const done = await jobIn(store, "running");
    const completed = await store.transition(done.id, ["running"], "completed", { result: { files: ["a.png"] } });
    expect(completed?.result).toEqual({ files: ["a.png"] });
    const voidJob = await jobIn(store, "running");
    expect((await store.transition(voidJob.id, ["running"], "completed", { result: undefined }))?.result).toBeNull();
    const broken = await jobIn(store, "running");
    const error = { code: "KILN_EXTENSION_FAILED", message: "boom", stack: "at x" };
    const failed = await store.transition(broken.id, ["running"], "failed", { error });
    expect(failed?.error).toEqual(error);
    expect(failed?.result).toBeNull();
  });

  it("refuses a result that is not JSON data", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await rejectsWith(store.transition(id, ["running"], "completed", { result: 10n }), "KILN_STORE_VALUE_INVALID");
    expect((await store.get(id))?.state).toBe("running");
  });

  it("lets exactly one of two handles on the same file start a job", async () => {
    const first = open();
    const second = open();
    const jobs = await Promise.all(Array.from({ length: 20 }, () => first.create(job)));
    for (const [i, { id }] of jobs.entries()) {
      const [a, b] = i % 2 ? [first, second] : [second, first];
      const results = await Promise.all([
        a.transition(id, ["queued"], "running"),
        b.transition(id, ["queued"], "running"),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect((await first.get(id))?.attempts).toBe(1);
    }
  });
});

describe("progress and checkpoints", () => {
  it("persists progress, counters and checkpoints across close and reopen", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await store.progress(id, { done: 1, total: 10, message: "first" }, { items: 1, bytes: 100 });
    expect(await store.checkpoint(id, { cursor: "a" })).toBe(1);
    expect(await store.checkpoint(id, { cursor: "b" }, { done: 5, total: 10, message: "half" })).toBe(2);
    expect(await store.checkpoint(id, { cursor: "c" }, undefined, { items: 7, bytes: 700 })).toBe(3);
    await store.close();

    const reopened = open();
    expect(await reopened.get(id)).toMatchObject({
      state: "running",
      checkpoint: { cursor: "c" },
      checkpointSeq: 3,
      progress: { done: 5, total: 10, message: "half" },
      counters: { items: 7, bytes: 700 },
    });
  });

  it("keeps the counters saved with the checkpoint apart from live counters reported after it", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await store.checkpoint(id, { step: 3 }, undefined, { items: 3, bytes: 30 });
    await store.progress(id, { done: 4, total: 10, message: "step 4" }, { items: 4, bytes: 40 });
    expect(await store.get(id)).toMatchObject({
      counters: { items: 4, bytes: 40 },
      checkpointCounters: { items: 3, bytes: 30 },
      checkpoint: { step: 3 },
    });
  });

  it("keeps the checkpoint when a job is paused and resumed", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await store.checkpoint(id, [1, 2, 3]);
    await store.transition(id, ["running"], "paused");
    const resumed = await store.transition(id, ["paused"], "running");
    expect(resumed).toMatchObject({ checkpoint: [1, 2, 3], checkpointSeq: 1 });
  });

  it.each(["queued", "paused", "interrupted", "completed", "failed", "cancelled"] as JobState[])(
    "refuses checkpoint and progress of a %s job with KILN_JOB_NOT_RUNNING",
    async (state) => {
      const store = open();
      const before = await jobIn(store, state);
      const checkpoint = store.checkpoint(before.id, { x: 1 });
      await rejectsWith(checkpoint, "KILN_JOB_NOT_RUNNING");
      await expect(checkpoint).rejects.toMatchObject({ state, extensionId: job.extensionId });
      await rejectsWith(store.progress(before.id, { done: 1, total: null, message: null }), "KILN_JOB_NOT_RUNNING");
      expect(await store.get(before.id)).toEqual(before);
    },
  );

  it("refuses checkpoint and progress of an unknown job with KILN_JOB_NOT_FOUND", async () => {
    const store = open();
    await rejectsWith(store.checkpoint("job_nope", 1), "KILN_JOB_NOT_FOUND");
    await rejectsWith(store.progress("job_nope", { done: 0, total: null, message: null }), "KILN_JOB_NOT_FOUND");
  });

  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  it.each([
    ["undefined", undefined],
    ["NaN", Number.NaN],
    ["Infinity", { n: Number.POSITIVE_INFINITY }],
    ["a bigint", { n: 1n }],
    ["a function", { f: () => 1 }],
    ["a symbol", [Symbol("s")]],
    ["a Date", { at: new Date(0) }],
    ["a Map", new Map()],
    ["a class instance", { p: new Point() }],
    ["an undefined array element", [1, undefined]],
    ["a cycle", cyclic],
  ])("refuses a checkpoint holding %s", async (_what, value) => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await rejectsWith(store.checkpoint(id, value), "KILN_STORE_VALUE_INVALID");
    expect((await store.get(id))?.checkpointSeq).toBe(0);
  });

  it("drops undefined properties, as JSON does", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await store.checkpoint(id, { a: 1, b: undefined, nested: Object.assign(Object.create(null), { c: "d" }) });
    expect((await store.get(id))?.checkpoint).toEqual({ a: 1, nested: { c: "d" } });
  });

  it.each([
    ["a negative done", { done: -1, total: null, message: null }, undefined],
    ["a NaN total", { done: 1, total: Number.NaN, message: null }, undefined],
    ["fractional items", { done: 1, total: null, message: null }, { items: 1.5, bytes: 0 }],
    ["negative bytes", { done: 1, total: null, message: null }, { items: 1, bytes: -2 }],
  ])("refuses %s", async (_what, progress, counters) => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await rejectsWith(store.progress(id, progress, counters), "KILN_STORE_VALUE_INVALID");
  });
});

describe("requests and recovery", () => {
  it("records, replaces and clears pause/cancel requests", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    expect((await store.request(id, "pause"))?.requested).toBe("pause");
    expect((await store.request(id, "cancel"))?.requested).toBe("cancel");
    expect((await store.get(id))?.requested).toBe("cancel");
    expect((await store.request(id, null))?.requested).toBeNull();
  });

  it("clears the request when the job leaves running", async () => {
    const store = open();
    const { id } = await jobIn(store, "running");
    await store.request(id, "pause");
    expect((await store.transition(id, ["running"], "paused"))?.requested).toBeNull();
  });

  it("keeps a request made before the job starts, so it still reaches it", async () => {
    const store = open();
    const { id } = await jobIn(store, "queued");
    await store.request(id, "cancel");
    expect((await store.transition(id, ["queued"], "running"))?.requested).toBe("cancel");
  });

  it("leaves a finished job unchanged and answers undefined for an unknown one", async () => {
    const store = open();
    const done = await jobIn(store, "completed");
    expect(await store.request(done.id, "cancel")).toEqual(done);
    expect(await store.request("job_nope", "pause")).toBeUndefined();
    await rejectsWith(store.request(done.id, "stop" as "pause"), "KILN_STORE_VALUE_INVALID");
  });

  it("turns the running jobs of a dead host into interrupted ones, and only those", async () => {
    const crashed = open();
    const running = [await jobIn(crashed, "running"), await jobIn(crashed, "running", "ext.b")];
    await crashed.request(running[0]?.id ?? "", "cancel");
    const others = await Promise.all(
      (["queued", "paused", "completed", "failed"] as JobState[]).map((s) => jobIn(crashed, s)),
    );
    await crashed.checkpoint(running[1]?.id ?? "", { page: 4 });
    // Not closed: a dead host never closes its store.
    const restarted = open();
    const recovered = await restarted.recoverInterrupted();
    expect(recovered.map((r) => r.id)).toEqual(running.map((r) => r.id));
    expect(recovered.map((r) => r.state)).toEqual(["interrupted", "interrupted"]);
    expect(recovered[0]?.requested).toBe("cancel");
    expect(recovered[1]).toMatchObject({ checkpoint: { page: 4 }, checkpointSeq: 1, finishedAt: null });
    for (const other of others) expect(await restarted.get(other.id)).toEqual(other);
    expect(await restarted.recoverInterrupted()).toEqual([]);
    expect(await restarted.list({ states: ["running"] })).toEqual([]);
  });
});

describe("kv", () => {
  it("gets, sets, overwrites and deletes JSON values", async () => {
    const { kv } = open();
    expect(await kv.get("ext.a", "k")).toBeUndefined();
    await kv.set("ext.a", "k", { n: 1, list: [true, null, "s"] });
    expect(await kv.get("ext.a", "k")).toEqual({ n: 1, list: [true, null, "s"] });
    await kv.set("ext.a", "k", null);
    expect(await kv.get("ext.a", "k")).toBeNull();
    expect(await kv.delete("ext.a", "k")).toBe(true);
    expect(await kv.delete("ext.a", "k")).toBe(false);
    expect(await kv.get("ext.a", "k")).toBeUndefined();
  });

  it("keeps extensions apart", async () => {
    const { kv } = open();
    await kv.set("ext.a", "shared", "a");
    await kv.set("ext.b", "shared", "b");
    await kv.set("ext.ab", "x", 1);
    expect(await kv.get("ext.a", "shared")).toBe("a");
    expect(await kv.get("ext.b", "shared")).toBe("b");
    expect(await kv.delete("ext.b", "shared")).toBe(true);
    expect(await kv.get("ext.a", "shared")).toBe("a");
    expect((await kv.list("ext.a")).keys).toEqual(["shared"]);
    expect((await kv.list("ext.b")).keys).toEqual([]);
  });

  it("lists sorted keys by prefix, a page at a time", async () => {
    const { kv } = open();
    const keys = ["user:10", "user:2", "user:1", "users", "user;", "userz", "a", "user:\u{10FFFF}", "user:é", "zz"];
    for (const key of keys) await kv.set("ext.a", key, key);
    await kv.set("ext.b", "user:0", 0);
    const byBytes = (list: string[]) => [...list].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect((await kv.list("ext.a")).keys).toEqual(byBytes(keys));
    const users = byBytes(keys.filter((k) => k.startsWith("user:")));
    expect((await kv.list("ext.a", { prefix: "user:" })).keys).toEqual(users);

    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const page = await kv.list("ext.a", { prefix: "user:", limit: 2, ...(after === undefined ? {} : { after }) });
      pages.push(page.keys);
      after = page.next;
    } while (after !== undefined);
    expect(pages).toEqual([users.slice(0, 2), users.slice(2, 4), users.slice(4)]);
    expect(await kv.list("ext.a", { prefix: "user:", limit: 5 })).toEqual({ keys: users });
    expect((await kv.list("ext.a", { after: "user;" })).keys).toEqual(["users", "userz", "zz"]);
    expect((await kv.list("ext.a", { prefix: "user:", after: "a" })).keys).toEqual(users);
    expect((await kv.list("ext.a", { prefix: "nothing" })).keys).toEqual([]);
  });

  it("accepts keys up to 512 UTF-8 bytes and values up to 1 MiB", async () => {
    const { kv } = open();
    await kv.set("ext.a", "k".repeat(512), 1);
    await kv.set("ext.a", "é".repeat(256), 1);
    await kv.set("ext.a", "big", "x".repeat(1024 * 1024 - 2));
    expect(((await kv.get("ext.a", "big")) as string).length).toBe(1024 * 1024 - 2);
  });

  it.each([
    ["an empty key", "", 1, "KILN_STORE_KEY_INVALID"],
    ["a 513-byte key", "k".repeat(513), 1, "KILN_STORE_KEY_INVALID"],
    ["a 257 x 2-byte key", "é".repeat(257), 1, "KILN_STORE_KEY_INVALID"],
    ["a lone surrogate", "a\uD800", 1, "KILN_STORE_KEY_INVALID"],
    ["a value over 1 MiB", "big", "x".repeat(1024 * 1024 - 1), "KILN_VALUE_TOO_LARGE"],
    ["an undefined value", "k", undefined, "KILN_STORE_VALUE_INVALID"],
    ["a Set value", "k", new Set([1]), "KILN_STORE_VALUE_INVALID"],
  ])("refuses %s", async (_what, key, value, code) => {
    const { kv } = open();
    await rejectsWith(kv.set("ext.a", key, value), code);
    expect((await kv.list("ext.a")).keys).toEqual([]);
  });

  it.each([
    [{ limit: 0 }, "KILN_STORE_VALUE_INVALID"],
    [{ limit: 1001 }, "KILN_STORE_VALUE_INVALID"],
    [{ prefix: "p".repeat(513) }, "KILN_STORE_KEY_INVALID"],
  ])("refuses the list options %j", async (options, code) => {
    await rejectsWith(open().kv.list("ext.a", options), code);
  });

  it("refuses an empty extension id", async () => {
    await rejectsWith(open().kv.get("", "k"), "KILN_STORE_VALUE_INVALID");
  });

  it("persists across reopen", async () => {
    const first = open();
    await first.kv.set("ext.a", "k", [1]);
    await first.close();
    expect(await open().kv.get("ext.a", "k")).toEqual([1]);
  });
});

describe("opening and migrations", () => {
  function version(path: string): number {
    const db = new Database(path, { readonly: true });
    try {
      return Number(db.pragma("user_version", { simple: true }));
    } finally {
      db.close();
    }
  }

  it("gives a fresh database the latest schema version, in WAL mode", async () => {
    await open().close();
    expect(version(file)).toBe(LATEST_VERSION);
    expect(LATEST_VERSION).toBe(MIGRATIONS.at(-1)?.version);
    const db = new Database(file, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("reopens idempotently, keeping the data", async () => {
    const first = open();
    const created = await first.create(job);
    await first.close();
    for (let i = 0; i < 3; i++) {
      const again = open();
      expect(await again.get(created.id)).toEqual(created);
      await again.close();
    }
    expect(version(file)).toBe(LATEST_VERSION);
  });

  it("creates the directory of a new store file", async () => {
    const nested = join(dir, "a", "b", "jobs.db");
    await open(nested).create(job);
    expect(version(nested)).toBe(LATEST_VERSION);
  });

  it("refuses a database from a newer host with KILN_STORE_TOO_NEW, without touching it", () => {
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => open()).toThrow(expect.objectContaining({ code: "KILN_STORE_TOO_NEW" }));
    expect(version(file)).toBe(LATEST_VERSION + 1);
  });

  it("refuses a file that is not a database with KILN_STORE_OPEN_FAILED", () => {
    writeFileSync(file, "this is not sqlite, just text long enough to fill a header".repeat(20));
    expect(() => open()).toThrow(expect.objectContaining({ code: "KILN_STORE_OPEN_FAILED" }));
  });

  it("works in memory", async () => {
    const store = open(":memory:");
    const { id } = await jobIn(store, "running");
    expect(await store.checkpoint(id, "x")).toBe(1);
  });

  it("rejects calls after close with KILN_STORE_CLOSED, and closes twice harmlessly", async () => {
    const store = open();
    await store.close();
    await store.close();
    await rejectsWith(store.get("job_x"), "KILN_STORE_CLOSED");
    await rejectsWith(store.kv.get("ext.a", "k"), "KILN_STORE_CLOSED");
  });

  it("fails with KILN_STORE_BUSY when another connection holds the write lock too long", async () => {
    const store = open(file, { busyTimeoutMs: 50 });
    const { id } = await jobIn(store, "running");
    const other = new Database(file);
    other.exec("BEGIN IMMEDIATE");
    try {
      await rejectsWith(store.checkpoint(id, 1), "KILN_STORE_BUSY");
      await rejectsWith(store.kv.set("ext.a", "k", 1), "KILN_STORE_BUSY");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(await store.checkpoint(id, 1)).toBe(1);
  });
});
