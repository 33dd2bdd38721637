/**
 * Stack frames and log locations in the author's TypeScript: `kiln build` stores a source map in
 * the module, and the host maps with it every frame of a failed job's and a failed init's stack,
 * and where each `ctx.log` and console call was made. Real builds of the fixture projects in
 * `fixtures/`, run in a real host (SQLite store, worker threads).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { buildExtension } from "@kiln/codegen";
import { ExtensionFailedError, ExtensionHost, type LogEntry } from "@kiln/host";
import { BUNDLE_FILE, JAVY_SOURCE_SECTION, SOURCE_MAP_SECTION } from "@kiln/javy-plugin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceLocation } from "./fixtures.js";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
const project = join(fixtures, "stack-trace");
const initProject = join(fixtures, "stack-trace-init");
const logProject = join(fixtures, "log-location");

/** `file:line:col` (1-based) of the first `needle` in a fixture file: what a mapped frame shows. */
function at(projectDir: string, file: string, needle: string): string {
  const { line, column } = sourceLocation(projectDir, file, needle);
  return `${file}:${line}:${column}`;
}
const deep = (needle: string) => at(project, "src/deep.ts", needle);
const entry = (needle: string) => at(project, "src/index.ts", needle);

/** The frames of a stack, one string each, without the trailing empty line. */
const frames = (stack: string | undefined) => (stack ?? "").trimEnd().split("\n");

/** Kiln's own frames: the SDK runtime and the generated glue, mapped but marked `kiln:`. */
const internal = /^ {4}at \w+ \(kiln:(sdk\/src\/runtime\.ts|glue\.js):\d+:\d+\)$/;

async function failure(promise: Promise<unknown>): Promise<ExtensionFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExtensionFailedError);
  return error as ExtensionFailedError;
}

describe("stack traces mapped to TypeScript", () => {
  let work: string;
  let host: ExtensionHost;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "kiln-source-maps-"));
    await buildExtension({ projectDir: project, outDir: join(work, "dist") });
    host = new ExtensionHost({ store: join(work, "jobs.db"), logger: () => undefined });
    await host.load(join(work, "dist"));
  });
  afterAll(async () => {
    await host.close();
    await rm(work, { recursive: true, force: true });
  });

  it("maps a throw two calls down in another file to the throw and each call site", async () => {
    const error = await failure(host.run("stack-trace", "parse", { texts: ["hello"] }));
    expect(error.message).toContain("RangeError: too long: 5");
    const stack = frames(error.jsStack);
    expect(stack.slice(0, 4)).toEqual([
      `    at checked (${deep("new RangeError")})`,
      `    at parse (${deep("checked(text.length)")})`,
      `    at parse (${entry("parse(ctx.input")})`,
      "    at call (native)",
    ]);
    expect(stack.slice(4)).toEqual([expect.stringMatching(internal), expect.stringMatching(internal)]);
    // QuickJS's own text stays available: bundle lines, no columns.
    expect(frames(error.rawJsStack)).toEqual([
      expect.stringMatching(/^ {4}at checked \(function\.mjs:\d+\)$/),
      expect.stringMatching(/^ {4}at parse \(function\.mjs:\d+\)$/),
      expect.stringMatching(/^ {4}at parse \(function\.mjs:\d+\)$/),
      "    at call (native)",
      expect.stringMatching(/^ {4}at job \(function\.mjs:\d+\)$/),
      expect.stringMatching(/^ {4}at jobParse \(function\.mjs:\d+\)$/),
    ]);
  });

  it("maps one-line arrows, calls through a native frame, and a call whose arguments span lines", async () => {
    const error = await failure(host.run("stack-trace", "parse-all", { texts: ["ab", "hello"] }));
    expect(frames(error.jsStack).slice(0, 6)).toEqual([
      `    at checked (${deep("new RangeError")})`,
      `    at parse (${deep("checked(text.length)")})`,
      `    at <anonymous> (${deep("parse(text)")})`,
      "    at map (native)",
      `    at parseAll (${deep("map((text)")})`,
      `    at parseAll (${entry("parseAll(ctx.input")})`,
    ]);
  });

  it("maps an engine error (no call on its line) to the statement, also after an await", async () => {
    const error = await failure(host.run("stack-trace", "length", { texts: [] }));
    expect(error.message).toContain("TypeError: cannot read property 'text' of undefined");
    expect(frames(error.jsStack)).toEqual([
      `    at lengthOf (${deep("const length = (value")})`,
      `    at length (${entry("lengthOf(undefined)")})`,
    ]);
  });

  it("stores the mapped stack of a durable job's failure, and the raw one beside it", async () => {
    const id = await host.jobs.dispatch("stack-trace", "parse", { texts: ["too long"] });
    const job = await host.jobs.wait(id);
    expect(job.state).toBe("failed");
    expect(frames(job.error?.stack)[0]).toBe(`    at checked (${deep("new RangeError")})`);
    expect(frames(job.error?.rawStack)[0]).toMatch(/^ {4}at checked \(function\.mjs:\d+\)$/);
    const stored = await host.jobs.get(id);
    expect(stored?.error).toEqual(job.error);
  });

  it("maps the stack of a failing init", async () => {
    const dist = join(work, "init-dist");
    await buildExtension({ projectDir: initProject, outDir: dist });
    const error = await failure(host.load(dist));
    expect(error.message).toContain("failed in init: SyntaxError: not a key=value line: mode");
    expect(frames(error.jsStack).slice(0, 3)).toEqual([
      `    at loadConfig (${at(initProject, "src/config.ts", "new SyntaxError")})`,
      `    at init (${at(initProject, "src/index.ts", "loadConfig(")})`,
      "    at call (native)",
    ]);
    expect(
      frames(error.jsStack)
        .slice(3)
        .every((frame) => internal.test(frame)),
    ).toBe(true);
    expect(frames(error.rawJsStack)[0]).toMatch(/^ {4}at loadConfig \(function\.mjs:\d+\)$/);
  });

  it("leaves stacks raw for a module built with sourceMap: false, which has no section", async () => {
    const dist = join(work, "no-map");
    await buildExtension({ projectDir: project, outDir: dist, sourceMap: false });
    const module = new WebAssembly.Module(await readFile(join(dist, "extension.wasm")));
    expect(WebAssembly.Module.customSections(module, SOURCE_MAP_SECTION)).toEqual([]);
    const other = new ExtensionHost({ logger: () => undefined });
    try {
      await other.load(dist);
      const error = await failure(other.run("stack-trace", "parse", { texts: ["hello"] }));
      expect(frames(error.jsStack)[0]).toMatch(/^ {4}at checked \(function\.mjs:\d+\)$/);
      expect(error.rawJsStack).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe("log locations mapped to TypeScript", () => {
  let work: string;
  let host: ExtensionHost;
  const logs: LogEntry[] = [];
  /** `{ file, line, column }` (1-based) of the first `needle` in a file of the fixture. */
  const where = (file: string, needle: string) => sourceLocation(logProject, file, needle);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "kiln-log-locations-"));
    await buildExtension({ projectDir: logProject, outDir: join(work, "dist") });
    host = new ExtensionHost({ store: join(work, "jobs.db"), logger: (entry) => logs.push(entry) });
    await host.load(join(work, "dist"));
  });
  afterAll(async () => {
    await host.close();
    await rm(work, { recursive: true, force: true });
  });

  it("puts each ctx.log and console call two calls down, after an await, at its method's name", async () => {
    expect(logs).toEqual([
      expect.objectContaining({
        message: "starting",
        level: "debug",
        location: where("src/index.ts", 'debug("starting")'),
      }),
    ]);
    logs.length = 0;
    const id = await host.jobs.dispatch("log-location", "count", { items: [] });
    await host.jobs.wait(id);
    expect(await host.run("log-location", "count", { items: ["a", "b"] })).toBe(2);
    const seen = logs.map(({ message, source, location, jobId }) => ({ message, source, location, jobId }));
    const item = where("src/report.ts", "log(`item");
    const counted = where("src/report.ts", 'log("counted"');
    const done = where("src/report.ts", 'error("done")');
    expect(seen).toEqual([
      { message: "counted 0", source: "log", location: counted, jobId: id },
      { message: "nothing to count", source: "log", location: where("src/report.ts", 'warn("nothing'), jobId: id },
      { message: "done", source: "stderr", location: done, jobId: id },
      { message: "counted 2", source: "log", location: counted, jobId: undefined },
      { message: "item a", source: "stdout", location: item, jobId: undefined },
      { message: "item b", source: "stdout", location: item, jobId: undefined },
      { message: "done", source: "stderr", location: done, jobId: undefined },
    ]);
  });

  it("gives the bundle's line, without a column, for a module built with sourceMap: false", async () => {
    const dist = join(work, "no-map");
    await buildExtension({ projectDir: logProject, outDir: dist, sourceMap: false });
    const wasm = await readFile(join(dist, "extension.wasm"));
    const [section] = WebAssembly.Module.customSections(new WebAssembly.Module(wasm), JAVY_SOURCE_SECTION);
    const bundle = brotliDecompressSync(new Uint8Array(section as ArrayBuffer))
      .toString("utf8")
      .split("\n");
    const raw: LogEntry[] = [];
    const other = new ExtensionHost({ logger: (entry) => raw.push(entry) });
    try {
      await other.load(dist);
      await other.run("log-location", "count", { items: ["a"] });
    } finally {
      await other.close();
    }
    const lines = raw.map((entry) => {
      expect(entry.location).toEqual({ file: BUNDLE_FILE, line: expect.any(Number) });
      return bundle[(entry.location?.line ?? 0) - 1]?.trim();
    });
    expect(lines).toEqual([
      'ctx.debug("starting");',
      'ctx.log("counted", count);',
      expect.stringMatching(/^items\.forEach\(\(item\) => console\.log\(`item /),
      'console.error("done");',
    ]);
  });
});
