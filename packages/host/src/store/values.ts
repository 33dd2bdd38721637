/**
 * Checks and encodings shared by store back ends: what counts as JSON data, how keys compare, and
 * the validation of progress and counters. Kept apart from SQLite so another back end applies the
 * very same rules.
 *
 * @module
 */

import { KV_MAX_KEY_BYTES } from "@kiln/contracts";
import { LIMITS } from "@kiln/contracts/limits";
import { checkJsonValue, jsonTextTooDeep, stringifyJsonValue } from "../json-safety.js";
import { StoreKeyInvalidError, StoreValueInvalidError, StoreValueTooLargeError } from "./errors.js";
import { JOB_STATES, type JobCounters, type JobErrorInfo, type JobProgress, type JobState } from "./types.js";

/** Where a value comes from, for messages, and the extension it belongs to. */
export interface ValueSite {
  readonly where: string;
  readonly extensionId?: string | undefined;
}

/**
 * Deepest value the store writes or reads: the highest `limits.valueDepth` a manifest may ask for,
 * so that anything an extension may legitimately send can be kept. The wall enforces each
 * extension's own (usually far lower) limit before values get here; this is the store's backstop.
 */
export const STORE_MAX_VALUE_DEPTH: number = LIMITS.valueDepth.manifestMaximum;

/**
 * JSON text of `value`, or a {@link StoreValueInvalidError} if it is not plain JSON data or is
 * nested deeper than `maxDepth` (default {@link STORE_MAX_VALUE_DEPTH}). Stricter than
 * `JSON.stringify`, which silently turns NaN into null, a Date into a string and a Map into `{}`:
 * data must come back as it went in. An `undefined` property is dropped (as JSON does); an
 * `undefined` array element is refused; a top-level `undefined` becomes null only if `undefinedAsNull`.
 * Never recurses, so no value, however deep, ends in a `RangeError`.
 */
export function encodeJson(
  value: unknown,
  site: ValueSite,
  undefinedAsNull = false,
  maxDepth = STORE_MAX_VALUE_DEPTH,
): string {
  if (value === undefined && undefinedAsNull) return "null";
  const checked = checkJsonValue(value, { maxDepth });
  if (!checked.ok) throw new StoreValueInvalidError(site.where, checked.message, { extensionId: site.extensionId });
  return stringifyJsonValue(value, checked.depth);
}

/**
 * Parses JSON text written by {@link encodeJson}; SQL NULL reads as null. Text nested deeper than
 * `maxDepth` (only a file written by something else, or an older host, holds such) is refused with
 * a {@link StoreValueInvalidError} before it is parsed, so no reader is handed a value it would
 * overflow its stack on.
 */
export function decodeJson(
  text: string | null,
  site: ValueSite = { where: "a stored value" },
  maxDepth = STORE_MAX_VALUE_DEPTH,
): unknown {
  if (text === null) return null;
  if (jsonTextTooDeep(text, maxDepth)) throw new StoredValueTooDeepError(site, maxDepth);
  return JSON.parse(text);
}

/**
 * A value in the store is nested deeper than the store reads back. Only a file written by
 * something other than this store holds one. Code `KILN_STORE_VALUE_INVALID`, like every refused value.
 */
export class StoredValueTooDeepError extends StoreValueInvalidError {
  constructor(site: ValueSite, maxDepth: number) {
    super(site.where, "it is too deep", { extensionId: site.extensionId });
    this.message =
      `${site.where} in the store is nested deeper than the limit of ${maxDepth} levels, so it is not read ` +
      "back (this store never writes such a value: the file was changed by something else). Delete or overwrite it.";
  }
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
  const { code, message, stack, rawStack } = error;
  return JSON.stringify({
    code,
    message,
    ...(typeof stack === "string" ? { stack } : {}),
    ...(typeof rawStack === "string" ? { rawStack } : {}),
  });
}

function isNonNegative(n: unknown): boolean {
  return typeof n === "number" && Number.isFinite(n) && n >= 0;
}
