/**
 * The contract for the JSON Schemas a manifest carries for each job (its input, its result and its
 * checkpoint state): their dialect, and the rules that make one safe for a host to compile and run
 * on data it receives. Codegen writes these schemas from the author's TypeScript types and checks
 * its output with {@link jobSchemaProblems}; the host checks every loaded manifest's schemas with
 * the same function before it compiles them, because a manifest comes from an extension, which the
 * host does not trust.
 *
 * @module
 */

/**
 * A JSON Schema as a plain object. Kiln's own schemas (the manifest's, the built-in operations')
 * are draft-07; the schemas of a job (see {@link JOB_SCHEMA_DIALECT}) are draft 2020-12.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The JSON Schema dialect of every job schema in a manifest: draft 2020-12. */
export const JOB_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** The three schemas of a job, in the manifest and in codegen's model. */
export const JOB_SCHEMA_KINDS = ["input", "output", "state"] as const;

/** `input` (what it is dispatched with), `output` (its result), `state` (what it checkpoints). */
export type JobSchemaKind = (typeof JOB_SCHEMA_KINDS)[number];

/**
 * Bounds on a job schema, so that compiling it and checking a value against it stay cheap whatever
 * an extension's manifest says.
 */
export const JOB_SCHEMA_LIMITS = {
  /** Nesting of schemas inside a schema (`properties`, `items`, `anyOf`, `$defs`, …). */
  depth: 32,
  /** Characters in one `pattern` (or `patternProperties` key). */
  patternLength: 500,
  /** Schema objects in one schema, all levels together. */
  nodes: 5000,
} as const;

/** Keywords whose value is a schema. */
const SCHEMA_KEYWORDS = new Set([
  "items",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "contains",
  "not",
  "if",
  "then",
  "else",
]);
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY_KEYWORDS = new Set(["prefixItems", "anyOf", "oneOf", "allOf"]);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties", "$defs", "dependentSchemas"]);
/**
 * Keywords a job schema may not use: references outside the document (a host never fetches), `$data`
 * and dynamic references (whose targets are only known while validating), and `$id`, `$anchor`
 * and `$schema` inside (a job schema is one document in {@link JOB_SCHEMA_DIALECT}).
 */
const REFUSED_KEYWORDS = new Set([
  "$id",
  "$schema",
  "$anchor",
  "$dynamicRef",
  "$dynamicAnchor",
  "$recursiveRef",
  "$data",
]);

/** One problem of a job schema (see {@link jobSchemaIssues}). */
export interface JobSchemaIssue {
  /** JSON pointer of the offending schema or keyword within the job schema, `""` for the schema itself. */
  readonly path: string;
  /** What is wrong there: `$id is not allowed in a job schema`. */
  readonly message: string;
  /**
   * `size`: the schema nests too deep or holds too many schemas ({@link JOB_SCHEMA_LIMITS});
   * `unsafe`: any other problem (a refused keyword, an outside reference, a slow pattern, a
   * keyword whose value is not a schema).
   */
  readonly kind: "size" | "unsafe";
}

/**
 * Problems that make `schema` unsafe or unusable as a job schema; empty when it is fine. It checks
 * what a schema validator would not: the nesting depth and size (so compiling it is bounded),
 * every `$ref` staying inside the document (`#/$defs/…`), and each regular expression (`pattern`,
 * `patternProperties`) being one that runs in linear time: a quantified group that itself holds a
 * quantifier (`(a+)+`), or a back-reference, is refused, because checking a string against it can
 * take exponential time on the host's main thread. Whether the keywords themselves are valid JSON
 * Schema is the validator's job (the host compiles the schema, refusing unknown keywords).
 */
export function jobSchemaIssues(schema: unknown): JobSchemaIssue[] {
  const issues: JobSchemaIssue[] = [];
  const unsafe = (path: string, message: string) => issues.push({ path, message, kind: "unsafe" });
  let nodes = 0;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (typeof node === "boolean") return;
    if (typeof node !== "object" || node === null || Array.isArray(node)) {
      unsafe(path, "a schema must be an object or a boolean");
      return;
    }
    nodes++;
    if (depth > JOB_SCHEMA_LIMITS.depth) {
      issues.push({ path, message: `schemas nest deeper than ${JOB_SCHEMA_LIMITS.depth} levels`, kind: "size" });
      return;
    }
    if (nodes > JOB_SCHEMA_LIMITS.nodes) {
      if (nodes === JOB_SCHEMA_LIMITS.nodes + 1) {
        issues.push({ path, message: `more than ${JOB_SCHEMA_LIMITS.nodes} schemas`, kind: "size" });
      }
      return;
    }
    for (const [keyword, value] of Object.entries(node)) {
      const at = `${path}/${escapePointerToken(keyword)}`;
      if (REFUSED_KEYWORDS.has(keyword)) {
        unsafe(at, `${keyword} is not allowed in a job schema`);
      } else if (keyword === "$ref") {
        if (typeof value !== "string" || !/^#(\/\$defs\/[^/]+)?$/.test(value)) {
          unsafe(at, "a reference must point into the schema's own $defs (#/$defs/Name)");
        }
      } else if (keyword === "pattern") {
        const problem = typeof value === "string" ? patternProblem(value) : "must be a string";
        if (problem) unsafe(at, problem);
      } else if (SCHEMA_KEYWORDS.has(keyword)) {
        visit(value, at, depth + 1);
      } else if (SCHEMA_ARRAY_KEYWORDS.has(keyword)) {
        if (!Array.isArray(value)) unsafe(at, "must be an array of schemas");
        else for (const [i, item] of value.entries()) visit(item, `${at}/${i}`, depth + 1);
      } else if (SCHEMA_MAP_KEYWORDS.has(keyword)) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          unsafe(at, "must be an object of schemas");
          continue;
        }
        for (const [name, item] of Object.entries(value)) {
          const itemAt = `${at}/${escapePointerToken(name)}`;
          if (keyword === "patternProperties") {
            const problem = patternProblem(name);
            if (problem) unsafe(itemAt, problem);
          }
          visit(item, itemAt, depth + 1);
        }
      }
    }
  };
  visit(schema, "", 0);
  return issues;
}

/**
 * {@link jobSchemaIssues} as lines, `"<JSON pointer>: what"` (`/` for the schema itself); empty
 * when the schema is fine.
 */
export function jobSchemaProblems(schema: unknown): string[] {
  return jobSchemaIssues(schema).map((issue) => `${issue.path || "/"}: ${issue.message}`);
}

/**
 * Why a regular expression is not safe to run on untrusted strings, or undefined when it is. The
 * test is conservative, in the spirit of safe-regex: it refuses back-references and any group
 * repeated without bound (`*`, `+`, `{n,}`) that holds a quantifier of its own, the shapes behind
 * catastrophic backtracking (`(\d+\.){3}` is fine: its repeat is bounded), and expressions that do
 * not compile (with the `u` flag, as validators use them).
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > JOB_SCHEMA_LIMITS.patternLength) {
    return `the pattern is longer than ${JOB_SCHEMA_LIMITS.patternLength} characters`;
  }
  try {
    new RegExp(pattern, "u");
  } catch (cause) {
    return `the pattern is not a valid regular expression (${(cause as Error).message})`;
  }
  // Per open group: whether it holds a quantifier so far.
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && (/[1-9]/.test(next) || (next === "k" && pattern[i + 2] === "<"))) {
        return "the pattern uses a back-reference, which can take exponential time; write it without one";
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") groups.push(false);
    else if (c === ")") {
      const quantifiedInside = groups.pop() ?? false;
      const quantified = isQuantifier(pattern, i + 1);
      if (quantifiedInside && isUnbounded(pattern, i + 1)) {
        return "the pattern repeats a group that itself repeats (like (a+)+), which can take exponential time; write it without the nesting";
      }
      if ((quantified || quantifiedInside) && groups.length) groups[groups.length - 1] = true;
    } else if (isQuantifier(pattern, i) && groups.length) {
      groups[groups.length - 1] = true;
    }
  }
  return undefined;
}

/** True when a quantifier (`*`, `+`, `?` or `{n,m}`) starts at `i` (a `?` after `(` is not one). */
function isQuantifier(pattern: string, i: number): boolean {
  const c = pattern[i];
  if (c === "*" || c === "+") return true;
  if (c === "?") return pattern[i - 1] !== "(";
  return c === "{" && /^\{\d+(,\d*)?\}/.test(pattern.slice(i));
}

/** True when an unbounded quantifier (`*`, `+`, `{n,}`) starts at `i`. */
function isUnbounded(pattern: string, i: number): boolean {
  const c = pattern[i];
  return c === "*" || c === "+" || (c === "{" && /^\{\d+,\}/.test(pattern.slice(i)));
}

/** A name (a property, a keyword) as one token of a JSON pointer (RFC 6901): `a/b` → `a~1b`. */
export function escapePointerToken(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** The name one token of a JSON pointer (RFC 6901) stands for: `a~1b` → `a/b`. */
export function unescapePointerToken(token: string): string {
  return token.replaceAll("~1", "/").replaceAll("~0", "~");
}
