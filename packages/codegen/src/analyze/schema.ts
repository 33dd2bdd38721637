/**
 * The JSON Schemas (draft 2020-12) of each job's input, result and checkpoint state, written from
 * the author's TypeScript types with the type checker of the analysis' own program. It covers
 * JSON's data model and nothing more: primitives, literals, unions, objects (interfaces, type
 * literals, intersections, mapped types such as `Record` and `Partial`), arrays, tuples and enums.
 * Named types go into the document's `$defs`, which is also how recursive types are written.
 *
 * A type JSON cannot carry (a function, `Date`, `Map`, `Set`, `bigint`, a class with methods, …)
 * is a `KILN_TYPE_NOT_JSON` diagnostic at the property that holds it, with the path from the job's
 * value (`input.when`, `output.items[].at`) and a fix for that kind; every such problem is reported
 * in one pass, once per declaration. JSDoc on properties and named types becomes `description`,
 * and its schema tags (`@minimum`, `@pattern`, `@format`, …) keywords; a tag whose value does not
 * fit is a `KILN_SCHEMA_TAG_INVALID` diagnostic at the tag.
 *
 * Every schema written is checked with `jobSchemaIssues` of `@kiln/contracts`, as the host will.
 *
 * @module
 */
import {
  closestMatch,
  JOB_SCHEMA_LIMITS,
  type JsonSchema,
  jobSchemaIssues,
  jobSchemaProblems,
  patternProblem,
} from "@kiln/contracts";
import { type MethodDeclaration, type Project, ts } from "ts-morph";
import type { Reporter } from "./reporter.js";

/** How {@link SchemaWriter} judges the author's types. */
export interface SchemaWriterOptions {
  /** Refuse `any` (`KILN_TYPE_NOT_JSON`) instead of writing `{}`, which accepts any JSON value. */
  readonly strict: boolean;
  /** True for the author's own files, by compiler file name: diagnostics point into them only. */
  readonly isLocal: (fileName: string) => boolean;
  /**
   * True for declaration files of the environment besides TypeScript's lib, such as the sandbox's
   * globals of `@kiln/sdk` (which add to `Error`, say): their types count as built-in ones.
   */
  readonly isEnvironment?: (file: ts.SourceFile) => boolean;
}

/** The three schemas of one job, as {@link JobModel} carries them. */
export interface JobSchemas {
  readonly input: JsonSchema;
  readonly output: JsonSchema;
  readonly state: JsonSchema;
}

/**
 * The formats a `@format` tag may name: those ajv-formats knows, so a host that validates formats
 * understands every one codegen writes.
 */
export const JSON_SCHEMA_FORMATS = [
  "date",
  "time",
  "date-time",
  "duration",
  "uri",
  "uri-reference",
  "uri-template",
  "url",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "regex",
  "uuid",
  "json-pointer",
  "relative-json-pointer",
  "byte",
  "int32",
  "int64",
  "float",
  "double",
  "password",
  "binary",
] as const;

/** A schema being written; frozen into a {@link JsonSchema} when done. */
type Schema = { [keyword: string]: unknown };

/** Where a value sits: its path from the job's value, and the author's node a diagnostic points at. */
interface Place {
  /** `input`, `input.when`, `output.items[].at`, `state.cache[key]`. */
  readonly path: string;
  /** The nearest declaration in the author's files on the way here (else the job's type node). */
  readonly anchor: ts.Node;
}

/** What to make of `undefined` in a value: a property or entry left out, or `null` (in arrays). */
type UndefinedAs = "absent" | "null";

/** A value's schema, and whether `undefined` was part of its type. */
interface ValueSchema {
  readonly schema: Schema;
  /** The type included `undefined` (or `void`): the property is not required. */
  readonly optional: boolean;
  /** The type was nothing but `undefined` or `void`. */
  readonly onlyUndefined: boolean;
}

/** The kinds of types JSON cannot carry, each with its own fix. */
type NotJsonKind =
  | "function"
  | "date"
  | "map"
  | "set"
  | "weak"
  | "bigint"
  | "symbol"
  | "class"
  | "undefined"
  | "any"
  | "binary"
  | "promise"
  | "regexp"
  | "error";

const NOT_JSON_FIX: Record<NotJsonKind, string> = {
  function: "Remove it: functions cannot cross the wall. Pass data, and keep the behaviour in the extension.",
  date: "Use a string with @format date-time, filled with new Date().toISOString().",
  map: "Use Record<string, T> (a plain object), or an array of [key, value] pairs.",
  set: "Use T[] (an array).",
  weak: "Remove it: a weak collection or reference holds nothing JSON can carry.",
  bigint: "Use number, or a decimal string (String(value)).",
  symbol: "Use a string.",
  class: "Use a plain interface with the data (interface AccountData { … }), and keep the methods in the extension.",
  undefined: "Make the property optional (name?: T), or use null.",
  any: "Give it the type of the data it holds, or unknown to accept any JSON value.",
  binary: "Use number[], or a base64 string with @format byte.",
  promise: "Await it, and put the value it resolves to in the data.",
  regexp: "Use a string with @format regex, and build the RegExp where it is used.",
  error: "Use a plain object with the fields to keep, such as { name: string; message: string }.",
};

/** The standard library's types JSON cannot carry, by name. */
const LIB_NOT_JSON: ReadonlyMap<string, NotJsonKind> = new Map(
  Object.entries({
    Date: "date",
    Map: "map",
    ReadonlyMap: "map",
    Set: "set",
    ReadonlySet: "set",
    WeakMap: "weak",
    WeakSet: "weak",
    WeakRef: "weak",
    Promise: "promise",
    PromiseLike: "promise",
    RegExp: "regexp",
    Function: "function",
    CallableFunction: "function",
    NewableFunction: "function",
    ArrayBuffer: "binary",
    SharedArrayBuffer: "binary",
    DataView: "binary",
    Int8Array: "binary",
    Uint8Array: "binary",
    Uint8ClampedArray: "binary",
    Int16Array: "binary",
    Uint16Array: "binary",
    Int32Array: "binary",
    Uint32Array: "binary",
    Float32Array: "binary",
    Float64Array: "binary",
    BigInt64Array: "binary",
    BigUint64Array: "binary",
  } satisfies Record<string, NotJsonKind>),
);

/** What a JSDoc schema tag applies to: values of one JSON type, or any. */
type TagTarget = "number" | "string" | "array" | "any";

/** A tag's value read: the keywords it sets, or why it cannot be read. */
type TagValue = { readonly keywords: Schema } | { readonly problem: string; readonly fix: string };

interface TagSpec {
  readonly target: TagTarget;
  readonly read: (text: string, tag: string) => TagValue;
}

const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

function numberTag(keyword: string, positive = false): TagSpec {
  return {
    target: "number",
    read: (text, tag) => {
      const value = Number(text);
      if (!NUMBER_TEXT.test(text) || !Number.isFinite(value) || (positive && value <= 0)) {
        const what = positive ? "a number above 0" : "a number";
        return {
          problem: `@${tag} needs ${what}, not ${describeTagText(text)}`,
          fix: `Write ${what}: @${tag} ${positive ? 1 : 0}.`,
        };
      }
      return { keywords: { [keyword]: value } };
    },
  };
}

function countTag(keyword: string, target: TagTarget): TagSpec {
  return {
    target,
    read: (text, tag) => {
      const value = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
        return {
          problem: `@${tag} needs a whole number of 0 or more, not ${describeTagText(text)}`,
          fix: `Write a whole number: @${tag} 1.`,
        };
      }
      return { keywords: { [keyword]: value } };
    },
  };
}

function flagTag(keyword: string, target: TagTarget): TagSpec {
  return {
    target,
    read: (text, tag) => {
      if (text === "" || text === "true") return { keywords: { [keyword]: true } };
      if (text === "false") return { keywords: { [keyword]: false } };
      return {
        problem: `@${tag} takes no value, or true or false, not ${describeTagText(text)}`,
        fix: `Write @${tag}.`,
      };
    },
  };
}

function jsonTag(keyword: "default" | "examples"): TagSpec {
  return {
    target: "any",
    read: (text, tag) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return {
          problem: `@${tag} needs a JSON value, not ${describeTagText(text)}`,
          fix: `Write the value as JSON: @${tag} "text", @${tag} 0, @${tag} {"key": [1, 2]}.`,
        };
      }
      if (keyword === "examples") return { keywords: { examples: Array.isArray(value) ? value : [value] } };
      return { keywords: { default: value } };
    },
  };
}

/**
 * The JSDoc tags that become schema keywords, by name. Number tags take a number, count tags a
 * whole number, `@pattern` a linear-time regular expression, `@format` a name of
 * {@link JSON_SCHEMA_FORMATS}; `@default` takes a JSON value, `@examples` a JSON array of examples
 * (any other JSON value is one example); `@integer`, `@uniqueItems` and `@deprecated` are flags.
 */
const TAGS: ReadonlyMap<string, TagSpec> = new Map(
  Object.entries({
    minimum: numberTag("minimum"),
    maximum: numberTag("maximum"),
    exclusiveMinimum: numberTag("exclusiveMinimum"),
    exclusiveMaximum: numberTag("exclusiveMaximum"),
    multipleOf: numberTag("multipleOf", true),
    integer: {
      target: "number",
      read: (text, tag) =>
        text === "" || text === "true"
          ? { keywords: {} }
          : { problem: `@${tag} takes no value, not ${describeTagText(text)}`, fix: "Write @integer." },
    },
    minLength: countTag("minLength", "string"),
    maxLength: countTag("maxLength", "string"),
    pattern: {
      target: "string",
      read: (text) => {
        const problem = text === "" ? "@pattern needs a regular expression" : patternProblem(text);
        if (problem === undefined) return { keywords: { pattern: text } };
        return {
          problem: text === "" ? problem : `@pattern ${text}: ${problem}`,
          fix: "Write a regular expression that runs in linear time (no repeated group that repeats inside, no back-reference): @pattern ^[a-z0-9-]+$.",
        };
      },
    },
    format: {
      target: "string",
      read: (text) => {
        if ((JSON_SCHEMA_FORMATS as readonly string[]).includes(text)) return { keywords: { format: text } };
        const closest = closestMatch(text, JSON_SCHEMA_FORMATS);
        return {
          problem: text === "" ? "@format needs a format name" : `unknown @format ${JSON.stringify(text)}`,
          fix: closest
            ? `Did you mean "${closest}"?`
            : `Use one of: ${JSON_SCHEMA_FORMATS.join(", ")}; or @pattern for a format of your own.`,
        };
      },
    },
    minItems: countTag("minItems", "array"),
    maxItems: countTag("maxItems", "array"),
    uniqueItems: flagTag("uniqueItems", "array"),
    default: jsonTag("default"),
    examples: jsonTag("examples"),
    deprecated: { target: "any", read: () => ({ keywords: { deprecated: true } }) },
  } satisfies Record<string, TagSpec>),
);

const TAG_NAMES_BY_LOWER_CASE = new Map([...TAGS.keys()].map((name) => [name.toLowerCase(), name]));

const TARGET_WORDS: Record<Exclude<TagTarget, "any">, string> = {
  number: "numbers",
  string: "strings",
  array: "arrays",
};

/** Properties whose keys are canonical numbers, for a type with only a `number` index signature. */
const NUMERIC_KEY_PATTERN = "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$";

/** Types nested deeper than this on one path are a type that keeps instantiating itself. */
const MAX_TYPE_NESTING = 64;

/** Thrown to start a document again when an anonymous type turns out to be recursive. */
class Restart {
  constructor(readonly type: ts.Type) {}
}

/** One schema document being written: its `$defs` and the names they have. */
interface SchemaDocument {
  readonly names: Map<ts.Type, string>;
  readonly defs: Map<string, Schema>;
  /** The types being written, outermost first. */
  readonly stack: ts.Type[];
  /** Anonymous types that recurse: they get a `$defs` entry of their own. */
  readonly forced: ReadonlySet<ts.Type>;
}

/**
 * Writes the schemas of job methods. One per analysis: it remembers what it reported, so that a
 * type used by several jobs has each of its problems reported once.
 */
export class SchemaWriter {
  private readonly reported = new Set<string>();
  private project!: Project;
  private program!: ts.Program;
  private checker!: ts.TypeChecker;
  private doc!: SchemaDocument;

  constructor(
    private readonly report: Reporter,
    private readonly options: SchemaWriterOptions,
  ) {}

  /**
   * The schemas of a job method: `input` from the `input` property of its first parameter's type
   * (`JobContext<Input>`), `output` from its return type with `Promise` unwrapped, `state` from
   * its second parameter's type. A missing parameter or an `unknown` type gives `{}`.
   */
  jobSchemas(method: MethodDeclaration): JobSchemas {
    this.project = method.getProject();
    this.program = this.project.getProgram().compilerObject;
    this.checker = this.program.getTypeChecker();
    const node = method.compilerNode;
    const [context, state] = node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"));
    return {
      input: context ? this.inputSchema(context) : {},
      output: this.outputSchema(node),
      state: state ? this.stateSchema(state) : {},
    };
  }

  private inputSchema(parameter: ts.ParameterDeclaration): JsonSchema {
    const typeNode = parameter.type;
    const argument = typeNode && ts.isTypeReferenceNode(typeNode) ? typeNode.typeArguments?.[0] : undefined;
    const anchor = argument ?? typeNode ?? parameter.name;
    const context = this.checker.getNonNullableType(this.checker.getTypeAtLocation(parameter));
    if (context.flags & ts.TypeFlags.Any) {
      // `JobContext<T>` when `@kiln/sdk` does not resolve (the analysis still knows its decorators
      // by their import): the input is the type argument.
      const unresolved = (context as { intrinsicName?: string }).intrinsicName === "error";
      const type = unresolved && argument ? this.checker.getTypeFromTypeNode(argument) : context;
      return this.document({ path: "input", anchor }, type, "absent");
    }
    const input = this.checker.getPropertyOfType(context, "input");
    if (input === undefined) return {};
    return this.document({ path: "input", anchor }, this.checker.getTypeOfSymbol(input), "absent");
  }

  private outputSchema(method: ts.MethodDeclaration): JsonSchema {
    const signature = this.checker.getSignatureFromDeclaration(method);
    if (signature === undefined) return {};
    const returned = this.checker.getReturnTypeOfSignature(signature);
    const awaited = this.checker.getAwaitedType(returned) ?? returned;
    return this.document({ path: "output", anchor: method.type ?? method.name }, awaited, "null");
  }

  private stateSchema(parameter: ts.ParameterDeclaration): JsonSchema {
    const anchor = parameter.type ?? parameter.name;
    return this.document({ path: "state", anchor }, this.checker.getTypeAtLocation(parameter), "absent");
  }

  /** One schema document for `type`, with the `$defs` it uses, checked as the host will. */
  private document(place: Place, type: ts.Type, undefinedAs: UndefinedAs): JsonSchema {
    const forced = new Set<ts.Type>();
    for (;;) {
      this.doc = { names: new Map(), defs: new Map(), stack: [], forced };
      try {
        const { schema } = this.value(type, place, undefinedAs);
        return this.finish(schema, place);
      } catch (error) {
        if (!(error instanceof Restart) || forced.has(error.type)) throw error;
        forced.add(error.type);
      }
    }
  }

  private finish(root: Schema, place: Place): JsonSchema {
    const defs = [...this.doc.defs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const schema: Schema = defs.length ? { ...root, $defs: Object.fromEntries(defs) } : root;
    const issues = jobSchemaIssues(schema);
    if (issues.length === 0) return schema;
    if (issues.every((issue) => issue.kind === "size")) {
      this.once(`size:${place.path}:${nodeKey(place.anchor)}`, () =>
        this.reportAt(
          place.anchor,
          "KILN_TYPE_NOT_JSON",
          `the schema of ${place.path} is too large for a job schema: ${[...new Set(issues.map((issue) => issue.message))].join("; ")}`,
          `Give nested object types names (interface …) so that the schema refers to them, and keep it under ${JOB_SCHEMA_LIMITS.nodes} schemas.`,
        ),
      );
      return {};
    }
    throw new Error(
      `internal error: codegen wrote a ${place.path} schema that fails its check: ${jobSchemaProblems(schema).join("; ")}`,
    );
  }

  /**
   * The schema of a value of `type` where `undefined` means "left out" (properties, entries, the
   * job's input and state) or `null` (array elements, the job's result).
   */
  private value(type: ts.Type, place: Place, undefinedAs: UndefinedAs): ValueSchema {
    const members = type.flags & ts.TypeFlags.Union ? this.unionMembers(type) : [type];
    const defined = members.filter((m) => !isUndefined(m));
    if (defined.length === members.length) {
      return { schema: this.convert(type, place), optional: false, onlyUndefined: false };
    }
    if (defined.length === 0) {
      return { schema: undefinedAs === "null" ? { type: "null" } : {}, optional: true, onlyUndefined: true };
    }
    const schemas = defined.flatMap((m) => this.memberSchemas(m, place));
    if (undefinedAs === "null") schemas.push({ type: "null" });
    return { schema: mergeUnion(schemas), optional: true, onlyUndefined: false };
  }

  /** The schema of `type`; reports what JSON cannot carry at `place`. */
  private convert(type: ts.Type, place: Place): Schema {
    const flags = type.flags;
    if (flags & ts.TypeFlags.Any) return this.anyType(type, place);
    if (flags & ts.TypeFlags.Unknown) return {};
    if (flags & ts.TypeFlags.Never) return { not: {} };
    if (flags & ts.TypeFlags.Null) return { type: "null" };
    if (flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return this.notJson(place, type, "undefined");
    if (flags & ts.TypeFlags.Boolean) return { type: "boolean" };
    if (flags & ts.TypeFlags.EnumLiteral && flags & ts.TypeFlags.Union) return this.enumType(type, place);
    const literal = literalValue(type);
    if (literal !== undefined) return literalSchema([literal]);
    if (flags & ts.TypeFlags.String) return { type: "string" };
    if (flags & (ts.TypeFlags.Number | ts.TypeFlags.Enum)) return { type: "number" };
    if (flags & ts.TypeFlags.TemplateLiteral) return templateSchema(type as ts.TemplateLiteralType);
    if (flags & ts.TypeFlags.StringMapping) return { type: "string" };
    if (flags & ts.TypeFlags.BigIntLike) return this.notJson(place, type, "bigint");
    if (flags & ts.TypeFlags.ESSymbolLike) return this.notJson(place, type, "symbol");
    if (flags & ts.TypeFlags.NonPrimitive) return { type: "object" };
    if (flags & ts.TypeFlags.Union) return this.structured(type, place, () => this.unionBody(type, place));
    if (flags & ts.TypeFlags.Intersection) {
      const primitives = (type as ts.IntersectionType).types.filter((t) => isPrimitive(t));
      // A branded primitive (`string & { __brand: "Id" }`) is the primitive; the brand is types only.
      if (primitives.length === 1 && primitives[0] !== undefined) return this.convert(primitives[0], place);
      return this.object(type, place);
    }
    if (flags & ts.TypeFlags.Object) return this.object(type, place);
    const constraint = this.checker.getBaseConstraintOfType(type);
    return constraint && constraint !== type ? this.convert(constraint, place) : {};
  }

  private anyType(type: ts.Type, place: Place): Schema {
    if (this.options.strict) this.notJson(place, type, "any");
    return {};
  }

  private enumType(type: ts.Type, place: Place): Schema {
    return this.structured(type, place, () => {
      const values = (type as ts.UnionType).types.map(literalValue).filter((v) => v !== undefined);
      return literalSchema(values);
    });
  }

  private unionBody(type: ts.Type, place: Place): Schema {
    return mergeUnion(this.unionMembers(type).flatMap((member) => this.memberSchemas(member, place)));
  }

  /**
   * The schemas a union member contributes: an anonymous union's own members (flattened), nothing
   * for `undefined` (a value left out), else the member's schema.
   */
  private memberSchemas(member: ts.Type, place: Place): Schema[] {
    if (isUndefined(member)) return [];
    const anonymousUnion =
      member.flags & ts.TypeFlags.Union &&
      !(member.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.EnumLiteral)) &&
      this.defName(member) === undefined &&
      !this.doc.forced.has(member);
    if (!anonymousUnion) return [this.convert(member, place)];
    return this.unionMembers(member).flatMap((m) => this.memberSchemas(m, place));
  }

  /**
   * A union's members as written where the compiler kept that (`Shape | null` stays `Shape`,
   * `null` rather than `Circle`, `Square`, `null`), so named unions keep their `$defs` entry.
   */
  private unionMembers(type: ts.Type): readonly ts.Type[] {
    // `origin` is the compiler's record of the union before flattening (internal, read-only).
    const origin = (type as { origin?: ts.Type }).origin;
    const members = origin && origin.flags & ts.TypeFlags.Union ? origin : type;
    return (members as ts.UnionType).types;
  }

  /** Object types and intersections: functions, the standard library's non-JSON types, arrays, tuples, objects. */
  private object(type: ts.Type, place: Place): Schema {
    if (
      this.checker.getSignaturesOfType(type, ts.SignatureKind.Call).length ||
      this.checker.getSignaturesOfType(type, ts.SignatureKind.Construct).length
    ) {
      return this.notJson(place, type, "function");
    }
    const lib = this.libKind(type);
    if (lib) return this.notJson(place, type, lib);
    if (this.checker.isArrayType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
      const items = element ? this.value(element, { ...place, path: `${place.path}[]` }, "null").schema : {};
      return { type: "array", items };
    }
    if (this.checker.isTupleType(type)) return this.structured(type, place, () => this.tuple(type, place));
    const then = this.checker.getPropertyOfType(type, "then");
    if (then && this.checker.getSignaturesOfType(this.checker.getTypeOfSymbol(then), ts.SignatureKind.Call).length) {
      return this.notJson(place, type, "promise");
    }
    if (this.isClassWithMethods(type)) return this.notJson(place, type, "class");
    return this.structured(type, place, () => this.objectBody(type, place));
  }

  private libKind(type: ts.Type): NotJsonKind | undefined {
    const symbol = type.symbol as ts.Symbol | undefined;
    if (symbol === undefined || !this.isLibSymbol(symbol)) return undefined;
    return LIB_NOT_JSON.get(symbol.name) ?? (/Error$/.test(symbol.name) ? "error" : undefined);
  }

  private isClassWithMethods(type: ts.Type): boolean {
    const symbol = type.symbol as ts.Symbol | undefined;
    if (symbol === undefined || !(symbol.flags & ts.SymbolFlags.Class)) return false;
    return this.checker
      .getPropertiesOfType(type)
      .some((p) => p.flags & (ts.SymbolFlags.Method | ts.SymbolFlags.Accessor) && !isSymbolKeyed(p));
  }

  private tuple(type: ts.Type, place: Place): Schema {
    const target = (type as ts.TupleTypeReference).target;
    const elements = this.checker.getTypeArguments(type as ts.TypeReference).slice(0, target.elementFlags.length);
    const prefixItems: Schema[] = [];
    const trailing: Schema[] = [];
    let rest: Schema | undefined;
    let minItems = 0;
    target.elementFlags.forEach((flag, i) => {
      const element = elements[i];
      const at = { ...place, path: `${place.path}[${i}]` };
      if (flag & ts.ElementFlags.Variable) {
        // `...T[]` holds the element type; a variadic `...T` is left generic: any element.
        const schema = element && flag & ts.ElementFlags.Rest ? this.value(element, at, "null").schema : {};
        rest = rest === undefined ? schema : mergeUnion([rest, schema]);
        return;
      }
      const schema = element ? this.value(element, at, flag & ts.ElementFlags.Optional ? "absent" : "null").schema : {};
      if (flag & ts.ElementFlags.Required) minItems++;
      (rest === undefined ? prefixItems : trailing).push(schema);
    });
    const items: Schema = { type: "array" };
    if (prefixItems.length) items.prefixItems = prefixItems;
    if (rest !== undefined) {
      // Elements after a rest element (`[...string[], number]`) cannot be placed: any of them, anywhere.
      items.items = trailing.length ? mergeUnion([rest, ...trailing]) : rest;
      if (minItems) items.minItems = minItems;
      return items;
    }
    if (prefixItems.length === 0) return { type: "array", maxItems: 0 };
    items.items = false;
    if (minItems) items.minItems = minItems;
    items.maxItems = prefixItems.length;
    return items;
  }

  private objectBody(type: ts.Type, place: Place): Schema {
    const properties: [string, Schema][] = [];
    const required: string[] = [];
    for (const property of this.checker.getPropertiesOfType(type)) {
      if (isSymbolKeyed(property) || property.flags & ts.SymbolFlags.Prototype) continue;
      const name = property.name;
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      const at: Place = {
        path: memberPath(place.path, name),
        anchor: declaration && this.isLocalNode(declaration) ? declaration : place.anchor,
      };
      const propertyType = this.checker.getTypeOfSymbol(property);
      const value = this.value(propertyType, at, "absent");
      let schema = value.schema;
      if (value.onlyUndefined) schema = this.notJson(at, propertyType, "undefined");
      schema = this.annotate(schema, at, this.docSources(declaration, schema));
      if (isReadonly(property)) schema = { ...schema, readOnly: true };
      properties.push([name, schema]);
      // `unknown` and `any` include undefined: such a property may be left out too.
      const mayBeUndefined = value.optional || propertyType.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any);
      if (!(property.flags & ts.SymbolFlags.Optional) && !mayBeUndefined) required.push(name);
    }
    const schema: Schema = { type: "object" };
    if (properties.length) schema.properties = Object.fromEntries(properties);
    if (required.length) schema.required = required;
    Object.assign(schema, this.indexSchema(type, place));
    return schema;
  }

  /** `additionalProperties` from a string index signature, numeric keys from a number one; else none. */
  private indexSchema(type: ts.Type, place: Place): Schema {
    const infos = this.checker.getIndexInfosOfType(type);
    const byString = infos.find((i) => i.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral));
    const byNumber = infos.find((i) => i.keyType.flags & ts.TypeFlags.Number);
    const info = byString ?? byNumber;
    if (info === undefined) return { additionalProperties: false };
    const declaration = info.declaration;
    const at: Place = {
      path: `${place.path}[key]`,
      anchor: declaration && this.isLocalNode(declaration) ? declaration : place.anchor,
    };
    const value = this.value(info.type, at, "absent");
    const schema = value.onlyUndefined ? this.notJson(at, info.type, "undefined") : value.schema;
    if (byString) return { additionalProperties: schema };
    return { patternProperties: { [NUMERIC_KEY_PATTERN]: schema }, additionalProperties: false };
  }

  /**
   * A named type (interface, class, enum, type alias of a structured type, or an anonymous type
   * that recurses) as a `$ref` into the document's `$defs`; any other type written in place.
   */
  private structured(type: ts.Type, place: Place, body: () => Schema): Schema {
    const base = this.defName(type) ?? (this.doc.forced.has(type) ? "Anonymous" : undefined);
    if (base === undefined) {
      if (this.doc.stack.includes(type)) throw new Restart(type);
      return this.nested(type, place, body);
    }
    let name = this.doc.names.get(type);
    if (name === undefined) {
      name = this.uniqueName(base);
      this.doc.names.set(type, name);
      this.doc.defs.set(name, {});
      const symbol = type.aliasSymbol ?? type.symbol;
      const defined = this.nested(type, place, body);
      this.doc.defs.set(name, this.annotate(defined, place, symbol?.declarations ?? []));
    }
    return { $ref: `#/$defs/${name}` };
  }

  private nested(type: ts.Type, place: Place, body: () => Schema): Schema {
    if (this.doc.stack.length >= MAX_TYPE_NESTING) {
      this.once(`nesting:${nodeKey(place.anchor)}`, () =>
        this.reportAt(
          place.anchor,
          "KILN_TYPE_NOT_JSON",
          `${place.path} nests types more than ${MAX_TYPE_NESTING} deep (a generic type that keeps instantiating itself?)`,
          "Write the type without the endless instantiation, or as a named recursive interface.",
        ),
      );
      return {};
    }
    this.doc.stack.push(type);
    try {
      return body();
    } finally {
      this.doc.stack.pop();
    }
  }

  /** The `$defs` name of a named type, before collisions are resolved; undefined to write it in place. */
  private defName(type: ts.Type): string | undefined {
    const alias = type.aliasSymbol;
    if (alias && !this.isLibSymbol(alias) && !isPrimitiveLike(type)) {
      return sanitizeName([alias.name, ...(type.aliasTypeArguments ?? []).map((t) => this.typeName(t))].join("_"));
    }
    const symbol = type.symbol as ts.Symbol | undefined;
    if (symbol === undefined || this.isLibSymbol(symbol)) return undefined;
    const isEnum = symbol.flags & ts.SymbolFlags.Enum && type.flags & ts.TypeFlags.Union;
    const isNamedObject =
      symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class) && type.flags & ts.TypeFlags.Object;
    if (!isEnum && !isNamedObject) return undefined;
    return sanitizeName([symbol.name, ...this.typeArguments(type).map((t) => this.typeName(t))].join("_"));
  }

  /** The type arguments of a generic interface or class reference (`Page<string>`: `string`). */
  private typeArguments(type: ts.Type): readonly ts.Type[] {
    if (!(type.flags & ts.TypeFlags.Object) || !((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference)) {
      return [];
    }
    const reference = type as ts.TypeReference;
    const count = (reference.target as ts.InterfaceType).typeParameters?.length ?? 0;
    return this.checker.getTypeArguments(reference).slice(0, count);
  }

  /** A readable name for a type argument: `string`, `Item`, `Array_string`, `Page_Item`. */
  private typeName(type: ts.Type): string {
    if (type.aliasSymbol) {
      return [type.aliasSymbol.name, ...(type.aliasTypeArguments ?? []).map((t) => this.typeName(t))].join("_");
    }
    const literal = literalValue(type);
    if (literal !== undefined) return String(literal);
    if (this.checker.isArrayType(type)) {
      return ["Array", ...this.checker.getTypeArguments(type as ts.TypeReference).map((t) => this.typeName(t))].join(
        "_",
      );
    }
    const symbol = type.symbol as ts.Symbol | undefined;
    if (symbol && symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.Enum)) {
      return [symbol.name, ...this.typeArguments(type).map((t) => this.typeName(t))].join("_");
    }
    return this.checker.typeToString(type);
  }

  private uniqueName(base: string): string {
    if (!this.doc.defs.has(base)) return base;
    for (let n = 2; ; n++) if (!this.doc.defs.has(`${base}_${n}`)) return `${base}_${n}`;
  }

  /**
   * The declarations whose JSDoc describes a property: the type alias it is written with when that
   * alias is written in place (`port: Port`, `type Port = number` with `@integer`), then its own.
   */
  private docSources(declaration: ts.Declaration | undefined, schema: Schema): ts.Node[] {
    if (declaration === undefined) return [];
    const typeNode = (declaration as { type?: ts.TypeNode }).type;
    if (schema.$ref !== undefined || typeNode === undefined || !ts.isTypeReferenceNode(typeNode)) return [declaration];
    let symbol = this.checker.getSymbolAtLocation(typeNode.typeName);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const alias = symbol && symbol.flags & ts.SymbolFlags.TypeAlias ? symbol.declarations?.[0] : undefined;
    return alias && !this.isLib(alias.getSourceFile()) ? [alias, declaration] : [declaration];
  }

  /** Adds the JSDoc of `sources` (later ones win): the comment as `description`, schema tags as keywords. */
  private annotate(schema: Schema, place: Place, sources: readonly ts.Node[]): Schema {
    let description: string | undefined;
    let result = schema;
    for (const source of sources) {
      for (const doc of ts.getJSDocCommentsAndTags(source)) {
        if (!ts.isJSDoc(doc)) continue;
        const text = ts.getTextOfJSDocComment(doc.comment)?.trim();
        if (text) description = text;
        for (const tag of doc.tags ?? []) result = this.applyTag(result, tag, place);
      }
    }
    return description === undefined ? result : { description, ...result };
  }

  private applyTag(schema: Schema, tag: ts.JSDocTag, place: Place): Schema {
    const name = tag.tagName.text;
    const spec = TAGS.get(name);
    const text = ts.getTextOfJSDocComment(tag.comment)?.trim() ?? "";
    if (spec === undefined) {
      const meant = TAG_NAMES_BY_LOWER_CASE.get(name.toLowerCase());
      if (meant !== undefined) this.tagProblem(tag, `unknown tag @${name}`, `Did you mean @${meant}?`);
      return schema;
    }
    const read = spec.read(text, name);
    if ("problem" in read) {
      this.tagProblem(tag, read.problem, read.fix);
      return schema;
    }
    const applied = constrain(schema, spec.target, (s) =>
      name === "integer" ? { ...s, type: integerType(s.type) } : { ...s, ...read.keywords },
    );
    if (applied !== undefined) return applied;
    const target = TARGET_WORDS[spec.target as Exclude<TagTarget, "any">];
    this.tagProblem(
      tag,
      `@${name} applies to ${target}, but ${place.path} is ${describeSchema(schema)}`,
      `Remove @${name}, or move it to a property that holds ${target}.`,
    );
    return schema;
  }

  private tagProblem(tag: ts.JSDocTag, message: string, fix: string): void {
    const file = tag.getSourceFile();
    if (!this.options.isLocal(file.fileName)) return;
    const start = tag.getStart(file);
    const end = start + file.text.slice(start, tag.end).replace(/[\s*/]+$/, "").length;
    this.once(`tag:${file.fileName}:${start}`, () => {
      const sourceFile = this.project.getSourceFile(file.fileName);
      if (sourceFile) this.report.atSpan(sourceFile, start, end - start, "KILN_SCHEMA_TAG_INVALID", message, fix);
    });
  }

  /** Reports a type JSON cannot carry at `place` (once per declaration and type); `{}` stands in for it. */
  private notJson(place: Place, type: ts.Type, kind: NotJsonKind): Schema {
    const text = kind === "any" ? "any" : truncate(this.checker.typeToString(type));
    this.once(`json:${nodeKey(place.anchor)}:${kind}:${text}`, () => {
      const message =
        kind === "any"
          ? `${place.path} has type any, which strict mode refuses: it says nothing about the JSON it holds`
          : kind === "class"
            ? `${place.path} has type ${text}, an instance of a class with methods, which JSON cannot carry`
            : `${place.path} has type ${text}, which JSON cannot carry`;
      this.reportAt(place.anchor, "KILN_TYPE_NOT_JSON", message, NOT_JSON_FIX[kind]);
    });
    return {};
  }

  private reportAt(node: ts.Node, code: "KILN_TYPE_NOT_JSON", message: string, fix: string): void {
    const file = node.getSourceFile();
    const sourceFile = this.project.getSourceFile(file.fileName);
    if (sourceFile === undefined) return;
    const start = node.getStart(file);
    this.report.atSpan(sourceFile, start, node.getEnd() - start, code, message, fix);
  }

  private once(key: string, report: () => void): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    report();
  }

  private isLocalNode(node: ts.Node): boolean {
    return this.options.isLocal(node.getSourceFile().fileName);
  }

  private isLib(file: ts.SourceFile): boolean {
    return this.program.isSourceFileDefaultLibrary(file) || this.options.isEnvironment?.(file) === true;
  }

  private isLibSymbol(symbol: ts.Symbol): boolean {
    const declarations = symbol.declarations ?? [];
    return declarations.length > 0 && declarations.every((d) => this.isLib(d.getSourceFile()));
  }
}

function isUndefined(type: ts.Type): boolean {
  return (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0;
}

function isPrimitive(type: ts.Type): boolean {
  return (
    (type.flags &
      (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null)) !==
    0
  );
}

/**
 * True for a type that is written in place even when it has an alias: a union of primitives and
 * literals (`"a" | "b"`), a branded primitive, a primitive.
 */
function isPrimitiveLike(type: ts.Type): boolean {
  if (type.flags & ts.TypeFlags.Union) return (type as ts.UnionType).types.every((t) => isPrimitiveLike(t));
  if (type.flags & ts.TypeFlags.Intersection) return (type as ts.IntersectionType).types.some(isPrimitive);
  return isPrimitive(type) || isUndefined(type) || (type.flags & ts.TypeFlags.Object) === 0;
}

/** Properties keyed by a symbol (`[Symbol.iterator]`) or `#private`: JSON never sees them. */
function isSymbolKeyed(symbol: ts.Symbol): boolean {
  const name = symbol.escapedName as string;
  return name.startsWith("__@") || name.startsWith("__#");
}

/** The compiler's check flags of a symbol it made (internal): `Readonly` and `Mapped`. */
const CHECK_READONLY = 8;
const CHECK_MAPPED = 1 << 18;

function isReadonly(symbol: ts.Symbol): boolean {
  const links =
    symbol.flags & ts.SymbolFlags.Transient ? (symbol as { links?: { checkFlags?: number } }).links : undefined;
  const checkFlags = links?.checkFlags ?? 0;
  if (checkFlags & CHECK_READONLY) return true;
  // A mapped type's property is readonly as the mapping says (`Readonly<T>`, `-readonly`), whatever
  // the property it maps.
  if (checkFlags & CHECK_MAPPED) return false;
  return (symbol.declarations ?? []).some(
    (d) => (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Readonly) !== 0 || ts.isGetAccessor(d),
  );
}

type Literal = string | number | boolean | null;

function literalValue(type: ts.Type): Literal | undefined {
  if (type.flags & ts.TypeFlags.StringLiteral) return (type as ts.StringLiteralType).value;
  if (type.flags & ts.TypeFlags.NumberLiteral) return (type as ts.NumberLiteralType).value;
  if (type.flags & ts.TypeFlags.BooleanLiteral) return (type as { intrinsicName?: string }).intrinsicName === "true";
  return undefined;
}

function jsonType(value: Literal): string {
  return value === null ? "null" : typeof value;
}

/** `{ "const": v }` for one value, `{ "enum": [...] }` for several, with their JSON type(s). */
function literalSchema(values: readonly Literal[]): Schema {
  const types = sortTypes(new Set(values.map(jsonType)));
  const schema: Schema = {};
  if (types.length === 1) schema.type = types[0];
  else if (types.length > 1) schema.type = types;
  if (values.length === 1) schema.const = values[0];
  else schema.enum = [...values];
  return schema;
}

/** A schema that is only `type`, `const` and `enum`: such union members merge into one. */
function isSimple(schema: Schema): boolean {
  return Object.keys(schema).every((k) => k === "type" || k === "const" || k === "enum") && "type" in schema;
}

/** JSON Schema's type names in one order, so that a union's `type` list reads the same whatever the compiler's order. */
const TYPE_ORDER = ["string", "number", "integer", "boolean", "object", "array", "null"];

function sortTypes(types: Iterable<string>): string[] {
  return [...types].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
}

function typeList(type: unknown): string[] {
  return Array.isArray(type) ? (type as string[]) : typeof type === "string" ? [type] : [];
}

/**
 * The schema of a union of `schemas`: primitive types merge into `type: [...]`, literals into one
 * `enum`, `T | null` into `type: [T, "null"]` where T allows; the rest is `anyOf`.
 */
function mergeUnion(schemas: readonly Schema[]): Schema {
  const types = new Set<string>();
  const values: Literal[] = [];
  const complex: Schema[] = [];
  let merged = 0;
  for (const schema of schemas) {
    if (!isSimple(schema)) {
      if (!complex.some((c) => JSON.stringify(c) === JSON.stringify(schema))) complex.push(schema);
      continue;
    }
    merged++;
    if ("const" in schema) values.push(schema.const as Literal);
    else if ("enum" in schema) values.push(...(schema.enum as Literal[]));
    else for (const t of typeList(schema.type)) types.add(t);
  }
  // `boolean` is `true | false` to the compiler.
  if (values.includes(true) && values.includes(false)) types.add("boolean");
  if (merged === 0 && complex.length === 1 && complex[0]) return complex[0];
  const kept = [...new Set(values)].filter((v) => !types.has(jsonType(v)));
  // null alone among literals is one more literal: "a" | "b" | null is an enum.
  if (kept.length && types.size === 1 && types.has("null")) {
    kept.push(null);
    types.clear();
  }
  const simple: Schema[] = [];
  if (types.size) simple.push({ type: types.size === 1 ? [...types][0] : sortTypes(types) });
  if (kept.length) simple.push(literalSchema(kept));
  if (complex.length === 0) {
    if (simple.length === 0) return { not: {} };
    return simple.length === 1 && simple[0] ? simple[0] : { anyOf: simple };
  }
  const onlyNull = simple.length === 1 && types.size === 1 && types.has("null") && kept.length === 0;
  if (complex.length === 1 && complex[0] && onlyNull) return nullable(complex[0]);
  return { anyOf: [...complex, ...simple] };
}

/** `schema | null`: in `type` when it has one (and `enum`, when it lists values), else `anyOf`. */
function nullable(schema: Schema): Schema {
  const types = typeList(schema.type);
  if (types.length === 0 || "const" in schema || "anyOf" in schema || "$ref" in schema) {
    return { anyOf: [schema, { type: "null" }] };
  }
  const withNull: Schema = { ...schema, type: sortTypes(new Set([...types, "null"])) };
  if (Array.isArray(schema.enum)) withNull.enum = [...schema.enum, null];
  return withNull;
}

/** A template literal type as a string with a pattern: `id-${number}` is `^id-(…)$`. */
function templateSchema(type: ts.TemplateLiteralType): Schema {
  let pattern = `^${escapeRegExp(type.texts[0] ?? "")}`;
  type.types.forEach((part, i) => {
    if (part.flags & ts.TypeFlags.Number) pattern += "-?(0|[1-9][0-9]*)(\\.[0-9]+)?";
    else if (part.flags & ts.TypeFlags.BigInt) pattern += "-?(0|[1-9][0-9]*)";
    else pattern += ".*";
    pattern += escapeRegExp(type.texts[i + 1] ?? "");
  });
  pattern += "$";
  return patternProblem(pattern) === undefined ? { type: "string", pattern } : { type: "string" };
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/**
 * `schema` with `apply` done where it fits a value of `target`: on the schema when its `type`
 * allows one, else on the `anyOf` members that do; undefined when none does.
 */
function constrain(schema: Schema, target: TagTarget, apply: (s: Schema) => Schema): Schema | undefined {
  if (target === "any") return apply(schema);
  const types = typeList(schema.type);
  const fits = target === "number" ? types.includes("number") || types.includes("integer") : types.includes(target);
  if (fits) return apply(schema);
  if (!Array.isArray(schema.anyOf)) return undefined;
  let any = false;
  const anyOf = (schema.anyOf as Schema[]).map((member) => {
    const applied = constrain(member, target, apply);
    if (applied === undefined) return member;
    any = true;
    return applied;
  });
  return any ? { ...schema, anyOf } : undefined;
}

function integerType(type: unknown): unknown {
  return Array.isArray(type) ? type.map((t) => (t === "number" ? "integer" : t)) : type === "number" ? "integer" : type;
}

function describeSchema(schema: Schema): string {
  const types = typeList(schema.type);
  if (types.length)
    return types.map((t) => (t === "null" ? "null" : withArticle(t === "integer" ? "number" : t))).join(" or ");
  if (schema.$ref !== undefined) return withArticle(String(schema.$ref).replace("#/$defs/", ""));
  if (schema.anyOf !== undefined) return "a union";
  return "of any type";
}

function withArticle(noun: string): string {
  return `${/^[aeiouAEIOU]/.test(noun) ? "an" : "a"} ${noun}`;
}

function describeTagText(text: string): string {
  return text === "" ? "nothing" : JSON.stringify(text);
}

function memberPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function sanitizeName(name: string): string {
  const clean = name
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 100);
  return clean === "" ? "Type" : clean;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function nodeKey(node: ts.Node): string {
  return `${node.getSourceFile().fileName}:${node.pos}`;
}
