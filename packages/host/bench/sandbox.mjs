// `pnpm bench` (host): what the sandbox's limits cost and how fast its stops are. Figures with a
// baseline from the same run; nothing here asserts a time. Runs the built package (turbo builds it).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileSource, emitDynamicModule, jsExportName, PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import { ExtensionHost } from "../dist/index.js";

const work = mkdtempSync(join(tmpdir(), "kiln-bench-sandbox-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const line = (name, value, unit, extra = "") =>
  console.log(`${name.padEnd(56)} ${fmt(value).padStart(9)} ${unit}${extra}`);

const JOBS = ["spin", "fib", "bomb", "count"];
const SOURCE = `
const complete = (value) => __kiln.call("$complete", JSON.stringify({ value }));
let runs = 0;
export function kilnInit() {}
export function kilnCleanup() {}
export function jobSpin() { for (;;) {} }
export function jobFib() { const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2)); complete(fib(27)); }
export function jobBomb() { const a = []; try { for (;;) a.push("x".repeat(1 << 20)); } catch (e) { a.length = 0; complete(String(e)); } }
export function jobCount() { complete(++runs); }
`;

async function makeExtension(id) {
  const bytecode = await compileSource(SOURCE);
  const exports = [
    { wasmName: "kiln-init", jsName: "kilnInit" },
    { wasmName: "kiln-cleanup", jsName: "kilnCleanup" },
    ...JOBS.map((j) => ({ wasmName: `job-${j}`, jsName: jsExportName(`job-${j}`) })),
  ];
  const module = await emitDynamicModule({ bytecode, exports });
  const dir = mkdtempSync(join(work, `${id}-`));
  writeFileSync(join(dir, "extension.wasm"), module);
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({
      manifestVersion: 1,
      id,
      name: id,
      version: "1.0.0",
      permissions: [],
      jobs: JOBS.map((name) => ({ name, export: `job-${name}` })),
      hooks: { init: "kiln-init", cleanup: "kiln-cleanup" },
      module: {
        file: "extension.wasm",
        sha256: createHash("sha256").update(module).digest("hex"),
        plugin: PLUGIN_NAMESPACE,
      },
      generator: "bench",
    }),
  );
  return dir;
}

try {
  const dir = await makeExtension("bench-sandbox");
  const host = new ExtensionHost({ logger: () => {}, killAfterMs: 60_000 });
  await host.load(dir);

  // Cancel → stopped: from `cancel()` to the job's terminal state, the instance kept.
  const cancelMs = [];
  for (let i = 0; i < 20; i++) {
    const id = await host.jobs.dispatch("bench-sandbox", "spin");
    await host.jobs.wait(id, ["running"]);
    await new Promise((r) => setTimeout(r, 20));
    const t = performance.now();
    await host.jobs.cancel(id);
    await host.jobs.wait(id);
    cancelMs.push(performance.now() - t);
  }
  line("cancel of a spinning job → cancelled (median)", median(cancelMs), "ms", `  worst ${fmt(max(cancelMs))} ms`);

  // Deadline → stopped: how far past its deadline a runaway `host.run` rejects.
  const overshoot = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await host.run("bench-sandbox", "spin", null, { timeoutMs: 50 }).catch(() => undefined);
    overshoot.push(performance.now() - t - 50);
  }
  line("deadline overshoot, timeoutMs 50 (median)", median(overshoot), "ms", `  worst ${fmt(max(overshoot))} ms`);

  // The instruction budget: the interrupt handler runs either way; a budget only adds a compare.
  const plain = [];
  const metered = [];
  const budgeted = new ExtensionHost({ logger: () => {}, limits: { instructions: 1e12 } });
  await budgeted.load(await makeExtension("bench-budget"));
  for (let round = 0; round < 7; round++) {
    let t = performance.now();
    await host.run("bench-sandbox", "fib");
    plain.push(performance.now() - t);
    t = performance.now();
    await budgeted.run("bench-budget", "fib");
    metered.push(performance.now() - t);
  }
  line("fib(27), no instruction budget (median)", median(plain), "ms");
  line(
    "fib(27), with an instruction budget (median)",
    median(metered),
    "ms",
    `  (${(median(metered) / median(plain)).toFixed(3)}× without)`,
  );
  await budgeted.close();

  // Memory after an allocation bomb (memoryMiB 64): the instance's Wasm memory, then recycled.
  const bombHost = new ExtensionHost({ logger: () => {}, limits: { memoryMiB: 64 }, recycleMemoryMiB: 1024 });
  await bombHost.load(await makeExtension("bench-bomb"));
  const recycling = new ExtensionHost({ logger: () => {}, limits: { memoryMiB: 64 }, recycleMemoryMiB: 32 });
  await recycling.load(await makeExtension("bench-recycle"));
  await bombHost.run("bench-bomb", "count");
  await recycling.run("bench-recycle", "count");
  console.log(`bomb result: ${await bombHost.run("bench-bomb", "bomb")}`);
  const kept = await bombHost.run("bench-bomb", "count");
  await recycling.run("bench-recycle", "bomb");
  const fresh = await recycling.run("bench-recycle", "count");
  console.log(
    `after the bomb: the kept instance counts ${kept} (2: same instance); with recycleMemoryMiB 32 the next job counts ${fresh} (1: a fresh instance)`,
  );
  await bombHost.close();
  await recycling.close();
  await host.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
