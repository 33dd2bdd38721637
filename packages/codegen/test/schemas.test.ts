/**
 * The JSON Schemas codegen writes for each job's input, result and checkpoint state, from the
 * author's TypeScript types (`src/analyze/schema.ts`). Goldens hold the schemas of the
 * `valid-schemas` fixture (one shape per property: see its sources) and of the example extensions,
 * and the diagnostics of the fixtures whose types or tags are wrong; `UPDATE_GOLDEN=1` rewrites
 * them. Sample values are checked against the schemas with Ajv, as the host checks them, to show
 * that a schema accepts what its type accepts and refuses what it refuses.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type JsonSchema, jobSchemaProblems } from "@kiln/contracts";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { analyzeProject } from "../src/analyze.js";
import { type Diagnostic, formatDiagnostic } from "../src/diagnostics.js";
import type { ExtensionModel } from "../src/model.js";
import { analyzeSource } from "./analyze-source.js";
import { expectGolden } from "./golden.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const fixtures = path.join(here, "fixtures");

function render(diagnostics: readonly Diagnostic[]): string {
  return `${diagnostics.map(formatDiagnostic).join("\n\n")}\n`;
}

type Kind = "input" | "output" | "state";
type Schemas = Record<string, Record<Kind, JsonSchema>>;

function schemasOf(model: ExtensionModel | undefined): Schemas {
  if (model === undefined) throw new Error("no model");
  return Object.fromEntries(model.jobs.map((j) => [j.name, { input: j.input, output: j.output, state: j.state }]));
}

/**
 * An Ajv stricter than the host's (packages/host/src/jobs/schemas.ts is strict only about the
 * schema, so that any valid schema loads): draft 2020-12, every strict-mode lint, union types
 * allowed, the ajv-formats formats. What codegen writes passes all the lints but `strictTuples`,
 * which refuses every tuple with an optional or a rest element (`[string, number?]`), whose
 * standard schema has fewer `minItems` than `prefixItems`.
 */
function newAjv(options: { strictTuples?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, strictTuples: false, ...options });
  formats.default(ajv);
  return ajv;
}

const ajv = newAjv();

/** Whether `value` matches `schema`. */
function accepts(schema: JsonSchema, value: unknown): boolean {
  return ajv.validate(schema, value) as boolean;
}

/** The schema of property `property` of `$defs[def]` in `document`, standalone (its `$defs` along). */
function propertySchema(document: JsonSchema, def: string, property: string): JsonSchema {
  const defs = document.$defs as Record<string, { properties: Record<string, JsonSchema> }>;
  const schema = defs[def]?.properties[property];
  if (schema === undefined) throw new Error(`no property ${def}.${property}`);
  return { ...schema, $defs: defs };
}

/** A project with `src/index.ts` = `source` inside the workspace, so that `@kiln/sdk` resolves. */
function analyzeInWorkspace(source: string, options: { strict?: boolean } = {}) {
  const dir = mkdtempSync(path.join(here, "../node_modules/.schema-test-"));
  try {
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "src/index.ts"), source);
    return analyzeProject({ projectDir: dir, ...options });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const header = `import { extension, job, type JobContext } from "@kiln/sdk";\n@extension({ id: "x", name: "X", version: "1.0.0" })\nexport class X {\n`;

describe("valid-schemas: every shape JSON can carry", () => {
  const result = analyzeProject({ projectDir: path.join(fixtures, "valid-schemas") });
  const schemas = result.model ? schemasOf(result.model) : {};

  it("analyzes without a diagnostic and matches the golden schemas", () => {
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expectGolden("valid-schemas.schemas.json", `${JSON.stringify(schemas, null, 2)}\n`);
  });

  it("writes schemas the host accepts: safe, and compiled by Ajv in strict mode", () => {
    for (const [job, kinds] of Object.entries(schemas)) {
      for (const [kind, schema] of Object.entries(kinds)) {
        expect(jobSchemaProblems(schema), `${job} ${kind}`).toEqual([]);
        expect(() => ajv.compile(schema), `${job} ${kind}`).not.toThrow();
      }
    }
  });

  it("keeps the three schemas of a job separate documents, each with the $defs it uses", () => {
    const inferred = schemas.inferred;
    expect(Object.keys(inferred?.input.$defs ?? {})).toEqual(["Item"]);
    expect(inferred?.state).toEqual({});
    const named = schemas.named?.input.$defs as Record<string, unknown>;
    // Sorted by name; the other file's Item does not merge with shapes.ts's.
    expect(Object.keys(named)).toEqual([...Object.keys(named)].sort());
    expect(named.Item_2).toMatchObject({ properties: { sku: { type: "number" } } });
  });

  it("writes the results of jobs that return nothing, maybe something, or never", () => {
    expect(schemas.nothing).toEqual({ input: {}, output: { type: "null" }, state: {} });
    expect(schemas["awaits-nothing"]?.output).toEqual({ type: "null" });
    expect(schemas.maybe?.output).toEqual({ type: ["string", "null"] });
    expect(schemas.never?.output).toEqual({ not: {} });
    expect(schemas.scalar).toEqual({
      input: { type: "string" },
      output: { type: "boolean" },
      state: { type: "number" },
    });
    expect(schemas["unknown-input"]).toEqual({ input: {}, output: {}, state: {} });
  });

  it("writes the same schemas every time", () => {
    const again = analyzeProject({ projectDir: path.join(fixtures, "valid-schemas") });
    expect(schemasOf(again.model)).toEqual(schemas);
  });

  const input = (job: string) => schemas[job]?.input ?? {};
  const cases: { job: string; def: string; property: string; good: unknown[]; bad: unknown[] }[] = [
    { job: "primitives", def: "Primitives", property: "mode", good: ["fast", "auto"], bad: ["medium", null] },
    { job: "primitives", def: "Primitives", property: "mixed", good: ["auto", 0, 1], bad: [2, "0"] },
    { job: "primitives", def: "Primitives", property: "either", good: ["a", 1.5], bad: [true, null] },
    { job: "primitives", def: "Primitives", property: "maybeMode", good: ["on", null], bad: ["maybe"] },
    { job: "primitives", def: "Primitives", property: "autoOrNumber", good: ["auto", 3], bad: ["manual"] },
    { job: "primitives", def: "Primitives", property: "id", good: ["item-1", "item--2.5"], bad: ["item-", "item-x"] },
    { job: "primitives", def: "Primitives", property: "anything", good: [1, "a", null, { a: [1] }], bad: [] },
    { job: "primitives", def: "Primitives", property: "obj", good: [{}, { a: 1 }], bad: [[], "a", null] },
    { job: "objects", def: "Objects", property: "frozen", good: [{ a: 1 }, { a: 1, b: "x" }], bad: [{ b: "x" }] },
    { job: "objects", def: "Objects", property: "partial", good: [{}, { id: "a" }], bad: [{ id: 1 }, { other: 1 }] },
    { job: "objects", def: "Objects", property: "dictionary", good: [{}, { a: 1, b: 2 }], bad: [{ a: "1" }] },
    { job: "objects", def: "Objects", property: "byIndex", good: [{ "0": "a", "12": "b" }], bad: [{ a: "b" }] },
    { job: "objects", def: "Objects", property: "record", good: [{ x: { id: "a", count: 1 } }], bad: [{ x: {} }] },
    { job: "objects", def: "Objects", property: "keyed", good: [{ a: true, b: false }], bad: [{ a: true }] },
    { job: "objects", def: "Objects", property: "mixedIndex", good: [{ known: "a", x: "b" }], bad: [{ x: "b" }] },
    {
      job: "objects",
      def: "Objects",
      property: "intersection",
      good: [{ id: "a", count: 1, extra: true }],
      bad: [{ id: "a", count: 1 }],
    },
    { job: "objects", def: "Objects", property: "person", good: [{ name: "a", createdAt: "b" }], bad: [{ name: "a" }] },
    { job: "objects", def: "Objects", property: "empty", good: [{}], bad: [{ a: 1 }] },
    { job: "objects", def: "Objects", property: "nullableItem", good: [{ id: null, count: 1 }], bad: [{ id: null }] },
    { job: "objects", def: "Objects", property: "itemOrNull", good: [null, { id: "a", count: 1 }], bad: [{}] },
    { job: "objects", def: "Objects", property: "inlineOrNull", good: [null, { a: 1 }], bad: [{ a: null }] },
    { job: "lists", def: "Lists", property: "holes", good: [["a", null]], bad: [[1]] },
    { job: "lists", def: "Lists", property: "pair", good: [["a", 1]], bad: [["a"], ["a", 1, 2], [1, "a"]] },
    { job: "lists", def: "Lists", property: "optionalTail", good: [["a"], ["a", 1]], bad: [[], ["a", 1, 2]] },
    { job: "lists", def: "Lists", property: "rest", good: [["a"], ["a", 1, 2]], bad: [[], ["a", "b"]] },
    {
      job: "lists",
      def: "Lists",
      property: "restInMiddle",
      good: [
        ["a", 1],
        ["a", true, 1],
      ],
      bad: [["a"]],
    },
    { job: "lists", def: "Lists", property: "empty", good: [[]], bad: [[1]] },
    { job: "lists", def: "Lists", property: "nested", good: [[["a"], []]], bad: [["a"]] },
    { job: "named", def: "Named", property: "color", good: [0, 2], bad: [3, "Red"] },
    { job: "named", def: "Named", property: "red", good: [0], bad: [1] },
    { job: "named", def: "Named", property: "level", good: ["low"], bad: ["Low"] },
    { job: "named", def: "Named", property: "user", good: ["u1"], bad: [{ __brand: "UserId" }] },
    { job: "named", def: "Named", property: "port", good: [1, 65535], bad: [0, 1.5, 65536] },
    {
      job: "named",
      def: "Named",
      property: "shape",
      good: [
        { kind: "circle", radius: 1 },
        { kind: "square", side: 2 },
      ],
      bad: [{ kind: "circle", side: 1 }, { kind: "triangle" }],
    },
    {
      job: "named",
      def: "Named",
      property: "tree",
      good: [{ label: "a", children: [{ label: "b", children: [] }] }],
      bad: [{ label: "a", children: [{ label: "b" }] }],
    },
    { job: "named", def: "Named", property: "json", good: [1, "a", null, [1, { a: [true] }]], bad: [] },
    {
      job: "named",
      def: "Named",
      property: "folder",
      good: [{ name: "a", entries: [{ file: "x" }, { folder: { name: "b", entries: [] } }] }],
      bad: [{ name: "a", entries: [{ folder: { name: "b" } }] }],
    },
    {
      job: "named",
      def: "Named",
      property: "pageOfStrings",
      good: [{ items: ["a"], next: null }],
      bad: [{ items: [1], next: null }],
    },
    { job: "named", def: "Named", property: "otherItem", good: [{ sku: 1 }], bad: [{ id: "a", count: 1 }] },
    { job: "named", def: "Named", property: "anonymousUnion", good: [{ a: "x" }, { b: 1 }], bad: [{ a: 1 }, {}] },
    { job: "tagged", def: "Tagged", property: "percent", good: [0, 50.5, 100], bad: [-1, 100.5, 50.25] },
    { job: "tagged", def: "Tagged", property: "ratio", good: [0.5], bad: [0, 1] },
    { job: "tagged", def: "Tagged", property: "whole", good: [3], bad: [3.5] },
    { job: "tagged", def: "Tagged", property: "maybeWhole", good: [null, 0, 7], bad: [-1, 0.5] },
    { job: "tagged", def: "Tagged", property: "slug", good: ["photo-tagger"], bad: ["", "Photo", "a".repeat(65)] },
    { job: "tagged", def: "Tagged", property: "at", good: ["2024-05-01T10:00:00Z"], bad: ["yesterday"] },
    { job: "tagged", def: "Tagged", property: "address", good: ["a@b.c"], bad: ["a b@c"] },
    {
      job: "tagged",
      def: "Tagged",
      property: "tags",
      good: [["a"], ["a", "b"]],
      bad: [[], ["a", "a"], Array(11).fill("x")],
    },
    { job: "tagged", def: "Tagged", property: "port", good: [8080], bad: [8081, 0] },
  ];

  it.each(cases)("$job: $property accepts what its type accepts, refuses the rest", (c) => {
    const schema = propertySchema(input(c.job), c.def, c.property);
    for (const value of c.good) expect(accepts(schema, value), JSON.stringify(value)).toBe(true);
    for (const value of c.bad) expect(accepts(schema, value), JSON.stringify(value)).toBe(false);
  });

  it("refuses properties the type does not have, and requires those it does", () => {
    const schema = input("inferred");
    expect(accepts(schema, { items: [{ id: "a", count: 1 }] })).toBe(true);
    expect(accepts(schema, { items: [{ id: "a", count: 1, more: true }] })).toBe(false);
    expect(accepts(schema, {})).toBe(false);
    const objects = input("objects");
    const required = (objects.$defs as Record<string, { required: string[] }>).Objects?.required;
    // Optional, `T | undefined` and `unknown` properties may be left out: JSON drops an undefined.
    expect(required).toContain("required");
    expect(required).not.toContain("optional");
    expect(required).not.toContain("optionalUndefined");
    expect(required).not.toContain("requiredUndefined");
  });

  it("writes tuples Ajv's strictTuples lint accepts when they have a fixed length", () => {
    const strict = newAjv({ strictTuples: true });
    for (const property of ["pair", "readonlyPair", "labeled", "empty"]) {
      expect(() => strict.compile(propertySchema(input("lists"), "Lists", property)), property).not.toThrow();
    }
  });
});

describe("types JSON cannot carry", () => {
  it("reports each at the property that holds it, with the path and a fix of its kind", () => {
    const result = analyzeProject({ projectDir: path.join(fixtures, "invalid-schema-types"), strict: true });
    expect(result.model).toBeUndefined();
    expect(new Set(result.diagnostics.map((d) => d.code))).toEqual(new Set(["KILN_TYPE_NOT_JSON"]));
    expect(result.diagnostics).toHaveLength(23);
    expectGolden("invalid-schema-types.diagnostics.txt", render(result.diagnostics));
    expect(result.diagnostics.find((d) => d.message.startsWith("input.when "))).toMatchObject({
      file: "src/index.ts",
      line: 7,
      column: 3,
      fix: "Use a string with @format date-time, filled with new Date().toISOString().",
    });
    expect(result.diagnostics.find((d) => d.message.startsWith("output.items[].at "))).toMatchObject({
      line: 32,
      column: 71,
    });
  });

  it("reports a declaration once, however many jobs use its type", () => {
    const result = analyzeProject({ projectDir: path.join(fixtures, "invalid-schema-types") });
    const inModel = result.diagnostics.filter((d) => d.file === "src/model.ts");
    expect(inModel.map((d) => [d.line, d.message])).toEqual([
      [12, "input.event.when has type Date, which JSON cannot carry"],
    ]);
  });

  it("accepts any as {} unless strict", () => {
    const source = `${header}  @job() run(ctx: JobContext<{ data: any }>) { void ctx; }\n}\n`;
    const loose = analyzeInWorkspace(source);
    expect(loose.diagnostics).toEqual([]);
    expect(loose.model?.jobs[0]?.input).toMatchObject({ properties: { data: {} } });
    const strict = analyzeInWorkspace(source, { strict: true });
    expect(strict.diagnostics).toMatchObject([
      { code: "KILN_TYPE_NOT_JSON", line: 4, message: expect.stringContaining("input.data has type any") },
    ]);
  });

  it("refuses a schema that nests deeper than a host compiles, pointing at the job's type", () => {
    const deep = `${"{ a: ".repeat(40)}string${" }".repeat(40)}`;
    const result = analyzeInWorkspace(`${header}  @job() run(ctx: JobContext<${deep}>) { void ctx; }\n}\n`);
    expect(result.diagnostics).toMatchObject([
      { code: "KILN_TYPE_NOT_JSON", line: 4, message: expect.stringContaining("too large for a job schema") },
    ]);
  });
});

describe("JSDoc schema tags", () => {
  it("reports every tag whose value does not fit, at the tag", () => {
    const result = analyzeProject({ projectDir: path.join(fixtures, "invalid-schema-tags") });
    expect(result.model).toBeUndefined();
    expect(new Set(result.diagnostics.map((d) => d.code))).toEqual(new Set(["KILN_SCHEMA_TAG_INVALID"]));
    expectGolden("invalid-schema-tags.diagnostics.txt", render(result.diagnostics));
    // The alias's bad tag, written on the alias, is reported once for both properties using it.
    expect(result.diagnostics.filter((d) => d.line === 4)).toHaveLength(1);
    expect(result.diagnostics.find((d) => d.message.includes("datetime"))?.fix).toBe('Did you mean "date-time"?');
  });
});

describe("schemas of the example extensions", () => {
  const examples = ["test-extension", "folder-indexer", "link-checker"];

  it.each(examples)("%s", (id) => {
    const projectDir = path.join(repo, "extensions", id);
    const result = analyzeProject({ projectDir });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const schemas = schemasOf(result.model);
    expectGolden(`${id}.schemas.json`, `${JSON.stringify(schemas, null, 2)}\n`);
    // The inputs its package.json demonstrates with are inputs its schemas accept.
    const pkg = JSON.parse(readFileSync(path.join(projectDir, "package.json"), "utf8")) as {
      kiln?: { demo?: { job: string; input: unknown }[] };
    };
    for (const demo of pkg.kiln?.demo ?? []) {
      const schema = schemas[demo.job]?.input ?? {};
      expect(accepts(schema, demo.input), `${demo.job} ${JSON.stringify(demo.input)}`).toBe(true);
    }
  });

  it("checks test-extension's values as its types do", () => {
    const schemas = schemasOf(analyzeProject({ projectDir: path.join(repo, "extensions/test-extension") }).model);
    expect(accepts(schemas.counter?.input ?? {}, { to: 5 })).toBe(true);
    expect(accepts(schemas.counter?.input ?? {}, { to: "5" })).toBe(false);
    expect(accepts(schemas.counter?.input ?? {}, {})).toBe(false);
    expect(accepts(schemas.steps?.state ?? {}, {})).toBe(true);
    expect(accepts(schemas.steps?.state ?? {}, { i: 3, sum: 6, resumedAt: [2] })).toBe(true);
    expect(accepts(schemas.steps?.output ?? {}, { steps: 1, sum: 1, resumedAt: [], attempt: 1 })).toBe(false);
    expect(schemas.spin?.output).toEqual({ not: {} });
  });
});

describe("when @kiln/sdk does not resolve", () => {
  it("takes the input from JobContext's type argument", () => {
    const result = analyzeSource(
      `${header}  @job() async run(ctx: JobContext<{ n: number }>): Promise<string> { return String(ctx); }\n}\n`,
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.model?.jobs[0]).toMatchObject({
      input: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
      output: { type: "string" },
      state: {},
    });
  });
});
