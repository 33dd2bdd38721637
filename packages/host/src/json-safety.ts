/**
 * Checks for values crossing the sandbox wall, in either direction: operation payloads and
 * results, job inputs, checkpoints and results, stored values. One implementation, used by the
 * registry, the store, the job manager and the worker, so that every side refuses the same things
 * with the same words.
 *
 * Nothing here recurses. A value or text of any depth (a million levels, say) is answered with a
 * message, never with a `RangeError: Maximum call stack size exceeded` — which, thrown inside a
 * promise callback, becomes an unhandled rejection and ends the host process.
 *
 * @module
 */
import { KilnError } from "@kiln/contracts/errors";
import { LIMITS } from "@kiln/contracts/limits";

/**
 * Nesting depth allowed by default for a value crossing the wall: `LIMITS.valueDepth.default`.
 * Depth counts containers: `1` and `"a"` have depth 0, `[]` and `{}` depth 1, `[[1]]` depth 2.
 */
export const DEFAULT_MAX_DEPTH: number = LIMITS.valueDepth.default as number;

/**
 * Deepest value that {@link stringifyJsonValue} hands to the native `JSON.stringify`. V8's
 * serializer recurses and overflows at roughly 5,000 levels from a shallow stack (less from a deep
 * one); this leaves a wide margin. Deeper values are written by an explicit-stack loop instead.
 */
const NATIVE_STRINGIFY_MAX_DEPTH = 1_000;

/** Paths longer than this many segments are shown with the middle elided. */
const PATH_HEAD = 8;
const PATH_TAIL = 6;
/** Object keys in paths are clipped to this many characters. */
const KEY_SHOWN = 40;

/** Options of {@link jsonValueProblem} and {@link checkJsonValue}. */
export interface JsonValueOptions {
  /** Deepest nesting allowed (see {@link DEFAULT_MAX_DEPTH} for how depth counts). Default {@link DEFAULT_MAX_DEPTH}. */
  readonly maxDepth?: number;
  /** What the value is, as the root of paths in messages: `input` gives `input.a[3].b`. Default `value`. */
  readonly what?: string;
}

/** Why a value is refused: too deeply nested, a cycle, or something JSON cannot hold. */
export type JsonValueProblemKind = "too-deep" | "cycle" | "not-json";

/** The outcome of {@link checkJsonValue}. */
export type JsonValueCheck =
  | {
      readonly ok: true;
      /** The value's nesting depth (0 for a scalar). */
      readonly depth: number;
    }
  | {
      readonly ok: false;
      readonly kind: JsonValueProblemKind;
      /** Where, as `input.a[3].b` (the middle elided when very deep). */
      readonly path: string;
      /** One sentence naming the path and what is wrong. */
      readonly message: string;
    };

/** One container being walked: the explicit stack replaces the call stack of a recursive walk. */
interface Frame {
  readonly container: object;
  /** Own enumerable keys of an object; undefined for an array. */
  readonly keys: string[] | undefined;
  readonly length: number;
  index: number;
  /** How the parent reached this container (unused for the root). */
  readonly key: string | number;
}

/**
 * Why `value` is not plain JSON data within `maxDepth` levels, or undefined when it is. Refuses
 * NaN and ±Infinity, `undefined` array elements (and a top-level `undefined`), functions, symbols,
 * bigints, cycles, objects that are not plain (`Date`, `Map`, class instances, boxed primitives;
 * `Object.create(null)` is fine) and nesting deeper than `maxDepth`. An `undefined` object property
 * is fine: JSON simply leaves it out. Iterative, so any depth is answered, never a stack overflow.
 *
 * @example
 * ```ts
 * jsonValueProblem({ a: [1, 2, 3, { b: NaN }] }, { what: "input" });
 * // → "input.a[3].b is NaN, which JSON cannot represent"
 * ```
 */
export function jsonValueProblem(value: unknown, options: JsonValueOptions = {}): string | undefined {
  const check = checkJsonValue(value, options);
  return check.ok ? undefined : check.message;
}

/**
 * Checks `value` as {@link jsonValueProblem} does, and tells the kind of problem (so callers can
 * answer `KILN_VALUE_TOO_DEEP` for depth) or, for a good value, its depth. Throws a `KILN_INVALID_OPTION` error
 * only for a `maxDepth` that is not a whole number ≥ 0 (or `Infinity`), a bug in the caller.
 */
export function checkJsonValue(value: unknown, options: JsonValueOptions = {}): JsonValueCheck {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!(maxDepth >= 0) || (maxDepth !== Number.POSITIVE_INFINITY && !Number.isInteger(maxDepth))) {
    throw new KilnError(
      "KILN_INVALID_OPTION",
      `maxDepth must be a whole number ≥ 0 or Infinity, got ${String(maxDepth)}`,
    );
  }
  const what = options.what ?? "value";
  const stack: Frame[] = [];
  const ancestors = new Set<object>();
  let deepest = 0;
  // The key being read, for a message about a getter that throws.
  let reading: string | number | undefined;
  const fail = (kind: JsonValueProblemKind, key: string | number | undefined, problem: (path: string) => string) => {
    const path = pathOf(what, stack, key);
    return { ok: false, kind, path, message: problem(path) } as const;
  };

  try {
    // The root: a scalar is answered at once, a container starts the walk.
    const rootProblem = scalarProblem(value, false);
    if (rootProblem !== undefined) return fail("not-json", undefined, (p) => `${p} ${rootProblem}`);
    if (typeof value !== "object" || value === null) return { ok: true, depth: 0 };
    const rootKind = containerProblem(value);
    if (rootKind !== undefined) return fail("not-json", undefined, (p) => `${p} ${rootKind}`);
    if (maxDepth < 1) return fail("too-deep", undefined, (p) => tooDeep(what, p, maxDepth));
    push(stack, ancestors, value, 0);
    deepest = 1;

    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.index >= top.length) {
        stack.pop();
        ancestors.delete(top.container);
        continue;
      }
      const i = top.index++;
      const key = top.keys === undefined ? i : (top.keys[i] as string);
      reading = key;
      const child: unknown = (top.container as Record<string | number, unknown>)[key];
      // An undefined property is simply absent in JSON, which is what optional fields mean.
      if (child === undefined && top.keys !== undefined) continue;
      const problem = scalarProblem(child, top.keys === undefined);
      if (problem !== undefined) return fail("not-json", key, (p) => `${p} ${problem}`);
      if (typeof child !== "object" || child === null) continue;
      if (ancestors.has(child)) {
        const target = stack.findIndex((f) => f.container === child);
        return fail("cycle", key, (p) => `${p} refers back to ${pathOf(what, stack.slice(0, target + 1))} (a cycle)`);
      }
      const kind = containerProblem(child);
      if (kind !== undefined) return fail("not-json", key, (p) => `${p} ${kind}`);
      if (stack.length + 1 > maxDepth) return fail("too-deep", key, (p) => tooDeep(what, p, maxDepth));
      push(stack, ancestors, child, key);
      if (stack.length > deepest) deepest = stack.length;
    }
    return { ok: true, depth: deepest };
  } catch (e) {
    // A getter or proxy trap that throws: the value cannot be read, so it cannot be sent.
    return fail("not-json", reading, (p) => `${p} cannot be read (${errorText(e)})`);
  }
}

function push(stack: Frame[], ancestors: Set<object>, container: object, key: string | number): void {
  const keys = Array.isArray(container) ? undefined : Object.keys(container);
  const length = keys === undefined ? (container as unknown[]).length : keys.length;
  stack.push({ container, keys, length, index: 0, key });
  ancestors.add(container);
}

/** What is wrong with a value that is not an array or object, or undefined when it is fine. */
function scalarProblem(value: unknown, inArray: boolean): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "object":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `is ${value}, which JSON cannot represent`;
    case "undefined":
      return inArray ? "is undefined (an array cannot hold undefined in JSON; use null)" : "is undefined";
    default:
      return `is a ${typeof value}`;
  }
}

/** Why an object is not a JSON array or plain object, or undefined when it is one. */
function containerProblem(value: object): string | undefined {
  if (Array.isArray(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return undefined;
  let name = "non-plain object";
  try {
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor === "function" && ctor.name !== "") name = ctor.name;
  } catch {
    // A throwing `constructor` getter: the generic name will do.
  }
  return `is a ${name}, not a plain object (convert it to one first)`;
}

function tooDeep(what: string, path: string, maxDepth: number): string {
  return `${what} is nested deeper than the limit of ${maxDepth} levels (${path} is at depth ${maxDepth + 1})`;
}

/** `what` followed by the keys leading to the top frame's child `key`, the middle elided if long. */
function pathOf(what: string, stack: readonly Frame[], key?: string | number): string {
  // stack[0] is the root, reached by no key.
  const count = stack.length - 1 + (key === undefined ? 0 : 1);
  const segment = (n: number) => (n < stack.length - 1 ? (stack[n + 1] as Frame).key : (key as string | number));
  if (count <= PATH_HEAD + PATH_TAIL) {
    let path = what;
    for (let n = 0; n < count; n++) path += formatKey(segment(n));
    return path;
  }
  let path = what;
  for (let n = 0; n < PATH_HEAD; n++) path += formatKey(segment(n));
  path += `…(${count - PATH_HEAD - PATH_TAIL} more)…`;
  for (let n = count - PATH_TAIL; n < count; n++) path += formatKey(segment(n));
  return path;
}

function formatKey(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key) && key.length <= KEY_SHOWN) return `.${key}`;
  return key.length <= KEY_SHOWN ? `[${JSON.stringify(key)}]` : `[${JSON.stringify(key.slice(0, KEY_SHOWN))}…]`;
}

function errorText(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return "an unprintable error";
  }
}

/**
 * JSON text of a value that {@link checkJsonValue} accepted, exactly as `JSON.stringify` writes it,
 * at any depth. `depth` is the one the check reported: up to 1,000 levels the native serializer
 * does it all; deeper, V8's `JSON.stringify` (which recurses) would overflow the stack at a few
 * thousand levels, so the deep spine is written by an explicit-stack loop and every subtree of at
 * most 1,000 levels still by the native serializer. Values that were not checked may come out
 * wrong (a `toJSON` is not called, a `Date` is written as `{}`).
 */
export function stringifyJsonValue(value: unknown, depth: number): string {
  if (depth <= NATIVE_STRINGIFY_MAX_DEPTH || typeof value !== "object" || value === null) {
    return JSON.stringify(value);
  }
  const height = heights(value);
  const out: string[] = [];
  const stack: Frame[] = [];
  /** Per frame: whether a member was written, so the next needs a comma. */
  const written: boolean[] = [];
  const open = (container: object) => {
    const keys = Array.isArray(container) ? undefined : Object.keys(container);
    out.push(keys === undefined ? "[" : "{");
    stack.push({ container, keys, length: keys?.length ?? (container as unknown[]).length, index: 0, key: 0 });
    written.push(false);
  };
  open(value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.index >= top.length) {
      out.push(top.keys === undefined ? "]" : "}");
      stack.pop();
      written.pop();
      continue;
    }
    const i = top.index++;
    const key = top.keys === undefined ? i : (top.keys[i] as string);
    const child: unknown = (top.container as Record<string | number, unknown>)[key];
    if (child === undefined && top.keys !== undefined) continue;
    if (written[written.length - 1]) out.push(",");
    else written[written.length - 1] = true;
    if (top.keys !== undefined) out.push(JSON.stringify(key), ":");
    if (typeof child === "object" && child !== null && (height.get(child) ?? 0) > NATIVE_STRINGIFY_MAX_DEPTH) {
      open(child);
    } else {
      out.push(JSON.stringify(child));
    }
  }
  return out.join("");
}

/** The height (depth of its deepest part) of every container in an acyclic value, without recursion. */
function heights(value: object): Map<object, number> {
  const height = new Map<object, number>();
  const stack: Array<{ readonly frame: Frame; tallest: number }> = [];
  const enter = (container: object) => {
    const keys = Array.isArray(container) ? undefined : Object.keys(container);
    const length = keys?.length ?? (container as unknown[]).length;
    stack.push({ frame: { container, keys, length, index: 0, key: 0 }, tallest: 0 });
  };
  enter(value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { readonly frame: Frame; tallest: number };
    const { frame } = top;
    if (frame.index >= frame.length) {
      stack.pop();
      const h = top.tallest + 1;
      height.set(frame.container, h);
      const parent = stack[stack.length - 1];
      if (parent !== undefined && h > parent.tallest) parent.tallest = h;
      continue;
    }
    const i = frame.index++;
    const child: unknown = (frame.container as Record<string | number, unknown>)[frame.keys?.[i] ?? i];
    if (typeof child !== "object" || child === null) continue;
    // A container met twice (shared, not a cycle: the check refused those) is measured once.
    const known = height.get(child);
    if (known === undefined) enter(child);
    else if (known > top.tallest) top.tallest = known;
  }
  return height;
}

/**
 * The nesting depth of JSON text, counted without parsing: the most `[`/`{` open at once, ignoring
 * any inside strings (escapes included). Stops as soon as the depth passes `limit` and returns a
 * number greater than `limit`; otherwise the exact depth. Linear and allocation-free: one
 * comparison per character outside strings (some 200–600 MB/s), strings skipped with `indexOf`
 * (gigabytes per second), so 100 MB of JSON takes a fraction of a second.
 *
 * Text that is not JSON gets a depth too (unbalanced closers count as nothing, an unterminated
 * string ends the count): the depth a parser would reach before it fails. To only ask "too deep?",
 * {@link jsonTextTooDeep} is cheaper for short texts.
 *
 * @example
 * ```ts
 * jsonTextDepth('{"a":[1,"]]"]}', 10); // → 2
 * jsonTextDepth("[".repeat(1e8), 256); // → 257, after 257 characters
 * ```
 */
export function jsonTextDepth(text: string, limit: number = Number.POSITIVE_INFINITY): number {
  const n = text.length;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Digits, `,`, `:`, whitespace and letters of literals are all below `[`: one comparison each.
    if (c < 0x5b /* [ */) {
      if (c !== 0x22 /* " */) continue;
      const end = closingQuote(text, i);
      if (end === -1) return deepest;
      i = end;
    } else if (c === 0x5b || c === 0x7b /* { */) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if ((c === 0x5d /* ] */ || c === 0x7d) /* } */ && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Index of the `"` closing the string that opens at `open`, or -1: the first one not escaped by an
 * odd run of backslashes. Found with `indexOf`, so long strings are skipped at memory speed. Each
 * backslash is counted at most once (a run ends at the quote it precedes), so this stays linear.
 */
function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c /* \ */) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * Whether JSON text nests deeper than `limit`, for a check before `JSON.parse` (or before handing
 * the text to the sandbox, whose parser recurses). Text of at most `limit` characters is answered
 * without reading it: every level needs an opening bracket, so it cannot be deeper. (Valid JSON
 * needs two characters a level, but a parser also descends into text that turns out invalid, so
 * the one-character bound is the one that holds for any text.)
 */
export function jsonTextTooDeep(text: string, limit: number): boolean {
  return text.length > limit && jsonTextDepth(text, limit) > limit;
}
