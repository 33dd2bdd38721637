// The `prepack` and `postpack` of every publishable package (`pnpm pack`, `npm pack` and
// `npm publish` from a package's folder run them), so that a tarball packed from a clean clone
// holds a fresh dist/ and the license:
//
//   node ../../scripts/prepack.mjs          builds the package, then copies the root LICENSE in
//   node ../../scripts/prepack.mjs --post   removes that copy again (the work tree stays clean)
//
// The build is turbo's, for this package and what it depends on: up to date it is a cache hit
// (~0.2 s, dist/ restored or left as it is); otherwise each package's own build script runs, and
// those are incremental: `tsc -b tsconfig.build.json` for the TypeScript packages, and for
// @kiln/javy-plugin scripts/build-wasm.mjs, which keeps its compiled QuickJS objects in
// packages/javy-plugin/node_modules/.cache/kiln-javy-plugin (a first build ~35 s, later ones ~3 s).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const license = join(root, "LICENSE");
const copy = join(pkgDir, "LICENSE");

if (process.argv.includes("--post")) {
  // Only our copy: a package with a license of its own keeps it.
  if (existsSync(copy) && readFileSync(copy, "utf8") === readFileSync(license, "utf8")) rmSync(copy);
} else {
  try {
    execFileSync(
      join(root, "node_modules/.bin/turbo"),
      ["run", "build", `--filter=${pkg.name}`, "--output-logs=errors-only", "--log-prefix=none"],
      { cwd: root, stdio: "pipe", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
    );
  } catch (error) {
    // turbo's output, kept quiet when the build works, is the build's errors when it does not.
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    console.error(`prepack: ${pkg.name} does not build (turbo run build --filter=${pkg.name}); not packing it.`);
    process.exit(1);
  }
  if (existsSync(copy) && readFileSync(copy, "utf8") !== readFileSync(license, "utf8")) {
    console.error(`prepack: ${pkg.name} has a LICENSE of its own that differs from the root one; not packing it.`);
    process.exit(1);
  }
  copyFileSync(license, copy);
}
