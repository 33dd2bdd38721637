/**
 * Each command loads only what it needs: `kiln run` no compiler (TypeScript, ts-morph, esbuild,
 * Binaryen), `kiln build` no SQLite. The real executable runs under `node --import` of a loader
 * hook that records every module Node resolves (ES modules through the resolve hook, CommonJS ones
 * from `require.cache` at exit), in the main thread and in the host's worker threads.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileSource, emitDynamicModule } from "@kiln/javy-plugin";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, runKiln, TEST_EXTENSION } from "./kiln-process.js";

/** A package, by the folder Node loads it from (pnpm's layout included). */
const pkg = (name: string) => new RegExp(`[\\\\/]node_modules[\\\\/]${name.replace("/", "[\\\\/]")}[\\\\/]`);
const COMPILER = ["typescript", "ts-morph", "@ts-morph/common", "esbuild", "binaryen"].map((n) => [n, pkg(n)] as const);
const SQLITE = pkg("better-sqlite3");

let tmp: string;
let preload: string;
let traces = 0;

/** Runs `kiln ...args` under the hook; resolves to its exit and every module URL or path it loaded. */
async function traced(args: readonly string[], stdin?: Uint8Array): Promise<{ code: number | null; loaded: string[] }> {
  const trace = join(tmp, `trace-${traces++}.txt`);
  const r = await runKiln(tmp, args, 120_000, stdin, [
    "--import",
    `${pathToFileURL(preload)}?${encodeURIComponent(trace)}`,
  ]);
  if (r.code !== 0) throw new Error(`kiln ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  const loaded = (await readFile(trace, "utf8")).split("\n").filter(Boolean);
  return { code: r.code, loaded };
}

const matching = (loaded: readonly string[], re: RegExp) => loaded.filter((m) => re.test(m));

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-loading-"));
  preload = join(tmp, "trace.mjs");
  // The preload: registers the resolve hook (its own thread) and dumps require.cache at exit. The
  // trace file comes in the preload's query string, so that worker threads (which inherit
  // --import) append to the same one.
  await writeFile(
    preload,
    `import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
const file = decodeURIComponent(new URL(import.meta.url).search.slice(1));
register(new URL("./hooks.mjs", import.meta.url), { data: { file } });
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(file, Object.keys(require.cache).join("\\n") + "\\n"));
`,
  );
  await writeFile(
    join(tmp, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, result.url + "\\n");
  return result;
}
`,
  );
});

afterEach(() => {
  killAll();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("what each command loads", () => {
  let built: string[];

  beforeAll(async () => {
    built = (await traced(["build", TEST_EXTENSION, "--out", join(tmp, "dist")])).loaded;
  });

  it("kiln build loads the compiler and no SQLite", () => {
    expect(matching(built, pkg("ts-morph")).length).toBeGreaterThan(0); // the hook sees CommonJS packages
    expect(matching(built, SQLITE)).toEqual([]);
  });

  it("kiln run loads the host and SQLite, and no TypeScript, ts-morph, esbuild or Binaryen", async () => {
    const { loaded } = await traced(["run", join(tmp, "dist"), "counter", "--input", '{"to":3}']);
    expect(matching(loaded, SQLITE).length).toBeGreaterThan(0);
    for (const [name, re] of COMPILER) expect(matching(loaded, re), name).toEqual([]);
  });

  it("kiln run --plugin loads neither the compiler nor SQLite", async () => {
    const bytecode = await compileSource(`Javy.IO.writeSync(1, new TextEncoder().encode("hi"));`);
    await writeFile(join(tmp, "bare.wasm"), await emitDynamicModule({ bytecode, exports: [] }));
    const plugin = new URL("../../javy-plugin/dist/plugin.wasm", import.meta.url).pathname;
    const { loaded } = await traced(["run", "--plugin", plugin, "bare.wasm"], new Uint8Array());
    expect(matching(loaded, SQLITE)).toEqual([]);
    for (const [name, re] of COMPILER) expect(matching(loaded, re), name).toEqual([]);
  });

  it("kiln --help and each command's --help load none of the packages the commands use", async () => {
    for (const args of [["--help"], ["build", "--help"], ["run", "--help"]]) {
      const { loaded } = await traced(args);
      const what = args.join(" ");
      expect(matching(loaded, /packages[\\/](codegen|host|javy-plugin)[\\/]/), what).toEqual([]);
      expect(matching(loaded, SQLITE), what).toEqual([]);
      for (const [name, re] of COMPILER) expect(matching(loaded, re), `${what}: ${name}`).toEqual([]);
    }
  });
});
