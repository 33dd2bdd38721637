/**
 * Operations typed by their schemas: json-schema-to-ts's `FromSchema` turns a schema written as a
 * literal into the type of the values it accepts, so a handler's payload and result follow from
 * the very schemas the registry checks them against. Chosen over TypeBox (which would make
 * applications write schemas through its builders) and ajv's `JSONSchemaType` (which goes the
 * other way, from a type to a schema): any plain JSON Schema works, and the types cost nothing at
 * run time.
 *
 * @module
 */
import type { JsonSchema } from "@kiln/contracts";
import type { FromSchema, JSONSchema } from "json-schema-to-ts";
import type { OperationDefinition } from "./types.js";

/**
 * The TypeScript type of the values `Schema` accepts (json-schema-to-ts's `FromSchema`), for a
 * schema written as a literal; `unknown` without a schema or for one typed only as
 * {@link JsonSchema}.
 */
export type SchemaValue<Schema> = [Schema] extends [undefined]
  ? unknown
  : string extends keyof Schema
    ? unknown
    : Schema extends JSONSchema
      ? FromSchema<Schema>
      : unknown;

/**
 * An operation definition whose handler is typed by its schemas: the handler's payload is the type
 * the `input` schema describes and its result must be the type the `output` schema describes, so an
 * unannotated handler is typed. What `OperationRegistry.register` and {@link defineOperation} take.
 */
export type TypedOperationDefinition<
  In extends JsonSchema | undefined,
  Out extends JsonSchema | undefined,
  Name extends string = string,
> = Omit<OperationDefinition<SchemaValue<In>, SchemaValue<Out>>, "name" | "input" | "output"> & {
  readonly name: Name;
  readonly input?: In;
  readonly output?: Out;
};

/**
 * Returns `def` as it is, keeping its name and schemas as literal types, so that the same
 * definition registers the operation (`host.operations.register(def)`) and types it for extension
 * authors ({@link OperationTypes}); `kiln types --operations` writes the same types to a file.
 *
 * @example
 * ```ts
 * export const getInvoice = defineOperation({
 *   name: "acme.invoices.get",
 *   permission: "acme.invoices.read",
 *   input: { type: "object", properties: { id: { type: "string" } }, required: ["id"], additionalProperties: false },
 *   output: { type: "object", properties: { total: { type: "number" } }, required: ["total"] },
 *   handler: ({ id }) => invoices.get(id), // id: string; must return { total: number }
 * });
 * ```
 */
export function defineOperation<
  const Name extends string,
  const In extends JsonSchema | undefined = undefined,
  const Out extends JsonSchema | undefined = undefined,
>(def: TypedOperationDefinition<In, Out, Name>): TypedOperationDefinition<In, Out, Name> {
  return def;
}

/**
 * The `Operations` entries of `@kiln/sdk` for operations made with {@link defineOperation}: an
 * application's package can publish them for its extension authors, so that `ctx.call` and the
 * handlers agree by construction:
 *
 * ```ts
 * declare module "@kiln/sdk" {
 *   interface Operations extends OperationTypes<typeof getInvoice | typeof listInvoices> {}
 * }
 * ```
 */
export type OperationTypes<Def extends { readonly name: string }> = {
  [D in Def as D["name"]]: D extends TypedOperationDefinition<infer In, infer Out, string>
    ? { input: SchemaValue<In>; output: SchemaValue<Out> }
    : { input: unknown; output: unknown };
};
