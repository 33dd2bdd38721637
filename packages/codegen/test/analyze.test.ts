import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyzeProject, toKebabCase } from "../src/analyze.js";
import {
  codeFrame,
  DIAGNOSTIC_CODES,
  type Diagnostic,
  DiagnosticsError,
  formatDiagnostic,
} from "../src/diagnostics.js";
import { analyzeSource } from "./analyze-source.js";
import { expectGolden, golden } from "./golden.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, "fixtures");

function analyzeFixture(name: string) {
  return analyzeProject({ projectDir: path.join(fixtures, name) });
}

function render(diagnostics: readonly Diagnostic[]): string {
  return `${diagnostics.map(formatDiagnostic).join("\n\n")}\n`;
}

describe("analyzeProject on valid projects", () => {
  const cases: { fixture: string; jobs: string[]; className: string; entryFile: string }[] = [
    { fixture: "valid-basic", jobs: ["count-up", "tag-folder"], className: "BasicCounter", entryFile: "src/index.ts" },
    { fixture: "valid-aliased-import", jobs: ["parse-http-response"], className: "Aliased", entryFile: "src/index.ts" },
    { fixture: "valid-namespace-import", jobs: ["sync"], className: "Namespaced", entryFile: "src/index.ts" },
    { fixture: "valid-reexport", jobs: ["work"], className: "Reexported", entryFile: "src/ext.ts" },
    { fixture: "valid-app-permissions", jobs: ["fetch-all"], className: "Invoices", entryFile: "lib/main.ts" },
    { fixture: "valid-hosts-limits", jobs: ["refresh"], className: "WeatherSync", entryFile: "src/index.ts" },
  ];

  it.each(cases)("$fixture", ({ fixture, jobs, className, entryFile }) => {
    const result = analyzeFixture(fixture);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const model = result.model;
    expect(model).toBeDefined();
    expect(model?.jobs.map((j) => j.name)).toEqual(jobs);
    expect(model?.className).toBe(className);
    expect(model?.entryFile).toBe(entryFile);
    expectGolden(`${fixture}.model.json`, `${JSON.stringify(model, null, 2)}\n`);
  });

  it("reads everything valid-basic declares", () => {
    const { model } = analyzeFixture("valid-basic");
    expect(model).toMatchObject({
      id: "basic-counter",
      version: "1.2.0-beta.1",
      description: "Counts things and remembers them.",
      permissions: ["kv.read"],
      allowedHosts: [],
      limits: {},
      hooks: { init: true, cleanup: true },
    });
    expect(model?.jobs[0]).toMatchObject({ methodName: "counter", description: "Counts from 1 to input.to." });
    expect(model?.jobs[1]).toEqual({
      name: "tag-folder",
      methodName: "tagFolder",
      location: { file: "src/index.ts", line: 21, column: 3 },
      input: {},
      output: { type: "string" },
      state: {},
    });
  });

  it("reads allowedHosts sorted and limits", () => {
    const { model } = analyzeFixture("valid-hosts-limits");
    expect(model).toMatchObject({
      permissions: ["http.fetch", "kv.write"],
      allowedHosts: ["api.weather.example", "cdn-1.weather.example:443", "localhost:8080"],
      // In the host's table order, whatever the order in the source; separators and `+` read as numbers.
      limits: {
        concurrentJobs: 2,
        memoryMiB: 64.5,
        jobTimeoutMs: 30_000,
        instructions: 50_000_000,
        payloadBytes: 1_048_576,
        checkpointsPerSecond: 10,
        logBytes: 65_536,
      },
    });
    expect(Object.keys(model?.limits ?? {})).toEqual([
      "concurrentJobs",
      "memoryMiB",
      "jobTimeoutMs",
      "instructions",
      "payloadBytes",
      "checkpointsPerSecond",
      "logBytes",
    ]);
  });

  it("accepts permissions the caller declares known", () => {
    const result = analyzeProject({
      projectDir: path.join(fixtures, "unknown-permission"),
      knownPermissions: ["kv.reed"],
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.model?.permissions).toEqual(["kv.read", "kv.reed"]);
  });

  it("recognizes @kiln/sdk by its import specifier when the package does not resolve", () => {
    // A real project outside the workspace, so no node_modules/@kiln/sdk above it.
    const dir = mkdtempSync(path.join(tmpdir(), "kiln-analyze-"));
    try {
      mkdirSync(path.join(dir, "src"));
      copyFileSync(path.join(fixtures, "valid-basic/src/index.ts"), path.join(dir, "src/index.ts"));
      // Not type-checked: the checker would rightly say that `@kiln/sdk` cannot be found.
      const result = analyzeProject({ projectDir: dir, typecheck: false });
      expect(result.diagnostics).toEqual([]);
      const expected = JSON.parse(readFileSync(path.join(golden, "valid-basic.model.json"), "utf8"));
      // Without the SDK's types, `ctx.jobName` is `any`, so tag-folder's result is unconstrained.
      expected.jobs[1].output = {};
      expect(result.model).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the entry from options over package.json", () => {
    const result = analyzeProject({ projectDir: path.join(fixtures, "valid-reexport"), entry: "src/ext.ts" });
    expect(result.model?.entryFile).toBe("src/ext.ts");
  });
});

describe("analyzeProject on invalid projects", () => {
  const cases: { fixture: string; codes: string[] }[] = [
    { fixture: "non-literal-id", codes: ["KILN_NON_LITERAL"] },
    { fixture: "duplicate-job", codes: ["KILN_DUPLICATE_JOB"] },
    { fixture: "bad-version", codes: ["KILN_INVALID_VERSION"] },
    { fixture: "unknown-permission", codes: ["KILN_UNKNOWN_PERMISSION"] },
    { fixture: "extension-on-method", codes: ["KILN_DECORATOR_TARGET"] },
    { fixture: "extension-on-function", codes: ["KILN_DECORATOR_TARGET"] },
    {
      fixture: "job-targets",
      codes: [
        "KILN_DECORATOR_TARGET",
        "KILN_DECORATOR_TARGET",
        "KILN_STATIC_JOB",
        "KILN_PRIVATE_JOB",
        "KILN_PRIVATE_JOB",
        "KILN_DECORATOR_TARGET",
        "KILN_JOB_OUTSIDE_EXTENSION",
      ],
    },
    { fixture: "bare-job", codes: ["KILN_DECORATOR_NOT_CALLED"] },
    { fixture: "missing-name", codes: ["KILN_MISSING_OPTION"] },
    { fixture: "no-extension", codes: ["KILN_NO_EXTENSION"] },
    { fixture: "local-extension-decorator", codes: ["KILN_NO_EXTENSION"] },
    { fixture: "two-extensions", codes: ["KILN_MULTIPLE_EXTENSIONS"] },
    { fixture: "not-exported", codes: ["KILN_NOT_EXPORTED"] },
    { fixture: "entry-missing", codes: ["KILN_ENTRY_NOT_FOUND"] },
    {
      fixture: "several-errors",
      codes: [
        "KILN_INVALID_ID",
        "KILN_NON_LITERAL",
        "KILN_INVALID_VERSION",
        "KILN_UNKNOWN_PERMISSION",
        "KILN_DUPLICATE_PERMISSION",
        "KILN_NON_LITERAL",
        "KILN_UNKNOWN_PERMISSION",
        "KILN_UNKNOWN_OPTION",
        "KILN_NON_LITERAL",
        "KILN_INVALID_JOB_NAME",
        "KILN_UNKNOWN_OPTION",
        "KILN_DUPLICATE_JOB",
        "KILN_NON_LITERAL",
        "KILN_EXTRA_ARGUMENT",
      ],
    },
    {
      fixture: "invalid-hosts",
      codes: [
        "KILN_INVALID_HOST",
        "KILN_INVALID_HOST",
        "KILN_INVALID_HOST",
        "KILN_INVALID_HOST",
        "KILN_NON_LITERAL",
        "KILN_DUPLICATE_HOST",
        "KILN_INVALID_HOST",
        "KILN_INVALID_HOST",
      ],
    },
    {
      // One class per case; every class after the first is also a second extension.
      fixture: "invalid-limits",
      codes: [
        "KILN_INVALID_TYPE",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_UNKNOWN_OPTION",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_NON_LITERAL",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_UNKNOWN_OPTION",
        // One object with several limits: the valid ones pass, each bad one is reported.
        "KILN_MULTIPLE_EXTENSIONS",
        "KILN_INVALID_LIMIT",
        "KILN_INVALID_LIMIT",
        "KILN_DUPLICATE_OPTION",
      ],
    },
  ];

  it.each(cases)("$fixture", ({ fixture, codes }) => {
    const result = analyzeFixture(fixture);
    expect(result.model).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(codes);
    for (const d of result.diagnostics) {
      expect(d.fix, d.code).toBeTruthy();
      expect(DIAGNOSTIC_CODES[d.code]).toBeDefined();
    }
    expectGolden(`${fixture}.diagnostics.txt`, render(result.diagnostics));
  });

  it("points at the most precise node", () => {
    const [version] = analyzeFixture("bad-version").diagnostics;
    expect(version).toMatchObject({ file: "src/index.ts", line: 3, column: 63 });
    const [permission] = analyzeFixture("unknown-permission").diagnostics;
    expect(permission).toMatchObject({ line: 3, column: 111, fix: expect.stringContaining('"kv.read"') });
    const [duplicate] = analyzeFixture("duplicate-job").diagnostics;
    expect(duplicate).toMatchObject({ line: 8, column: 16, message: expect.stringContaining("src/index.ts:6:3") });
  });

  it("suggests the corrected host", () => {
    const fixes = analyzeFixture("invalid-hosts")
      .diagnostics.filter((d) => d.code === "KILN_INVALID_HOST")
      .map((d) => d.fix);
    expect(fixes.slice(0, 3)).toEqual(['Use "api.example.com".', 'Use "example.com".', 'Use "api.example.com".']);
    expect(fixes[3]).toContain('"api.example.com"');
    expect(fixes[5]).toBe('Use "example.com".');
  });

  it("explains each bad limit", () => {
    const byLine = new Map(analyzeFixture("invalid-limits").diagnostics.map((d) => [d.line, d]));
    expect(byLine.get(5)?.fix).toBe("Write 2 without quotes.");
    // The ranges come from the host's limits table.
    expect(byLine.get(8)).toMatchObject({
      message: "limits.concurrentJobs must be a whole number, not 1.5",
      fix: "Use 1 or 2 (a whole number from 1 to 64).",
    });
    expect(byLine.get(11)).toMatchObject({
      message: "limits.concurrentJobs is 0; it must be a whole number from 1 to 64",
      fix: "Use 1 (a whole number from 1 to 64).",
    });
    expect(byLine.get(14)?.fix).toBe("Use 64 (a whole number from 1 to 64).");
    expect(byLine.get(17)?.fix).toBe('Did you mean "concurrentJobs"?');
    expect(byLine.get(23)?.fix).toBe("Use 1 (a whole number from 1 to 4096).");
    expect(byLine.get(26)).toMatchObject({
      message: "limits.jobTimeoutMs is 700_000_000; it must be a whole number from 1 to 604_800_000",
      fix: "Use 604_800_000 (a whole number from 1 to 604_800_000).",
    });
    expect(byLine.get(29)?.fix).toBe("Use a number above 0 and at most 4096.");
    expect(byLine.get(32)?.fix).toBe('Did you mean "memoryMiB"?');
    expect(byLine.get(41)?.fix).toBe("Use 1024 or 1025 (a whole number from 1 to 1_073_741_824).");
    expect(byLine.get(42)?.fix).toBe("Use 100_000 (a whole number from 1 to 100_000).");
  });

  it("keeps warnings without failing", () => {
    const result = analyzeFixture("several-errors");
    expect(result.diagnostics.find((d) => d.code === "KILN_DUPLICATE_PERMISSION")?.severity).toBe("warning");
  });
});

describe("http.fetch and allowedHosts consistency", () => {
  it.each([
    { fixture: "hosts-without-fetch", code: "KILN_HOSTS_WITHOUT_FETCH" },
    { fixture: "fetch-without-hosts", code: "KILN_FETCH_WITHOUT_HOSTS" },
  ])("$fixture warns $code and still builds", ({ fixture, code }) => {
    const result = analyzeFixture(fixture);
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([[code, "warning"]]);
    expect(result.model).toBeDefined();
    expectGolden(`${fixture}.diagnostics.txt`, render(result.diagnostics));
  });

  const header = 'import { extension } from "@kiln/sdk";\n@extension({ id: "x", name: "X", version: "1.0.0", ';

  it("warns about an empty allowedHosts list too", () => {
    const result = analyzeSource(`${header}permissions: ["http.fetch"], allowedHosts: [] })\nexport class X {}\n`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["KILN_FETCH_WITHOUT_HOSTS"]);
    expect(result.model?.allowedHosts).toEqual([]);
  });

  it("suggests adding permissions when there are none", () => {
    const result = analyzeSource(`${header}allowedHosts: ["example.com"] })\nexport class X {}\n`);
    expect(result.diagnostics).toMatchObject([
      { code: "KILN_HOSTS_WITHOUT_FETCH", fix: 'Add permissions: ["http.fetch"] to the options.' },
    ]);
  });

  it("stays quiet when the permissions cannot be read", () => {
    const result = analyzeSource(`${header}permissions: p, allowedHosts: ["example.com"] })\nexport class X {}\n`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["KILN_NON_LITERAL"]);
  });
});

describe("diagnostics", () => {
  const diagnostic: Diagnostic = {
    code: "KILN_INVALID_VERSION",
    severity: "error",
    message: 'version "1.0" is not a semantic version',
    file: "src/index.ts",
    line: 2,
    column: 12,
    frame: codeFrame('a\nversion: "1.0",\nb', { line: 2, column: 10, endLine: 2, endColumn: 15 }),
    fix: 'Use "1.0.0".',
  };

  it("formats a diagnostic with its frame and fix", () => {
    expect(formatDiagnostic(diagnostic)).toBe(
      [
        'src/index.ts:2:12: error KILN_INVALID_VERSION: version "1.0" is not a semantic version',
        "  1 | a",
        '> 2 | version: "1.0",',
        "    |          ^^^^^",
        "  3 | b",
        '  fix: Use "1.0.0".',
      ].join("\n"),
    );
  });

  it.each([
    { span: { line: 1, column: 1, endLine: 1, endColumn: 1 }, text: "x", frame: "> 1 | x\n    | ^" },
    {
      span: { line: 1, column: 2, endLine: 3, endColumn: 1 },
      text: "abc\nd\ne",
      frame: "> 1 | abc\n    |  ^^\n  2 | d",
    },
    { span: { line: 1, column: 2, endLine: 1, endColumn: 3 }, text: "\tx", frame: "> 1 | \tx\n    | \t^" },
  ])("frames $text", ({ span, text, frame }) => {
    expect(codeFrame(text, span)).toBe(frame);
  });

  it("summarizes in DiagnosticsError", () => {
    const error = new DiagnosticsError([diagnostic, { ...diagnostic, severity: "warning" }]);
    expect(error.code).toBe("KILN_BUILD_FAILED");
    expect(error.diagnostics).toHaveLength(2);
    expect(error.message.endsWith("\n\n1 error, 1 warning")).toBe(true);
  });

  it("documents every code", () => {
    for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
      expect(code).toMatch(/^KILN_[A-Z_]+$/);
      expect(info.title.length).toBeGreaterThan(0);
      expect(info.fix.endsWith(".")).toBe(true);
    }
  });
});

describe("toKebabCase", () => {
  it.each([
    ["tagFolder", "tag-folder"],
    ["run", "run"],
    ["parseHTTPResponse", "parse-http-response"],
    ["v2Sync", "v2-sync"],
    ["Photo Tagger", "photo-tagger"],
    ["snake_case_name", "snake-case-name"],
  ])("%s → %s", (input, output) => {
    expect(toKebabCase(input)).toBe(output);
  });
});

describe("repeated analysis", () => {
  // Timings are measured in bench/, never asserted here; what a test can assert is that nothing
  // (a cache, a shared project) carries over from one analysis to the next.
  it.each(["valid-basic", "several-errors"])("gives %s the same result twice", (fixture) => {
    const first = analyzeFixture(fixture);
    expect(analyzeFixture(fixture)).toEqual(first);
  });
});
