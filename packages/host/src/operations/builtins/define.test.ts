import { BUILTIN_OPERATIONS } from "@kiln/contracts";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";

// The registry compiles built-in schemas on first use only, trusting that they compile: this is
// the check behind that trust (strict mode, as the registry compiles them).
describe("built-in operation schemas", () => {
  it.each(Object.entries(BUILTIN_OPERATIONS))("%s: input and output compile in strict mode", (_, op) => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    for (const schema of [op.input, op.output]) {
      if (schema !== undefined) expect(typeof ajv.compile(schema as object)).toBe("function");
    }
  });
});
