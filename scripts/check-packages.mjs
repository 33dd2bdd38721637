// Checks every publishable package (each non-private packages/*) as npm users get it. Builds them
// first (turbo: cached, seconds when they are up to date), so a tarball never holds a stale dist/.
//
// 1. Packs each with pnpm (which applies `publishConfig`, dropping the workspace-only
//    `@kiln/source` condition and turning `workspace:*` into versions), then runs publint and
//    "Are the Types Wrong?" on it, for ESM importers and for CommonJS `require()` (node16).
// 2. Installs the tarballs with npm into two fresh CommonJS apps, at the same time, sharing npm's
//    cache: every @kiln package comes from its tarball (npm `overrides`), only third-party
//    dependencies from the registry (better-sqlite3 compiles from source with g++, ~1-2 min).
//    - host only: `@kiln/host`. `require("@kiln/host")` must work (Node >= 20.19 loads ESM through
//      require), an ExtensionHost must load and run a built example extension, and none of the
//      build-time tools (binaryen, ts-morph, typescript, esbuild) may be installed.
//    - author: `@kiln/cli` + `@kiln/sdk`:
//      `kiln build` a small extension, then `kiln run` one of its jobs.
//    Both print their size on disk and their largest packages.
// 3. `npm create kiln`, from the create-kiln tarball (`npm exec --package=<tarball> -- create-kiln`),
//    at the same time as the installs: the new project's @kiln packages point at the tarballs
//    (`overrides`), then `npm install`, `npm run typecheck`, `npm run build` and `npm test` must
//    pass. Prints the time from the scaffold to the passing test, step by step.
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const out = mkdtempSync(join(tmpdir(), "kiln-packs-"));
process.on("exit", () => rmSync(out, { recursive: true, force: true }));
const started = performance.now();
const since = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

/** Packages a plain host application must not install: they are for building extensions. */
const BUILD_TOOLS = ["binaryen", "ts-morph", "typescript", "esbuild"];
/** A built example extension and one of its jobs, for the host smoke test (`npm run setup` builds it). */
const EXAMPLE = { dist: join(root, "extensions/test-extension/dist"), job: "counter", input: { to: 3 } };

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`\n✗ ${what}`);
};

/** Runs a command, its output shown as it comes; resolves to its exit code. */
function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    spawn(cmd, args, { stdio: "inherit", ...options })
      .on("error", () => resolve(127))
      .on("close", (code) => resolve(code ?? 1));
  });
}

/** Runs a command with its output captured; resolves to { code, output }. */
function capture(cmd, args, options = {}) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    child.stdout.on("data", (b) => (output += b));
    child.stderr.on("data", (b) => (output += b));
    child.on("error", (error) => resolve({ code: 127, output: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

// npm and pnpm pass their configuration to scripts as npm_config_* variables (the prefix among
// them): the nested npm must see none of it, or it would install into this repository.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
/** `npm install` as every app here runs it: quiet, from the cache first. */
const NPM_INSTALL = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

// --- build, discover and pack ---------------------------------------------------------------------

let t = performance.now();
const build = await run(bin("turbo"), ["run", "build", "--filter=./packages/*", "--output-logs=errors-only"], {
  cwd: root,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});
if (build !== 0) {
  console.error("check:packages: the packages do not build; nothing to check.");
  process.exit(1);
}
console.log(`Built the packages in ${since(t)}`);

const packages = readdirSync(join(root, "packages"))
  .sort()
  .map((name) => join(root, "packages", name))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => !pkg.private);
console.log(`Publishable packages: ${packages.map(({ pkg }) => pkg.name).join(", ")}`);

t = performance.now();
for (const p of packages) {
  try {
    execFileSync(bin("pnpm"), ["pack", "--pack-destination", out], { cwd: p.dir, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    fail(`${p.pkg.name}: pnpm pack failed: ${error.stderr}`);
  }
  // pnpm's file name: the name without "@", "/" as "-", then the version.
  p.tarball = join(out, `${p.pkg.name.replace(/^@/, "").replace("/", "-")}-${p.pkg.version}.tgz`);
  if (!existsSync(p.tarball)) fail(`${p.pkg.name}: pnpm pack did not write ${p.tarball}`);
}
console.log(`Packed ${packages.length} packages in ${since(t)}`);
const overrides = Object.fromEntries(packages.map((p) => [p.pkg.name, `file:${p.tarball}`]));

// --- the two installs start now and run while publint and attw check the tarballs ---------------

/** A fresh CommonJS app (`npm init -y`) with `names` installed from their tarballs. */
async function install(app, names) {
  const dir = join(out, app);
  mkdirSync(dir);
  execFileSync("npm", ["init", "-y"], { cwd: dir, env: cleanEnv, stdio: "ignore" });
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  pkg.type = "commonjs";
  // The direct dependencies use the very spec of their override, as npm requires.
  pkg.dependencies = Object.fromEntries(names.map((name) => [name, overrides[name]]));
  pkg.overrides = overrides;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const t0 = performance.now();
  const { code, output } = await capture("npm", NPM_INSTALL, { cwd: dir, env: cleanEnv });
  return { app, dir, names, code, output, time: since(t0) };
}

const installs = Promise.all([install("host-app", ["@kiln/host"]), install("author-app", ["@kiln/cli", "@kiln/sdk"])]);

/**
 * `npm create kiln new-ext` as a user runs it, but from the create-kiln tarball, then the new
 * project's own scripts: its @kiln dependencies are pointed at the tarballs. Output is captured
 * (it runs alongside the other checks) and printed at the end; resolves to each step's time.
 */
async function createProject() {
  const dir = join(out, "new-ext");
  const steps = [];
  const step = async (name, cmd, args, cwd = dir) => {
    const t0 = performance.now();
    const r = await capture(cmd, args, { cwd, env: cleanEnv });
    steps.push({ name, time: since(t0), ...r });
    return r.code === 0;
  };
  const createKiln = packages.find(({ pkg }) => pkg.name === "create-kiln");
  if (!createKiln) return { steps, failed: "create-kiln is not among the publishable packages" };
  const t0 = performance.now();
  const scaffolded = await step(
    "npm exec create-kiln",
    "npm",
    ["exec", "--yes", `--package=${createKiln.tarball}`, "--", "create-kiln", "new-ext"],
    out,
  );
  if (!scaffolded) return { steps, failed: "npm exec create-kiln" };
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  for (const field of ["dependencies", "devDependencies"]) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (name.startsWith("@kiln/") && !overrides[name]) return { steps, failed: `${name} was not packed` };
      if (overrides[name]) pkg[field][name] = overrides[name];
    }
  }
  pkg.overrides = overrides;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [name, args] of [
    ["npm install", NPM_INSTALL],
    ["npm run typecheck", ["run", "typecheck"]],
    ["npm run build", ["run", "build"]],
    ["npm test", ["test"]],
  ]) {
    if (!(await step(name, "npm", args))) return { steps, failed: name };
  }
  return { steps, total: since(t0) };
}
const created = createProject();

// --- publint + attw -------------------------------------------------------------------------------

/** Export subpaths that are data (Wasm, JSON Schema, package.json): read as files, never imported. */
function dataEntrypoints(exports) {
  if (typeof exports !== "object" || exports === null) return [];
  return Object.entries(exports)
    .filter(([key, target]) => key.startsWith(".") && typeof target === "string" && !/\.[cm]?js$/.test(target))
    .map(([key]) => key);
}

t = performance.now();
for (const { dir, pkg, tarball } of packages) {
  console.log(`\n== ${pkg.name} ==`);
  if ((await run(bin("publint"), ["--pack", "pnpm", "--strict"], { cwd: dir })) !== 0) fail(`${pkg.name}: publint`);
  const data = dataEntrypoints(pkg.publishConfig?.exports ?? pkg.exports);
  // node16: ESM importers and CommonJS require(). The packages are ESM with `default` conditions,
  // which Node >= 20.19 (every version `engines` allows) loads through require(); attw's
  // TypeScript predates require(esm) and calls that "ESM (dynamic import only)", hence the ignored
  // rule. What it does check for CommonJS: that every entry point resolves, with its types. The
  // install below proves the require() for real. node10 resolution is out of scope by design.
  const args = [tarball, "--profile", "node16", "--ignore-rules", "cjs-resolves-to-esm", "--format", "table-flipped"];
  if (data.length) args.push("--exclude-entrypoints", ...data);
  if ((await run(bin("attw"), args)) !== 0) fail(`${pkg.name}: attw`);
}
console.log(`\npublint + attw: ${since(t)}`);

// --- installs: what they hold, and do they work ---------------------------------------------------

/** Every package folder under a node_modules, nested ones included: { name, path }. */
function installedPackages(nodeModules) {
  const found = [];
  const visit = (nm) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith(".")) continue;
      const names = entry.startsWith("@") ? readdirSync(join(nm, entry)).map((s) => `${entry}/${s}`) : [entry];
      for (const name of names) {
        const path = join(nm, name);
        if (!lstatSync(path).isDirectory()) continue;
        found.push({ name, path });
        visit(join(path, "node_modules"));
      }
    }
  };
  visit(nodeModules);
  return found;
}

/** Bytes on disk under `path` (as `du` counts: allocated blocks, hard links once), minus `skip`. */
function diskUsage(path, seen = new Set(), skip = undefined) {
  const stat = lstatSync(path);
  if (seen.has(stat.ino)) return 0;
  seen.add(stat.ino);
  let bytes = stat.blocks * 512;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) {
      const child = join(path, entry);
      if (child !== skip) bytes += diskUsage(child, seen, skip);
    }
  }
  return bytes;
}
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Prints an install's size on disk and its largest packages; returns its packages. */
function describeInstall({ app, dir, time }) {
  const packagesIn = installedPackages(join(dir, "node_modules"));
  const total = diskUsage(join(dir, "node_modules"));
  console.log(`\n${app}: node_modules ${mb(total)}, ${packagesIn.length} packages, npm install ${time}`);
  const sizes = new Map();
  for (const { name, path } of packagesIn) {
    const own = diskUsage(path, new Set(), join(path, "node_modules"));
    sizes.set(name, (sizes.get(name) ?? 0) + own);
  }
  const largest = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 8);
  for (const [name, bytes] of largest) console.log(`  ${mb(bytes).padStart(9)}  ${name}`);
  return packagesIn;
}

// Runs in the host app, as CommonJS: require() of the ESM package, then a job of a real extension.
const HOST_SMOKE = `
const { ExtensionHost } = require("@kiln/host");
const [dist, job, input] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
(async () => {
  const logs = [];
  const host = new ExtensionHost({ logger: (entry) => logs.push(entry.message) });
  try {
    if (!dist) return console.log("require('@kiln/host') and new ExtensionHost(): ok");
    const { id } = await host.load(dist);
    const result = await host.run(id, job, input);
    console.log(\`require('@kiln/host'), then \${id} \${job} \${JSON.stringify(input)} → \${JSON.stringify(result)}\`);
    console.log(logs.map((line) => \`  [\${id}] \${line}\`).join("\\n"));
  } finally {
    await host.close();
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const AUTHOR_EXTENSION = `import { extension, job, type JobContext } from "@kiln/sdk";

@extension({ id: "packed-check", name: "Packed check", version: "0.1.0" })
export class PackedCheck {
  @job({ name: "counter" })
  async counter(ctx: JobContext<{ to: number }>) {
    for (let i = 1; i <= ctx.input.to; i++) ctx.log(\`step \${i}/\${ctx.input.to}\`);
    return { count: ctx.input.to };
  }
}
`;

t = performance.now();
const [hostApp, authorApp] = await installs;
for (const { app, code, output } of [hostApp, authorApp]) {
  if (code !== 0) fail(`${app}: npm install exited ${code}:\n${output}`);
}

if (hostApp.code === 0) {
  const installed = describeInstall(hostApp);
  const tools = installed.filter(({ name }) => BUILD_TOOLS.includes(name) || name.startsWith("@esbuild/"));
  if (tools.length) {
    const why = [...new Set(tools.map(({ name }) => name.replace(/^@esbuild\/.*/, "esbuild")))].map((name) => {
      try {
        return execFileSync("npm", ["ls", name, "--all"], { cwd: hostApp.dir, env: cleanEnv, encoding: "utf8" });
      } catch (error) {
        return String(error.stdout ?? error);
      }
    });
    fail(
      `host-app: a host application installs build-time tools:\n${tools
        .map(({ path }) => `  ${relative(hostApp.dir, path)}`)
        .join("\n")}\nbecause:\n${why.join("")}`,
    );
  }
  const example = existsSync(join(EXAMPLE.dist, "manifest.json")) ? EXAMPLE : undefined;
  if (!example) {
    const message = `${relative(root, EXAMPLE.dist)} is not built (npm run setup builds it): the host smoke test only requires and constructs`;
    if (process.env.CI) fail(message);
    else console.warn(`\n! ${message}`);
  }
  console.log("\nhost-app: node -e <require('@kiln/host'), load and run an extension>");
  const args = ["-e", HOST_SMOKE, example?.dist ?? "", example?.job ?? "", JSON.stringify(example?.input ?? null)];
  if ((await run(process.execPath, args, { cwd: hostApp.dir, env: cleanEnv })) !== 0) {
    fail("host-app: the CommonJS smoke test failed");
  }
}

if (authorApp.code === 0) {
  describeInstall(authorApp);
  mkdirSync(join(authorApp.dir, "src"));
  writeFileSync(join(authorApp.dir, "src/index.ts"), AUTHOR_EXTENSION);
  const kiln = join(authorApp.dir, "node_modules/.bin/kiln");
  console.log("\nauthor-app: kiln build . && kiln run dist counter");
  const options = { cwd: authorApp.dir, env: cleanEnv };
  if ((await run(kiln, ["build", "."], options)) !== 0) fail("author-app: kiln build failed");
  else {
    const r = await capture(kiln, ["run", "dist", "counter", "--input", '{"to":3}'], options);
    process.stdout.write(r.output);
    const last = r.output.trim().split("\n").at(-1);
    if (r.code !== 0 || last !== '{"count":3}') fail(`author-app: kiln run exited ${r.code}, last line ${last}`);
  }
}
const newProject = await created;
console.log("\nnew-ext: npm create kiln (from the create-kiln tarball), then its scripts");
for (const { name, time, code, output } of newProject.steps) {
  console.log(`  ${name}: ${code === 0 ? "ok" : `exit ${code}`} in ${time}`);
  if (code !== 0 || name === "npm test") process.stdout.write(output.replace(/^/gm, "    "));
}
if (newProject.failed) fail(`new-ext: ${newProject.failed} failed`);
else console.log(`new-ext: from npm exec create-kiln to a passing npm test in ${newProject.total}`);
console.log(`\ninstall checks: ${since(t)} after publint + attw`);

console.log(`\ncheck:packages: ${since(started)}`);
if (failures.length) {
  console.error(`\n${failures.length} problem(s):\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
  process.exit(1);
}
