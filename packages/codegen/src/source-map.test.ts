import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  decodeMappings,
  decodeSourceMapSection,
  emitDynamicModule,
  type MappingSegment,
  SOURCE_MAP_SECTION,
} from "@kiln/javy-plugin";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactSourceMap } from "./source-map.js";

const entry = `import { helper } from "dep";
import { internal } from "@kiln/fake";

export function main(): number {
  const value = compute(
    1,
    2,
  );
  return helper(value) + internal() + new Box(value).size;
}

function compute(a: number, b: number): number {
  return a + b;
}

class Box {
  constructor(readonly size: number) {}
}
`;

/** 0-based line and column of the first `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} is not in the text`);
  const before = text.slice(0, at).split("\n");
  return { line: before.length - 1, column: (before[before.length - 1] as string).length };
}

describe("compactSourceMap, stored in the module and read back", () => {
  let projectDir: string;
  let bundle: string;
  let lines: MappingSegment[][];
  let sources: readonly string[];
  let names: readonly string[];

  beforeAll(async () => {
    projectDir = await mkdtemp(join(tmpdir(), "kiln-source-map-"));
    const files: Record<string, string> = {
      "package.json": JSON.stringify({ name: "project", type: "module" }),
      "src/index.ts": entry,
      "node_modules/dep/package.json": JSON.stringify({ name: "dep", main: "index.js" }),
      "node_modules/dep/index.js": "export function helper(x) {\n  return x * 2;\n}\n",
      "node_modules/@kiln/fake/package.json": JSON.stringify({ name: "@kiln/fake", main: "lib.js" }),
      "node_modules/@kiln/fake/lib.js": "export function internal() {\n  return 1;\n}\n",
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(projectDir, file)), { recursive: true });
      await writeFile(join(projectDir, file), text);
    }
    const result = await build({
      entryPoints: [join(projectDir, "src/index.ts")],
      bundle: true,
      write: false,
      format: "esm",
      target: "es2020",
      outfile: join(projectDir, "kiln-bundle.js"),
      sourcemap: "external",
      sourcesContent: false,
      logLevel: "silent",
    });
    bundle = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "";
    const module = emitDynamicModule({
      bytecode: new Uint8Array([0]),
      exports: [],
      sourceMap: compactSourceMap(map, bundle, projectDir),
    });
    const [section] = WebAssembly.Module.customSections(new WebAssembly.Module(module), SOURCE_MAP_SECTION);
    const stored = decodeSourceMapSection(new Uint8Array(section as ArrayBuffer));
    ({ sources, names } = stored);
    lines = decodeMappings(stored.mappings);
  });
  afterAll(async () => {
    await rm(projectDir, { recursive: true, force: true });
  });

  /** Where the named segments for `name` on the bundle line of `needle` point, as `source:line:col` (1-based). */
  const calls = (needle: string, name: string) => {
    const line = positionOf(bundle, needle).line;
    return (lines[line] ?? [])
      .filter((s) => s.name !== undefined && names[s.name] === name)
      .map((s) => `${sources[s.source as number]}:${(s.sourceLine as number) + 1}:${(s.sourceColumn as number) + 1}`);
  };
  const at = (needle: string) => {
    const p = positionOf(entry, needle);
    return `src/index.ts:${p.line + 1}:${p.column + 1}`;
  };

  it("names sources as the author knows them: project-relative, node_modules/<package>, kiln:<package>", () => {
    expect([...sources].sort()).toEqual(["kiln:fake/lib.js", "node_modules/dep/index.js", "src/index.ts"]);
  });

  it("marks each call at its callee's name, and each `new` at `new`", () => {
    expect(calls("helper(value)", "helper")).toEqual([at("helper(value)")]);
    expect(calls("+ internal()", "internal")).toEqual([at("internal()")]);
    expect(calls("new Box", "Box")).toEqual([at("new Box")]);
  });

  it("marks a call that spans lines on the line of its `)` too, the line QuickJS reports", () => {
    const start = positionOf(bundle, "compute(").line;
    const close = bundle.split("\n").findIndex((text, i) => i > start && text.trim() === ");");
    expect(close).toBeGreaterThan(start);
    const named = (line: number) =>
      (lines[line] ?? []).filter((s) => s.name !== undefined && names[s.name] === "compute").map((s) => s.sourceLine);
    const line = positionOf(entry, "compute(").line;
    expect(named(start)).toEqual([line]);
    expect(named(close)).toEqual([line]);
  });

  it("keeps the first mapped position of every line that has one", () => {
    const line = positionOf(bundle, "return a + b").line;
    const first = lines[line]?.[0];
    expect(first).toMatchObject({
      source: sources.indexOf("src/index.ts"),
      sourceLine: positionOf(entry, "return a + b").line,
    });
    expect(first?.name).toBeUndefined();
  });
});
