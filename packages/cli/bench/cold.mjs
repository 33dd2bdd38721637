// `pnpm --filter @kiln/cli bench`: how long a cold `kiln` process takes, wall time from spawn to
// exit, as medians of 5 with Node's own start (`node -e 0`) as the same-run baseline. Each run is
// a new process (the OS file cache is warm after the first). Runs the built CLI (turbo builds it
// first). Nothing here asserts a time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const kiln = fileURLToPath(new URL("../bin/kiln.js", import.meta.url));
const RUNS = 5;
const work = mkdtempSync(join(tmpdir(), "kiln-cold-"));
const dist = join(work, "dist");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall times of `RUNS` fresh processes of `node ...args`, in ms; fails on a non-zero exit. */
function times(args) {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
    ms.push(performance.now() - started);
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  return ms;
}

try {
  // One build first, so that `run` has a dist folder (and the file cache is warm for everyone).
  times([kiln, "build", "extensions/test-extension", "--out", dist]).length = 0;
  const rows = [
    ["node -e 0 (baseline)", times(["-e", "0"])],
    ["kiln --help", times([kiln, "--help"])],
    ["kiln build extensions/test-extension", times([kiln, "build", "extensions/test-extension", "--out", dist])],
    ["kiln run <dist> counter --input '{\"to\":3}'", times([kiln, "run", dist, "counter", "--input", '{"to":3}'])],
  ];
  const baseline = median(rows[0][1]);
  console.log(`cold processes, median of ${RUNS} (min–max), Node ${process.version}\n`);
  for (const [name, ms] of rows) {
    const m = median(ms);
    const range = `${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))}`;
    console.log(
      `${name.padEnd(48)} ${String(Math.round(m)).padStart(6)} ms  (${range.padStart(11)})  ${(m / baseline).toFixed(1)}× node -e 0`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
