/**
 * `kiln types --operations`: types an application's own operations for extension authors, from
 * the schemas the application registers them with, so that `ctx.call` and the handlers cannot
 * disagree.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { OperationTypeSource } from "@kiln/codegen";
import { KilnError } from "@kiln/contracts";
import { parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../errors.js";

const NAME = "types";

/** `kiln types --operations <module> [--out <file.d.ts>]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln types --operations <module> [--out <file.d.ts>]

Write a declaration file that types the application's operations for extension authors: it
augments @kiln/sdk's Operations, so that ctx.call("acme.invoices.get", { id }) checks its payload
and types its result, from the same JSON Schemas the application registers the operations with.
<module> is a JavaScript module Node can import (the application's built file, say); every
operation definition it exports is typed: an object with a string "name", a string "permission"
and a "handler" function (as defineOperation from @kiln/host returns), or an array of them.

Options:
  --operations <module>  the module that exports the operation definitions
  --out <file.d.ts>      write the declarations there instead of to stdout
  -h, --help             show this help
`,
  run,
};

/** What an exported operation definition must look like to be typed. */
interface OperationLike extends OperationTypeSource {
  readonly permission: string;
  readonly handler: unknown;
}

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, { operations: { type: "string" }, out: { type: "string" } });
  if (positionals.length) throw new UsageError(`types takes no positional arguments, got "${positionals[0]}"`, NAME);
  if (typeof values.operations !== "string") throw new UsageError("types needs --operations <module>", NAME);
  const file = resolve(values.operations);
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new KilnError(
      "KILN_USAGE",
      `cannot import ${values.operations}: ${(cause as Error).message}; point --operations at a JavaScript module (build a TypeScript one first)`,
      { cause },
    );
  }
  const operations = new Map<string, OperationLike>();
  for (const value of Object.values(exported)) {
    for (const candidate of Array.isArray(value) ? value : [value]) {
      if (isOperation(candidate)) operations.set(candidate.name, candidate);
    }
  }
  if (operations.size === 0) {
    throw new KilnError(
      "KILN_USAGE",
      `${values.operations} exports no operation definition (an object with a string "name", a string "permission" and a "handler" function, or an array of them)`,
    );
  }
  const { generateOperationTypes } = await import("@kiln/codegen");
  const origin = relative(process.cwd(), file).split("\\").join("/") || file;
  const text = generateOperationTypes([...operations.values()], origin);
  if (typeof values.out === "string") {
    await writeFile(values.out, text);
    console.log(`wrote ${values.out}: ${operations.size} operation${operations.size === 1 ? "" : "s"}`);
  } else {
    process.stdout.write(text);
  }
  return EXIT.ok;
}

function isOperation(value: unknown): value is OperationLike {
  if (typeof value !== "object" || value === null) return false;
  const op = value as Partial<OperationLike>;
  return typeof op.name === "string" && typeof op.permission === "string" && typeof op.handler === "function";
}
