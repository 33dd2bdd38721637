/**
 * Importing `@kiln/contracts` costs every host process and every `kiln run` its load time, so its
 * run-time import graph stays small: TypeBox is for build time and types only (the schemas come
 * from `schema/*.json`), and Ajv loads on the first `checkManifest`. This test runs the BUILT
 * package (`dist/index.js`, what other packages load) in a fresh `node` that records every module
 * it resolves: ES modules through a module-resolution hook (`module.register`), CommonJS ones
 * through `require.cache` (Ajv is CommonJS, loaded with `require`, which Node 20's hooks don't see).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const index = new URL("../dist/index.js", import.meta.url).href;

/** Resolve hook, run on the loader's thread: appends every resolved URL to the log. */
const HOOKS = `
import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, result.url + "\\n");
  return result;
}
`;

/** Given to \`node --import\`: registers the hooks before the main module loads. */
const REGISTER = `
import { register } from "node:module";
import { fileURLToPath } from "node:url";
const log = fileURLToPath(new URL("./resolved.log", import.meta.url));
register(new URL("./hooks.mjs", import.meta.url), { data: { log } });
`;

/**
 * Imports the contracts, then calls `checkManifest`, printing what was loaded after each step:
 * every URL the hook resolved, and every CommonJS module in `require.cache`, as URLs.
 */
const MAIN = `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
const require = createRequire(import.meta.url);
const loaded = () => [
  ...readFileSync(new URL("./resolved.log", import.meta.url), "utf8").split("\\n").filter(Boolean),
  ...Object.keys(require.cache).map((file) => pathToFileURL(file).href),
];
const contracts = await import(process.argv[2]);
const afterImport = loaded();
const issues = contracts.checkManifest({});
const afterCheck = loaded();
process.stdout.write(JSON.stringify({ afterImport, afterCheck, issues: issues.length }));
`;

const TYPEBOX = /\/node_modules\/@sinclair\/typebox\//;
const AJV = /\/node_modules\/ajv\//;

let dir: string;
let loaded: { afterImport: string[]; afterCheck: string[]; issues: number };

beforeAll(() => {
  // The test is about the build output: bring it up to date (incremental, fast when it is).
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: packageDir, stdio: "pipe" });

  dir = mkdtempSync(join(tmpdir(), "kiln-contracts-imports-"));
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(join(dir, "register.mjs"), REGISTER);
  writeFileSync(join(dir, "main.mjs"), MAIN);
  writeFileSync(join(dir, "resolved.log"), "");
  const { NODE_OPTIONS, ...env } = process.env;
  void NODE_OPTIONS;
  const stdout = execFileSync(
    process.execPath,
    ["--import", pathToFileURL(join(dir, "register.mjs")).href, join(dir, "main.mjs"), index],
    { cwd: packageDir, env, encoding: "utf8" },
  );
  loaded = JSON.parse(stdout);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the run-time import graph of @kiln/contracts", () => {
  it("is seen by the hook (the check below could not pass by seeing nothing)", () => {
    expect(loaded.afterImport).toContain(index);
    expect(loaded.afterImport).toContain(new URL("../dist/manifest.js", import.meta.url).href);
    expect(loaded.afterImport).toContain(new URL("../dist/operations.js", import.meta.url).href);
  });

  it("loads neither TypeBox nor Ajv", () => {
    expect(loaded.afterImport.filter((url) => TYPEBOX.test(url) || AJV.test(url))).toEqual([]);
  });

  it("loads Ajv on the first checkManifest, and still not TypeBox", () => {
    expect(loaded.issues).toBeGreaterThan(0);
    expect(loaded.afterCheck.some((url) => AJV.test(url))).toBe(true);
    expect(loaded.afterCheck.filter((url) => TYPEBOX.test(url))).toEqual([]);
  });
});
