/**
 * The SQLite store's group commit: the writes of one turn of the event loop share one transaction,
 * each call still gets its own compare-and-set answer, and no answer arrives before the change it
 * reports is committed.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteJobStore } from "../src/index.js";

let dir: string;
let file: string;
const opened: SqliteJobStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kiln-group-commit-"));
  file = join(dir, "jobs.db");
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Parameters<typeof SqliteJobStore.open>[1] = {}): SqliteJobStore {
  const store = SqliteJobStore.open(file, options);
  opened.push(store);
  return store;
}

const job = { extensionId: "acme.batch", jobName: "j", input: null };

/** The job's state as another connection sees it: only what is committed. */
function committedState(id: string): string | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT state FROM jobs WHERE id = ?").pluck().get(id) as string | undefined) ?? undefined;
  } finally {
    db.close();
  }
}

describe("group commit", () => {
  it.each(["full", "normal"] as const)(
    "gives each call of one batch its own answer (durability %s)",
    async (durability) => {
      const store = open({ durability });
      const jobs = await Promise.all(Array.from({ length: 50 }, () => store.create(job)));
      // Every call below is made in one turn: one transaction holds them all.
      const starts = jobs.flatMap(({ id }) => [
        store.transition(id, ["queued"], "running"),
        store.transition(id, ["queued"], "running"),
      ]);
      const checkpoints = jobs.map(({ id }) => store.checkpoint(id, { at: 1 }));
      const finishes = jobs.map(({ id }) => store.transition(id, ["running"], "completed", { result: id }));
      const late = jobs.map(({ id }) => store.transition(id, ["running"], "failed"));
      const started = await Promise.all(starts);
      expect(started.filter((r) => r !== undefined)).toHaveLength(50);
      expect(await Promise.all(checkpoints)).toEqual(jobs.map(() => 1));
      expect((await Promise.all(finishes)).map((r) => r?.result)).toEqual(jobs.map((j) => j.id));
      // A job cannot complete twice, nor fail after completing.
      expect(await Promise.all(late)).toEqual(jobs.map(() => undefined));
      for (const { id } of jobs) expect(committedState(id)).toBe("completed");
    },
  );

  it("answers only once the change is committed", async () => {
    const store = open();
    const { id } = await store.create(job);
    const seen: (string | undefined)[] = [];
    const started = store.transition(id, ["queued"], "running").then((record) => {
      seen.push(record?.state, committedState(id));
    });
    seen.push(committedState(id));
    await started;
    expect(seen).toEqual(["queued", "running", "running"]);
    // A read made while the change is pending waits for it too.
    const moved = store.transition(id, ["running"], "completed");
    const read = store.get(id).then((record) => [record?.state, committedState(id)]);
    await moved;
    expect(await read).toEqual(["completed", "completed"]);
  });

  it("answers a lazy transition once committed, alone or with an urgent write after it, in order", async () => {
    const store = open();
    const { id } = await store.create(job);
    // Alone: nothing else is written, and the answer still comes (its sync is only put off).
    const started = await store.transition(id, ["queued"], "running", undefined, { lazy: true });
    expect([started?.state, committedState(id)]).toEqual(["running", "running"]);
    // With an urgent write in a later turn: one sync answers both, the lazy one first.
    const order: string[] = [];
    const other = await store.create(job);
    const lazy = store
      .transition(other.id, ["queued"], "running", undefined, { lazy: true })
      .then((r) => order.push(`lazy ${r?.state}`));
    await new Promise((resolve) => setImmediate(resolve));
    const urgent = store.transition(other.id, ["running"], "completed").then((r) => order.push(`urgent ${r?.state}`));
    await Promise.all([lazy, urgent]);
    expect(order).toEqual(["lazy running", "urgent completed"]);
    expect(committedState(other.id)).toBe("completed");
  });

  it("commits the writes of one turn together: the journal grows by pages, not by one per write", async () => {
    const store = open();
    const jobs = await Promise.all(Array.from({ length: 200 }, () => store.create(job)));
    const wal = `${file}-wal`;
    const before = statSync(wal).size;
    await Promise.all(jobs.map(({ id }) => store.transition(id, ["queued"], "running")));
    const pageFrames = (statSync(wal).size - before) / (4096 + 24);
    // One commit per write would append at least one frame each.
    expect(pageFrames).toBeLessThan(50);
  });

  it("answers the calls made before close, then refuses new ones", async () => {
    const store = open();
    const created = store.create(job);
    await store.close();
    const { id } = await created;
    await expect(store.get(id)).rejects.toMatchObject({ code: "KILN_STORE_CLOSED" });
    const reopened = open();
    expect((await reopened.get(id))?.state).toBe("queued");
  });

  it("lets two handles on one file in one process write in the same turn", async () => {
    const first = open();
    const second = open({ busyTimeoutMs: 100 });
    const a = await first.create(job);
    const results = await Promise.all([
      first.transition(a.id, ["queued"], "running"),
      second.create(job),
      first.checkpoint(a.id, 1),
      second.transition(a.id, ["running"], "completed"),
    ]);
    expect(results.map((r) => (typeof r === "object" ? r?.state : r))).toEqual(["running", "queued", 1, "completed"]);
  });
});
