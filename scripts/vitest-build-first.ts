/**
 * Vitest global setup for the packages whose tests execute build output, not sources.
 *
 * Most test code runs from TypeScript sources (the `@kiln/source` condition), but some of it
 * cannot: Node starts the host's worker threads from `packages/host/dist/worker/entry.js` (a worker
 * cannot run TypeScript, and inside it plain Node resolution loads `@kiln/javy-plugin`,
 * `@kiln/sdk` and `@kiln/contracts` from their `dist/` too), the CLI tests spawn `bin/kiln.js`
 * (→ `dist/cli.js`), a javy-plugin test imports `dist/index.js` in a worker, and every Wasm run
 * loads `packages/javy-plugin/dist/plugin.wasm`. Under turbo the `build` task runs first, but
 * `vitest` run by hand after editing `src/` would silently test the previous build. So before any
 * test starts (and before each rerun in watch mode) this brings that output up to date:
 *
 * - `tsc -b <pkg>/tsconfig.build.json` for each package the config names (see `buildFirst` in
 *   vitest.shared.ts): incremental, ~0.5 s when nothing changed; it also builds the project
 *   references, i.e. the workspace packages the named ones import.
 * - `packages/javy-plugin/scripts/build-wasm.mjs` when `dist/plugin.wasm` is missing or older
 *   than one of its inputs (the C sources, the sandbox globals, the build script, QuickJS's sources): ~4 s with the
 *   object cache, ~100 s cold, so it only runs when needed.
 *
 * A failed build fails the run: better no result than a result about code that is not the source.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** Packages (folders relative to the repository root) whose `tsconfig.build.json` to build. */
    kilnBuildFirst: string[];
  }
}

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");
const plugin = join(root, "packages/javy-plugin");

/** The newest modification time under `path` (a file or a folder, recursively). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

function pluginWasmIsStale(): boolean {
  const wasm = join(plugin, "dist/plugin.wasm");
  if (!existsSync(wasm)) return true;
  const inputs = [join(plugin, "c"), join(plugin, "globals"), join(plugin, "scripts/build-wasm.mjs")];
  const quickjs = join(plugin, "node_modules/qjsc/deps");
  if (existsSync(quickjs)) inputs.push(realpathSync(quickjs));
  const built = statSync(wasm).mtimeMs;
  return inputs.some((input) => newest(input) > built);
}

function run(what: string, args: string[], cwd: string): void {
  const started = performance.now();
  try {
    execFileSync(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${what} failed, so the tests would run stale build output; fix the build first:\n${stdout}${stderr}`,
    );
  }
  console.log(`build-first: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

function buildFirst(packages: readonly string[]): void {
  if (pluginWasmIsStale()) run("packages/javy-plugin/scripts/build-wasm.mjs", ["scripts/build-wasm.mjs"], plugin);
  if (packages.length === 0) return;
  const projects = packages.map((dir) => relative(root, join(root, dir, "tsconfig.build.json")));
  run(`tsc -b ${projects.join(" ")}`, [tsc, "-b", ...projects], root);
}

export default function setup(project: TestProject): void {
  const packages = project.config.provide?.kilnBuildFirst ?? [];
  buildFirst(packages);
  project.onTestsRerun(() => buildFirst(packages));
}
