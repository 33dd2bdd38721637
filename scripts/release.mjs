// `pnpm release`: publishes the packages to npm, packed and checked exactly as
// `pnpm check:packages` packs and checks them (both use scripts/lib/packages.mjs).
//
// A release, step by step:
//   1. pnpm changeset version   every publishable package to the next version (one version for all:
//                               .changeset/config.json `fixed`), each CHANGELOG.md written, the
//                               changesets used deleted. Private packages (extensions/*, docs, the
//                               root) are left alone.
//   2. pnpm install             refreshes pnpm-lock.yaml; review the diff, then commit it.
//   3. pnpm release             a dry run (the default): every check below, then
//                               `npm publish <tarball> --dry-run` for each package.
//   4. pnpm release --publish   the same, then `npm publish <tarball>` for real, in dependency order.
//                               Needs an npm login (`npm login`, or a token in ~/.npmrc) allowed to
//                               publish the @kiln scope and create-kiln; `--otp <code>` with 2FA.
//   5. pnpm changeset tag && git push --follow-tags
//                               a git tag per published package (`@kiln/host@0.1.0`, …).
//
// What it does, in order, and what stops it (a real publish stops before publishing anything; a dry
// run reports everything, warns about the first three, and fails on the others):
//   - the git work tree must be clean (committed: what is published is a commit);
//   - no changeset may be pending (`changeset version` has run), every publishable package has the
//     same version (create-kiln's projects depend on `^<its version>` of @kiln/sdk, cli, testing),
//     and that version is not 0.0.0;
//   - builds with turbo, packs every publishable package (pnpm pack: prepack builds it and adds the
//     LICENSE) into one folder, and checks each tarball: publint, "Are the Types Wrong?", LICENSE,
//     README links, no `workspace:` range;
//   - none of those versions may be on the registry already (`npm view <name>@<version>`);
//   - publishes exactly those tarballs: `npm publish <tarball> --access public --tag <tag>`.
//
// Options: --publish (publish for real), --out <dir> (where the tarballs go; default a new folder in
// the OS temp dir, kept), --tag <dist-tag> (default latest), --otp <code>, --provenance (from CI).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildPackages,
  capture,
  checkTarball,
  cleanEnv,
  dependencyOrder,
  packPackages,
  printTarballSizes,
  publishablePackages,
  root,
  since,
} from "./lib/packages.mjs";

const { values: options } = parseArgs({
  options: {
    publish: { type: "boolean", default: false },
    out: { type: "string" },
    tag: { type: "string", default: "latest" },
    otp: { type: "string" },
    provenance: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  console.log("Usage: pnpm release [--publish] [--out <dir>] [--tag <dist-tag>] [--otp <code>] [--provenance]");
  console.log("Without --publish: a dry run (every check, then npm publish --dry-run). See scripts/release.mjs.");
  process.exit(0);
}
const real = options.publish;
const started = performance.now();
console.log(real ? "release: publishing to npm for real." : "release: dry run (pass --publish to publish).");

/** Reasons not to publish. A real release stops at the first; a dry run lists them all. */
const refusals = [];
const refuse = (why) => {
  refusals.push(why);
  console.error(`\n✗ ${why}`);
  if (real) stop();
};
/**
 * What the repository's state must be for a real release. A dry run only warns: it is also run
 * before `changeset version`, or between it and the commit, to see whether the packages are ready.
 */
let warnings = 0;
const releaseRequires = (why) => {
  if (real) refuse(why);
  warnings++;
  console.warn(`\n! ${why}\n  (a dry run goes on; --publish refuses)`);
};
const stop = () => {
  console.error(`\nrelease: not publishing (${refusals.length} problem(s)):`);
  for (const why of refusals) console.error(`- ${why.split("\n")[0]}`);
  process.exit(1);
};

// --- the repository's state ----------------------------------------------------------------------

const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=normal"], {
  cwd: root,
  encoding: "utf8",
});
if (dirty.trim()) {
  const files = dirty.trimEnd().split("\n");
  const why =
    `the git work tree has ${files.length} uncommitted change(s); commit them (a release publishes a commit):\n` +
    files
      .slice(0, 10)
      .map((line) => `    ${line}`)
      .join("\n") +
    (files.length > 10 ? `\n    … and ${files.length - 10} more` : "");
  releaseRequires(why);
}

const pending = readdirSync(join(root, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");
if (pending.length) {
  releaseRequires(
    `${pending.length} changeset(s) are pending in .changeset/: run \`pnpm changeset version\` first, then commit`,
  );
}

const packages = publishablePackages();
const versions = [...new Set(packages.map(({ pkg }) => pkg.version))];
if (versions.length !== 1) {
  refuse(
    `the packages must share one version (.changeset/config.json "fixed"), but they have ${versions.join(", ")}: ` +
      packages.map(({ pkg }) => `${pkg.name}@${pkg.version}`).join(", "),
  );
} else if (versions[0] === "0.0.0") {
  releaseRequires("the packages are at 0.0.0, never released: `pnpm changeset version` makes the first release 0.1.0");
}

// --- build, pack, check --------------------------------------------------------------------------

let t = performance.now();
if ((await buildPackages()) !== 0) refuse("the packages do not build (turbo run build)");
console.log(`Built the packages in ${since(t)}`);

const out = options.out ? resolve(options.out) : mkdtempSync(join(tmpdir(), `kiln-release-${versions.join("+")}-`));
mkdirSync(out, { recursive: true });
t = performance.now();
for (const problem of packPackages(packages, out)) refuse(problem);
console.log(`Packed ${packages.length} packages into ${out} in ${since(t)}`);
printTarballSizes(packages);

t = performance.now();
for (const p of packages.filter((p) => p.tarball)) {
  for (const problem of await checkTarball(p)) refuse(problem);
}
console.log(`\npublint + attw + contents: ${since(t)}`);

// --- the registry: nothing may be published twice ------------------------------------------------

console.log("\nOn the registry:");
for (const { pkg } of packages) {
  const spec = `${pkg.name}@${pkg.version}`;
  const r = await capture("npm", ["view", spec, "version", "--json"], { cwd: root, env: cleanEnv });
  if (r.code === 0 && r.output.trim()) refuse(`${spec} is already on the registry: bump the version (changesets)`);
  else if (r.code === 0 || /\bE404\b|404 Not Found/.test(r.output)) console.log(`  ${spec}: not published yet`);
  else refuse(`could not ask the registry about ${spec} (npm view exited ${r.code}):\n${r.output}`);
}

// --- publish -------------------------------------------------------------------------------------

if (refusals.length && real) stop();
const order = dependencyOrder(packages.filter((p) => p.tarball));
console.log(
  `\n${real ? "Publishing" : "npm publish --dry-run"}, in dependency order: ${order.map((p) => p.pkg.name).join(", ")}`,
);
for (const p of order) {
  const args = ["publish", p.tarball, "--access", "public", "--tag", options.tag];
  if (!real) args.push("--dry-run");
  if (options.otp) args.push("--otp", options.otp);
  if (options.provenance) args.push("--provenance");
  const t0 = performance.now();
  const r = await capture("npm", args, { cwd: root, env: cleanEnv });
  const summary = r.output
    .split("\n")
    .filter((line) => /^npm notice (name|version|package size|unpacked size|total files|Publishing to)/.test(line))
    .map((line) => line.replace(/^npm notice /, "").replace(/\s+/g, " "))
    .join("; ");
  if (r.code !== 0) {
    console.error(r.output);
    // Those before it are out: say so, so that a re-run after the fix knows what is left.
    const done = order.slice(0, order.indexOf(p)).map((q) => q.pkg.name);
    refuse(`npm publish ${p.pkg.name} failed${real && done.length ? ` (already published: ${done.join(", ")})` : ""}`);
  } else console.log(`  ${p.pkg.name}: ${real ? "published" : "ok (dry run)"} in ${since(t0)}: ${summary}`);
}

console.log(`\nrelease: ${since(started)}, tarballs in ${out}`);
if (refusals.length) stop();
if (real) console.log("Now tag it: pnpm changeset tag && git push --follow-tags");
else if (warnings) console.log(`Dry run: the packages pass; --publish would refuse the ${warnings} warning(s) above.`);
else console.log("Dry run passed: `pnpm release --publish` publishes these versions.");
