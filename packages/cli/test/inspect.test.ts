/**
 * `kiln inspect` end to end: the real executable on extensions that `kiln build` built into a temp
 * folder, a module tampered with after its build, a manifest of the older version, and bare
 * modules the plugin tools emit or that are laid out as Javy's static modules are.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync } from "node:zlib";
import type { Manifest } from "@kiln/contracts";
import {
  compileSource,
  emitDynamicModule,
  encodeSourceMapSection,
  MODULE_IMPORTS,
  PLUGIN_NAMESPACE,
  SOURCE_MAP_SECTION,
} from "@kiln/javy-plugin";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InspectReport } from "../src/index.js";
import { type Exit, KILN, killAll, runKiln, TEST_EXTENSION } from "./kiln-process.js";

const LINK_CHECKER = join(TEST_EXTENSION, "..", "link-checker");
/** What `kiln build` writes as the module's `processed-by` producer: @kiln/codegen's version. */
const CODEGEN_VERSION = (
  JSON.parse(readFileSync(new URL("../../codegen/package.json", import.meta.url), "utf8")) as { version: string }
).version;

let tmp: string;

function kiln(args: readonly string[]): Promise<Exit> {
  return runKiln(tmp, args);
}

async function report(args: readonly string[]): Promise<{ exit: Exit; report: InspectReport }> {
  const exit = await kiln(["inspect", ...args, "--json"]);
  return { exit, report: JSON.parse(exit.stdout) as InspectReport };
}

async function build(project: string, out: string): Promise<void> {
  const r = await runKiln(tmp, ["build", project, "--out", out], 120_000);
  if (r.code !== 0) throw new Error(`kiln build ${project} failed: ${r.stderr}`);
}

const readJson = async <T>(file: string) => JSON.parse(await readFile(file, "utf8")) as T;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-inspect-"));
  await build(TEST_EXTENSION, join(tmp, "test-extension"));
  await build(LINK_CHECKER, join(tmp, "link-checker"));
});

afterEach(() => {
  killAll();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln inspect on a build", () => {
  it("shows the extension, its jobs with their schemas, and the module, aligned; exit 0", async () => {
    const r = await kiln(["inspect", "test-extension"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^test-extension 0\.1\.0: Test Extension\n {2}Reference extension: /);
    expect(out).toContain(`kind           Kiln module, linked to the plugin namespace "${PLUGIN_NAMESPACE}"\n`);
    expect(out).toContain("manifest       test-extension/manifest.json (manifest version 2)\n");
    expect(out).toMatch(/\nsha256 {9}[0-9a-f]{64} \(matches the manifest\)\n/);
    expect(out).toContain("permissions    test.echo, test.sleep\n");
    expect(out).toContain("allowed hosts  none\n");
    expect(out).toContain("limits         concurrentJobs 2; the rest the host's\n");
    expect(out).toContain("hooks          init kiln-init, cleanup kiln-cleanup\n");
    // A job: the three schemas aligned, each with its properties (optional ones marked "?").
    expect(out).toContain(
      [
        "  steps  (export job-steps)",
        "    Counts to `input.steps`, checkpointing after every step.",
        "    input   StepsInput   Input of the `steps` job.",
        "      steps    number",
        "      stepMs?  number  Milliseconds each step takes, spent busy (not waiting) so that pause and kill have code to stop.",
        "    output  StepsResult  Result of `steps`.",
      ].join("\n"),
    );
    expect(out).toContain(["    input   any", "    output  never", "    state   any"].join("\n"));
    expect(out).toMatch(/\n {2}bytecode +\d+\.\d KiB {2}QuickJS bytecode\n/);
    expect(out).toMatch(
      /\n {2}section javy_source +\d+\.\d KiB {2}the bundled JS source \(Brotli; \d+\.\d KiB as JS\)\n/,
    );
    expect(out).toContain(`\nproducers\n  language      JavaScript ES2020\n  processed-by  Kiln ${CODEGEN_VERSION}\n`);
    expect(out).toContain(
      `\nimports (3)\n  ${PLUGIN_NAMESPACE}  memory        memory\n  ${PLUGIN_NAMESPACE}  cabi_realloc  function\n`,
    );
    expect(out).toMatch(/\nexports \(8\)\n {2}_start {8}function\n {2}kiln-init {5}function\n/);
  });

  it("expands nested objects and named types, and lists the allowed hosts", async () => {
    const r = await kiln(["inspect", "link-checker/manifest.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("allowed hosts  127.0.0.1, localhost\n");
    expect(r.stdout).toContain("limits         none asked: the host's apply\n");
    expect(r.stdout).toContain(
      [
        "      results  LinkResult[]",
        "        url      string",
        "        status?  number  HTTP status, when the request was made.",
      ].join("\n"),
    );
  });

  it("--json: the manifest's jobs and schemas in full, the module's layout, the hash check", async () => {
    const { exit, report: rep } = await report(["test-extension"]);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toBe("");
    const manifest = await readJson<Manifest>(join(tmp, "test-extension", "manifest.json"));
    const wasm = await readFile(join(tmp, "test-extension", "extension.wasm"));
    expect(rep).toMatchObject({
      inspectVersion: 1,
      files: { manifest: "test-extension/manifest.json", module: "test-extension/extension.wasm" },
      manifest: {
        manifestVersion: 2,
        id: "test-extension",
        name: manifest.name,
        version: "0.1.0",
        description: manifest.description,
        generator: manifest.generator,
        permissions: ["test.echo", "test.sleep"],
        allowedHosts: [],
        limits: { asked: { concurrentJobs: 2 }, effective: { concurrentJobs: 2, memoryMiB: 256, jobTimeoutMs: null } },
        hooks: { init: "kiln-init", cleanup: "kiln-cleanup" },
        module: manifest.module,
      },
      integrity: {
        file: "extension.wasm",
        expected: manifest.module.sha256,
        actual: manifest.module.sha256,
        matches: true,
      },
      problems: [],
    });
    expect(rep.manifest?.jobs).toEqual(manifest.jobs.map((j) => ({ description: null, ...j })));
    const mod = rep.module;
    expect(mod).toMatchObject({
      kind: "kiln",
      namespace: PLUGIN_NAMESPACE,
      bytes: wasm.length,
      sha256: manifest.module.sha256,
    });
    expect(mod?.imports).toEqual(MODULE_IMPORTS.map((i) => ({ module: PLUGIN_NAMESPACE, name: i.name, kind: i.kind })));
    expect(mod?.exports.map((e) => e.name)).toEqual([
      "_start",
      "kiln-init",
      "kiln-cleanup",
      ...manifest.jobs.map((j) => j.export),
    ]);
    expect(mod?.customSections.map((s) => s.name)).toEqual(["producers", "javy_source", SOURCE_MAP_SECTION]);
    expect(mod?.sourceMap?.sources).toContain("src/index.ts");
    const sections = mod?.customSections.reduce((n, s) => n + s.bytes, 0) ?? 0;
    expect(mod?.bytecodeBytes).toBeGreaterThan(0);
    expect((mod?.bytecodeBytes ?? 0) + sections).toBeLessThan(wasm.length);
    expect(mod?.producers).toEqual({
      language: [{ name: "JavaScript", version: "ES2020" }],
      "processed-by": [{ name: "Kiln", version: CODEGEN_VERSION }],
    });
    expect(mod?.source?.compressed).toBe(true);
  });

  it("reports a module changed after its build: both hashes, the file expected, exit 1", async () => {
    const dir = join(tmp, "tampered");
    await cp(join(tmp, "test-extension"), dir, { recursive: true });
    const file = join(dir, "extension.wasm");
    const bytes = await readFile(file);
    // The last byte lies in the last custom section: still a valid module, with another hash.
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    const manifest = await readJson<Manifest>(join(dir, "manifest.json"));

    const human = await kiln(["inspect", "tampered"]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      new RegExp(
        `\\nsha256 +[0-9a-f]{64} DOES NOT MATCH the manifest, which expects ${manifest.module.sha256} for extension\\.wasm\\n`,
      ),
    );
    expect(human.stderr).toMatch(
      new RegExp(
        `^kiln: KILN_MODULE_HASH_MISMATCH: tampered/extension\\.wasm has sha256 [0-9a-f]{64}, but tampered/manifest\\.json expects ${manifest.module.sha256}: `,
      ),
    );
    expect(human.stderr.trim().split("\n")).toHaveLength(1);

    const { exit, report: rep } = await report(["tampered/extension.wasm"]);
    expect(exit.code).toBe(1);
    expect(rep.files.manifest).toBe("tampered/manifest.json");
    expect(rep.integrity).toMatchObject({ file: "extension.wasm", expected: manifest.module.sha256, matches: false });
    expect(rep.integrity?.actual).not.toBe(manifest.module.sha256);
    expect(rep.problems.map((p) => p.code)).toEqual(["KILN_MODULE_HASH_MISMATCH"]);
  });

  it("reads a version 1 manifest as the host does, and reports an export the manifest names but the module lacks", async () => {
    const dir = join(tmp, "v1");
    await cp(join(tmp, "test-extension"), dir, { recursive: true });
    const manifest = await readJson<Manifest>(join(dir, "manifest.json"));
    const v1 = {
      ...manifest,
      manifestVersion: 1,
      jobs: manifest.jobs.map(({ input: _i, output: _o, state: _s, ...job }) =>
        job.name === "spin" ? { ...job, export: "job-spinning" } : job,
      ),
    };
    await writeFile(join(dir, "manifest.json"), JSON.stringify(v1));
    const human = await kiln(["inspect", "v1"]);
    expect(human.stdout).toContain("manifest       v1/manifest.json (manifest version 1, read as version 2)\n");
    expect(human.stdout).toContain(
      ["  counter  (export job-counter)", "    Counts from 1 to `to`, logging each step.", "    input   any"].join(
        "\n",
      ),
    );
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(
      /^kiln: KILN_MODULE_LINK: v1\/extension\.wasm cannot be linked: it does not export "job-spinning", which its manifest names; /,
    );
  });

  it("says KILN_MANIFEST_INVALID (exit 1) for a manifest that fails the schema, and KILN_DIST_NOT_FOUND for a project folder", async () => {
    const manifest = await readJson<Manifest>(join(tmp, "test-extension", "manifest.json"));
    await mkdir(join(tmp, "broken"));
    await copyFile(join(tmp, "test-extension", "extension.wasm"), join(tmp, "broken", "extension.wasm"));
    await writeFile(join(tmp, "broken", "manifest.json"), JSON.stringify({ ...manifest, id: "Not Kebab" }));
    const broken = await kiln(["inspect", "broken/manifest.json"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe(
      'kiln: KILN_MANIFEST_INVALID: broken/manifest.json is not a valid Kiln manifest: /id: must match pattern "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"; rebuild the extension with kiln build\n',
    );
    const project = await kiln(["inspect", TEST_EXTENSION]);
    expect(project.code).toBe(1);
    expect(project.stderr).toContain("KILN_DIST_NOT_FOUND");
    expect(project.stderr).toContain("did you mean");
  });

  it("is in the overview and answers --help and kiln help inspect with its usage", async () => {
    expect((await kiln(["--help"])).stdout).toContain("kiln inspect <dist-dir|extension.wasm|manifest.json> [--json]");
    for (const args of [
      ["inspect", "--help"],
      ["help", "inspect"],
    ]) {
      const r = await kiln(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: kiln inspect <dist-dir\|extension\.wasm\|manifest\.json> \[--json\]\n/);
    }
  });

  it("exits 2 with KILN_USAGE without a path", async () => {
    const r = await kiln(["inspect"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kiln: KILN_USAGE: inspect needs a <dist-dir>, /);
  });
});

describe("kiln inspect on a bare module", () => {
  const program = `export function hello() { return 1; }\nJavy.IO.writeSync(1, new TextEncoder().encode("hi"));`;

  it("shows what a Kiln module says without a manifest: exit 0", async () => {
    const bytecode = await compileSource(program);
    await writeFile(
      join(tmp, "bare.wasm"),
      emitDynamicModule({ bytecode, exports: [{ wasmName: "hello", jsName: "hello" }], source: program }),
    );
    const { exit, report: rep } = await report(["bare.wasm"]);
    expect(exit.code).toBe(0);
    expect(rep).toMatchObject({
      files: { manifest: null, module: "bare.wasm" },
      manifest: null,
      integrity: null,
      problems: [],
    });
    expect(rep.module).toMatchObject({
      kind: "kiln",
      bytecodeBytes: bytecode.length,
      source: { bytes: program.length, compressed: true },
      exports: [
        { name: "_start", kind: "function" },
        { name: "hello", kind: "function" },
      ],
    });
    const human = await kiln(["inspect", "bare.wasm"]);
    expect(human.stdout).toContain("manifest  none: what follows is what the module says\n");
  });

  it("tells a stock Javy dynamic module by the plugin namespace it imports", async () => {
    const bytecode = await compileSource(program);
    const module = emitDynamicModule({
      bytecode,
      exports: [],
      namespace: "javy_quickjs_provider_v3",
      sourceMode: "raw",
      source: program,
    });
    await writeFile(join(tmp, "javy-dynamic.wasm"), module);
    const { exit, report: rep } = await report(["javy-dynamic.wasm"]);
    expect(exit.code).toBe(0);
    expect(rep.module).toMatchObject({
      kind: "javy-dynamic",
      namespace: "javy_quickjs_provider_v3",
      bytecodeBytes: bytecode.length,
      source: { bytes: program.length, compressed: false },
    });
    const human = await kiln(["inspect", "javy-dynamic.wasm"]);
    expect(human.stdout).toContain(
      'kind      stock Javy dynamic module (run it with kiln run --plugin), linked to the plugin namespace "javy_quickjs_provider_v3"\n',
    );
  });

  it("tells a Javy static module (WASI imports only, _start, javy_source), and lists every custom section", async () => {
    await writeFile(
      join(tmp, "static.wasm"),
      staticModule(program, {
        [SOURCE_MAP_SECTION]: encodeSourceMapSection({
          version: 3,
          sources: ["src/a.ts", "src/b.ts"],
          names: [],
          mappings: "",
        }),
        vendor_note: new TextEncoder().encode("x"),
      }),
    );
    const { exit, report: rep } = await report(["static.wasm"]);
    expect(exit.code).toBe(0);
    expect(rep.module).toMatchObject({
      kind: "javy-static",
      namespace: null,
      bytecodeBytes: null,
      imports: [{ module: "wasi_snapshot_preview1", name: "fd_write", kind: "function" }],
      exports: [
        { name: "memory", kind: "memory" },
        { name: "_start", kind: "function" },
      ],
      source: { bytes: program.length, compressed: true },
      sourceMap: { sources: ["src/a.ts", "src/b.ts"] },
    });
    expect(rep.module?.customSections).toEqual([
      { name: "javy_source", bytes: expect.any(Number), about: "the bundled JS source" },
      {
        name: SOURCE_MAP_SECTION,
        bytes: expect.any(Number),
        about: "the source map from the bundled JS to the original files",
      },
      { name: "vendor_note", bytes: 1, about: null },
    ]);
  });
});

describe("what kiln inspect loads", () => {
  it("loads no host, no SQLite and no compiler", async () => {
    // CommonJS packages (better-sqlite3, TypeScript, ts-morph, esbuild, Binaryen) show in require.cache.
    const script = `
      import { createRequire } from "node:module";
      const { main } = await import(${JSON.stringify(pathToFileURL(join(dirname(KILN), "..", "dist", "main.js")).href)});
      const code = await main(["inspect", "test-extension", "--json"]);
      process.stderr.write(JSON.stringify({ code, loaded: Object.keys(createRequire(import.meta.url).cache) }));
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: tmp,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    await new Promise((resolve) => child.on("close", resolve));
    const { code, loaded } = JSON.parse(stderr) as { code: number; loaded: string[] };
    expect(code).toBe(0);
    for (const name of ["better-sqlite3", "typescript", "ts-morph", "esbuild", "binaryen"]) {
      expect(
        loaded.filter((m) => m.includes(`node_modules/${name}/`)),
        name,
      ).toEqual([]);
    }
  });
});

/**
 * A module laid out as `javy build` (static) writes one, reduced to its shape: it imports WASI
 * only, exports `memory` and `_start`, and carries the Brotli-compressed source in `javy_source`,
 * then any `extra` custom sections.
 */
function staticModule(source: string, extra: Record<string, Uint8Array>): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      const low = n & 0x7f;
      n >>>= 7;
      out.push(n ? low | 0x80 : low);
    } while (n);
    return out;
  };
  const vec = (bytes: ArrayLike<number>) => [...leb(bytes.length), ...Array.from(bytes)];
  const name = (text: string) => vec(new TextEncoder().encode(text));
  const section = (id: number, payload: number[]) => [id, ...vec(payload)];
  const i32 = 0x7f;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 = fd_write's (i32, i32, i32, i32) -> i32, 1 = () -> ()
    ...section(1, [2, 0x60, 4, i32, i32, i32, i32, 1, i32, 0x60, 0, 0]),
    ...section(2, [1, ...name("wasi_snapshot_preview1"), ...name("fd_write"), 0x00, 0]),
    ...section(3, [1, 1]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name("memory"), 0x02, 0, ...name("_start"), 0x00, 1]),
    ...section(10, [1, ...vec([0, 0x0b])]),
    ...section(0, [...name("javy_source"), ...brotliCompressSync(source)]),
    ...Object.entries(extra).flatMap(([n, payload]) => section(0, [...name(n), ...payload])),
  ]);
}
