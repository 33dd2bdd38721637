/**
 * `ctx.call` is typed for the built-in operations and for those an application publishes by
 * augmenting `Operations`. A type test: vitest type-checks it (`typecheck` in vitest.shared.ts) and
 * fails on a wrong assertion or an unused `@ts-expect-error`; `pnpm typecheck` checks it too.
 */
import type { ExtensionContext, HostCallError, OperationInput, OperationOutput } from "@kiln/sdk";
import { describe, expectTypeOf, it } from "vitest";

interface Invoice {
  id: string;
  total: number;
}

declare module "@kiln/sdk" {
  interface Operations {
    "acme.invoices.get": { input: { id: string }; output: Invoice };
  }
}

describe("typed operations", () => {
  it("types the built-in operations", () => {
    expectTypeOf<OperationInput<"kv.get">>().toEqualTypeOf<{ key: string }>();
    expectTypeOf<OperationOutput<"kv.delete">>().toEqualTypeOf<{ deleted: boolean }>();
    expectTypeOf<OperationOutput<"files.read">>().toHaveProperty("content").toEqualTypeOf<string>();
    expectTypeOf<OperationInput<"http.fetch">>().toHaveProperty("url").toEqualTypeOf<string>();
  });

  it("types an application's operations once it publishes them", () => {
    expectTypeOf<OperationInput<"acme.invoices.get">>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<OperationOutput<"acme.invoices.get">>().toEqualTypeOf<Invoice>();
  });

  it("leaves unknown operations untyped rather than refusing them", () => {
    expectTypeOf<OperationInput<"acme.other">>().toEqualTypeOf<unknown>();
    expectTypeOf<OperationOutput<"acme.other">>().toEqualTypeOf<unknown>();
  });

  it("checks payloads and results at the call site", () => {
    const check = async (ctx: ExtensionContext) => {
      const invoice = await ctx.call("acme.invoices.get", { id: "inv_1" });
      expectTypeOf(invoice).toEqualTypeOf<Invoice>();
      // @ts-expect-error: the payload of kv.get needs a key
      await ctx.call("kv.get", { name: "x" });
      // @ts-expect-error: an invoice id is a string
      await ctx.call("acme.invoices.get", { id: 1 });
    };
    expectTypeOf(check).returns.resolves.toBeVoid();
    expectTypeOf<HostCallError["code"]>().toEqualTypeOf<string>();
  });
});
