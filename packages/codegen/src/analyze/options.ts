/**
 * Reads a decorator's options object as literals, without running the author's code: what each
 * decorator accepts ({@link EXTENSION_OPTIONS}, {@link JOB_OPTIONS}) and the reader that reports
 * every property it cannot read (computed, spread, a variable, the wrong kind of literal, unknown,
 * repeated) at the property itself.
 *
 * @module
 */
import { closestMatch, LIMIT_NAMES } from "@kiln/contracts";
import { type CallExpression, Node, type ObjectLiteralElementLike, type ObjectLiteralExpression } from "ts-morph";
import type { Reporter } from "./reporter.js";
import { describeExpression, isLiteralOfOtherKind, propertyKey, signedNumericLiteral, unwrapValue } from "./syntax.js";

/** How an option's value is read: a literal of one kind, or an object literal with options of its own. */
export type OptionKind = "string" | "strings" | "number" | OptionSpec;

/** The options an object literal may have, by key. */
export interface OptionSpec {
  readonly [key: string]: OptionKind;
}

/** Every limit in the limits table is a number option of `limits`, and nothing else is. */
const LIMITS_OPTIONS: OptionSpec = Object.fromEntries(LIMIT_NAMES.map((name) => [name, "number"]));

/** The options of `@extension`. */
export const EXTENSION_OPTIONS: OptionSpec = {
  id: "string",
  name: "string",
  version: "string",
  description: "string",
  permissions: "strings",
  allowedHosts: "strings",
  limits: LIMITS_OPTIONS,
};

/** The options `@extension` cannot do without. */
export const EXTENSION_REQUIRED = ["id", "name", "version"] as const;

/** The options of `@job`. */
export const JOB_OPTIONS: OptionSpec = { name: "string", description: "string" };

/** A string literal as read, with its node to point at. */
export interface StringValue {
  readonly value: string;
  readonly node: Node;
}

/** A number literal as read, with its node to point at. */
export interface NumberValue {
  readonly value: number;
  readonly node: Node;
}

/** The options read from one object literal, by kind; keys whose value could not be read are absent. */
export interface ReadOptions {
  /** Where a missing option is reported: the object literal, or the call when it has no argument. */
  readonly anchor: Node;
  readonly present: Set<string>;
  /** The value node of every property assignment, as written: an anchor for remarks about a whole option. */
  readonly values: Map<string, Node>;
  readonly strings: Map<string, StringValue>;
  readonly arrays: Map<string, StringValue[]>;
  readonly numbers: Map<string, NumberValue>;
  readonly objects: Map<string, ReadOptions>;
}

/** Names an options object in messages: `@extension`, or `option "limits"` and its key prefix `limits.`. */
interface OptionScope {
  readonly owner: string;
  readonly prefix: string;
}

function emptyOptions(anchor: Node): ReadOptions {
  return {
    anchor,
    present: new Set(),
    values: new Map(),
    strings: new Map(),
    arrays: new Map(),
    numbers: new Map(),
    objects: new Map(),
  };
}

/** Reads decorator options, reporting what it cannot read to the {@link Reporter}. */
export class OptionReader {
  constructor(private readonly report: Reporter) {}

  /**
   * Reads `{ key: literal, … }` from the decorator's single argument. Reports every property it
   * cannot read; `present` lists keys that were written at all, so a non-literal value does not
   * also count as missing.
   */
  readOptions(call: CallExpression, decoratorName: string, spec: OptionSpec): ReadOptions | undefined {
    const [argument, ...extra] = call.getArguments();
    for (const node of extra)
      this.report.error(node, "KILN_EXTRA_ARGUMENT", `${decoratorName} takes one options object`);
    if (argument === undefined) return emptyOptions(call);
    const object = unwrapValue(argument);
    if (!Node.isObjectLiteralExpression(object)) {
      this.reportNotLiteral(object, `the options of ${decoratorName}`, "an object literal");
      return undefined;
    }
    return this.readObject(object, { owner: decoratorName, prefix: "" }, spec);
  }

  /** Reads one object literal of options; nested option objects (`limits`) recurse with their own scope. */
  private readObject(object: ObjectLiteralExpression, scope: OptionScope, spec: OptionSpec): ReadOptions {
    const options = emptyOptions(object);
    for (const property of object.getProperties()) this.readOption(property, scope, spec, options);
    return options;
  }

  private readOption(property: ObjectLiteralElementLike, scope: OptionScope, spec: OptionSpec, options: ReadOptions) {
    if (!Node.isPropertyAssignment(property)) {
      this.reportUnreadableProperty(property, scope, options);
      return;
    }
    const key = propertyKey(property.getNameNode());
    if (key === undefined) {
      this.report.error(
        property.getNameNode(),
        "KILN_NON_LITERAL",
        `an option name of ${scope.owner} is computed`,
        "Write the option name as a plain identifier.",
      );
      return;
    }
    // `Object.hasOwn`, so that `toString` and friends are unknown options rather than inherited ones.
    const kind = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (kind === undefined) {
      const closest = closestMatch(key, Object.keys(spec));
      const fix = closest ? `Did you mean "${closest}"?` : `Use one of: ${Object.keys(spec).join(", ")}.`;
      this.report.error(property.getNameNode(), "KILN_UNKNOWN_OPTION", `${scope.owner} has no option "${key}"`, fix);
      return;
    }
    const path = scope.prefix + key;
    if (options.present.has(key)) {
      this.report.error(property.getNameNode(), "KILN_DUPLICATE_OPTION", `option "${path}" is given twice`);
      return;
    }
    options.present.add(key);
    const value = unwrapValue(property.getInitializerOrThrow());
    options.values.set(key, value);
    this.readValue(value, kind, path, key, options);
  }

  /** Reads `value` as `kind` into the map for that kind; what it cannot read is reported and left out. */
  private readValue(value: Node, kind: OptionKind, path: string, key: string, options: ReadOptions): void {
    const what = `option "${path}"`;
    if (kind === "string") {
      const read = this.readString(value, what);
      if (read) options.strings.set(key, read);
    } else if (kind === "strings") {
      const read = this.readStrings(value, what);
      if (read) options.arrays.set(key, read);
    } else if (kind === "number") {
      const read = this.readNumber(value, what);
      if (read) options.numbers.set(key, read);
    } else if (Node.isObjectLiteralExpression(value)) {
      options.objects.set(key, this.readObject(value, { owner: what, prefix: `${path}.` }, kind));
    } else {
      this.reportNotLiteral(value, what, "an object literal");
    }
  }

  /** Shorthand `{ id }`, spreads and methods: all hide the value behind code. */
  private reportUnreadableProperty(property: ObjectLiteralElementLike, scope: OptionScope, options: ReadOptions) {
    if (Node.isShorthandPropertyAssignment(property)) {
      options.present.add(property.getName());
      this.report.error(
        property,
        "KILN_NON_LITERAL",
        `option "${scope.prefix}${property.getName()}" of ${scope.owner} refers to a variable, not a literal`,
      );
    } else if (Node.isSpreadAssignment(property)) {
      this.report.error(
        property,
        "KILN_NON_LITERAL",
        `the options of ${scope.owner} use a spread`,
        "Write each option inline instead of spreading an object.",
      );
    } else {
      const name = property.getName();
      options.present.add(name);
      this.report.error(
        property,
        "KILN_NON_LITERAL",
        `option "${scope.prefix}${name}" of ${scope.owner} is a method or accessor, not a literal`,
      );
    }
  }

  private readString(expression: Node, what: string): StringValue | undefined {
    const value = unwrapValue(expression);
    if (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) {
      return { value: value.getLiteralValue(), node: value };
    }
    this.reportNotLiteral(value, what, "a string literal");
    return undefined;
  }

  private readStrings(expression: Node, what: string): StringValue[] | undefined {
    const value = unwrapValue(expression);
    if (!Node.isArrayLiteralExpression(value)) {
      this.reportNotLiteral(value, what, "an array of string literals");
      return undefined;
    }
    const items: StringValue[] = [];
    value.getElements().forEach((element, index) => {
      if (Node.isSpreadElement(element) || Node.isOmittedExpression(element)) {
        const spread = Node.isSpreadElement(element);
        const anchor = spread ? element : value;
        const message = `element ${index} of ${what} ${spread ? "is a spread" : "is empty"}`;
        this.report.error(anchor, "KILN_NON_LITERAL", message, "Write each element inline as a string literal.");
        return;
      }
      const item = this.readString(element, `element ${index} of ${what}`);
      if (item) items.push(item);
    });
    return items;
  }

  /** A number literal, possibly signed (`-1` is a prefix expression, yet still a literal to the author). */
  private readNumber(expression: Node, what: string): NumberValue | undefined {
    const value = unwrapValue(expression);
    const literal = signedNumericLiteral(value);
    if (literal !== undefined) return { value: literal, node: value };
    // "2" is the likely slip: say how to write it as a number.
    const text =
      Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value) ? value.getLiteralValue() : "";
    const fix =
      text.trim() !== "" && Number.isFinite(Number(text)) ? `Write ${text.trim()} without quotes.` : undefined;
    this.reportNotLiteral(value, what, "a number literal", fix);
    return undefined;
  }

  /** A literal of the wrong kind is a type problem; anything else is code the build cannot run. */
  private reportNotLiteral(node: Node, what: string, expected: string, typeFix?: string): void {
    if (isLiteralOfOtherKind(node)) {
      const message = `${what} must be ${expected}, not ${describeExpression(node)}`;
      this.report.error(node, "KILN_INVALID_TYPE", message, typeFix);
      return;
    }
    this.report.error(
      node,
      "KILN_NON_LITERAL",
      `${what} must be ${expected}, not ${describeExpression(node)}: decorators are read without running the code`,
      `Write the value inline as ${expected}.`,
    );
  }
}
