/**
 * Child process of store-crash.test.ts, run by plain `node` after the test transpiles it with the
 * store's sources (Node 20 cannot run TypeScript). Modes:
 *
 * - `checkpoint <db>`: starts a job and checkpoints it forever, printing each checkpointSeq once
 *   `checkpoint()` has resolved, until the parent kills it.
 * - `race <db> <ids-json> <seed>`: prints `ready`, waits for a line on stdin, then tries to start
 *   every job in its own order, printing the ids it won.
 */
import { writeSync } from "node:fs";
import { SqliteJobStore } from "../src/store/sqlite.js";

const [mode, file, ...rest] = process.argv.slice(2);

/** Writes a line synchronously, so what the parent reads was printed before the next store call. */
function say(line: string): void {
  writeSync(1, `${line}\n`);
}

async function checkpointForever(store: SqliteJobStore): Promise<never> {
  const job = await store.create({ extensionId: "crash.test", jobName: "count", input: null });
  await store.transition(job.id, ["queued"], "running");
  say(`job ${job.id}`);
  for (let i = 1; ; i++) {
    const seq = await store.checkpoint(
      job.id,
      { i, pad: "x".repeat(i % 500) },
      { done: i, total: null, message: null },
    );
    say(String(seq));
  }
}

async function race(store: SqliteJobStore, ids: string[], seed: number): Promise<void> {
  // Each child walks the jobs from a different starting point, so they collide all the way through.
  const order = ids.map((_, i) => ids[(i + seed * 37) % ids.length] as string);
  say("ready");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  const won: string[] = [];
  for (const id of order) {
    if (await store.transition(id, ["queued"], "running")) won.push(id);
  }
  say(JSON.stringify(won));
  process.exit(0);
}

async function main(): Promise<void> {
  if (file === undefined) throw new Error("usage: store-crash-child <checkpoint|race> <db> …");
  const store = SqliteJobStore.open(file, { busyTimeoutMs: 30_000 });
  if (mode === "checkpoint") await checkpointForever(store);
  else if (mode === "race") await race(store, JSON.parse(rest[0] ?? "[]") as string[], Number(rest[1] ?? 0));
  else throw new Error(`unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
