/**
 * Every TypeScript code block of the guides compiles, as a reader would paste it: extension code
 * (a block that imports `@kiln/sdk` and nothing of the application side) under the SDK's sandbox
 * tsconfig, everything else as a strict Node ESM module. The @kiln packages resolve to their built
 * `dist/` types, as they do for an npm user. A block's hidden setup (see scripts/code-blocks.mjs)
 * compiles with it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { codeBlocks, TS_LANGUAGES } from "../scripts/code-blocks.mjs";

const docs = new URL("..", import.meta.url).pathname;
const work = join(docs, "node_modules/.kiln-examples");

/** Imports that make a block application code (Node, tests), not code for the sandbox. */
const APP_SIDE = /from\s+["'](node:|vitest|@kiln\/(host|testing|cli|codegen|contracts))/;

interface Block {
  readonly page: string;
  readonly file: string;
  readonly line: number;
  readonly kind: "extension" | "app";
}

/** The guide pages: every markdown page of the site but the generated API reference. */
function pages(dir = docs): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return ["node_modules", "api", ".vitepress", "test", "scripts"].includes(entry.name) ? [] : pages(path);
    return entry.name.endsWith(".md") ? [relative(docs, path)] : [];
  });
}

function extract(): Block[] {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "package.json"), `${JSON.stringify({ type: "module", private: true })}\n`);
  const blocks: Block[] = [];
  for (const page of pages()) {
    const found = codeBlocks(readFileSync(join(docs, page), "utf8")).filter((b) => TS_LANGUAGES.has(b.lang));
    found.forEach((block, n) => {
      const file = join(work, page.replace(/\.md$/, ""), block.title ?? `block-${n + 1}.ts`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, block.code);
      const kind = APP_SIDE.test(block.code) || !/@kiln\/sdk/.test(block.code) ? "app" : "extension";
      blocks.push({ page, file, line: block.line, kind });
    });
  }
  return blocks;
}

const APP_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023"],
  types: ["node"],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

function diagnose(blocks: readonly Block[], kind: Block["kind"]): ts.Diagnostic[] {
  const files = blocks.filter((b) => b.kind === kind).map((b) => b.file);
  if (!files.length) return [];
  const config =
    kind === "extension" ? { extends: "@kiln/sdk/tsconfig.json", files } : { compilerOptions: APP_OPTIONS, files };
  const configFile = join(work, `tsconfig.${kind}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configFile}`);
  expect(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  return [...ts.getPreEmitDiagnostics(ts.createProgram(parsed.fileNames, parsed.options))];
}

/** `docs/jobs.md:12:5 TS2304 Cannot find name 'x'.`: where the reader sees it. */
function describeDiagnostic(d: ts.Diagnostic, blocks: readonly Block[]): string {
  const message = `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  const block = d.file && blocks.find((b) => b.file === d.file?.fileName);
  if (!d.file || d.start === undefined || !block) return `${d.file?.fileName ?? "(project)"}: ${message}`;
  const at = d.file.getLineAndCharacterOfPosition(d.start);
  return `docs/${block.page}:${block.line + at.line}:${at.character + 1} ${message}`;
}

describe("the guides' TypeScript examples", () => {
  let blocks: Block[] = [];
  let problems: string[] = [];

  beforeAll(() => {
    blocks = extract();
    problems = (["extension", "app"] as const)
      .flatMap((kind) => diagnose(blocks, kind))
      .map((d) => describeDiagnostic(d, blocks));
  });

  it("finds examples of both kinds", () => {
    expect(blocks.filter((b) => b.kind === "extension").length).toBeGreaterThan(3);
    expect(blocks.filter((b) => b.kind === "app").length).toBeGreaterThan(3);
  });

  it("type-check, every one of them", () => {
    expect(problems).toEqual([]);
  });
});
