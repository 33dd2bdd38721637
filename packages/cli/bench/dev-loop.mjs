// The author's loop, timed: `kiln dev` and `kiln build --watch` on a copy of
// extensions/test-extension, a string in src/index.ts edited N times (default 20), each edit timed
// from the file write to the line that shows its effect. Runs the built CLI. Nothing asserts a time.
//
//   node packages/cli/bench/dev-loop.mjs [--edits <n>]      a table on stdout
//   node packages/cli/bench/dev-loop.mjs dev '{"edits":20}'  one BENCH-RESULT line (the `dev` row of `pnpm bench`)
//
// Figures: edit → job result (`kiln dev`: the write until the "counter completed" line of the run
// whose init logged the new string), median and p90; the warm rebuild as `kiln build --watch`
// prints it ("built … in N ms", the builds after the first) and edit → that line; the first
// build + run of `kiln dev` (spawn → first result, cold process).
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KILN_BIN, median, percentile, ROOT, report, sleep } from "../../../bench/lib/common.mjs";

const SOURCE = join(ROOT, "extensions", "test-extension");
/** The string each edit changes: the test extension's init logs it. */
const MARK = "initialized!";
/** Quiet time after each measured edit, so that one edit's tail (cleanup, GC) is not the next's cost. */
const SETTLE_MS = 300;
const TIMEOUT_MS = 60_000;

const suite = process.argv[2] === "dev";
const edits = suite
  ? (JSON.parse(process.argv[3] ?? "{}").edits ?? 20)
  : Number(parseArgs({ options: { edits: { type: "string", default: "20" } } }).values.edits);

/** A copy of the test extension that builds where it lies: its sources, its node_modules linked. */
function copyExtension(work) {
  const dir = join(work, "test-extension");
  cpSync(join(SOURCE, "src"), join(dir, "src"), { recursive: true });
  for (const file of ["package.json", "tsconfig.json"]) cpSync(join(SOURCE, file), join(dir, file));
  symlinkSync(join(SOURCE, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** `kiln ...args` with its stdout lines awaitable: `until(re)` resolves with the next line matching it. */
function startKiln(args) {
  const child = spawn(process.execPath, [KILN_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const waiting = [];
  let stderr = "";
  let partial = "";
  child.stderr.setEncoding("utf8").on("data", (d) => {
    stderr += d;
  });
  child.stdout.setEncoding("utf8").on("data", (d) => {
    partial += d;
    const parts = partial.split("\n");
    partial = parts.pop();
    const at = performance.now();
    for (const line of parts) for (const w of [...waiting]) w(line, at);
  });
  const until = (re) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(check), 1);
        reject(new Error(`no line matching ${re} within ${TIMEOUT_MS} ms; stderr: ${stderr.slice(-2000)}`));
      }, TIMEOUT_MS);
      const check = (line, at) => {
        if (!re.test(line)) return;
        clearTimeout(timer);
        waiting.splice(waiting.indexOf(check), 1);
        resolve({ line, at });
      };
      waiting.push(check);
    });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on("close", resolve);
      child.kill("SIGINT");
    });
  return { until, stop };
}

/** Writes the i-th edit of the marked string; returns when the write was made. */
function edit(file, original, i) {
  writeFileSync(file, original.replace(MARK, `initialized #${i}!`));
  return performance.now();
}

const work = mkdtempSync(join(tmpdir(), "kiln-dev-bench-"));
try {
  const dir = copyExtension(work);
  const file = join(dir, "src", "index.ts");
  const original = readFileSync(file, "utf8");
  if (!original.includes(MARK)) throw new Error(`${file} no longer contains "${MARK}": update the benchmark`);

  // kiln dev: edit → the result of the run on the new build.
  const started = performance.now();
  const dev = startKiln(["dev", dir, "counter", "--input", '{"to":3}']);
  const first = await dev.until(/^counter completed in /);
  const firstMs = first.at - started;
  const toResult = [];
  const devBuilds = [];
  for (let i = 1; i <= edits; i++) {
    await sleep(SETTLE_MS);
    // Every line awaited is asked for before the write: they may arrive in one chunk.
    const marked = dev.until(new RegExp(`initialized #${i}!`));
    const built = dev.until(/^built .* in \d+ ms$/);
    const done = dev.until(/^counter completed in /);
    const written = edit(file, original, i);
    devBuilds.push(Number(/in (\d+) ms$/.exec((await built).line)[1]));
    const [init, result] = await Promise.all([marked, done]);
    if (init.at > result.at) throw new Error(`edit ${i}: a result came before the new build's init`);
    toResult.push(result.at - written);
  }
  await dev.stop();

  // kiln build --watch: the rebuild's own figure, and edit → its line.
  writeFileSync(file, original);
  const watch = startKiln(["build", dir, "--watch"]);
  await watch.until(/^built /);
  const rebuilds = [];
  const toBuilt = [];
  for (let i = 1; i <= edits; i++) {
    await sleep(SETTLE_MS);
    const built = watch.until(/^built .* in \d+ ms$/);
    const written = edit(file, original, i);
    const { line, at } = await built;
    rebuilds.push(Number(/in (\d+) ms$/.exec(line)[1]));
    toBuilt.push(at - written);
  }
  await watch.stop();

  const metrics = {
    result: median(toResult),
    resultP90: percentile(toResult, 90),
    build: median(rebuilds),
    buildP90: percentile(rebuilds, 90),
    toBuilt: median(toBuilt),
    devBuild: median(devBuilds),
    first: firstMs,
  };
  if (suite) {
    report(metrics, [`${edits} edits`]);
  } else {
    const ms = (x) => `${Math.round(x)} ms`;
    console.log(
      `kiln dev / build --watch on a copy of extensions/test-extension, ${edits} edits, Node ${process.version}\n`,
    );
    console.log(`edit → job result (kiln dev)       median ${ms(metrics.result)}, p90 ${ms(metrics.resultP90)}`);
    console.log(`  of which the rebuild (its line)  median ${ms(metrics.devBuild)}`);
    console.log(`warm rebuild (kiln build --watch)  median ${ms(metrics.build)}, p90 ${ms(metrics.buildP90)}`);
    console.log(`edit → "built" line (--watch)      median ${ms(metrics.toBuilt)}`);
    console.log(`first build + run (kiln dev, cold) ${ms(metrics.first)}`);
    console.log(`\nsamples, edit → result: ${toResult.map(Math.round).join(" ")}`);
    console.log(`samples, rebuild: ${rebuilds.join(" ")}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
