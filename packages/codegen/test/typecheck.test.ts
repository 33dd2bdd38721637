/**
 * What `kiln build` refuses besides Kiln's own checks: type errors (`KILN_TYPE_ERROR`, from the
 * real TypeScript checker with the project's tsconfig.json), `experimentalDecorators`
 * (`KILN_EXPERIMENTAL_DECORATORS`) and imports of Node built-ins (`KILN_NODE_BUILTIN_IMPORT`, in the
 * author's files from the analysis, in a dependency's from esbuild). Goldens hold the diagnostics
 * of the three fixtures; `UPDATE_GOLDEN=1` rewrites them. The builds here stop before the plugin
 * compiles anything, except the one of `typecheck: false`, which runs the whole pipeline.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { builtinFix, nodeBuiltinName } from "../src/analyze/imports.js";
import { AnalysisCache, analyzeProject } from "../src/analyze.js";
import { BuildError, buildExtension } from "../src/build.js";
import { type Diagnostic, DiagnosticsError, formatDiagnostic } from "../src/diagnostics.js";
import { analyzeSource } from "./analyze-source.js";
import { expectGolden } from "./golden.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, "fixtures");

function render(diagnostics: readonly Diagnostic[]): string {
  return `${diagnostics.map(formatDiagnostic).join("\n\n")}\n`;
}

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/**
 * A project with `files` (path → text) inside the workspace, so that `@kiln/sdk` and its preset
 * resolve as they do for an installed extension.
 */
function workspaceProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(here, "../node_modules/.typecheck-test-"));
  temporary.push(dir);
  writeFiles(dir, { "package.json": '{ "name": "typecheck-test", "type": "module" }', ...files });
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

const extensionSource = (body: string) =>
  `import { extension, type JobContext, job } from "@kiln/sdk";\n@extension({ id: "x", name: "X", version: "1.0.0" })\nexport class X {\n${body}\n}\n`;

describe("type errors", () => {
  const projectDir = path.join(fixtures, "type-errors");

  it("reports every error of the entry and the files it imports, with TypeScript's code and message", () => {
    const result = analyzeProject({ projectDir });
    expect(result.model).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.file, d.line, d.code, d.message.split(":")[0]])).toEqual([
      ["src/index.ts", 10, "KILN_TYPE_ERROR", "TS2322"],
      ["src/index.ts", 12, "KILN_TYPE_ERROR", "TS2554"],
      ["src/index.ts", 17, "KILN_TYPE_ERROR", "TS2339"],
      ["src/invoices.ts", 7, "KILN_TYPE_ERROR", "TS2551"],
      ["src/invoices.ts", 10, "KILN_TYPE_ERROR", "TS2322"],
    ]);
    expect(result.diagnostics[0]?.message).toBe("TS2322: Type 'string' is not assignable to type 'number'.");
    expectGolden("type-errors.diagnostics.txt", render(result.diagnostics));
  });

  it("fails the build once, with all of them", async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), "kiln-typecheck-"));
    temporary.push(outDir);
    const error = await buildExtension({ projectDir, outDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticsError);
    expect((error as DiagnosticsError).diagnostics.map((d) => d.code)).toEqual(Array(5).fill("KILN_TYPE_ERROR"));
    expect((error as DiagnosticsError).message.endsWith("\n\n5 errors")).toBe(true);
  });

  it("builds the same project with typecheck: false", async () => {
    expect(analyzeProject({ projectDir, typecheck: false }).diagnostics).toEqual([]);
    const outDir = mkdtempSync(path.join(tmpdir(), "kiln-typecheck-"));
    temporary.push(outDir);
    const result = await buildExtension({ projectDir, outDir, typecheck: false, source: "omit" });
    expect(result.manifest.jobs.map((j) => j.name)).toEqual(["sum", "label"]);
    expect(JSON.parse(readFileSync(result.files.manifest, "utf8")).id).toBe("type-errors");
  });

  it("checks with the project's tsconfig.json: its options decide what is an error", () => {
    const source = extensionSource(
      "  @job()\n  run(ctx: JobContext<{ n: number }>): number {\n    const unused = 1;\n    return ctx.input.n;\n  }",
    );
    const lenient = workspaceProject({ "src/index.ts": source });
    expect(analyzeProject({ projectDir: lenient }).diagnostics).toEqual([]);
    const strict = workspaceProject({
      "src/index.ts": source,
      "tsconfig.json": JSON.stringify({
        extends: "@kiln/sdk/tsconfig.json",
        compilerOptions: { noUnusedLocals: true },
        include: ["src"],
      }),
    });
    expect(analyzeProject({ projectDir: strict }).diagnostics).toMatchObject([
      {
        code: "KILN_TYPE_ERROR",
        file: "src/index.ts",
        line: 6,
        column: 11,
        message: "TS6133: 'unused' is declared but its value is never read.",
      },
    ]);
  });

  it("checks against the sandbox's globals (the SDK's preset), not Node's or the DOM's", () => {
    const projectDir = workspaceProject({
      "src/index.ts": extensionSource(
        "  @job()\n  async run(): Promise<string> {\n    const id = crypto.randomUUID();\n    return [id, document.title, process.pid].join(' ');\n  }",
      ),
    });
    const messages = analyzeProject({ projectDir }).diagnostics.map((d) => d.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^TS2584: Cannot find name 'document'/);
    expect(messages[1]).toMatch(/^TS\d+: Cannot find name 'process'/);
  });

  it("includes the declaration files the tsconfig includes, so declared globals are known", () => {
    const projectDir = workspaceProject({
      "src/index.ts": extensionSource("  @job()\n  run(): string {\n    return BUILD_ID;\n  }"),
      "src/env.d.ts": "declare const BUILD_ID: string;\n",
      "tsconfig.json": JSON.stringify({ extends: "@kiln/sdk/tsconfig.json", include: ["src"] }),
    });
    expect(analyzeProject({ projectDir }).diagnostics).toEqual([]);
  });

  it("checks a project without strictNullChecks with its options, and writes its schemas with nulls", () => {
    const projectDir = workspaceProject({
      "src/index.ts": extensionSource(
        "  @job()\n  run(ctx: JobContext<{ note: string | null }>): string {\n    const none: string = null;\n    const one: string = 1;\n    return ctx.input.note ?? none + one;\n  }",
      ),
      "tsconfig.json": JSON.stringify({ extends: "@kiln/sdk/tsconfig.json", compilerOptions: { strict: false } }),
    });
    const result = analyzeProject({ projectDir });
    // `null` is a string without strictNullChecks, as the author's editor says; `1` is not.
    expect(result.diagnostics).toMatchObject([{ code: "KILN_TYPE_ERROR", line: 7, column: 11 }]);
    expect(result.diagnostics[0]?.message).toMatch(/^TS2322: Type 'number' is not assignable to type 'string'/);
    const schemas = analyzeProject({ projectDir, typecheck: false }).model?.jobs[0]?.input;
    expect(schemas).toMatchObject({ properties: { note: { type: ["string", "null"] } } });
  });

  it("reports a tsconfig.json that is not JSON", () => {
    const projectDir = workspaceProject({ "src/index.ts": extensionSource(""), "tsconfig.json": '{ "extends": ' });
    const result = analyzeProject({ projectDir });
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => d.code === "KILN_TYPE_ERROR" && d.file === "tsconfig.json")).toBe(true);
  });

  it("reports a broken tsconfig.json at its place", () => {
    const projectDir = workspaceProject({
      "src/index.ts": extensionSource(""),
      "tsconfig.json": '{ "extends": "@kiln/sdk/tsconfig.json", "compilerOptions": { "target": "ES1999" } }\n',
    });
    const [problem, ...rest] = analyzeProject({ projectDir }).diagnostics;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ code: "KILN_TYPE_ERROR", file: "tsconfig.json", line: 1, column: 72 });
    expect(problem?.message).toMatch(/^TS6046: Argument for '--target' option must be/);
    expect(problem?.frame).toContain('"ES1999"');
  });

  it("says nothing of types in a file that does not parse", () => {
    const projectDir = workspaceProject({ "src/index.ts": `${extensionSource("")}const n: number = "x";\nlet = ;\n` });
    expect(analyzeProject({ projectDir }).diagnostics.map((d) => d.code)).toEqual(["KILN_SYNTAX_ERROR"]);
  });

  it("leaves out TypeScript's take on a Kiln decorator that Kiln reports", () => {
    // `name` is missing: TypeScript says so too (TS2345), at the same call.
    const projectDir = workspaceProject({
      "src/index.ts":
        'import { extension } from "@kiln/sdk";\n@extension({ id: "x", version: "1.0.0" })\nexport class X {}\n',
    });
    expect(analyzeProject({ projectDir }).diagnostics.map((d) => d.code)).toEqual(["KILN_MISSING_OPTION"]);
  });
});

describe("experimentalDecorators", () => {
  const projectDir = path.join(fixtures, "experimental-decorators");

  it("is reported once, at the line of the extended file that sets it, without the decorators' type errors", () => {
    const result = analyzeProject({ projectDir });
    expect(result.diagnostics).toMatchObject([
      { code: "KILN_EXPERIMENTAL_DECORATORS", file: "tsconfig.shared.json", line: 4, column: 5 },
    ]);
    expectGolden("experimental-decorators.diagnostics.txt", render(result.diagnostics));
  });

  it("is reported with typecheck: false too: esbuild would compile the decorators as legacy ones", () => {
    expect(analyzeProject({ projectDir, typecheck: false }).diagnostics.map((d) => d.code)).toEqual([
      "KILN_EXPERIMENTAL_DECORATORS",
    ]);
  });

  it("is found in the project's own tsconfig.json", () => {
    const dir = workspaceProject({
      "src/index.ts": extensionSource(""),
      "tsconfig.json":
        '{\n  "extends": "@kiln/sdk/tsconfig.json",\n  "compilerOptions": { "experimentalDecorators": true }\n}\n',
    });
    const [diagnostic, ...rest] = analyzeProject({ projectDir: dir }).diagnostics;
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({ code: "KILN_EXPERIMENTAL_DECORATORS", file: "tsconfig.json", line: 3 });
    expect(diagnostic?.message).toMatch(/^experimentalDecorators is true: /);
  });
});

describe("Node built-ins", () => {
  it("reports import, export from, import = require, require() and import(), node: and bare", () => {
    const result = analyzeProject({ projectDir: path.join(fixtures, "node-builtins") });
    expect(result.model).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.file, d.line, d.code])).toEqual([
      ["src/hash.ts", 1, "KILN_NODE_BUILTIN_IMPORT"],
      ["src/index.ts", 3, "KILN_NODE_BUILTIN_IMPORT"],
      ["src/index.ts", 4, "KILN_NODE_BUILTIN_IMPORT"],
      ["src/index.ts", 8, "KILN_NODE_BUILTIN_IMPORT"],
      ["src/index.ts", 14, "KILN_NODE_BUILTIN_IMPORT"],
      ["src/index.ts", 15, "KILN_NODE_BUILTIN_IMPORT"],
    ]);
    expect(result.diagnostics[1]?.message).toBe(
      `imports the Node.js built-in module "fs" (as "node:fs"), which Kiln's sandbox does not have`,
    );
    expect(result.diagnostics[1]?.fix).toContain('ctx.call("files.read"');
    expectGolden("node-builtins.diagnostics.txt", render(result.diagnostics));
  });

  it("leaves type-only imports and the author's own require alone", () => {
    const result = analyzeSource(
      'import type { Stats } from "node:fs";\nexport type { Dirent } from "fs";\nfunction require(name: string) { return name; }\nexport const x = require("fs");\nexport type S = Stats;\n',
    );
    expect(result.diagnostics.map((d) => d.code)).toEqual(["KILN_NO_EXTENSION"]);
  });

  it("leaves a bare name alone when a package of that name is installed", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kiln-builtins-"));
    temporary.push(dir);
    writeFiles(dir, {
      "node_modules/events/package.json": '{ "name": "events", "main": "events.js" }',
      "src/index.ts":
        'import { EventEmitter } from "events";\nimport { Buffer } from "buffer";\nexport { EventEmitter, Buffer };\n',
    });
    const result = analyzeProject({ projectDir: dir, typecheck: false });
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["KILN_NO_EXTENSION", 1],
      ["KILN_NODE_BUILTIN_IMPORT", 2],
    ]);
  });

  it.each([
    ["node:fs", "fs"],
    ["node:test", "test"],
    ["fs/promises", "fs/promises"],
    ["child_process", "child_process"],
    ["fs-extra", undefined],
    ["@kiln/sdk", undefined],
    ["./fs", undefined],
  ])("%s is the built-in %s", (specifier, name) => {
    expect(nodeBuiltinName(specifier)).toBe(name);
  });

  it("says what to use instead of a built-in the sandbox has a counterpart for", () => {
    expect(builtinFix("https")).toContain("fetch(url)");
    expect(builtinFix("crypto")).toContain("crypto.randomUUID()");
    expect(builtinFix("child_process")).toBeUndefined();
    expect(builtinFix("constructor")).toBeUndefined();
  });
});

describe("bundle failures", () => {
  const extension = `import { extension, job } from "@kiln/sdk";\nimport { load } from "legacy";\n@extension({ id: "x", name: "X", version: "1.0.0" })\nexport class X {\n  @job()\n  run(): string {\n    return load();\n  }\n}\n`;
  const dependency = (code: string) => ({
    "src/index.ts": extension,
    "node_modules/legacy/package.json":
      '{ "name": "legacy", "type": "module", "main": "index.js", "types": "index.d.ts" }',
    "node_modules/legacy/index.d.ts": "export declare function load(): string;\n",
    "node_modules/legacy/index.js": code,
  });

  it("names the dependency's import of a Node built-in, with its place, line and fix", async () => {
    const projectDir = workspaceProject(
      dependency(
        'import { readFileSync } from "fs";\nexport function load() {\n  return readFileSync("x", "utf8");\n}\n',
      ),
    );
    const error = await buildExtension({ projectDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).code).toBe("KILN_NODE_BUILTIN_IMPORT");
    expect((error as BuildError).message).toBe(
      [
        "a dependency cannot be bundled:",
        `node_modules/legacy/index.js:1:30: imports the Node.js built-in module "fs", which Kiln's sandbox does not have`,
        `> 1 | import { readFileSync } from "fs";`,
        "    |                              ^^^^",
        `  fix: ${builtinFix("fs")}`,
      ].join("\n"),
    );
  });

  it("shows any other esbuild error at its place with its line", async () => {
    const projectDir = workspaceProject(dependency('export { load } from "./missing.js";\n'));
    const error = await buildExtension({ projectDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).code).toBe("KILN_BUNDLE_FAILED");
    expect((error as BuildError).message).toBe(
      [
        "bundling failed:",
        `node_modules/legacy/index.js:1:22: Could not resolve "./missing.js"`,
        `> 1 | export { load } from "./missing.js";`,
        "    |                      ^^^^^^^^^^^^^^",
      ].join("\n"),
    );
  });
});

describe("AnalysisCache", () => {
  it("gives what a fresh analysis gives, and sees every change of the author's files", () => {
    const index = (body: string) => `import { label } from "./label.js";\n${extensionSource(body)}`;
    const projectDir = workspaceProject({
      "src/index.ts": index(
        "  @job()\n  run(ctx: JobContext<{ n: number }>): string {\n    return label(ctx.input.n);\n  }",
      ),
      "src/label.ts": "export function label(n: number): string {\n  return '#' + String(n);\n}\n",
    });
    const cache = new AnalysisCache();
    const both = () => {
      const cached = analyzeProject({ projectDir, cache });
      expect(cached).toEqual(analyzeProject({ projectDir }));
      return cached;
    };
    expect(both().model?.jobs[0]?.output).toEqual({ type: "string" });
    // A type error in an imported file.
    writeFileSync(
      path.join(projectDir, "src/label.ts"),
      "export function label(n: number): string {\n  return n;\n}\n",
    );
    expect(both().diagnostics.map((d) => [d.file, d.message.split(":")[0]])).toEqual([["src/label.ts", "TS2322"]]);
    // The import goes away: the file is no longer the author's code under analysis.
    writeFileSync(
      path.join(projectDir, "src/index.ts"),
      index("  @job()\n  run(ctx: JobContext<{ n: number }>): number {\n    return ctx.input.n;\n  }").replace(
        'import { label } from "./label.js";\n',
        "",
      ),
    );
    const fixed = both();
    expect(fixed.diagnostics).toEqual([]);
    expect(fixed.model?.jobs[0]?.output).toEqual({ type: "number" });
    // A new tsconfig.json: new options, a new project.
    writeFileSync(
      path.join(projectDir, "tsconfig.json"),
      JSON.stringify({ extends: "@kiln/sdk/tsconfig.json", compilerOptions: { experimentalDecorators: true } }),
    );
    expect(both().diagnostics.map((d) => d.code)).toEqual(["KILN_EXPERIMENTAL_DECORATORS"]);
  });
});
