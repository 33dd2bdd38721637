/**
 * The globals an extension's code is typed against, compared with the globals it finds at run time.
 *
 * The declared side is a TypeScript program compiled the way an author's project is: a fresh
 * project whose tsconfig.json extends `@kiln/sdk/tsconfig.json`, with @kiln/sdk installed as npm
 * would install it (the package's `files` and its `publishConfig.exports`). The run-time side is
 * `Object.getOwnPropertyNames(globalThis)` inside the real sandbox: QuickJS in the plugin's Wasm.
 * The two must agree name for name, and for the sandbox's own globals member for member, except
 * for the few differences listed below with their reasons.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PluginInstance } from "@kiln/javy-plugin";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Globals the sandbox holds that are deliberately left undeclared, with the reason. */
const UNDECLARED: Record<string, string> = {
  Javy: "the plugin's Javy-compatible I/O (Javy.IO.readSync/writeSync), for the SDK runtime, not for extensions",
  __kiln: "the plugin's door to the host, for the SDK (ctx.call); extensions reach the host through @kiln/sdk",
};

/** Globals TypeScript declares that the sandbox lacks, with the reason no tsconfig can drop them. */
const DECLARED_BUT_ABSENT: Record<string, string> = {
  Intl:
    "TypeScript's ES library declares it (lib.es5.d.ts, and the es20xx.intl libs that es2020.date, " +
    ".number, .string and .bigint reference), so no `lib` list leaves it out; QuickJS has no Intl",
};

/** Declared sandbox globals whose members are not compared, with the reason. */
const MEMBERS_NOT_COMPARED: Record<string, string> = {
  InternalError: "an engine error like RangeError: its members are Error's, which TypeScript's library declares",
};

/**
 * The ES2020+ features that decide the preset's `lib`, as [holder, member]: each must be declared
 * exactly when QuickJS has it. ES2021's Promise.any and replaceAll are in; ES2022's `at`,
 * `Object.hasOwn` and RegExp `d` flag, and later additions, are not.
 */
const ES_EDGES: [holder: string, member: string][] = [
  ["String.prototype", "matchAll"],
  ["Promise", "allSettled"],
  ["Promise", "any"],
  ["String.prototype", "replaceAll"],
  ["Array.prototype", "at"],
  ["String.prototype", "at"],
  ["Uint8Array.prototype", "at"],
  ["Object", "hasOwn"],
  ["RegExp.prototype", "hasIndices"],
  ["Array.prototype", "findLast"],
  ["Array.prototype", "toSorted"],
  ["Object", "groupBy"],
];

/**
 * An author's code that must type-check with the preset. Every line is compiled; the test expects
 * no diagnostic at all.
 */
const PRESENT = `
export const timer = setTimeout((n: number) => console.log(n), 10, 1);
export const timerId: number = timer;
clearTimeout(timer);
export const ticker: number = setInterval(() => clearInterval(ticker), 5);
export const slept = new Promise<void>((resolve) => setTimeout(resolve, 5));
queueMicrotask(() => console.info("later"));
export const page: Promise<string> = fetch("https://example.com/", { method: "POST", body: "x" }).then((r) => r.text());
export const request = new Request(new URL("/a", "https://example.com"), { headers: { accept: "text/html" } });
export const made: Response = Response.json({ ok: true }, { status: 201 });
export const headers: string | null = new Headers([["a", "1"]]).get("a");
export const query: string | null = new URL("https://example.com/?a=1").searchParams.get("a");
export const params = new URLSearchParams({ q: "kiln" }).toString();
export const uuid: string = crypto.randomUUID();
export const random: Uint32Array = crypto.getRandomValues(new Uint32Array(4));
export const digest: Promise<ArrayBuffer> = crypto.subtle.digest("SHA-256", new TextEncoder().encode("x"));
export const copy: { a: number[]; at: Date } = structuredClone({ a: [1], at: new Date() });
export const elapsed: number = performance.now() - performance.timeOrigin;
export const base64: string = btoa(atob("a2lsbg=="));
export const text: string = new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([104, 105]));
export const controller = new AbortController();
export const timeout: AbortSignal = AbortSignal.any([controller.signal, AbortSignal.timeout(1000)]);
export const isSignal: boolean = timeout instanceof AbortSignal;
controller.signal.addEventListener("abort", (event: Event) => console.warn(event.type), { once: true });
export const target = new EventTarget();
export const dispatched: boolean = target.dispatchEvent(new Event("ping", { cancelable: true }));
export const aborted = new DOMException("stopped", "AbortError").code === DOMException.ABORT_ERR;
export const cancelled = new DOMException("stopped", { name: "AbortError", cause: aborted });
export const causeOf = (error: Error): unknown => error.cause;
export const engine: boolean = new RangeError("x") instanceof InternalError;
export const fromGlobal = globalThis.fetch === fetch && globalThis.URL === URL;
export const first = Promise.any([Promise.resolve(1)]);
export const replaced: string = "a-b".replaceAll("-", "+");
export const settled = Promise.allSettled([first]);
`;

/**
 * Code the sandbox cannot run, one use per line, each marked with the one diagnostic TypeScript
 * must report on that line under the preset. The test expects exactly these, line for line.
 */
const ABSENT = `
export const exitCode = process.exitCode; // TS2591 Node's globals are not there
export const bytes = Buffer.from("x"); // TS2591
export const fs = require("node:fs"); // TS2591
export const title = document.title; // TS2584 nor the DOM's
export const frame = window.name; // TS2304
export const weak = new WeakRef({}); // TS2304 not in QuickJS 2021-03-27
export const last = [1].at(-1); // TS2550 ES2022
export const own = Object.hasOwn({}, "a"); // TS2550 ES2022
export const signal = new AbortSignal(); // TS2351 signals come from AbortController and AbortSignal's functions
export const strict = new TextDecoder("utf-8", { fatal: true }); // TS2353 decoding always replaces
export const sign = crypto.subtle.sign; // TS2339 digests only
export const md5 = crypto.subtle.digest("MD5", new Uint8Array(1)); // TS2345
export const floats = crypto.getRandomValues(new Float64Array(1)); // TS2345
export const shared = crypto.subtle.digest("SHA-1", new Uint8Array(new SharedArrayBuffer(4))); // TS2345
export const mark = performance.mark; // TS2339
export const table = console.table; // TS2339
export const evaluated = setTimeout("tick()", 1); // TS2345 no string handlers
export const blob = new Response("x").blob; // TS2339 no Blob
export const stream = new Response("x").body; // TS2339 no streams
export const form = new Request("https://example.com/").formData; // TS2339 no FormData
export const moved = structuredClone(new ArrayBuffer(1), { transfer: [new ArrayBuffer(1)] }); // TS2322 no transfer
`;

const sdkDir = fileURLToPath(new URL("..", import.meta.url));

/** A project as an author has it: @kiln/sdk in node_modules, a tsconfig.json extending the preset. */
interface AuthorProject {
  readonly dir: string;
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** The installed copy of the declarations. */
  readonly sandbox: ts.SourceFile;
  /** The problems with the tsconfig itself (extends, types, options). */
  readonly configErrors: readonly ts.Diagnostic[];
}

/**
 * Copies @kiln/sdk into `nodeModules` as `npm install` would: the `files` it publishes (`dist`
 * aside: it is build output, not needed here, and not built before these tests run) and its
 * package.json with `publishConfig.exports` in place of the workspace's exports.
 */
function installSdk(nodeModules: string): void {
  const pkg = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8")) as {
    files: string[];
    publishConfig: { exports: unknown };
  };
  const target = join(nodeModules, "@kiln/sdk");
  mkdirSync(target, { recursive: true });
  for (const entry of pkg.files) {
    // LICENSE is the repository's, copied into the package only while it is packed.
    if (entry !== "dist" && existsSync(join(sdkDir, entry)))
      cpSync(join(sdkDir, entry), join(target, entry), { recursive: true });
  }
  const { publishConfig, ...published } = pkg;
  writeFileSync(join(target, "package.json"), JSON.stringify({ ...published, exports: publishConfig.exports }));
}

function createAuthorProject(files: Record<string, string>): AuthorProject {
  const dir = mkdtempSync(join(tmpdir(), "kiln-sandbox-types-"));
  installSdk(join(dir, "node_modules"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "@kiln/sdk/tsconfig.json", include: ["src"] }));
  mkdirSync(join(dir, "src"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "src", name), text);

  const configErrors: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => configErrors.push(diagnostic),
  });
  if (!parsed) throw new Error(`tsconfig.json did not parse: ${format(configErrors)}`);
  configErrors.push(...parsed.errors);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const sandbox = program.getSourceFile(join(dir, "node_modules/@kiln/sdk/sandbox.d.ts"));
  if (!sandbox) throw new Error("the preset did not bring in @kiln/sdk/sandbox.d.ts");
  return { dir, program, checker: program.getTypeChecker(), sandbox, configErrors };
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => sdkDir,
    getNewLine: () => "\n",
  });
}

/** How a global is described on both sides: by its `typeof`, and by member names where it has any. */
type Shape =
  | { kind: "function" }
  | { kind: "constructor"; statics: string[]; instance: string[] }
  | { kind: "object"; members: string[]; nested: Record<string, string[]> };

/** What the sandbox reports. */
interface SandboxReport {
  names: string[];
  enumerable: string[];
  typeOf: Record<string, string>;
  shapes: Record<string, Shape>;
  edges: boolean[];
}

/** The well-known symbols whose members are compared (TypeScript names them `__@iterator@123`). */
const SYMBOL_MEMBERS = ["iterator", "asyncIterator"];

/**
 * Runs in the sandbox: reports every global's name and `typeof`, and the members of the globals in
 * `kinds` (and of the `nested` objects of object globals) as `typeShape` reads them from the
 * declarations: own string keys and iterator symbols along the prototype chain, up to the first
 * object that belongs to ES itself (`Object.prototype`, `Error.prototype`, …).
 */
const PROBE = `
const WELL_KNOWN = new Map(${JSON.stringify(SYMBOL_MEMBERS)}.map((name) => [Symbol[name], "[Symbol." + name + "]"]));
const ownKeys = (o) => [
  ...Object.getOwnPropertyNames(o),
  ...Object.getOwnPropertySymbols(o).map((s) => WELL_KNOWN.get(s)).filter((k) => k !== undefined),
];
export function run() {
  const { kinds, nested, es, edges } = JSON.parse(new TextDecoder().decode(readAll()));
  const stops = new Set([Object.prototype, Function.prototype]);
  for (const name of es) {
    const value = globalThis[name];
    if (typeof value === "function") {
      stops.add(value);
      if (value.prototype) stops.add(value.prototype);
    }
  }
  // A missing value has no members; its typeof already tells the test what is wrong.
  const chain = (start, skip) => {
    const out = new Set();
    const isObject = (o) => (typeof o === "object" && o !== null) || typeof o === "function";
    for (let o = start; isObject(o) && !stops.has(o); o = Object.getPrototypeOf(o)) {
      for (const key of ownKeys(o)) if (!skip.includes(key)) out.add(key);
    }
    return [...out].sort();
  };
  const names = Object.getOwnPropertyNames(globalThis).sort();
  const typeOf = {};
  for (const name of names) typeOf[name] = typeof globalThis[name];
  const described = {};
  for (const [name, kind] of Object.entries(kinds)) {
    const value = globalThis[name];
    if (kind === "constructor") {
      described[name] = {
        kind,
        statics: chain(value, ["length", "name", "prototype"]),
        instance: chain(value?.prototype, ["constructor"]),
      };
    } else if (kind === "object") {
      const inner = {};
      for (const member of nested[name] ?? []) inner[member] = chain(value?.[member], ["constructor"]);
      described[name] = { kind, members: chain(value, ["constructor"]), nested: inner };
    } else {
      described[name] = { kind };
    }
  }
  const reached = edges.map(([holder, member]) => {
    let o = globalThis;
    for (const step of holder.split(".")) o = o === undefined ? undefined : o[step];
    return o !== undefined && member in Object(o);
  });
  const report = { names, enumerable: Object.keys(globalThis), typeOf, shapes: described, edges: reached };
  Javy.IO.writeSync(1, new TextEncoder().encode(JSON.stringify(report)));
}
function readAll() {
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(65536);
    const n = Javy.IO.readSync(0, chunk);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.length; }
  return all;
}
`;

async function runInSandbox(request: unknown): Promise<SandboxReport> {
  let stdout = "";
  const decoder = new TextDecoder();
  const plugin = await PluginInstance.create({
    onStdout: (bytes) => (stdout += decoder.decode(bytes, { stream: true })),
  });
  plugin.setStdin(new TextEncoder().encode(JSON.stringify(request)));
  plugin.invoke(plugin.compile(PROBE), "run");
  return JSON.parse(stdout) as SandboxReport;
}

/** A global whose value sandbox.d.ts declares (not TypeScript's library, which it may augment). */
function globalFromSandbox(symbol: ts.Symbol, project: AuthorProject): boolean {
  return symbol.valueDeclaration?.getSourceFile() === project.sandbox;
}

/**
 * A member that sandbox.d.ts declares on one of its own types. What it adds to an ES interface
 * (`Error`'s `cause`) is left out: such members are the instances' own, not the prototypes'.
 */
function fromSandbox(symbol: ts.Symbol, project: AuthorProject): boolean {
  return (symbol.declarations ?? []).some((declaration) => {
    if (declaration.getSourceFile() !== project.sandbox) return false;
    const owner = declaration.parent;
    if (!ts.isInterfaceDeclaration(owner)) return true;
    const merged = project.checker.getSymbolAtLocation(owner.name);
    return (merged?.declarations ?? []).every((d) => d.getSourceFile() === project.sandbox);
  });
}

/** A property's name as the probe spells it, or undefined for symbols the comparison ignores. */
function memberName(symbol: ts.Symbol): string | undefined {
  const name = ts.symbolName(symbol);
  const wellKnown = /^__@(\w+)@\d+$/.exec(name)?.[1];
  if (wellKnown === undefined) return name.startsWith("__@") ? undefined : name;
  return SYMBOL_MEMBERS.includes(wellKnown) ? `[Symbol.${wellKnown}]` : undefined;
}

/** The names of `type`'s properties that sandbox.d.ts declares, sorted; `skip` left out. */
function declaredMembers(type: ts.Type, project: AuthorProject, skip: readonly string[] = []): string[] {
  return project.checker
    .getPropertiesOfType(type)
    .filter((p) => fromSandbox(p, project))
    .map(memberName)
    .filter((n): n is string => n !== undefined && !skip.includes(n))
    .sort();
}

/** How sandbox.d.ts shapes the global `symbol`: see {@link Shape}. */
function typeShape(symbol: ts.Symbol, project: AuthorProject): Shape {
  const { checker } = project;
  const type = checker.getTypeOfSymbol(symbol);
  const prototype = checker.getPropertyOfType(type, "prototype");
  if (prototype && fromSandbox(prototype, project)) {
    return {
      kind: "constructor",
      statics: declaredMembers(type, project, ["prototype"]),
      instance: declaredMembers(checker.getTypeOfSymbol(prototype), project),
    };
  }
  if (type.getCallSignatures().length > 0) return { kind: "function" };
  const nested: Record<string, string[]> = {};
  for (const member of checker.getPropertiesOfType(type).filter((p) => fromSandbox(p, project))) {
    const memberType = checker.getTypeOfSymbol(member);
    const declaredBySandbox =
      memberType.getSymbol() !== undefined && fromSandbox(memberType.getSymbol() as ts.Symbol, project);
    if (declaredBySandbox && memberType.getCallSignatures().length === 0) {
      nested[ts.symbolName(member)] = declaredMembers(memberType, project);
    }
  }
  return { kind: "object", members: declaredMembers(type, project), nested };
}

/** Whether `member` of the value at `holder` (`"Array.prototype"`, `"Promise"`) is declared. */
function declaresMember(project: AuthorProject, holder: string, member: string): boolean {
  const { checker } = project;
  const [root = "", ...path] = holder.split(".");
  const global = checker.getSymbolsInScope(project.sandbox, ts.SymbolFlags.Value).find((s) => s.name === root);
  if (!global) return false;
  let type = checker.getTypeOfSymbol(global);
  for (const step of path) {
    const property = checker.getPropertyOfType(type, step);
    if (!property) return false;
    type = checker.getTypeOfSymbol(property);
  }
  return checker.getPropertyOfType(type, member) !== undefined;
}

/** `[line, code]` for each diagnostic in `file`, and what its `// TSnnnn` markers expect. */
function diagnosticsAndMarkers(project: AuthorProject, name: string) {
  const file = project.program.getSourceFile(join(project.dir, "src", name));
  if (!file) throw new Error(`${name} is not in the program`);
  const found = ts
    .getPreEmitDiagnostics(project.program, file)
    .map((d) => `${file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: TS${d.code}`);
  const expected = file.text
    .split("\n")
    .flatMap((line, i) => [...(/\/\/ (TS\d+)/.exec(line)?.slice(1) ?? [])].map((code) => `${i + 1}: ${code}`));
  return { found, expected, text: format(ts.getPreEmitDiagnostics(project.program, file)) };
}

let project: AuthorProject;
let declared: Map<string, ts.Symbol>;
let report: SandboxReport;

beforeAll(async () => {
  project = createAuthorProject({ "present.ts": PRESENT, "absent.ts": ABSENT });
  declared = new Map(
    project.checker.getSymbolsInScope(project.sandbox, ts.SymbolFlags.Value).map((s) => [s.name, s] as const),
  );
  const own = [...declared.values()].filter((s) => globalFromSandbox(s, project));
  const kinds: Record<string, Shape["kind"]> = {};
  const nested: Record<string, string[]> = {};
  for (const symbol of own) {
    if (symbol.name in MEMBERS_NOT_COMPARED) continue;
    const shape = typeShape(symbol, project);
    kinds[symbol.name] = shape.kind;
    if (shape.kind === "object") nested[symbol.name] = Object.keys(shape.nested);
  }
  const es = [...declared.values()].filter((s) => !globalFromSandbox(s, project)).map((s) => s.name);
  report = await runInSandbox({ kinds, nested, es, edges: ES_EDGES });
});

afterAll(() => {
  if (project) rmSync(project.dir, { recursive: true, force: true });
});

describe("the preset, as an author's project gets it", () => {
  it("resolves: extends @kiln/sdk/tsconfig.json and its types through the installed package's exports", () => {
    expect(format(project.configErrors)).toBe("");
    const options = project.program.getCompilerOptions();
    expect(options.types).toEqual(["@kiln/sdk/sandbox"]);
    expect(options.lib).toEqual(["lib.es2020.d.ts", "lib.es2021.promise.d.ts", "lib.es2021.string.d.ts"]);
    expect(options.target).toBe(ts.ScriptTarget.ES2020);
    expect(options.experimentalDecorators).toBe(false);
    expect(format(project.program.getOptionsDiagnostics())).toBe("");
    expect(format(project.program.getGlobalDiagnostics())).toBe("");
  });

  it("sandbox.d.ts stands on its own: no errors even without skipLibCheck, and no DOM or Node types", () => {
    const strict = ts.createProgram({
      rootNames: project.program.getRootFileNames(),
      options: { ...project.program.getCompilerOptions(), skipLibCheck: false },
    });
    const file = strict.getSourceFile(project.sandbox.fileName);
    expect(file).toBeDefined();
    const problems = [...strict.getSyntacticDiagnostics(file), ...strict.getSemanticDiagnostics(file)];
    expect(format(problems)).toBe("");
    const libs = strict.getSourceFiles().filter((f) => strict.isSourceFileDefaultLibrary(f));
    expect(libs.map((f) => f.fileName).filter((name) => /dom|webworker|scripthost/.test(name))).toEqual([]);
    expect(strict.getSourceFiles().filter((f) => f.fileName.includes("@types/"))).toEqual([]);
  });

  it("type-checks the sandbox's globals an extension uses", () => {
    const { found, text } = diagnosticsAndMarkers(project, "present.ts");
    expect(found, text).toEqual([]);
  });

  it("rejects Node's and the DOM's globals and what the sandbox lacks, with exactly these errors", () => {
    const { found, expected, text } = diagnosticsAndMarkers(project, "absent.ts");
    expect(expected).toHaveLength(21);
    expect(found, text).toEqual(expected);
  });

  it("declares what QuickJS has of ES2021 and nothing of ES2022 or later", () => {
    const declaredEdges = ES_EDGES.map(([holder, member]) => declaresMember(project, holder, member));
    const rows = (present: boolean[]) => ES_EDGES.map(([holder, member], i) => `${holder}.${member}: ${present[i]}`);
    expect(rows(declaredEdges)).toEqual(rows(report.edges));
    expect(rows(report.edges)).toContain("Promise.any: true");
    expect(rows(report.edges)).toContain("Array.prototype.at: false");
  });
});

describe("declared globals against the sandbox's", () => {
  it("the sandbox holds every declared global, and nothing undeclared but the internals", () => {
    const inSandbox = new Set(report.names);
    const undeclared = report.names.filter((name) => !declared.has(name));
    const absent = [...declared.keys()].filter((name) => !inSandbox.has(name)).sort();
    expect(undeclared).toEqual(Object.keys(UNDECLARED).sort());
    expect(absent).toEqual(Object.keys(DECLARED_BUT_ABSENT).sort());
  });

  it("what is declared but absent comes from TypeScript's own library, not from the preset or sandbox.d.ts", () => {
    for (const name of Object.keys(DECLARED_BUT_ABSENT)) {
      const files = (declared.get(name)?.declarations ?? []).map((d) => d.getSourceFile());
      expect(files.length, name).toBeGreaterThan(0);
      expect(
        files.filter((f) => !project.program.isSourceFileDefaultLibrary(f)).map((f) => f.fileName),
        name,
      ).toEqual([]);
    }
  });

  it("the internals are not enumerable, and are the kinds of value the SDK expects", () => {
    expect(report.enumerable.filter((name) => name in UNDECLARED)).toEqual([]);
    expect(report.typeOf.Javy).toBe("object");
    expect(report.typeOf.__kiln).toBe("object");
  });

  it("each of the sandbox's own globals is the kind of value declared, with exactly the declared members", () => {
    const own = [...declared.values()].filter((s) => globalFromSandbox(s, project));
    expect(own.length).toBeGreaterThanOrEqual(20);
    const kinds = Object.fromEntries(
      own.map((s) => [s.name, typeShape(s, project).kind === "object" ? "object" : "function"]),
    );
    expect.soft(Object.fromEntries(own.map((s) => [s.name, report.typeOf[s.name]]))).toEqual(kinds);
    const compared = own.filter((s) => !(s.name in MEMBERS_NOT_COMPARED));
    expect(report.shapes).toEqual(Object.fromEntries(compared.map((s) => [s.name, typeShape(s, project)])));
  });
});
