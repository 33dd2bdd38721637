// Checks every publishable package as npm users get it: packs it with pnpm (which applies
// `publishConfig`, dropping the workspace-only `@kiln/source` condition), then runs publint and
// "Are the Types Wrong?" on the tarball. Needs the packages built.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const out = mkdtempSync(join(tmpdir(), "kiln-packs-"));
let failed = false;
try {
  for (const name of ["sdk", "codegen", "javy-plugin", "host"]) {
    const dir = join(root, "packages", name);
    console.log(`\n== @kiln/${name} ==`);
    const run = (cmd, args, cwd = dir) => {
      try {
        execFileSync(cmd, args, { cwd, stdio: "inherit" });
      } catch {
        failed = true;
      }
    };
    run(bin("publint"), ["--pack", "pnpm", "--strict"]);
    execFileSync(bin("pnpm"), ["pack", "--pack-destination", out], { cwd: dir, stdio: "ignore" });
    const tarball = readdirSync(out).find((f) => f.startsWith(`kiln-${name}-`));
    // ESM-only packages: CommonJS and node10 resolution are out of scope by design.
    // Data files (the plugin's Wasm, the JSON Schema) are exported for reading, not importing.
    const data = { "javy-plugin": ["./plugin.wasm"], host: ["./manifest.schema.json"] }[name] ?? [];
    const exclude = data.length ? ["--exclude-entrypoints", ...data] : [];
    run(bin("attw"), [join(out, tarball), "--profile", "esm-only", "--format", "table-flipped", ...exclude]);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
