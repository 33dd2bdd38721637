// `npm run setup`: installs the workspace with the pinned pnpm (fetched from the npm registry by
// npx, so a machine with only Node and npm works), then runs the main job (`pnpm demo`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const step = (cmd, args) => {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

step("npx", ["--yes", "pnpm@10.34.9", "install", "--frozen-lockfile"]);
const pnpm = `${root}node_modules/.bin/pnpm`;
step(existsSync(pnpm) ? pnpm : "pnpm", ["run", "demo"]);
