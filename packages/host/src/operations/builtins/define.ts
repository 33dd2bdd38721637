/**
 * Turns a row of `BUILTIN_OPERATIONS` (`@kiln/contracts`) and the host's handler into an operation
 * definition: name, permission, description and schemas come from the table, and the handler is
 * typed by the table's static types, so the schemas, the SDK's types and the handlers cannot drift.
 *
 * @module
 */
import { BUILTIN_OPERATIONS, type BuiltinOperationName, type BuiltinOperations } from "@kiln/contracts";
import { trustSchema } from "../registry.js";
import type { OperationContext, OperationDefinition } from "../types.js";

/** The handler of built-in operation `N`: its payload and reply types are the table's. */
export type BuiltinHandler<N extends BuiltinOperationName> = (
  input: BuiltinOperations[N]["input"],
  ctx: OperationContext,
) => BuiltinOperations[N]["output"] | Promise<BuiltinOperations[N]["output"]>;

/** The definition of built-in operation `name`, with the host's `handler`. */
export function builtin<N extends BuiltinOperationName>(
  name: N,
  handler: BuiltinHandler<N>,
): OperationDefinition<BuiltinOperations[N]["input"], BuiltinOperations[N]["output"]> {
  const { permission, description, input, output } = BUILTIN_OPERATIONS[name];
  // The table's schemas compile (define.test.ts checks each): they compile on their first call.
  for (const schema of [input, output]) if (typeof schema === "object" && schema !== null) trustSchema(schema);
  return { name, permission, description, input, output, handler };
}
