import { describe, expect, it } from "vitest";
import { JOB_SCHEMA_LIMITS, jobSchemaProblems, patternProblem } from "./job-schemas.js";

describe("patternProblem", () => {
  const safe = [
    "^[a-z]+$",
    "^(\\d+\\.){3}\\d+$",
    "^(?:ab|cd)*$",
    "[(+)]+",
    "^a{2,5}$",
    "^(?<word>\\w+) x?$",
    "^(?=a)a\\(+$",
  ];
  it.each(safe)("accepts %s", (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
  });

  const unsafe: [string, RegExp][] = [
    ["^(a+)+$", /exponential/],
    ["^(a*)*b$", /exponential/],
    ["^((ab)*c)+$", /exponential/],
    ["^(x{1,3}){2,}$", /exponential/],
    ["^(a)\\1$", /back-reference/],
    ["^(?<w>a)\\k<w>$", /back-reference/],
    ["(", /not a valid regular expression/],
    ["a".repeat(JOB_SCHEMA_LIMITS.patternLength + 1), /longer than/],
  ];
  it.each(unsafe)("refuses %s", (pattern, message) => {
    expect(patternProblem(pattern)).toMatch(message);
  });
});

describe("jobSchemaProblems", () => {
  it("accepts the schemas codegen writes", () => {
    expect(
      jobSchemaProblems({
        $ref: "#/$defs/Node",
        $defs: {
          Node: {
            type: "object",
            properties: { children: { type: "array", items: { $ref: "#/$defs/Node" } } },
            patternProperties: { "^x-": { type: "string" } },
            additionalProperties: false,
          },
        },
      }),
    ).toEqual([]);
    expect(jobSchemaProblems(true)).toEqual([]);
  });

  it("says where each problem is", () => {
    expect(
      jobSchemaProblems({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        properties: { "a/b": { pattern: "(a+)+" }, c: { $ref: "other.json#/x" } },
        patternProperties: { "(x*)*": {} },
        anyOf: "nope",
      }),
    ).toEqual([
      "/$schema: $schema is not allowed in a job schema",
      expect.stringMatching(/^\/properties\/a~1b\/pattern: .*exponential/),
      "/properties/c/$ref: a reference must point into the schema's own $defs (#/$defs/Name)",
      expect.stringMatching(/^\/patternProperties\/\(x\*\)\*: .*exponential/),
      "/anyOf: must be an array of schemas",
    ]);
  });

  it("bounds depth and size", () => {
    let deep: object = {};
    for (let i = 0; i < JOB_SCHEMA_LIMITS.depth + 5; i++) deep = { items: deep };
    expect(jobSchemaProblems(deep)).toEqual([expect.stringMatching(/deeper than 32 levels/)]);
    const wide = {
      properties: Object.fromEntries(Array.from({ length: JOB_SCHEMA_LIMITS.nodes + 10 }, (_, i) => [`p${i}`, {}])),
    };
    expect(jobSchemaProblems(wide)).toEqual([expect.stringMatching(/more than 5000 schemas/)]);
  });
});
