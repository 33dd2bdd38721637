/**
 * `kiln run` where better-sqlite3's native binding was never built (pnpm 10 skipped its install
 * script): the real CLI, run with a resolve hook that sends `better-sqlite3` to a copy of its
 * JavaScript laid out as pnpm lays it out, without the build. It must print the code and the fix
 * in one line, not a stack trace or "check that the path is writable".
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, runKiln, TEST_EXTENSION } from "./kiln-process.js";

// better-sqlite3 is the host's dependency, not the CLI's: found from the host's folder.
const host = fileURLToPath(new URL("../../host/package.json", import.meta.url));
const realPackage = dirname(createRequire(host).resolve("better-sqlite3/package.json"));
const realBindings = dirname(createRequire(join(realPackage, "package.json")).resolve("bindings/package.json"));

let tmp: string;
let register: string;
let copy: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "kiln-cli-binding-"));
  copy = join(tmp, "app/node_modules/.pnpm/better-sqlite3@12.0.0/node_modules/better-sqlite3");
  mkdirSync(copy, { recursive: true });
  cpSync(join(realPackage, "package.json"), join(copy, "package.json"));
  cpSync(join(realPackage, "lib"), join(copy, "lib"), { recursive: true });
  symlinkSync(realBindings, join(dirname(copy), "bindings"));
  const target = pathToFileURL(join(copy, "lib", "index.js")).href;
  writeFileSync(
    join(tmp, "redirect.mjs"),
    `export async function resolve(specifier, context, next) {
  if (specifier === "better-sqlite3") return { url: ${JSON.stringify(target)}, shortCircuit: true };
  return next(specifier, context);
}
`,
  );
  register = join(tmp, "register.mjs");
  writeFileSync(register, `import { register } from "node:module";\nregister("./redirect.mjs", import.meta.url);\n`);
  const built = await runKiln(tmp, ["build", TEST_EXTENSION, "--out", "dist"], 120_000);
  if (built.code !== 0) throw new Error(`kiln build failed: ${built.stderr}`);
});

afterEach(() => {
  killAll();
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("kiln run without better-sqlite3's native binding", () => {
  it("exits 1 with KILN_SQLITE_BINDING_MISSING, the package manager and its fix, on one line", async () => {
    const r = await runKiln(tmp, ["run", "dist", "counter", "--input", '{"to":1}'], 60_000, undefined, [
      "--import",
      pathToFileURL(register).href,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `kiln: KILN_SQLITE_BINDING_MISSING: cannot open the job store :memory:: better-sqlite3's native binding ` +
        `(installed by pnpm in ${copy}) was never built: the package manager skipped its install script. ` +
        "Let its install script run, then build it:; pnpm: pnpm 10 runs no dependency's build until it is approved: " +
        'run `pnpm approve-builds` and pick better-sqlite3, or add "pnpm": { "onlyBuiltDependencies": ["better-sqlite3"] } ' +
        "to package.json, then `pnpm rebuild better-sqlite3`; See docs/installation.md.\n",
    );
  });
});
