/**
 * Checks and encodings shared by store back ends: what counts as JSON data, how keys compare, and
 * the validation of progress and counters. Kept apart from SQLite so another back end applies the
 * very same rules.
 *
 * @module
 */
import { StoreKeyInvalidError, StoreValueInvalidError, StoreValueTooLargeError } from "./errors.js";
import {
  JOB_STATES,
  type JobCounters,
  type JobErrorInfo,
  type JobProgress,
  type JobState,
  KV_MAX_KEY_BYTES,
} from "./types.js";

/** Where a value comes from, for messages, and the extension it belongs to. */
export interface ValueSite {
  readonly where: string;
  readonly extensionId?: string | undefined;
}

/**
 * JSON text of `value`, or a {@link StoreValueInvalidError} if it is not plain JSON data. Stricter
 * than `JSON.stringify`, which silently turns NaN into null, a Date into a string and a Map into `{}`:
 * data must come back as it went in. An `undefined` property is dropped (as JSON does); an
 * `undefined` array element is refused; a top-level `undefined` becomes null only if `undefinedAsNull`.
 */
export function encodeJson(value: unknown, site: ValueSite, undefinedAsNull = false): string {
  if (value === undefined && undefinedAsNull) return "null";
  const problem = jsonProblem(value, "", new Set());
  if (problem !== undefined) {
    throw new StoreValueInvalidError(site.where, problem, { extensionId: site.extensionId });
  }
  return JSON.stringify(value);
}

/** Why `value` (at `path`) is not JSON data, or undefined if it is. */
function jsonProblem(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  const at = path === "" ? "the value" : `value${path}`;
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${at} is ${value}, which JSON cannot represent`;
    case "object":
      return value === null ? undefined : containerProblem(value, path, at, ancestors);
    default:
      return `${at} is ${typeof value === "undefined" ? "undefined" : `a ${typeof value}`}`;
  }
}

/** Why an array or object is not JSON data, or undefined if it is. */
function containerProblem(value: object, path: string, at: string, ancestors: Set<object>): string | undefined {
  if (ancestors.has(value)) return `${at} contains itself (a cycle)`;
  const proto: unknown = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    return `${at} is a ${value.constructor?.name ?? "non-plain object"}, not a plain object`;
  }
  ancestors.add(value);
  try {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined && !isArray) continue;
      const problem = jsonProblem(item, isArray ? `${path}[${key}]` : `${path}.${key}`, ancestors);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

/** Parses JSON text written by {@link encodeJson}; SQL NULL reads as null. */
export function decodeJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** Size of `text` in UTF-8 bytes, the unit of every store limit. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Refuses a value whose JSON text is over `max` bytes. */
export function checkSize(json: string, max: number, site: ValueSite): void {
  const bytes = utf8Bytes(json);
  if (bytes > max) throw new StoreValueTooLargeError(site.where, bytes, max, { extensionId: site.extensionId });
}

// A lone surrogate cannot be written as UTF-8: SQLite (or any other back end) would store U+FFFD instead.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Refuses a key that is not a non-empty, well-formed string of at most {@link KV_MAX_KEY_BYTES} bytes. */
export function checkKey(key: unknown, extensionId: string, allowEmpty = false): asserts key is string {
  const opts = { extensionId };
  if (typeof key !== "string") {
    throw new StoreKeyInvalidError(String(key), `keys are strings, not ${typeof key}`, opts);
  }
  if (key === "" && !allowEmpty) throw new StoreKeyInvalidError(key, "keys cannot be empty", opts);
  if (LONE_SURROGATE.test(key)) throw new StoreKeyInvalidError(key, "it contains a lone UTF-16 surrogate", opts);
  const bytes = utf8Bytes(key);
  if (bytes > KV_MAX_KEY_BYTES) {
    throw new StoreKeyInvalidError(key, `it is ${bytes} UTF-8 bytes, over the limit of ${KV_MAX_KEY_BYTES}`, opts);
  }
}

/** Orders strings as SQLite's BINARY collation does: by UTF-8 bytes, which is code-point order. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The smallest string greater than every string that starts with `prefix`, or null if there is none
 * (the prefix is all U+10FFFF). Turns a prefix into an index range instead of a scan to the end.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last < 0x10ffff) {
      // Surrogate code points have no UTF-8 form; the next encodable one is U+E000.
      const next = last + 1 >= 0xd800 && last + 1 <= 0xdfff ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return null;
}

/** Refuses anything but a non-empty string, for ids and names. */
export function checkName(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value === "") {
    throw new StoreValueInvalidError(
      what,
      `it must be a non-empty string, got ${JSON.stringify(value) ?? typeof value}`,
    );
  }
}

/** Refuses a state that is not a {@link JobState}. */
export function checkState(value: unknown, what: string): asserts value is JobState {
  if (!JOB_STATES.includes(value as JobState)) {
    throw new StoreValueInvalidError(what, `${JSON.stringify(value)} is not a job state (${JOB_STATES.join(", ")})`);
  }
}

/** Refuses malformed progress: done must be a finite number ≥ 0, total null or one too. */
export function checkProgress(progress: JobProgress, where: string): void {
  const { done, total, message } = progress;
  if (!isNonNegative(done)) throw new StoreValueInvalidError(`${where}.done`, "it must be a finite number ≥ 0");
  if (total !== null && !isNonNegative(total)) {
    throw new StoreValueInvalidError(`${where}.total`, "it must be null or a finite number ≥ 0");
  }
  if (message !== null && typeof message !== "string") {
    throw new StoreValueInvalidError(`${where}.message`, "it must be null or a string");
  }
}

/** Refuses counters that are not whole numbers ≥ 0. */
export function checkCounters(counters: JobCounters, where: string): void {
  for (const name of ["items", "bytes"] as const) {
    const v = counters[name];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new StoreValueInvalidError(`${where}.${name}`, "it must be a whole number ≥ 0");
    }
  }
}

/** JSON text of a job's error, keeping only the fields {@link JobErrorInfo} defines. */
export function encodeErrorInfo(error: JobErrorInfo, where: string): string {
  if (typeof error?.code !== "string" || typeof error.message !== "string") {
    throw new StoreValueInvalidError(where, "an error needs a string code and a string message");
  }
  const { code, message, stack } = error;
  return JSON.stringify(typeof stack === "string" ? { code, message, stack } : { code, message });
}

function isNonNegative(n: unknown): boolean {
  return typeof n === "number" && Number.isFinite(n) && n >= 0;
}
