// Checks every publishable package (each non-private packages/*) as npm and pnpm users get it.
// Builds them first (turbo: cached, seconds when they are up to date), so a tarball never holds a
// stale dist/. Building, packing and the tarball checks are scripts/lib/packages.mjs, which
// `pnpm release` (scripts/release.mjs) runs too: what is published is what was checked here.
//
// 1. Packs each with pnpm (its prepack builds it and copies the root LICENSE in; pnpm applies
//    `publishConfig` and turns `workspace:*` into versions) and prints the tarballs' sizes. Then,
//    on each tarball: publint (strict), "Are the Types Wrong?" for ESM importers and for CommonJS
//    `require()` (node16), and its contents: LICENSE, README.md, no `workspace:` range, and no
//    README link that is relative to something outside the tarball (they must be absolute: the
//    docs site, npm or GitHub).
// 2. At the same time, in the OS temp folder, every @kiln package always from its tarball
//    (npm `overrides`, pnpm `pnpm.overrides`), only third-party dependencies from the registry:
//    - npm, host-app: a fresh CommonJS app with only `@kiln/host`. `require("@kiln/host")` must
//      work (Node >= 20.19 loads ESM through require), an ExtensionHost must load and run a built
//      example extension, and none of the build-time tools (binaryen, ts-morph, typescript,
//      esbuild) may be installed. Prints its size on disk and largest packages.
//    - npm, new-ext: `npm create kiln` from the create-kiln tarball (`npm exec --package=<tarball>
//      -- create-kiln`), then `npm install`, `npm run typecheck`, `npm run build` (kiln build),
//      `npm test` (its vitest tests, with @kiln/testing) and `npx kiln run` of one of its jobs; then
//      the embedding app (below) in host-app, on new-ext's build. Prints the author install's size.
//    - pnpm, pnpm-app: a project with its own pnpm-workspace.yaml (so the monorepo's is never
//      used) that depends on `@kiln/host` and `@kiln/cli`, builds approved through
//      `pnpm.onlyBuiltDependencies`. `pnpm install`, `pnpm exec kiln new ext` (the CLI's `new`),
//      `pnpm install` again (the new project is a workspace package: its own `^version` ranges
//      meet the overrides), then in ext/ `pnpm run build`, `pnpm test` and `pnpm exec kiln run`,
//      and the embedding app on ext's build.
//    The embedding app (app.mjs, ESM): `import { ExtensionHost } from "@kiln/host"`, a host with a
//    SQLite store (a file), load the built extension, dispatch its `count` job, print its progress
//    and check its result; exits 0.
// Every step prints its time; the summary line the total.
import { execFileSync } from "node:child_process";
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
import {
  bin,
  buildPackages,
  capture,
  checkTarball,
  cleanEnv,
  packPackages,
  printTarballSizes,
  publishablePackages,
  root,
  run,
  since,
} from "./lib/packages.mjs";

const out = mkdtempSync(join(tmpdir(), "kiln-packs-"));
process.on("exit", () => rmSync(out, { recursive: true, force: true }));
const started = performance.now();
/** Phase → time, for the summary line. */
const phases = {};

/** Packages a plain host application must not install: they are for building extensions. */
const BUILD_TOOLS = ["binaryen", "ts-morph", "typescript", "esbuild"];
/** A built example extension and one of its jobs, for the host smoke test (`npm run setup` builds it). */
const EXAMPLE = { dist: join(root, "extensions/test-extension/dist"), job: "counter", input: { to: 3 } };
/** The job of the scaffold's basic template that `kiln run` runs, and what it must print last. */
const HELLO = { job: "hello", input: '{"name":"packages"}', last: '{"greeting":"Hello, packages!"}' };

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`\n✗ ${what}`);
};

/** `npm install` as every app here runs it: quiet, from the cache first. */
const NPM_INSTALL = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
/** pnpm, the workspace's own (the version packageManager pins), from the store first. */
const PNPM = bin("pnpm");
// `--no-frozen-lockfile`: with CI set, pnpm refuses to change a lockfile by default, and this
// project's lockfile grows when `kiln new` adds the extension.
const PNPM_INSTALL = [
  "install",
  "--prefer-offline",
  "--no-frozen-lockfile",
  "--reporter=append-only",
  "--config.confirmModulesPurge=false",
];

// --- build, discover and pack ---------------------------------------------------------------------

let t = performance.now();
if ((await buildPackages()) !== 0) {
  console.error("check:packages: the packages do not build; nothing to check.");
  process.exit(1);
}
phases.build = since(t);
console.log(`Built the packages in ${phases.build}`);

const packages = publishablePackages();
console.log(`Publishable packages: ${packages.map(({ pkg }) => pkg.name).join(", ")}`);

t = performance.now();
for (const problem of packPackages(packages, out)) fail(problem);
phases.pack = since(t);
console.log(`Packed ${packages.length} packages in ${phases.pack}`);
printTarballSizes(packages);
const overrides = Object.fromEntries(packages.filter((p) => p.tarball).map((p) => [p.pkg.name, `file:${p.tarball}`]));

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

// An application that embeds Kiln (ESM): a SQLite job store, the built extension, one durable job.
const EMBEDDING_APP = `// node app.mjs <dist-dir>: runs the extension's \`count\` job in a host with a SQLite job store.
import { existsSync, rmSync } from "node:fs";
import { ExtensionHost } from "@kiln/host";

const store = "app-jobs.db";
rmSync(store, { force: true });
const host = new ExtensionHost({ store });
try {
  await host.jobs.recover({ resume: true }); // after a crash: finish what was running
  const { id } = await host.load(process.argv[2]);
  const updates = [];
  host.jobs.on("progress", (e) => updates.push(e.progress));
  const jobId = await host.jobs.dispatch(id, "count", { to: 5 });
  const job = await host.jobs.wait(jobId);
  for (const p of updates) console.log(\`  progress \${p.done}/\${p.total}\${p.message ? \` \${p.message}\` : ""}\`);
  console.log(\`\${id} count {"to":5} → \${job.state} \${JSON.stringify(job.result)}, \${updates.length} progress events, store \${store}\`);
  if (job.state !== "completed" || job.result?.sum !== 15) throw new Error(\`expected completed {"sum":15}, got \${job.state} \${JSON.stringify(job.result ?? job.error)}\`);
  if (updates.length === 0) throw new Error("no progress event");
  if (!existsSync(store)) throw new Error(\`no SQLite store at \${store}\`);
} finally {
  await host.close();
}
`;

// --- the projects start now and run while publint and attw check the tarballs --------------------

/** A sequence of commands, each timed, output captured (they run alongside the other checks). */
function steps(label) {
  const list = [];
  const t0 = performance.now();
  return {
    list,
    label,
    /** Runs one step; resolves to whether it passed. `check(output)` may fail it: a string says why. */
    async step(name, cmd, args, cwd, check) {
      const t1 = performance.now();
      let r = await capture(cmd, args, { cwd, env: cleanEnv });
      if (lostVitestWorker(r)) {
        console.warn(`${name}: vitest lost its worker process; running it once more:\n${indent(r.output)}`);
        r = await capture(cmd, args, { cwd, env: cleanEnv });
      }
      const why = r.code === 0 ? check?.(r.output) : `exit ${r.code}`;
      list.push({ name, time: since(t1), ...r, why: why || undefined });
      return !why;
    },
    total: () => since(t0),
  };
}

/**
 * A vitest run that failed only because vitest 4's forks pool lost a worker process ("Worker
 * exited unexpectedly", no failed test, no exit code or signal given). Seen once in CI, in
 * create-kiln's test of a scaffolded project, and never in hundreds of local runs: such a step
 * runs once more (packages/create-kiln/test/templates.test.ts does the same).
 */
const lostVitestWorker = (r) =>
  r.code !== 0 && /Worker exited unexpectedly/.test(r.output) && !/\d+ failed/.test(r.output);

/** Prints a project's steps; output only for the steps that show something or failed. */
function report(project, show = []) {
  console.log(`\n${project.steps.label}`);
  for (const { name, time, code, output, why } of project.steps.list) {
    console.log(`  ${name}: ${why ? `FAILED (${why})` : "ok"} in ${time}`);
    if (why || (code === 0 && show.some((s) => name.startsWith(s)))) process.stdout.write(indent(output));
  }
  if (project.failed) fail(`${project.steps.label.split(" ")[0]}: ${project.failed} failed`);
  else console.log(`  all steps passed in ${project.total}`);
}
const indent = (text) => `${text.trimEnd().replace(/^/gm, "    ")}\n`;

/** `kiln run`'s last line must be the job's result. */
const lastLine = (expected) => (output) => {
  const last = output.trim().split("\n").at(-1);
  return last === expected ? undefined : `last line ${last}, not ${expected}`;
};

/** Points a project's @kiln dependencies at the tarballs: each must have been packed. */
function useTarballs(pkg) {
  for (const field of ["dependencies", "devDependencies"]) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (name.startsWith("@kiln/") && !overrides[name]) throw new Error(`${name} was not packed`);
      if (overrides[name]) pkg[field][name] = overrides[name];
    }
  }
}
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

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
  writeJson(join(dir, "package.json"), pkg);
  const t0 = performance.now();
  const { code, output } = await capture("npm", NPM_INSTALL, { cwd: dir, env: cleanEnv });
  return { app, dir, names, code, output, time: since(t0) };
}

/**
 * `npm create kiln new-ext` as a user runs it, but from the create-kiln tarball, then the new
 * project's own scripts and a job of its build: its @kiln dependencies point at the tarballs.
 */
async function npmProject() {
  const dir = join(out, "new-ext");
  const s = steps("new-ext (npm): npm create kiln (from the create-kiln tarball), its scripts, kiln run");
  const done = (failed) => ({ steps: s, dir, failed, total: s.total() });
  const createKiln = packages.find(({ pkg }) => pkg.name === "create-kiln");
  if (!createKiln?.tarball) return done("create-kiln is not among the packed packages");
  const args = ["exec", "--yes", `--package=${createKiln.tarball}`, "--", "create-kiln", "new-ext"];
  if (!(await s.step("npm exec create-kiln new-ext", "npm", args, out))) return done("npm exec create-kiln");
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  try {
    useTarballs(pkg);
  } catch (error) {
    return done(error.message);
  }
  pkg.overrides = overrides;
  writeJson(join(dir, "package.json"), pkg);
  for (const [name, cmd, args, check] of [
    ["npm install", "npm", NPM_INSTALL],
    ["npm run typecheck", "npm", ["run", "typecheck"]],
    ["npm run build", "npm", ["run", "build"]],
    ["npm test", "npm", ["test"]],
    [
      `npx kiln run dist ${HELLO.job}`,
      "npx",
      ["kiln", "run", "dist", HELLO.job, "--input", HELLO.input],
      lastLine(HELLO.last),
    ],
  ]) {
    if (!(await s.step(name, cmd, args, dir, check))) return done(name);
  }
  return done();
}

/**
 * The pnpm project: its own workspace (root: an app that embeds the host and has the CLI; ext/:
 * made by `kiln new`), @kiln packages through `pnpm.overrides` only.
 */
async function pnpmProject() {
  const dir = join(out, "pnpm-app");
  const ext = join(dir, "ext");
  const s = steps("pnpm-app (pnpm): install, kiln new ext, its build, test and a kiln run, an embedding app");
  const done = (failed) => ({ steps: s, dir, failed, total: s.total() });
  mkdirSync(dir);
  // Its own workspace file: pnpm never looks further up for one (the monorepo's, say).
  writeFileSync(join(dir, "pnpm-workspace.yaml"), "packages:\n  - ext\n");
  const pkg = {
    name: "pnpm-app",
    private: true,
    type: "module",
    dependencies: { "@kiln/host": overrides["@kiln/host"] },
    devDependencies: { "@kiln/cli": overrides["@kiln/cli"] },
    pnpm: { overrides, onlyBuiltDependencies: ["better-sqlite3", "esbuild"] },
  };
  if (!pkg.dependencies["@kiln/host"] || !pkg.devDependencies["@kiln/cli"])
    return done("@kiln/host or @kiln/cli was not packed");
  writeJson(join(dir, "package.json"), pkg);
  writeFileSync(join(dir, "app.mjs"), EMBEDDING_APP);
  for (const [name, args, cwd, check] of [
    ["pnpm install", PNPM_INSTALL, dir],
    ["pnpm exec kiln new ext", ["exec", "kiln", "new", "ext"], dir],
    ["pnpm install (with ext)", PNPM_INSTALL, dir],
    ["ext: pnpm run build", ["run", "build"], ext],
    ["ext: pnpm test", ["test"], ext],
    [
      `ext: pnpm exec kiln run dist ${HELLO.job}`,
      ["exec", "kiln", "run", "dist", HELLO.job, "--input", HELLO.input],
      ext,
      lastLine(HELLO.last),
    ],
  ]) {
    if (!(await s.step(name, PNPM, args, cwd, check))) return done(name);
  }
  if (!(await s.step("node app.mjs ext/dist", process.execPath, ["app.mjs", "ext/dist"], dir))) return done("app.mjs");
  return done();
}

const hostInstall = install("host-app", ["@kiln/host"]);
const npmCreated = npmProject();
const pnpmCreated = pnpmProject();

// --- publint + attw + contents, on each tarball ---------------------------------------------------

t = performance.now();
for (const p of packages.filter((p) => p.tarball)) {
  for (const problem of await checkTarball(p)) failures.push(problem);
}
phases.tarballs = since(t);
console.log(`\npublint + attw + contents: ${phases.tarballs}`);

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

/** Prints an (npm) install's size on disk and its largest packages; returns its packages. */
function describeInstall(app, dir, time) {
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

t = performance.now();
const hostApp = await hostInstall;
if (hostApp.code !== 0) fail(`host-app: npm install exited ${hostApp.code}:\n${hostApp.output}`);
else {
  const installed = describeInstall("host-app", hostApp.dir, hostApp.time);
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

const newExt = await npmCreated;
report(newExt, ["npm test", "npx kiln run"]);
if (existsSync(join(newExt.dir, "node_modules"))) {
  const install = newExt.steps.list.find(({ name }) => name === "npm install");
  describeInstall("new-ext (an extension author's install)", newExt.dir, install?.time);
}
if (!newExt.failed && hostApp.code === 0) {
  // The npm embedding app: host-app (which has @kiln/host) runs new-ext's build.
  writeFileSync(join(hostApp.dir, "app.mjs"), EMBEDDING_APP);
  console.log("\nhost-app: node app.mjs ../new-ext/dist (ESM, a SQLite job store)");
  const t0 = performance.now();
  const r = await capture(process.execPath, ["app.mjs", join(newExt.dir, "dist")], { cwd: hostApp.dir, env: cleanEnv });
  process.stdout.write(indent(r.output));
  console.log(`  ${r.code === 0 ? "ok" : `exit ${r.code}`} in ${since(t0)}`);
  if (r.code !== 0) fail("host-app: the embedding app failed on new-ext's build");
}

const pnpmApp = await pnpmCreated;
report(pnpmApp, ["ext: pnpm test", "ext: pnpm exec kiln run", "node app.mjs"]);
phases.projects = since(t);
console.log(`\nproject checks: ${phases.projects} after publint + attw`);

const stepTimes = (project) => project.steps.list.map(({ name, time }) => `${name} ${time}`).join(", ");
console.log(`\nnpm (new-ext): ${stepTimes(newExt)}`);
console.log(`pnpm (pnpm-app): ${stepTimes(pnpmApp)}`);
console.log(
  `\ncheck:packages: ${failures.length ? `${failures.length} problem(s)` : "all passed"} in ${since(started)} ` +
    `(build ${phases.build}, pack ${phases.pack}, publint+attw ${phases.tarballs}, host-app npm install ` +
    `${hostApp.time}, new-ext with npm ${newExt.total}, pnpm-app with pnpm ${pnpmApp.total})`,
);
if (failures.length) {
  console.error(`\n${failures.length} problem(s):\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
  process.exit(1);
}
