/**
 * `crypto`: the Web Crypto API's `getRandomValues`, `randomUUID` and, of `crypto.subtle`, only
 * `digest` (SHA-1, SHA-256, SHA-384, SHA-512, computed in C by `c/digest.c`), shaped and failing as
 * Node 20's `globalThis.crypto` does: methods and the `subtle` getter are enumerable members of the
 * prototypes, the constructors throw "Illegal constructor", a method called on anything but the one
 * instance throws `Value of "this" must be of type …`, and errors have Node's classes, names and
 * messages. Node's `code` properties on its TypeErrors (`ERR_INVALID_THIS`, …) are not copied.
 *
 * Randomness is the host's (WASI `random_get`). Algorithm names are matched as Node matches them,
 * by `toUpperCase()`, so `"ſha-256"` (long s) is SHA-256 here as there.
 *
 * @module
 */
import type { DigestAlgorithm, Install } from "./internals.js";
import { domException } from "./shared.js";

/** WebIDL's limit on one `getRandomValues` call, in bytes. */
const MAX_RANDOM_BYTES = 65_536;

/** The typed arrays `getRandomValues` fills: the integer ones, as WebIDL's signature says. */
const INTEGER_ARRAYS = new Set([
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "BigInt64Array",
  "BigUint64Array",
]);

const DIGESTS: ReadonlySet<string> = new Set<DigestAlgorithm>(["SHA-1", "SHA-256", "SHA-384", "SHA-512"]);

/** UUIDs per refill of the random pool: one host call serves many UUIDs, as Node caches too. */
const UUIDS_PER_POOL = 128;

/** The getter of `key` on `proto`, taken once: user code redefining `buffer` cannot fool it. */
function getter<T>(proto: object, key: PropertyKey): (this: unknown) => T {
  const get = Object.getOwnPropertyDescriptor(proto, key)?.get;
  if (get === undefined) throw new TypeError(`crypto: the engine has no getter ${String(key)}`);
  return get as (this: unknown) => T;
}

/** Installs the group: `crypto`. */
export const install: Install = (kiln) => {
  // Brand checks and byte ranges through the engine's own getters, so that a look-alike object
  // (Object.create(Uint8Array.prototype), an own `buffer` property) is refused or read truly.
  const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
  const typedArrayTag = getter<string | undefined>(typedArrayProto, Symbol.toStringTag);
  const typedArrayBuffer = getter<ArrayBuffer>(typedArrayProto, "buffer");
  const typedArrayOffset = getter<number>(typedArrayProto, "byteOffset");
  const typedArrayLength = getter<number>(typedArrayProto, "byteLength");
  const dataViewBuffer = getter<ArrayBuffer>(DataView.prototype, "buffer");
  const dataViewOffset = getter<number>(DataView.prototype, "byteOffset");
  const dataViewLength = getter<number>(DataView.prototype, "byteLength");
  const arrayBufferLength = getter<number>(ArrayBuffer.prototype, "byteLength");
  const isView = ArrayBuffer.isView;

  /** True for an ArrayBuffer; false for anything else, a SharedArrayBuffer included. */
  const isArrayBuffer = (value: unknown): boolean => {
    try {
      arrayBufferLength.call(value);
      return true;
    } catch {
      return false;
    }
  };

  /**
   * The bytes of a BufferSource, without copying, or the reason it is not one (WebIDL's, in Node's
   * words: a view on a SharedArrayBuffer is refused too).
   */
  const bufferSource = (data: unknown): Uint8Array | string => {
    if (isView(data)) {
      const typed = typedArrayTag.call(data) !== undefined;
      const buffer = (typed ? typedArrayBuffer : dataViewBuffer).call(data);
      if (!isArrayBuffer(buffer)) return "is a view on a SharedArrayBuffer, which is not allowed.";
      if (typed) return new Uint8Array(buffer, typedArrayOffset.call(data), typedArrayLength.call(data));
      return new Uint8Array(buffer, dataViewOffset.call(data), dataViewLength.call(data));
    }
    if (isArrayBuffer(data)) return new Uint8Array(data as ArrayBuffer);
    return "is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.";
  };

  class Crypto {
    constructor() {
      throw new TypeError("Illegal constructor");
    }
  }
  class SubtleCrypto {
    constructor() {
      throw new TypeError("Illegal constructor");
    }
  }
  // The minifier renames classes; Node's are named.
  Object.defineProperty(Crypto, "name", { value: "Crypto" });
  Object.defineProperty(SubtleCrypto, "name", { value: "SubtleCrypto" });
  const crypto = Object.create(Crypto.prototype) as Crypto;
  const subtle = Object.create(SubtleCrypto.prototype) as SubtleCrypto;

  const notThis = (type: string) => new TypeError(`Value of "this" must be of type ${type}`);

  let pool = new Uint8Array(0);
  let poolView = new DataView(pool.buffer);
  let poolAt = 0;
  /** Eight lowercase hex digits of `n` (an unsigned 32-bit value). */
  const hex8 = (n: number) => (n + 0x100000000).toString(16).slice(1);

  // Object literal members, so that their names survive the minifier and they are enumerable,
  // writable and configurable, as Node's are; methods also cannot be called with `new`.
  const cryptoMembers = {
    get subtle(): SubtleCrypto {
      if (this !== crypto) throw notThis("Crypto");
      return subtle;
    },

    getRandomValues<T extends ArrayBufferView>(this: unknown, array: T): T {
      if (this !== crypto) throw notThis("Crypto");
      // biome-ignore lint/complexity/noArguments: WebIDL's arity check needs the count of arguments.
      if (arguments.length < 1) {
        throw new TypeError(
          "Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.",
        );
      }
      const tag = isView(array) ? typedArrayTag.call(array) : undefined;
      if (tag === undefined || !INTEGER_ARRAYS.has(tag)) {
        throw domException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
      }
      const length = typedArrayLength.call(array);
      if (length > MAX_RANDOM_BYTES) {
        throw domException("The requested length exceeds 65,536 bytes", "QuotaExceededError");
      }
      if (length > 0) kiln.random(new Uint8Array(typedArrayBuffer.call(array), typedArrayOffset.call(array), length));
      return array;
    },

    randomUUID(this: unknown): string {
      if (this !== crypto) throw notThis("Crypto");
      if (poolAt === pool.length) {
        if (pool.length === 0) {
          pool = new Uint8Array(16 * UUIDS_PER_POOL);
          poolView = new DataView(pool.buffer);
        }
        kiln.random(pool);
        poolAt = 0;
      }
      const at = poolAt;
      poolAt += 16;
      // RFC 9562's version 4: the version nibble (bits 48-51) is 0100, the variant (bits 64-65) 10.
      const a = poolView.getUint32(at);
      const b = ((poolView.getUint32(at + 4) & 0xffff0fff) | 0x4000) >>> 0;
      const c = ((poolView.getUint32(at + 8) & 0x3fffffff) | 0x80000000) >>> 0;
      const d = poolView.getUint32(at + 12);
      const bHex = hex8(b);
      const cHex = hex8(c);
      return `${hex8(a)}-${bHex.slice(0, 4)}-${bHex.slice(4)}-${cHex.slice(0, 4)}-${cHex.slice(4)}${hex8(d)}`;
    },
  };

  const subtleMembers = {
    async digest(this: unknown, algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
      if (this !== subtle) throw notThis("SubtleCrypto");
      const prefix = "Failed to execute 'digest' on 'SubtleCrypto'";
      // biome-ignore lint/complexity/noArguments: WebIDL's arity check needs the count of arguments.
      const count = arguments.length;
      if (count < 2) {
        throw new TypeError(`${prefix}: 2 arguments required, but only ${count} present.`);
      }
      // WebIDL's order: convert both arguments (an object is kept as it is), then read the name.
      const isObject = (typeof algorithm === "object" && algorithm !== null) || typeof algorithm === "function";
      if (typeof algorithm === "symbol") {
        throw new TypeError(`${prefix}: 1st argument is a Symbol and cannot be converted to a string.`);
      }
      const bytes = bufferSource(data);
      if (typeof bytes === "string") throw new TypeError(`${prefix}: 2nd argument ${bytes}`);
      let name: unknown = algorithm;
      if (isObject) {
        name = (algorithm as { name?: unknown }).name;
        if (name === undefined) {
          throw new TypeError(
            "Failed to normalize algorithm: passed algorithm can not be converted to 'Algorithm' because 'name' is required in 'Algorithm'.",
          );
        }
        if (typeof name === "symbol") {
          throw new TypeError(
            "Failed to normalize algorithm: 'name' of 'Algorithm' (passed algorithm) is a Symbol and cannot be converted to a string.",
          );
        }
      }
      const normalized = String(name).toUpperCase();
      if (!DIGESTS.has(normalized)) throw domException("Unrecognized algorithm name", "NotSupportedError");
      // Hashed now, before the first await: later writes to the buffer cannot change the result.
      return kiln.digest(normalized as DigestAlgorithm, bytes);
    },
  };

  const members = (target: object, source: object, tag: string) =>
    Object.defineProperties(target, {
      ...Object.getOwnPropertyDescriptors(source),
      [Symbol.toStringTag]: { value: tag, configurable: true },
    });
  members(Crypto.prototype, cryptoMembers, "Crypto");
  members(SubtleCrypto.prototype, subtleMembers, "SubtleCrypto");
  return { crypto };
};
