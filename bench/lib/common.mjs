// What the driver and the scenarios share: paths, statistics, and the one line a scenario prints.
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root (bench/ sits directly in it). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The suite's folder. */
export const BENCH = join(ROOT, "bench");
/** Where the suite installs its peers, one npm prefix per peer (gitignored). */
export const PEERS = join(BENCH, ".peers");
/** Scratch space: built fixtures, temporary stores (gitignored). */
export const WORK = join(BENCH, ".work");
/** Where results are written (gitignored). */
export const RESULTS = join(BENCH, "results");
/** The Kiln CLI binary. */
export const KILN_BIN = join(ROOT, "packages", "cli", "bin", "kiln.js");

/** The prefix a scenario line starts with, so that stray output of a library is never mistaken for it. */
export const RESULT_PREFIX = "BENCH-RESULT ";

/** Prints the scenario's figures for the driver and ends the process at once (no lingering threads). */
export function report(metrics, notes = []) {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ metrics, notes })}\n`, () => process.exit(0));
}

/** Imports a peer from its own install folder (resolved the way `require` would find it there). */
export async function loadPeer(peer, specifier = peer) {
  const require = createRequire(join(PEERS, peer, "package.json"));
  return import(pathToFileURL(require.resolve(specifier)).href);
}

/** The path of a file inside a peer's package. */
export function peerFile(peer, specifier) {
  return createRequire(join(PEERS, peer, "package.json")).resolve(specifier);
}

export const now = () => performance.now();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Linear-interpolated percentile, p in [0, 100]. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 1) return s[0];
  const at = (p / 100) * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

export function geomean(xs) {
  return Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);
}

/** Forces a full collection when the process runs with --expose-gc, twice so that finalizers run. */
export async function settle() {
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How long a row's calls run unmeasured first: until V8 has optimised the engine's code. */
export const WARM_MS = 1500;

/**
 * Runs `fn` (sync or async) unmeasured until `ms` have passed, at least `minRuns` times (default 1)
 * and at most `maxRuns`: the warm-up of a row, long enough for V8 to have optimised the engine's
 * code (see {@link WARM_MS}).
 */
export async function warmFor(ms, fn, { minRuns = 1, maxRuns = Number.POSITIVE_INFINITY } = {}) {
  const until = now() + ms;
  for (let runs = 0; runs < maxRuns && (runs < minRuns || now() < until); runs++) await fn();
}

/**
 * The CPU mix of one engine: each of `parts` run (by `runPart`, sync or async) unmeasured for at
 * least {@link WARM_MS} and twice, then `reps` times measured; the median per part. The warm-up
 * is long because every engine here is Wasm or JIT code that V8 optimises in the background: an
 * interpreter's big dispatch function takes V8 0.3 s of TurboFan on this machine, and one warm run
 * measured that wait rather than the engine. What a first call costs is the `firstcall` row's.
 */
export async function cpuMix(parts, reps, runPart) {
  const metrics = {};
  for (const part of parts) {
    await warmFor(WARM_MS, () => runPart(part), { minRuns: 2, maxRuns: 50 });
    const ms = [];
    for (let i = 0; i < reps; i++) {
      const t = now();
      await runPart(part);
      ms.push(now() - t);
    }
    metrics[part] = median(ms);
  }
  return metrics;
}

/**
 * Memory figures from an RSS growth: KiB per instance, and how many fit in `limitBytes` beside
 * what the process held before the loads. A growth within the noise (≤ 0) fits no count.
 */
export function fitIn(limitBytes, before, perBytes) {
  return perBytes > 0
    ? { kib: perBytes / 1024, fit: Math.floor((limitBytes - before) / perBytes) }
    : { kib: perBytes / 1024 };
}
