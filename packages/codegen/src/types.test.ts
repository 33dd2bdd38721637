import type { JsonSchema } from "@kiln/contracts";
import { describe, expect, it } from "vitest";
import { testModel } from "../test/model.js";
import type { JobModel } from "./model.js";
import { generateOperationTypes, generateTypes } from "./types.js";

const model = (jobs: Partial<JobModel>[]) => testModel({}, jobs);

/** The TypeScript type `generateTypes` writes for the input schema `schema`. */
function inputType(schema: JsonSchema): string {
  const text = generateTypes(model([{ input: schema }]));
  const start = text.indexOf("input: ") + "input: ".length;
  return text.slice(start, text.indexOf(";\n    output: ", start));
}

describe("generateTypes: schema → TypeScript", () => {
  const shapes: [string, JsonSchema, string][] = [
    ["any value", {}, "unknown"],
    ["nothing", { not: {} }, "never"],
    ["a string", { type: "string" }, "string"],
    ["an integer", { type: "integer", minimum: 0 }, "number"],
    ["null", { type: "null" }, "null"],
    ["a union of types", { type: ["string", "null"] }, "string | null"],
    ["a literal", { const: "on" }, '"on"'],
    ["an enum", { enum: ["a", 1, true, null] }, '"a" | 1 | true | null'],
    ["anyOf", { anyOf: [{ type: "string" }, { type: "array", items: { type: "number" } }] }, "string | number[]"],
    ["an array of a union", { type: "array", items: { type: ["string", "number"] } }, "(string | number)[]"],
    [
      "a tuple with an optional element",
      { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false, minItems: 1, maxItems: 2 },
      "[string, number?]",
    ],
    [
      "a tuple with a rest",
      { type: "array", prefixItems: [{ type: "string" }], items: { type: "boolean" }, minItems: 1 },
      "[string, ...boolean[]]",
    ],
    [
      "a record",
      { type: "object", additionalProperties: { type: "number" } },
      "{\n      [key: string]: number;\n    }",
    ],
    ["an empty closed object", { type: "object", additionalProperties: false }, "{}"],
  ];
  it.each(shapes)("%s", (_, schema, type) => {
    expect(inputType(schema)).toBe(type);
  });

  it("writes objects with optional, readonly and quoted properties and their docs", () => {
    const type = inputType({
      type: "object",
      properties: {
        to: { type: "integer", description: "Count up to this.", minimum: 0, maximum: 10000 },
        "dash-key": { type: "string", readOnly: true },
      },
      required: ["to"],
      additionalProperties: false,
    });
    expect(type).toBe(
      [
        "{",
        "      /**",
        "       * Count up to this.",
        "       * @minimum 0",
        "       * @maximum 10000",
        "       * @integer",
        "       */",
        "      to: number;",
        '      readonly "dash-key"?: string;',
        "    }",
      ].join("\n"),
    );
  });

  it("declares each named type once, and keeps two different types of one name apart", () => {
    const item = {
      type: "object",
      properties: { id: { type: "string" } },
      required: ["id"],
      additionalProperties: false,
    };
    const other = { type: "string", description: "Another Item." };
    const text = generateTypes(
      model([
        {
          input: { $ref: "#/$defs/Item", $defs: { Item: item } },
          output: { $ref: "#/$defs/Item", $defs: { Item: item } },
        },
        { input: { type: "array", items: { $ref: "#/$defs/Item" }, $defs: { Item: other } } },
        { state: { $ref: "#/$defs/Jobs", $defs: { Jobs: { type: "number" } } } },
      ]),
    );
    expect(text.match(/export interface Item /g)).toHaveLength(1);
    expect(text).toContain("/** Another Item. */\nexport type Item_2 = string;");
    expect(text).toContain("input: Item_2[];");
    expect(text).toContain("export type Jobs_2 = number;");
    expect(text).toContain("state: Jobs_2;");
    expect(text).toContain('declare module "@kiln/host" {\n  interface KilnExtensions {\n    demo: { jobs: Jobs };');
  });

  it("writes recursive types through their names", () => {
    const text = generateTypes(
      model([
        {
          input: {
            $ref: "#/$defs/Tree",
            $defs: {
              Tree: {
                type: "object",
                properties: { children: { type: "array", items: { $ref: "#/$defs/Tree" } } },
                required: ["children"],
                additionalProperties: false,
              },
            },
          },
        },
      ]),
    );
    expect(text).toContain("export interface Tree {\n  children: Tree[];\n}");
  });
});

describe("generateOperationTypes", () => {
  it("augments @kiln/sdk's Operations with each operation's payload and result", () => {
    const text = generateOperationTypes(
      [
        { name: "acme.ping", description: "Answers." },
        {
          name: "acme.invoices.get",
          input: {
            type: "object",
            properties: { id: { type: "string" } },
            required: ["id"],
            additionalProperties: false,
          },
          output: { type: "number" },
        },
      ],
      "app/operations.js",
    );
    expect(text).toContain('declare module "@kiln/sdk" {\n  interface Operations {');
    expect(text).toContain(
      '    "acme.invoices.get": {\n      input: {\n        id: string;\n      };\n      output: number;\n    };',
    );
    expect(text).toContain(
      '    /** Answers. */\n    "acme.ping": {\n      input: unknown;\n      output: unknown;\n    };',
    );
  });
});
