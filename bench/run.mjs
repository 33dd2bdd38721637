#!/usr/bin/env node
// `pnpm bench`: Kiln against its peers, every figure in a child process of its own, in interleaved
// rounds (Kiln, peer A, peer B, Kiln, ...), medians with their spread, ratios Kiln ÷ peer from the
// same run. Writes bench/results/<timestamp>.{json,md} and latest.{json,md}. See docs/benchmarks.md.
//
//   node bench/run.mjs [--quick] [--only <row>[,<row>...]] [--rounds <n>] [--no-install] [--label <text>] [--list]
//   node bench/run.mjs --render <results.json>
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CPU_PARTS } from "./fixtures/guest.mjs";
import { BENCH, geomean, KILN_BIN, median, percentile, RESULT_PREFIX, RESULTS, ROOT, WORK } from "./lib/common.mjs";
import { buildKilnExtension } from "./lib/kiln-fixture.mjs";
import { ensurePeers, PEER_SPECS } from "./lib/peers.mjs";

const { values: args } = parseArgs({
  // `pnpm bench -- --quick` passes the `--` along: it is not an end of options here.
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    rounds: { type: "string" },
    "no-install": { type: "boolean", default: false },
    list: { type: "boolean", default: false },
    render: { type: "string" },
    label: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
const quick = args.quick;
if (args.rounds !== undefined && !(Number.isInteger(Number(args.rounds)) && Number(args.rounds) > 0)) {
  process.stderr.write(`--rounds takes a whole number ≥ 1, got "${args.rounds}"\n`);
  process.exit(2);
}
const GiB2 = 2 * 2 ** 30;
const log = (line) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// The rows. A column runs a scenario script (`node <engine>.mjs <scenario> <json>`) or, for the
// process rows, a command the driver times itself. The first Kiln column of a row is the one the
// ratios use. `lower`/`higher`: which way is better.

const M = (key, label, unit, better = "lower") => ({ key, label, unit, better });
const kiln = (scenario, opts, label) => ({ engine: "kiln", scenario, opts, label });
const peer = (engine, scenario, opts, label) => ({
  engine,
  scenario,
  opts,
  label: label ?? PEER_SPECS[engine].label,
  // Extism runs no JavaScript here: shown, but never the summary's "best peer".
  ...(engine === "extism" ? { noEngine: true } : {}),
});
/** The comparator the issue's targets name: quickjs-emscripten with a Wasm instance of its own. */
const QJS_OWN = "quickjs-emscripten 0.32 (own Wasm instance)";
const EXTISM = "Extism JS 1.0.3 (minimal Wasm plugin, no JS engine)";
const JAVY = "Javy (fresh plugin instance per call)";

function rows(template, dist) {
  const n = (q, f) => (quick ? q : f);
  const fresh = { count: n(4, 12) };
  const warm = { calls: n(200, 2000) };
  const calls = { n: n(2000, 10000) };
  const cpu = { reps: n(1, 3) };
  const first = { steady: n(5, 9) };
  const memory = { count: n(10, 100), limitBytes: GiB2 };
  const runaway = { samples: n(1, 3) };
  const jobs = { jobs: n(100, 500) };
  const dispatch = { batch: n(200, 500), reps: n(6, 12) };
  const withT = (o) => ({ template, ...o });
  const node = (argv, label, engine = "node") => ({ engine, spawn: argv, label });
  const script = (engine) => [join(BENCH, "scenarios", `${engine}.mjs`), "cold"];
  return [
    {
      id: "fresh",
      title: "Fresh instance → first result",
      what: "Kiln: `host.load` of a tiny extension (its folder written before the clock starts), then a no-op job (`host.run`), the plugin already compiled. Peers: a new context/isolate/plugin, an eval, its result.",
      metrics: [M("ms", "median of the loads in one process", "ms")],
      rounds: n(2, 5),
      columns: [
        kiln("fresh", withT(fresh), "Kiln (host.load + no-op job)"),
        peer("quickjs-emscripten", "fresh", fresh, QJS_OWN),
        peer(
          "quickjs-emscripten",
          "fresh",
          { ...fresh, shared: true },
          "quickjs-emscripten 0.32 (shared Wasm instance)",
        ),
        peer("quickjs-wasi", "fresh", fresh),
        peer("isolated-vm", "fresh", fresh),
        peer("extism", "fresh", fresh, EXTISM),
        peer("javy", "fresh", fresh, JAVY),
      ],
    },
    {
      id: "warm",
      title: "Warm call, 0.5 KB JSON in and out",
      what: "Kiln: `host.run` of a loaded extension's job that parses its input and returns it changed. Peers: the same function called with the JSON text; the host parses the result. Each engine first makes such calls unmeasured for 1.5 s.",
      metrics: [M("us", "mean per call", "µs")],
      rounds: n(2, 5),
      columns: [
        kiln("warm", withT(warm), "Kiln (host.run)"),
        peer("quickjs-emscripten", "warm", warm),
        peer("quickjs-wasi", "warm", warm),
        peer("isolated-vm", "warm", warm),
        peer("extism", "warm", warm, "Extism JS 1.0.3 (minimal Wasm plugin echoes the bytes)"),
        peer("extism", "warm", { ...warm, worker: true }, "Extism JS 1.0.3 (same, runInWorker)"),
        peer("javy", "warm", { calls: n(20, 200) }, JAVY),
      ],
    },
    {
      id: "hostcall",
      summary: [0, 1, 2],
      title: "Guest → host call",
      what: "A guest loop of N calls to a host function that does nothing, minus the same loop of 0 calls, ÷ N, after 1.5 s of unmeasured loops (V8 optimising the engine's code). Kiln: raw `__kiln.call` to an operation the application registered (main thread), to `$interrupted` (answered in the worker) and to `$progress` (answered in the worker, passed on to the main thread without a wait); rate limit off.",
      metrics: [M("us", "per call", "µs")],
      rounds: n(2, 5),
      columns: [
        kiln("hostcall", withT({ ...calls, op: "app" }), "Kiln (app operation, ctx.call path)"),
        kiln("hostcall", withT({ ...calls, op: "worker" }), "Kiln (`$interrupted`, answered in the worker)"),
        kiln("hostcall", withT({ ...calls, op: "progress" }), "Kiln (`$progress`, answered in the worker)"),
        peer("quickjs-emscripten", "hostcall", calls),
        peer("quickjs-wasi", "hostcall", calls),
        peer("isolated-vm", "hostcall", calls, "isolated-vm 5.0 (ivm.Callback)"),
        peer("extism", "hostcall", calls, EXTISM),
        peer("javy", "hostcall", calls, "Javy (the plugin's `log` import)"),
      ],
    },
    {
      id: "eventloop",
      title: "The event loop (Kiln only)",
      what: "An awaited asynchronous host call (`__kiln.callAsync`, the SDK's `ctx.call`) against the blocking `__kiln.call` to the same trivial operation; an awaited `setTimeout(0)`; how late 1,000 timers of 1–10 ms fire, in ten chains of awaited timers (median, p99); ten operations that each answer after 100 ms, awaited with `Promise.all`.",
      metrics: [
        M("blocking", "blocking call", "µs"),
        M("async", "async call", "µs"),
        M("timeout0", "setTimeout(0)", "µs"),
        M("lateMedian", "timer late, median", "ms"),
        M("lateP99", "timer late, p99", "ms"),
        M("concurrent", "10 × 100 ms, Promise.all", "ms"),
      ],
      rounds: n(1, 3),
      columns: [kiln("eventloop", withT({ n: n(1000, 5000), timers: n(200, 1000) }), "Kiln")],
    },
    {
      id: "cpu",
      title: "CPU mix",
      what: "fib(27); 100 KB JSON parse + stringify ×10; regular expressions over 100 KB ×5; string building. Each part runs unmeasured for 1.5 s (V8 optimising the engine's code), then the median of the runs in the process; geomean of the four.",
      metrics: [M("geomean", "geomean of the parts", "ms"), ...CPU_PARTS.map((p) => M(p, p, "ms"))],
      rounds: n(2, 5),
      columns: [
        kiln("cpu", withT(cpu), "Kiln (host.run)"),
        peer("quickjs-emscripten", "cpu", cpu),
        peer("quickjs-wasi", "cpu", cpu),
        peer("isolated-vm", "cpu", cpu, "isolated-vm 5.0 (V8, JIT)"),
        peer("javy", "cpu", cpu, JAVY),
      ],
      derive: (m) => ({ ...m, geomean: geomean(CPU_PARTS.map((p) => m[p])) }),
    },
    {
      id: "firstcall",
      title: "First-call penalty",
      what: "In a fresh process, after the load: the first call of a small mixed function (fib 20, 10 KB JSON, a regex) against the median of the later half of its next calls.",
      metrics: [M("first", "first call", "ms"), M("steady", "steady call", "ms"), M("penalty", "first ÷ steady", "×")],
      rounds: n(2, 5),
      columns: [
        kiln("firstcall", withT(first), "Kiln (host.run)"),
        peer("quickjs-emscripten", "firstcall", first),
        peer("quickjs-wasi", "firstcall", first),
        peer("isolated-vm", "firstcall", first),
        peer("javy", "firstcall", first, JAVY),
      ],
      derive: (m) => ({ ...m, penalty: m.first / m.steady }),
    },
    {
      id: "memory",
      title: "Memory per idle loaded extension",
      what: `RSS growth over ${memory.count} loads (each with the guest code evaluated), after a full GC, ÷ the count; how many fit in a 2 GiB process, extrapolated from the RSS before the loads. Kiln's baseline is taken after a quarter as many loads, once its pool's workers (a fixed cost of the host, one per core) have started.`,
      metrics: [M("kib", "per instance", "KiB"), M("fit", "fit in 2 GiB", "", "higher")],
      rounds: n(2, 5),
      columns: [
        kiln("memory", withT(memory), "Kiln (host.load)"),
        peer("quickjs-emscripten", "memory", memory, QJS_OWN),
        peer(
          "quickjs-emscripten",
          "memory",
          { ...memory, shared: true },
          "quickjs-emscripten 0.32 (shared Wasm instance)",
        ),
        peer("quickjs-wasi", "memory", memory),
        peer("isolated-vm", "memory", memory),
        peer("extism", "memory", memory, EXTISM),
        peer("javy", "memory", memory, "Javy (plugin instance, program evaluated)"),
      ],
    },
    {
      id: "fill",
      title: "Extensions loaded until 2 GiB",
      what: "Kiln only, full runs only (or `--only fill`): `host.load` until the process's RSS reaches 2 GiB, bounded at 60 s.",
      metrics: [M("loaded", "loaded", "", "higher"), M("seconds", "took", "s")],
      rounds: 1,
      fullOnly: true,
      timeoutMs: 150_000,
      columns: [kiln("fill", withT({ limitBytes: GiB2, timeMs: 60_000 }), "Kiln (host.load until 2 GiB RSS)")],
    },
    {
      id: "cold",
      title: "Cold process → first result",
      what: "A new `node` process: until the result is printed, and until the process has exited. Kiln: `kiln run <dist> noop` (the CLI binary); peers: a script that loads the library, makes one instance and prints one result.",
      metrics: [M("result", "to result", "ms"), M("exit", "to exit", "ms")],
      rounds: n(2, 7),
      columns: [
        node([KILN_BIN, "run", dist, "noop"], "Kiln (`kiln run <dist> noop`)", "kiln"),
        node(script("quickjs-emscripten"), PEER_SPECS["quickjs-emscripten"].label, "quickjs-emscripten"),
        node(script("quickjs-wasi"), PEER_SPECS["quickjs-wasi"].label, "quickjs-wasi"),
        node(script("isolated-vm"), PEER_SPECS["isolated-vm"].label, "isolated-vm"),
        node(script("extism"), EXTISM, "extism"),
        node(script("javy"), JAVY, "javy"),
        node(["-e", "console.log(2)"], "node -e (Node alone, baseline)"),
      ],
    },
    {
      id: "runaway",
      summary: [0, 1],
      title: "Runaway stop latency",
      what: "`for(;;){}`. Deadline: how far past a 50 ms limit the call returns (Kiln: `host.run` with `timeoutMs: 50`). Cancel: Kiln's `jobs.cancel()` of a running job → its terminal state. Default host options.",
      metrics: [M("ms", "past the deadline / after the cancel", "ms")],
      rounds: n(2, 5),
      columns: [
        kiln("runaway", withT({ ...runaway, mode: "deadline" }), "Kiln (timeoutMs 50 → rejected)"),
        kiln("runaway", withT({ ...runaway, mode: "cancel" }), "Kiln (jobs.cancel → cancelled)"),
        peer("quickjs-emscripten", "runaway", runaway, "quickjs-emscripten 0.32 (interrupt handler)"),
        peer("quickjs-wasi", "runaway", runaway, "quickjs-wasi 3.6 (interrupt handler)"),
        peer("isolated-vm", "runaway", runaway, "isolated-vm 5.0 (timeout)"),
      ],
    },
    {
      id: "jobs",
      // The warm no-op job's latency (1 concurrent, memory) and the durable throughput (4, disk).
      summary: quick ? [0, 3] : [0, 5],
      title: "Jobs per second (Kiln)",
      what: "No-op jobs through `jobs.dispatch` → `jobs.wait`, with c closed loops (c = `maxConcurrentJobs` = the extension's `concurrentJobs`), or a burst dispatched at once. Memory: the default in-memory store; disk: a SQLite file with the default durability (WAL, synchronous=FULL). A second of unmeasured jobs first (V8 optimising the host's code).",
      metrics: [M("perSecond", "jobs/s", "/s", "higher"), M("us", "dispatch → completed (median)", "µs")],
      rounds: n(2, 5),
      // A quick run keeps the ends of the range: 1 and 4 concurrent, one burst.
      columns: (quick ? [1, 4] : [1, 2, 4])
        .flatMap((c) =>
          ["memory", "disk"].map((store) =>
            kiln("jobs", withT({ ...jobs, concurrency: c, store }), `Kiln, ${store}, ${c} concurrent`),
          ),
        )
        .concat(
          (quick ? ["memory"] : ["memory", "disk"]).map((store) =>
            kiln(
              "jobs",
              withT({ burst: n(100, 300), concurrency: 4, store }),
              `Kiln, ${store}, burst of ${n(100, 300)} queued, 4 slots`,
            ),
          ),
        ),
    },
    {
      id: "dispatch",
      title: "Input check at dispatch (Kiln)",
      what: "`jobs.dispatch` of a no-op job with a typical object input (five fields, a nested object, a short array): once with a matching input schema in the manifest (draft 2020-12, `additionalProperties: false`, bounds, an enum), once with `{}` (no check), in alternating bursts of dispatches made at once (the store commits a burst together), one job slot, each burst's jobs finished before the next. µs per dispatch, median of the bursts; the check's cost is the difference (within the noise when it is below a microsecond).",
      metrics: [M("without", "schema `{}`", "µs"), M("with", "object schema", "µs"), M("cost", "difference", "µs")],
      rounds: n(2, 3),
      columns: [kiln("dispatch", withT(dispatch), "Kiln, memory store")],
    },
    {
      id: "build",
      title: "`kiln build`, warm",
      what: "The CLI binary building bench/fixtures/build-ext (2 jobs) in a new process, after one unmeasured build (warm file cache).",
      metrics: [M("exit", "process → exit", "ms")],
      rounds: n(2, 5),
      warmup: true,
      columns: [
        node(
          [KILN_BIN, "build", join(BENCH, "fixtures", "build-ext"), "--out", join(WORK, "build-out")],
          "Kiln (`kiln build`)",
          "kiln",
        ),
      ],
    },
    {
      id: "dev",
      title: "The author's loop: edit → job result (Kiln only)",
      what: "`kiln dev` on a copy of extensions/test-extension running `counter`: a string in src/index.ts edited N times, from each file write to the result line of the run on the new build (median and p90 of the edits, after the first build); the warm rebuild as `kiln build --watch` prints it (`built … in N ms`, the builds after the first) and from the write to that line; the first build and run of `kiln dev` in a cold process.",
      metrics: [
        M("result", "edit → result, median", "ms"),
        M("resultP90", "edit → result, p90", "ms"),
        M("build", "warm rebuild (--watch), median", "ms"),
        M("toBuilt", "edit → built line (--watch), median", "ms"),
        M("first", "first build + run (cold)", "ms"),
      ],
      // Each round is already N edits of one process each (dev and --watch).
      rounds: n(1, 2),
      timeoutMs: 300_000,
      columns: [
        {
          engine: "kiln",
          script: join(ROOT, "packages", "cli", "bench", "dev-loop.mjs"),
          scenario: "dev",
          opts: { edits: n(10, 20) },
          label: "Kiln (`kiln dev`, `kiln build --watch`)",
        },
      ],
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Running one figure.

function runChild(argv, { timeoutMs = 180_000 } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let resultAt;
    child.stdout.on("data", (d) => {
      stdout += d;
      // Every cold script and `kiln run … noop` print the result 2 on a line of its own.
      if (resultAt === undefined && /^2$/m.test(stdout)) resultAt = performance.now() - started;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, exitMs: performance.now() - started, resultAt });
    });
  });
}

const tail = (text) => text.trim().split("\n").slice(-4).join(" | ").slice(0, 500);

/** One sample of one column: its metrics, or an error. */
async function sample(row, column) {
  if (column.spawn) {
    const r = await runChild(column.spawn, { timeoutMs: row.timeoutMs ?? 60_000 });
    if (r.code !== 0) return { error: `exit ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout)}` };
    return { metrics: { ...(r.resultAt === undefined ? {} : { result: r.resultAt }), exit: r.exitMs } };
  }
  // A column may name its own script (a package's benchmark), run the same way as a scenario.
  const script = column.script ?? join(BENCH, "scenarios", `${column.engine}.mjs`);
  const r = await runChild(["--expose-gc", script, column.scenario, JSON.stringify(column.opts)], {
    timeoutMs: row.timeoutMs ?? 180_000,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) return { error: `exit ${r.code ?? r.signal}, no result: ${tail(r.stderr || r.stdout)}` };
  const { metrics, notes } = JSON.parse(line.slice(RESULT_PREFIX.length));
  return { metrics: row.derive ? row.derive(metrics) : metrics, notes };
}

function stats(xs) {
  return {
    n: xs.length,
    median: median(xs),
    min: Math.min(...xs),
    max: Math.max(...xs),
    p10: percentile(xs, 10),
    p90: percentile(xs, 90),
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting.

function fmt(value, unit) {
  if (value === undefined || Number.isNaN(value)) return "—";
  if (unit === "" || unit === "/s") return Math.round(value).toLocaleString("en-US");
  const a = Math.abs(value);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return value.toFixed(digits);
}
const withUnit = (v, unit) => (unit && unit !== "/s" ? `${fmt(v, unit)} ${unit}` : fmt(v, unit));
const spread = (s, unit) => (s.n > 1 ? `${fmt(s.min, unit)}–${fmt(s.max, unit)}` : "");
const ratio = (r) => (r === undefined || !Number.isFinite(r) ? "" : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`);

function markdown(result) {
  const { meta } = result;
  const out = [];
  out.push(`# Kiln benchmark suite — ${meta.date}`, "");
  out.push(
    `${meta.mode} run, ${meta.seconds} s. Node ${meta.node}, ${meta.cpus}× ${meta.cpuModel}, ${meta.memGiB} GiB. ` +
      `Kiln at ${meta.kiln.commit}${meta.kiln.dirty ? " (with uncommitted changes)" : ""}.`,
    "",
  );
  out.push(
    "Medians over rounds; spread is min–max over the rounds; every sample is a process of its own, " +
      "and the rounds interleave the columns. Kiln ÷ peer: the row's first Kiln column over that peer, " +
      "from this run (below 1× Kiln is faster or smaller; for “higher is better” figures, above 1× Kiln is ahead).",
    "",
  );
  const off = Object.entries(meta.peers).filter(([, p]) => !p.available);
  if (off.length) {
    out.push("Unavailable peers:", "");
    for (const [name, p] of off) out.push(`- ${name}: ${p.reason}`);
    out.push("");
  }
  // The summary: per row and figure, Kiln against the best JS engine of this run and against
  // quickjs-emscripten (the first of its columns: its own Wasm instance where the row has both).
  out.push(
    "## Summary",
    "",
    "| measure | Kiln | best JS peer | Kiln ÷ best | Kiln ÷ quickjs-emscripten |",
    "|---|---|---|---|---|",
  );
  for (const row of result.rows) {
    const kilns = row.columns.filter((c) => c.engine === "kiln");
    const shown = row.summary ? row.summary.map((i) => kilns[i]).filter(Boolean) : kilns.slice(0, 1);
    for (const first of shown)
      for (const m of row.metrics) {
        const k = first.stats[m.key];
        const peers = row.columns.filter((c) => c.engine !== "kiln" && c.engine !== "node" && !c.noEngine);
        const ranked = peers
          .filter((c) => c.stats[m.key])
          .sort((a, b) =>
            m.better === "higher"
              ? b.stats[m.key].median - a.stats[m.key].median
              : a.stats[m.key].median - b.stats[m.key].median,
          );
        const best = ranked[0];
        const qjs = peers.find((c) => c.engine === "quickjs-emscripten" && c.stats[m.key]);
        const which = kilns.length > 1 ? ` (${first.label})` : "";
        out.push(
          `| ${row.title}${which}: ${m.label} | ${k ? withUnit(k.median, m.unit) : "failed"} | ${
            best ? `${withUnit(best.stats[m.key].median, m.unit)} (${best.label})` : "—"
          } | ${k && best ? ratio(k.median / best.stats[m.key].median) : ""} | ${
            k && qjs ? ratio(k.median / qjs.stats[m.key].median) : ""
          } |`,
        );
      }
  }
  out.push("");
  for (const row of result.rows) {
    out.push(
      `## ${row.title}`,
      "",
      `${row.what} ${row.rounds} round${row.rounds === 1 ? "" : "s"}, ${row.seconds} s.`,
      "",
    );
    const hasPeers = row.columns.some((c) => c.engine !== "kiln");
    const head = row.metrics.flatMap((m) => [
      `${m.label}${m.unit && m.unit !== "/s" ? ` (${m.unit})` : ""}`,
      "spread",
      ...(hasPeers ? ["Kiln ÷"] : []),
    ]);
    out.push(`| | ${head.join(" | ")} |`, `|---|${head.map(() => "---").join("|")}|`);
    for (const c of row.columns) {
      const cells = row.metrics.flatMap((m) => {
        const s = c.stats[m.key];
        if (!s) return [c.error ? "failed" : c.unavailable ? "unavailable" : "—", "", ...(hasPeers ? [""] : [])];
        return [fmt(s.median, m.unit), spread(s, m.unit), ...(hasPeers ? [ratio(c.ratio?.[m.key])] : [])];
      });
      out.push(`| ${c.label} | ${cells.join(" | ")} |`);
    }
    const notes = row.columns.flatMap((c) => [
      ...(c.unavailable ? [`${c.label}: unavailable, ${c.unavailable}`] : []),
      ...(c.error ? [`${c.label}: ${c.error}`] : []),
      ...(c.notes ?? []).map((n) => `${c.label}: ${n}`),
    ]);
    if (notes.length) out.push("", ...notes.map((n) => `- ${n}`));
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// The run.

async function main() {
  if (args.help) {
    log(
      "node bench/run.mjs [--quick] [--only <row>[,<row>]] [--rounds <n>] [--no-install] [--label <text>] [--list] | --render <json>\nSee docs/benchmarks.md.",
    );
    return;
  }
  if (args.render) {
    // Re-renders a results file's table (after a change to the layout, or from a copied JSON).
    process.stdout.write(markdown(JSON.parse(readFileSync(args.render, "utf8"))));
    return;
  }
  mkdirSync(WORK, { recursive: true });
  const template = join(WORK, "kiln-template");
  const dist = join(WORK, "kiln-dist");
  let all = rows(template, dist);
  if (args.list) {
    for (const r of all) log(`${r.id.padEnd(10)} ${r.title}${r.fullOnly ? " (full runs only)" : ""}`);
    return;
  }
  const only = args.only?.split(",").map((s) => s.trim());
  if (only) {
    const unknown = only.filter((id) => !all.some((r) => r.id === id));
    if (unknown.length) throw new Error(`unknown row(s) ${unknown.join(", ")}; --list shows them`);
    all = all.filter((r) => only.includes(r.id));
  } else if (quick) all = all.filter((r) => !r.fullOnly);
  const started = Date.now();

  const wanted = [...new Set(all.flatMap((r) => r.columns.map((c) => c.engine)))].filter((e) => PEER_SPECS[e]);
  const peers = await ensurePeers(
    Object.keys(PEER_SPECS).filter((p) => wanted.includes(p)),
    { install: !args["no-install"], log },
  );
  for (const [name, p] of Object.entries(peers)) if (!p.available) log(`peer ${name} unavailable: ${p.reason}`);

  log("building the Kiln fixture ...");
  try {
    rmSync(template, { recursive: true, force: true });
    await buildKilnExtension(template, "bench-template");
    // `kiln run <dist>` loads this folder under the id in its manifest.
    mkdirSync(dist, { recursive: true });
    for (const f of ["manifest.json", "extension.wasm"]) copyFileSync(join(template, f), join(dist, f));
  } catch (error) {
    throw new Error(`cannot build the Kiln fixture (is the repo built? \`pnpm build\`): ${error.stack ?? error}`);
  }

  const result = { meta: {}, rows: [] };
  for (const row of all) {
    const rounds = args.rounds ? Number(args.rounds) : row.rounds;
    const rowStarted = Date.now();
    log(`\n${row.id}: ${row.title} (${rounds} round${rounds === 1 ? "" : "s"})`);
    const columns = row.columns.map((c) => ({
      ...c,
      samples: {},
      notes: [],
      ...(peers[c.engine] && !peers[c.engine].available ? { unavailable: peers[c.engine].reason } : {}),
    }));
    if (row.warmup) for (const c of columns) if (!c.unavailable) await sample(row, c);
    for (let round = 0; round < rounds; round++) {
      for (const c of columns) {
        if (c.unavailable) continue;
        const s = await sample(row, c);
        if (s.error) {
          c.errors = [...(c.errors ?? []), s.error];
          log(`  ${c.label}: ${s.error}`);
          continue;
        }
        for (const [k, v] of Object.entries(s.metrics)) {
          c.samples[k] ??= [];
          c.samples[k].push(v);
        }
        for (const n of s.notes ?? []) if (!c.notes.includes(n)) c.notes.push(n);
        log(
          `  [${round + 1}/${rounds}] ${c.label}: ${row.metrics
            .map((m) => `${m.key} ${withUnit(s.metrics[m.key], m.unit)}`)
            .join(", ")}`,
        );
      }
    }
    for (const c of columns) {
      c.stats = Object.fromEntries(Object.entries(c.samples).map(([k, xs]) => [k, stats(xs)]));
      if (c.errors && !Object.keys(c.stats).length) c.error = c.errors[0];
      else if (c.errors) c.notes.push(`${c.errors.length} of ${rounds} rounds failed: ${c.errors[0]}`);
    }
    const base = columns.find((c) => c.engine === "kiln");
    for (const c of columns) {
      if (!base || c.engine === "kiln") continue;
      c.ratio = Object.fromEntries(
        row.metrics
          .filter((m) => base.stats[m.key] && c.stats[m.key])
          .map((m) => [m.key, base.stats[m.key].median / c.stats[m.key].median]),
      );
    }
    result.rows.push({
      id: row.id,
      title: row.title,
      what: row.what,
      rounds,
      ...(row.summary ? { summary: row.summary } : {}),
      seconds: Math.round((Date.now() - rowStarted) / 1000),
      metrics: row.metrics,
      columns: columns.map(({ opts, spawn, ...c }) => ({
        ...c,
        ...(opts ? { options: opts } : {}),
        ...(spawn ? { command: spawn.map((a) => a.replace(ROOT, "")) } : {}),
      })),
    });
  }

  const git = (...a) => {
    try {
      return execFileSync("git", a, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const date = new Date();
  result.meta = {
    date: date.toISOString(),
    mode: quick ? "quick" : "full",
    only: only ?? null,
    seconds: Math.round((Date.now() - started) / 1000),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown CPU",
    memGiB: Math.round(totalmem() / 2 ** 30),
    kiln: {
      // --label names a checkout that is no git work tree (a copy, an archive): "before (73826f5)".
      commit: args.label ?? (git("rev-parse", "--short", "HEAD") || "unknown"),
      dirty: git("status", "--porcelain") !== "",
      // What the host's public face offered: tells a before run from an after run at a glance.
      hostExports: Object.keys(await import("@kiln/host")).sort(),
    },
    peers,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = date.toISOString().replace(/[:.]/g, "-");
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const md = markdown(result);
  for (const name of [stamp, "latest"]) {
    writeFileSync(join(RESULTS, `${name}.json`), json);
    writeFileSync(join(RESULTS, `${name}.md`), md);
  }
  process.stdout.write(md);
  log(`\nwritten: bench/results/${stamp}.{json,md} (and latest.*), ${result.meta.seconds} s`);
}

main().catch((error) => {
  log(String(error?.stack ?? error));
  process.exit(1);
});
