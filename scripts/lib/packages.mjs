// What scripts/check-packages.mjs and scripts/release.mjs share: build the publishable packages,
// pack them as npm users get them, and check each tarball (publint, "Are the Types Wrong?", and
// what it must hold: LICENSE, README.md whose links all resolve from npm's page, no `workspace:`
// ranges). One implementation, so that what `pnpm release` publishes is exactly what
// `pnpm check:packages` checked.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { gunzipSync } from "node:zlib";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

export const root = new URL("../..", import.meta.url).pathname;
export const bin = (name) => join(root, "node_modules/.bin", name);
export const since = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

// npm and pnpm pass their configuration to scripts as npm_config_* variables (the prefix among
// them): a nested npm or pnpm must see none of it, or it would install into this repository.
export const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

/** Runs a command, its output shown as it comes; resolves to its exit code. */
export function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    spawn(cmd, args, { stdio: "inherit", ...options })
      .on("error", () => resolve(127))
      .on("close", (code) => resolve(code ?? 1));
  });
}

/** Runs a command with its output captured; resolves to { code, output }. */
export function capture(cmd, args, options = {}) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    child.stdout.on("data", (b) => (output += b));
    child.stderr.on("data", (b) => (output += b));
    child.on("error", (error) => resolve({ code: 127, output: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** `turbo run build` of every package (cached: seconds when they are up to date); its exit code. */
export function buildPackages() {
  return run(bin("turbo"), ["run", "build", "--filter=./packages/*", "--output-logs=errors-only"], {
    cwd: root,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
}

/** Every non-private packages/*, sorted by folder: [{ dir, pkg }]. */
export function publishablePackages() {
  return readdirSync(join(root, "packages"))
    .sort()
    .map((name) => join(root, "packages", name))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ pkg }) => !pkg.private);
}

/** The packages in an order where each comes after the workspace packages it depends on. */
export function dependencyOrder(packages) {
  const byName = new Map(packages.map((p) => [p.pkg.name, p]));
  const ordered = [];
  const seen = new Set();
  const visit = (p) => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const name of Object.keys({ ...p.pkg.dependencies, ...p.pkg.peerDependencies })) {
      if (byName.has(name)) visit(byName.get(name));
    }
    ordered.push(p);
  };
  for (const p of packages) visit(p);
  return ordered;
}

/**
 * Packs each package with `pnpm pack` into `dest` (its `prepack` builds it and copies the root
 * LICENSE in), which applies `publishConfig` (dropping the workspace-only `@kiln/source`
 * condition) and turns `workspace:*` into versions. Sets `p.tarball`, `p.files` (path in the
 * package → bytes) and `p.packedPkg`; returns the problems. One at a time: each prepack runs turbo.
 */
export function packPackages(packages, dest) {
  const problems = [];
  for (const p of packages) {
    try {
      execFileSync(bin("pnpm"), ["pack", "--pack-destination", dest], {
        cwd: p.dir,
        env: cleanEnv,
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch (error) {
      problems.push(`${p.pkg.name}: pnpm pack failed: ${error.stderr}`);
      continue;
    }
    // pnpm's file name: the name without "@", "/" as "-", then the version.
    p.tarball = join(dest, `${p.pkg.name.replace(/^@/, "").replace("/", "-")}-${p.pkg.version}.tgz`);
    if (!existsSync(p.tarball)) {
      problems.push(`${p.pkg.name}: pnpm pack did not write ${p.tarball}`);
      p.tarball = undefined;
      continue;
    }
    p.files = readTarball(p.tarball);
    p.packedPkg = JSON.parse(p.files.get("package.json")?.toString("utf8") ?? "{}");
  }
  return problems;
}

/** Prints each tarball's size, unpacked size and file count; returns the table's rows. */
export function printTarballSizes(packages) {
  const rows = packages
    .filter((p) => p.tarball)
    .map((p) => {
      const unpacked = [...p.files.values()].reduce((n, bytes) => n + bytes.length, 0);
      return { name: `${p.pkg.name}@${p.pkg.version}`, tgz: statSync(p.tarball).size, unpacked, files: p.files.size };
    });
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${"tarball".padEnd(width)}  ${"packed".padStart(10)}  ${"unpacked".padStart(10)}  files`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(width)}  ${kb(r.tgz).padStart(10)}  ${kb(r.unpacked).padStart(10)}  ${r.files}`);
  }
  const total = rows.reduce((n, r) => n + r.tgz, 0);
  console.log(`${"total".padEnd(width)}  ${kb(total).padStart(10)}`);
  return rows;
}

/**
 * The regular files of a .tgz as npm and pnpm write it (ustar, with pax or GNU long names):
 * path inside the package (the leading `package/` dropped) → bytes.
 */
export function readTarball(path) {
  const tar = gunzipSync(readFileSync(path));
  const files = new Map();
  const text = (start, length) => tar.toString("utf8", start, start + length).replace(/\0.*$/s, "");
  let offset = 0;
  let longName;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 48);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    let name = text(offset, 100);
    const prefix = text(offset + 257, 6).startsWith("ustar") ? text(offset + 345, 155) : "";
    if (prefix) name = `${prefix}/${name}`;
    if (longName) [name, longName] = [longName, undefined];
    if (type === "x") {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
    } else if (type === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
    } else if (type === "0" || type === "7") {
      files.set(name.replace(/^[^/]*\//, ""), Buffer.from(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/**
 * Every link target in a Markdown file: inline links and images, reference definitions and HTML
 * `href`/`src` attributes; code blocks and code spans left out (nothing there is a link).
 */
export function markdownLinks(markdown) {
  const text = markdown
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, "")
    .replace(/`+[^`\n]*`+/g, "");
  const links = [];
  for (const m of text.matchAll(/\]\(\s*(?:<([^>\n]*)>|([^)\s]+))/g)) links.push(m[1] ?? m[2]);
  for (const m of text.matchAll(/^ {0,3}\[[^\]\n]+\]:\s*(?:<([^>\n]*)>|(\S+))/gm)) links.push(m[1] ?? m[2]);
  for (const m of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/gi)) links.push(m[1]);
  return links;
}

/**
 * The links of a packed README that do not work where it is read (npm's page, node_modules): a
 * relative link must name a file of the tarball. Returns `link: why` lines.
 */
export function readmeLinkProblems(readme, files) {
  const problems = [];
  for (const link of markdownLinks(readme)) {
    if (/^[a-z][a-z\d+.-]*:/i.test(link) || link.startsWith("#")) continue; // https:, mailto:, an anchor
    if (link.startsWith("//") || link.startsWith("/")) {
      problems.push(`${link}: relative to the site that shows the README (use an absolute URL)`);
      continue;
    }
    const target = posix.normalize(decodeURI(link.replace(/[?#].*$/, "")));
    if (target === ".." || target.startsWith("../")) {
      problems.push(`${link}: leaves the package (use the docs site, npm or GitHub URL)`);
    } else if (
      !files.has(target) &&
      ![...files.keys()].some((file) => file.startsWith(`${target.replace(/\/$/, "")}/`))
    ) {
      problems.push(`${link}: not in the tarball`);
    }
  }
  return problems;
}

/** Export subpaths that are data (Wasm, JSON Schema, package.json): read as files, never imported. */
function dataEntrypoints(exports) {
  if (typeof exports !== "object" || exports === null) return [];
  return Object.entries(exports)
    .filter(([key, target]) => key.startsWith(".") && typeof target === "string" && !/\.[cm]?js$/.test(target))
    .map(([key]) => key);
}

/**
 * Checks one packed package: publint (strict: warnings fail) on the tarball itself, attw on it,
 * and its contents. Prints as it goes; returns the problems.
 */
export async function checkTarball(p) {
  const problems = [];
  const { pkg, tarball, files, packedPkg } = p;
  console.log(`\n== ${pkg.name} ==`);

  const tgz = readFileSync(tarball);
  const lint = await publint({
    pack: { tarball: tgz.buffer.slice(tgz.byteOffset, tgz.byteOffset + tgz.byteLength) },
    strict: true,
  });
  for (const message of lint.messages) {
    console.log(`publint ${message.type}: ${formatMessage(message, lint.pkg, { color: false })}`);
  }
  const errors = lint.messages.filter((m) => m.type === "error").length;
  if (errors) problems.push(`${pkg.name}: publint: ${errors} error(s)`);
  else console.log(`publint: ${lint.messages.length ? "no errors" : "all good"}`);

  // node16: ESM importers and CommonJS require(). The packages are ESM with `default` conditions,
  // which Node >= 20.19 (every version `engines` allows) loads through require(); attw's
  // TypeScript predates require(esm) and calls that "ESM (dynamic import only)", hence the ignored
  // rule. What it does check for CommonJS: that every entry point resolves, with its types. The
  // installs of check-packages prove the require() for real. node10 resolution is out of scope.
  const args = [tarball, "--profile", "node16", "--ignore-rules", "cjs-resolves-to-esm", "--format", "table-flipped"];
  const data = dataEntrypoints(packedPkg.exports);
  if (data.length) args.push("--exclude-entrypoints", ...data);
  if ((await run(bin("attw"), args)) !== 0) problems.push(`${pkg.name}: attw`);

  for (const required of ["package.json", "README.md", "LICENSE"]) {
    if (!files.has(required)) problems.push(`${pkg.name}: the tarball has no ${required}`);
  }
  const license = files.get("LICENSE")?.toString("utf8");
  if (license && license !== readFileSync(join(root, "LICENSE"), "utf8")) {
    problems.push(`${pkg.name}: the tarball's LICENSE is not the repository's`);
  }
  if (packedPkg.license !== "MIT") problems.push(`${pkg.name}: license is ${packedPkg.license}, not MIT`);
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries(packedPkg[field] ?? {})) {
      if (/^(workspace|link|file):/.test(range)) problems.push(`${pkg.name}: ${field}.${name} is "${range}"`);
    }
  }
  if (JSON.stringify(packedPkg.exports ?? {}).includes("@kiln/source")) {
    problems.push(`${pkg.name}: the packed exports keep the workspace-only "@kiln/source" condition`);
  }
  const readme = files.get("README.md");
  if (readme) {
    const links = readmeLinkProblems(readme.toString("utf8"), files);
    for (const link of links) problems.push(`${pkg.name}: README.md link ${link}`);
    console.log(
      `README.md: ${markdownLinks(readme.toString("utf8")).length} links, ${links.length} broken in the tarball`,
    );
  }
  for (const problem of problems) console.error(`✗ ${problem}`);
  return problems;
}
