/**
 * Throughput of the SQLite store on a real file, for the numbers in reports; nothing is asserted
 * (speed belongs to benchmarks, not tests). Runs only with KILN_STORE_MEASURE=1:
 * `KILN_STORE_MEASURE=1 pnpm exec vitest run src/store/sqlite.measure`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { SqliteJobStore } from "./sqlite.js";

/** Runs `step` repeatedly for about `ms` milliseconds; returns steps per second. */
async function rate(ms: number, step: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) await step(n++);
  return Math.round((n * 1000) / (performance.now() - start));
}

describe.runIf(process.env.KILN_STORE_MEASURE === "1")("store throughput", () => {
  it.each(["full", "normal"] as const)("synchronous=%s", async (durability) => {
    const dir = mkdtempSync(join(tmpdir(), "kiln-store-measure-"));
    const store = SqliteJobStore.open(join(dir, "jobs.db"), { durability });
    try {
      const job = await store.create({ extensionId: "m.x", jobName: "j", input: null });
      await store.transition(job.id, ["queued"], "running");
      const progress = { done: 0, total: null, message: null };
      const checkpoints = await rate(2000, (i) =>
        store.checkpoint(job.id, { i, cursor: "abc" }, { ...progress, done: i }),
      );
      const lifecycles = await rate(2000, async () => {
        const { id } = await store.create({ extensionId: "m.x", jobName: "j", input: { n: 1 } });
        await store.transition(id, ["queued"], "running");
        await store.transition(id, ["running"], "completed", { result: { ok: true } });
      });
      const kvSets = await rate(1000, (i) => store.kv.set("m.x", `k${i % 1000}`, { i }));
      const kvGets = await rate(1000, (i) => store.kv.get("m.x", `k${i % 1000}`));
      console.log(
        `synchronous=${durability}: ${checkpoints} checkpoints/s, ${lifecycles} jobs created+started+completed/s, ` +
          `${kvSets} kv sets/s, ${kvGets} kv gets/s`,
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
