/**
 * The run-time modules read their schemas from `schema/*.json`, generated from the TypeBox
 * definitions in `src/schemas/` by `scripts/generate.mjs` (`npm run generate`). A definition
 * changed without regenerating fails here, before CI's `git diff` of the generated files would.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { plainSchema } from "../src/manifest.js";
import { manifestSchema } from "../src/schemas/manifest.js";
import { operationsDocument } from "../src/schemas/operations.js";

const STALE = "stale: run `npm run generate` at the repository root (it builds, then runs scripts/generate.mjs)";

function checkedIn(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../schema/${name}`, import.meta.url), "utf8"));
}

describe("the checked-in schemas are plainSchema() of their definitions", () => {
  it("schema/manifest.schema.json", () => {
    expect(checkedIn("manifest.schema.json"), STALE).toEqual(plainSchema(manifestSchema));
  });

  it("schema/operations.schema.json", () => {
    const operations = Object.fromEntries(
      Object.entries(operationsDocument.operations).map(([name, { input, output, ...row }]) => [
        name,
        { ...row, input: plainSchema(input), output: plainSchema(output) },
      ]),
    );
    const values = Object.fromEntries(
      Object.entries(operationsDocument.values).map(([name, schema]) => [name, plainSchema(schema)]),
    );
    const json = checkedIn("operations.schema.json");
    expect(json, STALE).toEqual({ operations, values });
    // The table's order is the order of BUILTIN_OPERATIONS.
    expect(Object.keys(json.operations as object)).toEqual(Object.keys(operations));
  });
});
