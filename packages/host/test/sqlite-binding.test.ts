/**
 * `KILN_SQLITE_BINDING_MISSING`, reproduced for real: better-sqlite3's own files are copied into a
 * temp install laid out as npm, pnpm or Yarn lay packages out, without the native binding (as when
 * the install script never ran), with a file no loader accepts, or with an addon built for another
 * Node version. A child process imports the built host with a resolve hook that sends
 * `better-sqlite3` to that copy, and opens a store: better-sqlite3 fails as it would in such an
 * install, and the host must say which failure it is, who installed it and how to fix it.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const realPackage = dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json"));
const realBindings = dirname(createRequire(join(realPackage, "package.json")).resolve("bindings/package.json"));
const BINARY = join("build", "Release", "better_sqlite3.node");

/** Whether a C compiler is here to build an addon for another Node version. */
const cc = spawnSync("cc", ["--version"]).status === 0;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kiln-sqlite-binding-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Copies better-sqlite3's JavaScript (not its build) to `packageDir`, with its `bindings`
 * dependency beside it as every layout puts it, plus `binary` as its native binding if given.
 */
function install(packageDir: string, binary?: string | Buffer): string {
  const at = join(dir, packageDir);
  mkdirSync(at, { recursive: true });
  cpSync(join(realPackage, "package.json"), join(at, "package.json"));
  cpSync(join(realPackage, "lib"), join(at, "lib"), { recursive: true });
  symlinkSync(realBindings, join(dirname(at), "bindings"));
  if (binary !== undefined) {
    mkdirSync(join(at, dirname(BINARY)), { recursive: true });
    if (typeof binary === "string") cpSync(binary, join(at, BINARY));
    else writeFileSync(join(at, BINARY), binary);
  }
  return at;
}

/** What {@link openStore} reports: the error's code, message and fields, or that the store opened. */
interface Outcome {
  opened?: boolean;
  code?: string;
  message?: string;
  failure?: string;
  packageManager?: string;
}

let hooks = 0;

/** Opens a store in a child whose `better-sqlite3` is the copy in `packageDir`. */
async function openStore(packageDir: string): Promise<Outcome> {
  const n = hooks++;
  const target = pathToFileURL(join(packageDir, "lib", "index.js")).href;
  writeFileSync(
    join(dir, `redirect-${n}.mjs`),
    `export async function resolve(specifier, context, next) {
  if (specifier === "better-sqlite3") return { url: ${JSON.stringify(target)}, shortCircuit: true };
  return next(specifier, context);
}
`,
  );
  const register = join(dir, `register-${n}.mjs`);
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister("./redirect-${n}.mjs", import.meta.url);\n`,
  );
  const script = `
    const { SqliteJobStore } = await import(${JSON.stringify(pathToFileURL(join(packageRoot, "dist", "index.js")).href)});
    try {
      await SqliteJobStore.open(":memory:").close();
      console.log(JSON.stringify({ opened: true }));
    } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message, failure: e.failure, packageManager: e.packageManager }));
    }`;
  const child = spawn(
    process.execPath,
    ["--import", pathToFileURL(register).href, "--input-type=module", "-e", script],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0 || !stdout) throw new Error(`the child exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as Outcome;
}

describe("a store opened against a better-sqlite3 whose binding cannot load", () => {
  it("opens when the copy has its binding (the harness itself changes nothing)", async () => {
    const at = install("whole/node_modules/better-sqlite3", join(realPackage, BINARY));
    writeFileSync(join(dir, "whole/node_modules/.package-lock.json"), "{}");
    expect(await openStore(at)).toEqual({ opened: true });
  });

  it("pnpm, install script never run: names pnpm, approve-builds and onlyBuiltDependencies", async () => {
    const at = install("pnpm/node_modules/.pnpm/better-sqlite3@12.0.0/node_modules/better-sqlite3");
    const outcome = await openStore(at);
    expect(outcome).toMatchObject({ code: "KILN_SQLITE_BINDING_MISSING", failure: "missing", packageManager: "pnpm" });
    expect(outcome.message).toBe(
      `cannot open the job store :memory:: better-sqlite3's native binding (installed by pnpm in ${at}) was never built: ` +
        "the package manager skipped its install script. Let its install script run, then build it:\n" +
        "  - pnpm: pnpm 10 runs no dependency's build until it is approved: run `pnpm approve-builds` and pick " +
        'better-sqlite3, or add "pnpm": { "onlyBuiltDependencies": ["better-sqlite3"] } to package.json, then ' +
        "`pnpm rebuild better-sqlite3`\nSee docs/installation.md.",
    );
  });

  it("npm, install script never run: names npm and npm rebuild", async () => {
    const at = install("npm/node_modules/better-sqlite3");
    writeFileSync(join(dir, "npm/node_modules/.package-lock.json"), "{}");
    const outcome = await openStore(at);
    expect(outcome).toMatchObject({ code: "KILN_SQLITE_BINDING_MISSING", failure: "missing", packageManager: "npm" });
    expect(outcome.message).toContain("  - npm: install without --ignore-scripts");
    expect(outcome.message).toContain("then `npm rebuild better-sqlite3`");
    expect(outcome.message).not.toContain("pnpm");
  });

  it("Yarn (an unplugged package): names yarn rebuild", async () => {
    const at = install("yarn/.yarn/unplugged/better-sqlite3-npm-12.0.0-0123456789/node_modules/better-sqlite3");
    const outcome = await openStore(at);
    expect(outcome).toMatchObject({ code: "KILN_SQLITE_BINDING_MISSING", failure: "missing", packageManager: "yarn" });
    expect(outcome.message).toContain("`yarn rebuild better-sqlite3 (Yarn 1: npm rebuild better-sqlite3)`");
  });

  it("an install no package manager marked: gives the fix for npm, pnpm and Yarn", async () => {
    const at = install("unknown/node_modules/better-sqlite3");
    const outcome = await openStore(at);
    expect(outcome.code).toBe("KILN_SQLITE_BINDING_MISSING");
    expect(outcome.packageManager).toBeUndefined();
    const fixes = outcome.message?.split("\n").filter((l) => l.startsWith("  - "));
    expect(fixes?.map((l) => l.split(":")[0])).toEqual(["  - npm", "  - pnpm", "  - yarn"]);
    expect(outcome.message).not.toContain("check that the path is writable");
  });

  it("a binding the loader refuses (ERR_DLOPEN_FAILED): the loader's reason, rebuild on this machine", async () => {
    const at = install("dlopen/node_modules/better-sqlite3", Buffer.from("not a shared library\n"));
    writeFileSync(join(dir, "dlopen/node_modules/.package-lock.json"), "{}");
    const outcome = await openStore(at);
    expect(outcome).toMatchObject({ code: "KILN_SQLITE_BINDING_MISSING", failure: "dlopen", packageManager: "npm" });
    expect(outcome.message).toMatch(
      new RegExp(
        `native binding \\(installed by npm in ${at}\\) cannot be loaded on this machine \\(${join(at, BINARY)}: [^)]+\\): ` +
          "it was built for another platform, CPU or C library, or is damaged\\. Rebuild it on this machine:\n" +
          "  - npm: `npm rebuild better-sqlite3`\n",
      ),
    );
  });

  // Building an addon for another Node version takes a C compiler; without one this case cannot be made.
  it.skipIf(!cc)(
    "a binding built for another Node version: both NODE_MODULE_VERSIONs, rebuild for this Node",
    async () => {
      const other = Number(process.versions.modules) - 7;
      const source = join(dir, "other-node.c");
      // What NODE_MODULE() expands to, with another version: the addon registers itself when loaded.
      writeFileSync(
        source,
        `struct node_module { int version; unsigned int flags; void *dso; const char *file; void *reg; void *ctx_reg;
  const char *name; void *priv; struct node_module *link; };
extern void node_module_register(void *);
static struct node_module m = { ${other}, 0, 0, "other-node.c", 0, 0, "better_sqlite3", 0, 0 };
__attribute__((constructor)) static void init(void) { node_module_register(&m); }
`,
      );
      const addon = join(dir, "other-node.node");
      const built = spawnSync("cc", ["-shared", "-fPIC", "-o", addon, source], { encoding: "utf8" });
      expect(built.stderr).toBe("");
      const at = install("abi/node_modules/.pnpm/better-sqlite3@12.0.0/node_modules/better-sqlite3", addon);
      const outcome = await openStore(at);
      expect(outcome).toMatchObject({ code: "KILN_SQLITE_BINDING_MISSING", failure: "abi", packageManager: "pnpm" });
      expect(outcome.message).toContain(
        `was built for another Node version (NODE_MODULE_VERSION ${other}; this Node, ${process.version}, needs ${process.versions.modules}). ` +
          "Rebuild it for this Node version, running the command with the Node that runs the application:\n" +
          "  - pnpm: `pnpm rebuild better-sqlite3`\n",
      );
    },
  );
});
