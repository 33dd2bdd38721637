/**
 * `dist/types.d.ts` types an application's use of an extension: with it in the compilation,
 * `host.jobs.dispatch("test-extension", "counter", { to: 5 })` checks the job name and input and
 * `wait()` types the result; a wrong name or input is a compile error. Without it, the same calls
 * compile untyped. The test compiles two small applications against `@kiln/host` with the
 * TypeScript compiler, one with the generated file and one without, and expects no diagnostics:
 * each wrong call in the typed one carries a `@ts-expect-error`, which is itself an error when
 * unused. The example of docs/typed-contract.md that follows its `<!-- compiled: … -->` marker is
 * compiled the same way, so the page cannot show a call that does not type-check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeProject, generateTypes } from "../src/index.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
// Inside the package's node_modules, so that "@kiln/host" resolves as it does for the package,
// and git never sees the files.
let dir: string;

const TYPED = `
import { ExtensionHost } from "@kiln/host";
import type {} from "./types.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const host = new ExtensionHost({ store: ":memory:" });

export async function typed(): Promise<void> {
  const id = await host.jobs.dispatch("test-extension", "counter", { to: 5 });
  const done = await host.jobs.wait(id);
  const result: Equal<typeof done.result, { count: number } | null> = true;
  const direct = await host.run("test-extension", "counter", { to: 2 }, { timeoutMs: 1000 });
  const count: number = direct.count;
  const steps = await host.jobs.dispatch("test-extension", "steps", { steps: 3 });
  const record = await host.jobs.get(steps);
  const resumedAt: number[] | undefined = record?.result?.resumedAt;

  // @ts-expect-error the input is required
  await host.jobs.dispatch("test-extension", "counter");
  // @ts-expect-error "to" is a number
  await host.jobs.dispatch("test-extension", "counter", { to: "5" });
  // @ts-expect-error no property "from"
  await host.jobs.dispatch("test-extension", "counter", { to: 5, from: 1 });
  // @ts-expect-error no job "count"
  await host.jobs.dispatch("test-extension", "count", { to: 5 });
  // @ts-expect-error the result has no "total"
  void done.result?.total;

  // An id that is not typed stays untyped, and so do extensions the compilation does not know.
  const other = await host.jobs.dispatch("other-extension", "anything", { any: "thing" });
  const untyped: Equal<(typeof other)["length"], number> = true;
  const otherDone = await host.jobs.wait(other);
  const unknownResult: Equal<typeof otherDone.result, unknown> = true;
  void [result, count, resumedAt, untyped, unknownResult];
}
`;

const UNTYPED = `
import { ExtensionHost } from "@kiln/host";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const host = new ExtensionHost({ store: ":memory:" });

export async function untyped(): Promise<void> {
  // Without dist/types.d.ts every call compiles, whatever it passes, and results are unknown.
  const id = await host.jobs.dispatch("test-extension", "counter", { to: "5" });
  await host.jobs.dispatch("test-extension", "count");
  const done = await host.jobs.wait(id);
  const result: Equal<typeof done.result, unknown> = true;
  const direct: unknown = await host.run("test-extension", "counter", { to: 2 });
  void [result, direct];
}
`;

// ts-morph's bundled compiler ships no lib files: take them from the workspace's TypeScript.
const libDir = join(repo, "node_modules/typescript/lib");

function diagnostics(root: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ["@kiln/source"],
    types: ["node"],
    typeRoots: [join(repo, "node_modules/@types")],
    skipLibCheck: true,
    // As tsconfig.base.json: the host's sources are compiled along with the application.
    lib: ["lib.es2022.d.ts", "lib.es2024.sharedmemory.d.ts", "lib.dom.d.ts"],
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
  };
  const host = ts.createCompilerHost(options);
  host.getDefaultLibLocation = () => libDir;
  host.getDefaultLibFileName = (o) => join(libDir, ts.getDefaultLibFileName(o));
  const program = ts.createProgram([join(dir, root)], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const file = d.file ? `${d.file.fileName.replace(dir, ".")}:${(where?.line ?? 0) + 1}` : "";
    return `${file} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(repo, "packages/codegen/node_modules/.app-types-"));
  const { model, diagnostics: problems } = analyzeProject({ projectDir: join(repo, "extensions/test-extension") });
  expect(problems).toEqual([]);
  if (!model) throw new Error("test-extension did not analyze");
  writeFileSync(join(dir, "types.d.ts"), generateTypes(model));
  writeFileSync(join(dir, "typed.ts"), TYPED);
  writeFileSync(join(dir, "untyped.ts"), UNTYPED);
  writeFileSync(join(dir, "docs-example.ts"), docsExample());
});

/** The TypeScript block after the page's `<!-- compiled: … -->` marker, importing the generated file. */
function docsExample(): string {
  const page = readFileSync(join(repo, "docs/typed-contract.md"), "utf8");
  const block = /<!-- compiled:[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(page)?.[1];
  if (!block) throw new Error("docs/typed-contract.md has no compiled example");
  return `${block.replace("./extensions/test-extension/dist/types.js", "./types.js")}\nexport {};\n`;
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("dist/types.d.ts in an application", () => {
  it("types job names, inputs and results, and refuses wrong ones", () => {
    expect(diagnostics("typed.ts")).toEqual([]);
  });

  it("compiles the example of docs/typed-contract.md", () => {
    expect(diagnostics("docs-example.ts")).toEqual([]);
  });

  it("leaves everything untyped, and compiling, without it", () => {
    expect(diagnostics("untyped.ts")).toEqual([]);
  });
});
