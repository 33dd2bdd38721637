/**
 * `atob` and `btoa`, as the HTML standard defines them: `btoa` encodes a string of code units
 * 0–255 (a "byte string") as base64, `atob` decodes with the "forgiving-base64" rules (ASCII
 * whitespace anywhere is dropped, `=` padding is optional, leftover bits are ignored). Bad input
 * throws a `DOMException` named `InvalidCharacterError`.
 *
 * @module
 */
import type { Install } from "./internals.js";
import { domException } from "./shared.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Each ASCII code unit's 6-bit value in {@link ALPHABET}, or -1. */
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** The forgiving-base64 algorithm's "ASCII whitespace": tab, LF, FF, CR and space. */
const ASCII_WHITESPACE = /[\t\n\f\r ]+/g;

/**
 * Code units per `String.fromCharCode` call: spreading a whole megabyte as arguments would exceed
 * the engine's argument limits, and `+=` on one growing string copies it every time in QuickJS.
 */
const CHUNK = 8192;

/** The byte string (one code unit per byte) of `codes`. */
function byteString(codes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, codes.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join("");
}

/** The `InvalidCharacterError` to throw. */
const invalidCharacter = (message: string): Error => domException(message, "InvalidCharacterError");

/** WebIDL's conversion of the one argument to DOMString, with the arity check browsers and Node make. */
function domString(name: string, count: number, data: unknown): string {
  if (count < 1) throw new TypeError(`Failed to execute '${name}': 1 argument required, but only 0 present.`);
  // A template literal applies ToString, which (unlike String()) throws on a Symbol, as WebIDL does.
  return `${data}`;
}

/** btoa's algorithm: `data`'s code units as bytes, in base64 with padding. */
function encode(data: string): string {
  const length = data.length;
  const out = new Uint8Array(Math.ceil(length / 3) * 4);
  let o = 0;
  for (let i = 0; i < length; i += 3) {
    const a = data.charCodeAt(i);
    const b = i + 1 < length ? data.charCodeAt(i + 1) : 0;
    const c = i + 2 < length ? data.charCodeAt(i + 2) : 0;
    if (a > 0xff || b > 0xff || c > 0xff) {
      throw invalidCharacter("Invalid character: btoa accepts only characters U+0000 to U+00FF");
    }
    const bits = (a << 16) | (b << 8) | c;
    out[o++] = ALPHABET.charCodeAt(bits >> 18);
    out[o++] = ALPHABET.charCodeAt((bits >> 12) & 63);
    out[o++] = i + 1 < length ? ALPHABET.charCodeAt((bits >> 6) & 63) : 0x3d;
    out[o++] = i + 2 < length ? ALPHABET.charCodeAt(bits & 63) : 0x3d;
  }
  return byteString(out);
}

/** atob's algorithm: forgiving-base64 decode, the bytes as a byte string. */
function decode(data: string): string {
  const input = data.replace(ASCII_WHITESPACE, "");
  let end = input.length;
  // Padding counts only when it completes a group of four; anything else is left to fail below.
  if (end % 4 === 0 && input.charCodeAt(end - 1) === 0x3d) {
    end--;
    if (input.charCodeAt(end - 1) === 0x3d) end--;
  }
  if (end % 4 === 1) throw invalidCharacter("Invalid character: the string is not correctly encoded base64");
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let bits = 0;
  let count = 0;
  for (let i = 0; i < end; i++) {
    const code = input.charCodeAt(i);
    const value = code < 128 ? (VALUES[code] ?? -1) : -1;
    if (value < 0) throw invalidCharacter("Invalid character: the string is not correctly encoded base64");
    bits = ((bits << 6) | value) & 0xffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[o++] = (bits >> count) & 0xff;
    }
  }
  return byteString(out);
}

/** Installs the group: `atob` and `btoa`. */
export const install: Install = () => ({
  // Methods, not function declarations: their names survive the build's minifier, and like the
  // web's, they cannot be called with `new`.
  atob(data: unknown): string {
    // biome-ignore lint/complexity/noArguments: WebIDL's arity check needs the count of arguments.
    return decode(domString("atob", arguments.length, data));
  },
  btoa(data: unknown): string {
    // biome-ignore lint/complexity/noArguments: WebIDL's arity check needs the count of arguments.
    return encode(domString("btoa", arguments.length, data));
  },
});
