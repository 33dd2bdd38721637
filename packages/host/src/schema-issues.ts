/**
 * What a failed JSON Schema check (Ajv's errors) means, in words an author can act on: one issue
 * per failing path, with what was expected there and, for a value, what it was. The one formatter
 * of the host's schema checks: the operations' payloads and results (`operations/registry.ts`) and
 * the jobs' inputs, results and checkpoint states (`jobs/schemas.ts`; `errors.ts` makes a message
 * of the issues).
 *
 * @module
 */

import { escapePointerToken, unescapePointerToken } from "@kiln/contracts";
import type { ErrorObject } from "ajv";

/** One place where a value does not match its schema. */
export interface SchemaIssue {
  /** JSON pointer of the offending value, `/` for the value itself (`/to`, `/items/0/name`). */
  readonly path: string;
  /** What was expected there, and what was found: `must be number (got "3")`. */
  readonly message: string;
}

/** Characters of an offending value quoted back in a message. */
const VALUE_SHOWN = 40;
/** Characters of a schema's allowed values (`enum`, `const`) quoted back in a message. */
const ALLOWED_SHOWN = 200;

/** Keywords about a value itself, whose message says what the value was. */
const VALUE_KEYWORDS = new Set([
  "type",
  "enum",
  "const",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
]);

/** One Ajv error, explained: the object or value concerned, the property it names (if any), the words. */
interface Explained {
  /** JSON pointer (Ajv's `instancePath`) of the value the error is about, `""` for the root. */
  readonly at: string;
  /** The property a `required` or `additionalProperties` error names; it sits in the object at `at`. */
  readonly property?: string;
  /** How the object at `at` relates to that property, for a sentence (`has`, `is`). */
  readonly relation?: "has" | "is";
  /** What is wrong: `must be number (got "3")`, `unknown property "extra"`. */
  readonly message: string;
}

function explain(e: ErrorObject, root: unknown): Explained {
  const at = e.instancePath;
  const got = () => ` (got ${shownValue(valueAt(root, at))})`;
  let message: string;
  switch (e.keyword) {
    case "required": {
      const property = String(e.params.missingProperty);
      return { at, property, relation: "is", message: `missing required property "${property}"` };
    }
    case "additionalProperties":
    case "unevaluatedProperties": {
      const property = String(e.params.additionalProperty ?? e.params.unevaluatedProperty);
      return { at, property, relation: "has", message: `unknown property "${property}"` };
    }
    case "type": {
      const type = e.params.type as string | string[];
      message = `must be ${Array.isArray(type) ? type.join(" or ") : String(type).split(",").join(" or ")}`;
      break;
    }
    case "enum":
      message = `must be one of ${shorten(JSON.stringify(e.params.allowedValues), ALLOWED_SHOWN)}`;
      break;
    case "const":
      message = `must be ${shorten(JSON.stringify(e.params.allowedValue), ALLOWED_SHOWN)}`;
      break;
    case "pattern":
      message = `must match the pattern ${shorten(String(e.params.pattern), ALLOWED_SHOWN)}`;
      break;
    case "format":
      message = `must be a valid ${String(e.params.format)}`;
      break;
    case "false schema":
      message = "is not allowed here";
      break;
    case "propertyNames":
      message = `has a property name that breaks its rule ("${String(e.params.propertyName)}")`;
      break;
    default:
      message = e.message ?? `fails "${e.keyword}"`;
  }
  return { at, message: VALUE_KEYWORDS.has(e.keyword) ? message + got() : message };
}

/**
 * Every place `value` failed its schema, from the validator's `errors` (Ajv with `allErrors`), at
 * most `max` of them. A missing or unknown property is reported at its own path (`/to: missing
 * required property "to"`).
 */
export function schemaIssues(
  errors: readonly ErrorObject[] | null | undefined,
  value: unknown,
  max = Number.POSITIVE_INFINITY,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    if (issues.length >= max) break;
    const { at, property, message } = explain(e, value);
    const path = property === undefined ? at || "/" : `${at}/${escapePointerToken(property)}`;
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue; // `allErrors` can report one place twice (two branches of a schema).
    seen.add(key);
    issues.push({ path, message });
  }
  return issues;
}

/**
 * The validator's `errors` as sentences about `root` (`payload/text must be string (got 5)`,
 * `payload has unknown property "more"`), the first `max`: the style of the operations' refusals.
 */
export function describeSchemaErrors(
  errors: readonly ErrorObject[] | null | undefined,
  value: unknown,
  root: string,
  max: number,
): string {
  const list = errors ?? [];
  const shown = list.slice(0, max).map((e) => {
    const { at, relation, message } = explain(e, value);
    return `${root}${at} ${relation ? `${relation} ` : ""}${message}`;
  });
  const more = list.length > shown.length ? `; and ${list.length - shown.length} more` : "";
  return shown.join("; ") + more;
}

/** The value at a JSON pointer of `root` (undefined if there is none). */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  let node = root;
  for (const raw of pointer.slice(1).split("/")) {
    if (typeof node !== "object" || node === null) return undefined;
    const token = unescapePointerToken(raw);
    node = Object.hasOwn(node, token) ? (node as Record<string, unknown>)[token] : undefined;
  }
  return node;
}

/** A value as quoted in a message: scalars as JSON (long strings cut), containers by kind. */
function shownValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object" && value !== null) return "an object";
  return shorten(JSON.stringify(value), VALUE_SHOWN);
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
