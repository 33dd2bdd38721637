// `pnpm bench`: Kiln's speed, measured as figures with a baseline from the same run (ratios, not
// absolute times, are what to compare across machines). Runs the built packages (turbo builds
// them first). Nothing here asserts a time.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExtensionHost, SqliteJobStore } from "@kiln/host";
import { compileSource, PluginInstance } from "@kiln/javy-plugin";
import { buildExtension } from "../dist/index.js";

const root = new URL("../../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "kiln-bench-"));
const dist = join(work, "dist");
const rows = [];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const report = (name, value, unit, baseline) => {
  rows.push({ name, value, unit, baseline });
  const ratio = baseline
    ? `  (${(value / baseline.value).toFixed(2)}× ${baseline.name}: ${fmt(baseline.value)} ${unit})`
    : "";
  console.log(`${name.padEnd(48)} ${fmt(value).padStart(10)} ${unit}${ratio}`);
};
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
const time = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

try {
  // --- build -------------------------------------------------------------------------------
  const projectDir = join(root, "extensions/test-extension");
  await buildExtension({ projectDir, outDir: dist }); // warms ts-morph, esbuild, the plugin
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push(await time(() => buildExtension({ projectDir, outDir: dist })));
  const buildWarm = { name: "in-process warm build", value: median(warm) };
  // Cold `kiln build` and `kiln run` processes are measured by @kiln/cli's bench.
  report("buildExtension, warm (in process)", buildWarm.value, "ms");

  // --- plugin: evaluate once vs re-evaluate (Javy) ---------------------------------------
  // A module shaped like a small bundle: top-level declarations and set-up, then the export.
  const body = Array.from({ length: 100 }, (_, i) => `function helper${i}(x) { return x * ${i} + 1; }`).join("\n");
  const table = `const table = [${Array.from({ length: 100 }, (_, i) => `helper${i}(${i})`).join(", ")}];`;
  const src = (tag) => `${body}\n${table}\nconst tag = "${tag}"; let n = 0; export function tick() { n++; }`;
  const [a, b] = [await compileSource(src("a")), await compileSource(src("b"))];
  const plugin = await PluginInstance.create();
  plugin.invoke(a, "tick");
  // Rounds alternate the two loops so that JIT warm-up and GC fall on both alike. Few calls per
  // round: every re-evaluation leaves one more module in the QuickJS context.
  const N = 300;
  const onceRounds = [];
  const reRounds = [];
  for (let round = 0; round < 7; round++) {
    reRounds.push(
      (await time(() => {
        for (let i = 0; i < N; i++) plugin.invoke(i % 2 ? a : b, "tick");
      })) / N,
    );
    onceRounds.push(
      (await time(() => {
        for (let i = 0; i < N; i++) plugin.invoke(a, "tick");
      })) / N,
    );
  }
  const [once, re] = [median(onceRounds), median(reRounds)];
  const reEval = { name: "re-evaluating each call (as Javy)", value: re * 1000 };
  report("plugin warm invoke, 100-function module", once * 1000, "µs", reEval);

  // --- host: load → first log line ---------------------------------------------------------
  const loads = [];
  for (let i = 0; i < 7; i++) {
    let first;
    const host = new ExtensionHost({ logger: () => (first ??= performance.now()) });
    const t = performance.now();
    await host.load(dist);
    loads.push(first - t);
    await host.close();
  }
  const instantiate = [];
  for (let i = 0; i < 7; i++) instantiate.push(await time(() => PluginInstance.create()));
  report("host.load → first log line (init)", median(loads), "ms", {
    name: "plugin instantiate on main thread",
    value: median(instantiate),
  });

  // --- ctx.call round trip -------------------------------------------------------------------
  {
    const host = new ExtensionHost({ logger: () => {}, rateLimit: false });
    const stamps = [];
    host.operations.register({
      name: "test.echo",
      permission: "test.echo",
      handler: (input) => {
        stamps.push(process.hrtime.bigint());
        return input;
      },
    });
    await host.load(dist, { permissions: "*" });
    await host.run("test-extension", "ping", { n: 200 });
    stamps.length = 0;
    await host.run("test-extension", "ping", { n: 3000 });
    const gaps = stamps.slice(1).map((s, i) => Number(s - stamps[i]) / 1000);
    const t = performance.now();
    await host.run("test-extension", "ping", { n: 3000, interruptChecks: true });
    const inWorker = ((performance.now() - t) * 1000) / 3000;
    // The registry alone (permission check, validation, handler), on the main thread.
    const registry = host.operations;
    const caller = {
      extensionId: "test-extension",
      manifest: host.manifest("test-extension"),
      grants: { permissions: new Set(["test.echo"]), folders: {} },
      signal: new AbortController().signal,
      kv: host.store.kv,
    };
    const direct = [];
    for (let i = 0; i < 3000; i++) {
      const t0 = performance.now();
      await registry.call("test.echo", { i }, caller);
      direct.push((performance.now() - t0) * 1000);
    }
    report("operation registry call alone (median)", median(direct), "µs");
    report("ctx.call round trip to a trivial op (median)", median(gaps), "µs", {
      name: "in-worker runtime call",
      value: inWorker,
    });
    await host.close();
  }

  // --- jobs per second --------------------------------------------------------------------
  const jobsPerSecond = async (store) => {
    const host = new ExtensionHost({ logger: () => {}, store, maxConcurrentJobs: 4 });
    await host.load(dist);
    await host.jobs.wait(await host.jobs.dispatch("test-extension", "counter", { to: 0 }));
    const n = 200;
    const t = performance.now();
    const ids = [];
    for (let i = 0; i < n; i++) ids.push(await host.jobs.dispatch("test-extension", "counter", { to: 0 }));
    await Promise.all(ids.map((id) => host.jobs.wait(id)));
    const perSecond = n / ((performance.now() - t) / 1000);
    await host.close();
    return perSecond;
  };
  const memory = await jobsPerSecond(":memory:");
  const normal = await jobsPerSecond(SqliteJobStore.open(join(work, "normal.db"), { durability: "normal" }));
  const full = await jobsPerSecond(join(work, "full.db"));
  const base = { name: "in-memory store", value: memory };
  report("no-op jobs/s, dispatch→complete, disk (FULL)", full, "jobs/s", base);
  report("no-op jobs/s, dispatch→complete, disk (NORMAL)", normal, "jobs/s", base);

  // --- resume after a kill ------------------------------------------------------------------
  {
    const db = join(work, "kill.db");
    const child = spawn(
      process.execPath,
      [
        join(root, "packages/cli/bin/kiln.js"),
        "run",
        dist,
        "steps",
        "--input",
        '{"steps":50,"stepMs":20}',
        "--store",
        db,
      ],
      { stdio: "ignore" },
    );
    const watcher = SqliteJobStore.open(db);
    for (;;) {
      const [job] = await watcher.list();
      if (job && job.checkpointSeq >= 5) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    await watcher.close();
    const t = performance.now();
    let resumedAt;
    const host = new ExtensionHost({ store: db, logger: () => {} });
    host.jobs.on("progress", () => (resumedAt ??= performance.now()));
    await host.load(dist);
    const [job] = await host.jobs.recover({ resume: true });
    const done = await host.jobs.wait(job.id);
    const total = performance.now() - t;
    await host.close();
    report("resume after SIGKILL: restart → first progress", resumedAt - t, "ms", {
      name: "whole resumed run",
      value: total,
    });
    if (done.state !== "completed") throw new Error(`resumed job ended ${done.state}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
