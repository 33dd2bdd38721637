/**
 * Operations are typed by their schemas: a handler's payload is what its `input` schema describes
 * and its result must be what its `output` schema describes, with no annotation. A type test:
 * vitest type-checks it (`typecheck` in vitest.shared.ts) and fails on a wrong assertion or an
 * unused `@ts-expect-error`.
 */
import {
  defineOperation,
  type OperationDefinition,
  OperationRegistry,
  type OperationTypes,
  type SchemaValue,
} from "@kiln/host";
import { describe, expectTypeOf, it } from "vitest";

const registry = new OperationRegistry();

const getInvoice = defineOperation({
  name: "acme.invoices.get",
  permission: "acme.invoices.read",
  input: {
    type: "object",
    properties: { id: { type: "string" }, draft: { type: "boolean" } },
    required: ["id"],
    additionalProperties: false,
  },
  output: {
    type: "object",
    properties: {
      id: { type: "string" },
      total: { type: "number" },
      lines: { type: "array", items: { type: "string" } },
    },
    required: ["id", "total", "lines"],
    additionalProperties: false,
  },
  handler: (input) => {
    expectTypeOf(input).toEqualTypeOf<{ id: string; draft?: boolean }>();
    return { id: input.id, total: 12.5, lines: ["a"] };
  },
});

describe("operations typed from their schemas", () => {
  it("types an unannotated handler at register", () => {
    registry.register({
      name: "acme.echo",
      permission: "acme.echo",
      input: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      output: { type: "string" },
      handler(input) {
        expectTypeOf(input.text).toEqualTypeOf<string>();
        return input.text;
      },
    });
    registry.register({
      name: "acme.bad",
      permission: "acme.echo",
      output: { type: "string" },
      // @ts-expect-error the output schema says string
      handler: () => 42,
    });
  });

  it("leaves a definition without schemas untyped", () => {
    registry.register({
      name: "acme.any",
      permission: "acme.any",
      handler(input) {
        expectTypeOf(input).toEqualTypeOf<unknown>();
        return null;
      },
    });
  });

  it("still takes a definition typed by hand", () => {
    const echo: OperationDefinition<{ text: string }, { text: string }> = {
      name: "acme.echo2",
      permission: "acme.echo",
      handler: (input) => input,
    };
    registry.register(echo);
    registry.register(getInvoice);
  });

  it("gives extension authors the same types (OperationTypes)", () => {
    type Ops = OperationTypes<typeof getInvoice>;
    expectTypeOf<Ops["acme.invoices.get"]["input"]>().toEqualTypeOf<{ id: string; draft?: boolean }>();
    expectTypeOf<Ops["acme.invoices.get"]["output"]>().toEqualTypeOf<{ id: string; total: number; lines: string[] }>();
    expectTypeOf<SchemaValue<undefined>>().toEqualTypeOf<unknown>();
  });
});
