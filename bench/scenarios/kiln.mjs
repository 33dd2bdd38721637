// Kiln's side of every row, through the public API only (`@kiln/host` as built in packages/host/dist).
// Usage: node --expose-gc kiln.mjs <scenario> '<json options>'; prints one BENCH-RESULT line.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ExtensionHost } from "@kiln/host";
import { CPU_PARTS, WARM_INPUT } from "../fixtures/guest.mjs";
import { cpuMix, fitIn, median, now, report, settle, sleep, WARM_MS, WORK, warmFor } from "../lib/common.mjs";
import {
  BENCH_OPERATION,
  BENCH_PERMISSION,
  BENCH_SLOW_OPERATION,
  cloneKilnExtension,
  DISPATCH_INPUT,
  DISPATCH_INPUT_SCHEMA,
} from "../lib/kiln-fixture.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const scratch = mkdtempSync(join(WORK, "kiln-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

let clones = 0;
/**
 * Loads a fresh copy of the extension under a new id; returns the id. With `schemas` its manifest
 * is version 2 and carries them (a host older than job schemas refuses it).
 */
async function loadCopy(host, options = {}, schemas = undefined) {
  const [id, dir] = copyOf(schemas);
  await host.load(dir, { permissions: "*", ...options });
  return id;
}

/** A fresh copy of the extension, under a new id: [id, folder]. */
function copyOf(schemas = undefined) {
  const id = `bench-${process.pid}-${clones++}`;
  return [id, cloneKilnExtension(opts.template, join(scratch, id), id, schemas)];
}

function newHost(options = {}) {
  const host = new ExtensionHost({ logger: () => {}, ...options });
  // The operation the guest → host row calls: trivial, so the row measures the call path alone.
  host.operations.register({ name: BENCH_OPERATION, permission: BENCH_PERMISSION, handler: () => null });
  host.operations.register({
    name: BENCH_SLOW_OPERATION,
    permission: BENCH_PERMISSION,
    handler: () => new Promise((resolve) => setTimeout(() => resolve(null), 100)),
  });
  return host;
}

const rss = () => process.memoryUsage().rss;

/** How long the jobs row runs unmeasured jobs first. */
const JOBS_WARM_MS = 1000;

const scenarios = {
  /** Fresh instance → first result: `host.load` of a tiny extension, then a no-op job (`host.run`). */
  async fresh() {
    const host = newHost();
    // The first load also compiles the plugin, once per host: not what this row measures.
    await host.run(await loadCopy(host), "noop");
    // Written before the clock starts: a peer makes an instance from code in memory, and what the
    // row compares is the instance, not the file system.
    const copies = Array.from({ length: opts.count }, () => copyOf());
    const ms = [];
    for (const [id, dir] of copies) {
      const t = now();
      await host.load(dir, { permissions: "*" });
      await host.run(id, "noop");
      ms.push(now() - t);
    }
    return { ms: median(ms) };
  },

  /** Warm call: 0.5 KB of JSON in and out of a loaded extension (`host.run`, nothing persisted). */
  async warm() {
    const host = newHost();
    const id = await loadCopy(host);
    await warmFor(WARM_MS, () => host.run(id, "echo", WARM_INPUT));
    const t = now();
    for (let i = 0; i < opts.calls; i++) await host.run(id, "echo", WARM_INPUT);
    return { us: ((now() - t) * 1000) / opts.calls };
  },

  /**
   * Guest → host: a job making `n` raw host calls in a loop. `app`: an operation the application
   * registered (answered on the main thread); `worker`: `$interrupted`, a runtime operation the
   * worker answers itself; `progress`: `$progress`, answered in the worker and passed on to the
   * main thread without waiting. The rate limit is off: this row measures the call path, not the limit.
   */
  async hostcall() {
    const host = newHost({ rateLimit: false });
    const id = await loadCopy(host);
    const { op, payload } = {
      app: { op: BENCH_OPERATION, payload: "{}" },
      worker: { op: "$interrupted", payload: "null" },
      progress: {
        op: "$progress",
        payload: JSON.stringify({ done: 1, total: null, message: null, counters: { items: 0, bytes: 0 } }),
      },
    }[opts.op];
    await warmFor(WARM_MS, () => host.run(id, "calls", { op, payload, n: opts.n }));
    const t0 = now();
    await host.run(id, "calls", { op, payload, n: 0 });
    const empty = now() - t0;
    const t = now();
    await host.run(id, "calls", { op, payload, n: opts.n });
    return { us: ((now() - t - empty) * 1000) / opts.n };
  },

  /**
   * The event loop: an awaited asynchronous host call against the blocking one (same operation,
   * same run), a `setTimeout(0)` round trip, timer lateness over many timers, and ten 100 ms
   * operations awaited together. Rows without an event loop in the checkout report nothing.
   */
  async eventloop() {
    const host = newHost({ rateLimit: false });
    const id = await loadCopy(host);
    const perCall = async (job, n) => {
      // A full run first: until V8 has tiered up the plugin, a call costs several times more.
      await host.run(id, job, { op: BENCH_OPERATION, n });
      const t0 = now();
      await host.run(id, job, { op: BENCH_OPERATION, n: 0 });
      const empty = now() - t0;
      const t = now();
      await host.run(id, job, { op: BENCH_OPERATION, n });
      return ((now() - t - empty) * 1000) / n;
    };
    const blocking = await perCall("calls", opts.n);
    const async = await perCall("async-calls", opts.n);
    const hasLoop = (await host.run(id, "timeouts", { n: 10 })) !== null;
    if (!hasLoop) return { blocking };
    await host.run(id, "timeouts", { n: 0 });
    const t0 = now();
    await host.run(id, "timeouts", { n: 0 });
    const empty = now() - t0;
    const t = now();
    await host.run(id, "timeouts", { n: opts.timers });
    const timeout0 = ((now() - t - empty) * 1000) / opts.timers;
    const accuracy = await host.run(id, "timer-accuracy", { n: opts.timers });
    const concurrent = await host.run(id, "concurrent", { op: BENCH_SLOW_OPERATION, n: 10 });
    return { blocking, async, timeout0, lateMedian: accuracy.median, lateP99: accuracy.p99, concurrent };
  },

  /** CPU mix: each part once to warm up, then the median of `reps` runs. */
  async cpu() {
    const host = newHost();
    const id = await loadCopy(host);
    return cpuMix(CPU_PARTS, opts.reps, (part) => host.run(id, "cpu", part));
  },

  /** First-call penalty: the first run of a function in a fresh process against its steady runs. */
  async firstcall() {
    const host = newHost();
    const id = await loadCopy(host);
    const t = now();
    await host.run(id, "mixed");
    const first = now() - t;
    const ms = [];
    for (let i = 0; i < opts.steady; i++) {
      const s = now();
      await host.run(id, "mixed");
      ms.push(now() - s);
    }
    return { first, steady: median(ms.slice(Math.floor(ms.length / 2))) };
  },

  /** Memory per idle loaded extension: RSS growth over `count` loads, after a collection. */
  async memory() {
    const host = newHost();
    // Each load runs a no-op, so that its guest code is evaluated (QuickJS evaluates a module on its
    // first call), as the peers' is. The host's fixed parts are not per extension: its workers (one
    // per core) start as the loads come, ~6 MiB each, so the baseline is taken after a quarter of
    // the loads' count, once they have.
    const loadOne = async () => host.run(await loadCopy(host), "noop");
    for (let i = 0; i < Math.max(4, opts.count / 4); i++) await loadOne();
    await settle();
    const before = rss();
    for (let i = 0; i < opts.count; i++) await loadOne();
    await sleep(200);
    await settle();
    const per = (rss() - before) / opts.count;
    return fitIn(opts.limitBytes, before, per);
  },

  /** Loads extensions until the process's RSS reaches the limit or the time runs out. */
  async fill() {
    const host = newHost();
    const start = now();
    let loaded = 0;
    let reason = "time";
    while (now() - start < opts.timeMs) {
      try {
        await loadCopy(host);
      } catch (error) {
        reason = `load failed: ${error.code ?? error.message}`;
        break;
      }
      loaded++;
      if (rss() >= opts.limitBytes) {
        reason = "limit";
        break;
      }
    }
    return {
      metrics: { loaded, seconds: (now() - start) / 1000 },
      notes: [
        reason === "limit"
          ? `reached ${Math.round(opts.limitBytes / 2 ** 20)} MiB RSS after ${loaded} loads`
          : `stopped by ${reason} at ${loaded} loads, ${Math.round(rss() / 2 ** 20)} MiB RSS`,
      ],
    };
  },

  /**
   * Runaway stop latency, default host options. `deadline`: how far past `timeoutMs` a `for(;;){}`
   * run rejects. `cancel`: from `jobs.cancel()` of a spinning job to its terminal state.
   */
  async runaway() {
    const host = newHost();
    const id = await loadCopy(host);
    const ms = [];
    for (let i = 0; i < opts.samples; i++) {
      if (opts.mode === "deadline") {
        const t = now();
        await host.run(id, "spin", null, { timeoutMs: 50 }).catch(() => undefined);
        ms.push(now() - t - 50);
      } else {
        const job = await host.jobs.dispatch(id, "spin");
        await host.jobs.wait(job, ["running"]);
        await sleep(20);
        const t = now();
        await host.jobs.cancel(job);
        await host.jobs.wait(job);
        ms.push(now() - t);
      }
    }
    return { ms: median(ms) };
  },

  /**
   * The cost of checking a job's input against its schema at dispatch: `jobs.dispatch` of the same
   * no-op job with a typical object input, once with a typical object input schema and once with
   * `{}` (no check), in alternating bursts of `batch` dispatches made at once (the store commits a
   * burst together, so the figure is the dispatch's own work, not a disk or commit wait). One job
   * slot: hardly any job runs during a burst, and each burst's jobs finish before the next starts.
   * µs per dispatch, the median over `reps` bursts each. A host that predates job schemas reports
   * the unchecked figure alone.
   */
  async dispatch() {
    const host = newHost({ maxConcurrentJobs: 1 });
    let plain;
    let checked;
    try {
      plain = await loadCopy(host, {}, {});
      checked = await loadCopy(host, {}, { noop: { input: DISPATCH_INPUT_SCHEMA } });
    } catch (error) {
      if (error.code !== "KILN_MANIFEST_INVALID") throw error;
      plain = await loadCopy(host);
    }
    const burst = async (id) => {
      const t = now();
      const ids = await Promise.all(
        Array.from({ length: opts.batch }, () => host.jobs.dispatch(id, "noop", DISPATCH_INPUT)),
      );
      const us = ((now() - t) * 1000) / opts.batch;
      for (const job of ids) await host.jobs.wait(job);
      return us;
    };
    // Warm: V8 tiers up the dispatch path and the compiled validator.
    for (let i = 0; i < 3; i++) for (const id of [plain, checked]) if (id) await burst(id);
    const without = [];
    const withSchema = [];
    for (let r = 0; r < opts.reps; r++) {
      // A-B, then B-A: neither variant always follows the other's garbage.
      if (r % 2 === 0 || !checked) without.push(await burst(plain));
      if (checked) withSchema.push(await burst(checked));
      if (r % 2 === 1 && checked) without.push(await burst(plain));
    }
    if (!checked) {
      return { metrics: { without: median(without) }, notes: ["this host reads no job schemas (manifest version 1)"] };
    }
    return { without: median(without), with: median(withSchema), cost: median(withSchema) - median(without) };
  },

  /**
   * Jobs per second with `concurrency` closed loops (each dispatches a no-op job and waits for it),
   * or with `burst` jobs dispatched at once. `store`: in-memory SQLite, or a file with the default
   * durability (WAL, synchronous=FULL).
   */
  async jobs() {
    const c = opts.concurrency;
    const store = opts.store === "disk" ? join(scratch, "jobs.db") : undefined;
    const host = newHost({ maxConcurrentJobs: c, ...(store ? { store } : {}) });
    const id = await loadCopy(host, { limits: { concurrentJobs: c } });
    const one = async () => host.jobs.wait(await host.jobs.dispatch(id, "noop"));
    // Until V8 has optimised the host's job path: 20 jobs left it half-interpreted (400 µs a job
    // against 230 µs after a second of them).
    await warmFor(JOBS_WARM_MS, one, { minRuns: 20, maxRuns: 5000 });
    const latency = [];
    const t = now();
    if (opts.burst) {
      const ids = [];
      for (let i = 0; i < opts.burst; i++) ids.push(await host.jobs.dispatch(id, "noop"));
      for (const job of ids) await host.jobs.wait(job);
    } else {
      let left = opts.jobs;
      const loop = async () => {
        while (left-- > 0) {
          const s = now();
          const done = await one();
          if (done.state !== "completed") throw new Error(`a no-op job ended ${done.state}`);
          latency.push(now() - s);
        }
      };
      await Promise.all(Array.from({ length: c }, loop));
    }
    const seconds = (now() - t) / 1000;
    const count = opts.burst ?? opts.jobs;
    return latency.length ? { perSecond: count / seconds, us: median(latency) * 1000 } : { perSecond: count / seconds };
  },
};

const run = scenarios[scenario];
if (!run) throw new Error(`unknown scenario "${scenario}"`);
const out = await run();
if (out.metrics) report(out.metrics, out.notes);
else report(out);
