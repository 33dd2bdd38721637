/**
 * `structuredClone(value, { transfer })`: the HTML structured clone algorithm for the kinds of
 * value the sandbox has, matching Node 20 (V8's serializer) wherever the engine lets JS see the
 * difference:
 *
 * - primitives as they are (`-0`, `NaN`, BigInt included); symbols and functions are refused;
 * - Boolean, Number, String and BigInt wrappers, `Date`, `RegExp` (source and flags; `lastIndex`
 *   is not kept), `ArrayBuffer`, every typed array and `DataView` (views of one buffer share one
 *   copy of it, offsets kept), `Map` and `Set` (entries only), and errors (see below);
 * - arrays and every other object as plain data: own enumerable string keys, read with `[[Get]]`
 *   (getters run) in order, prototype not kept (class instances come back as plain objects,
 *   arrays as arrays of the same length, still sparse, extra keys kept), symbol keys dropped;
 * - shared references and cycles are preserved.
 *
 * An error comes back as `Error`, `EvalError`, `RangeError`, `ReferenceError`, `SyntaxError`,
 * `TypeError` or `URIError`, whichever its `name` is (anything else gives `Error`), with its own
 * `message` (a data property only), its `stack` (`undefined` unless a string) and, as Node 20
 * does, its own `cause`, cloned with the rest of the graph. Its other properties are dropped. A
 * `DOMException` is not one of these errors (as in Node 20, whose `DOMException` is a plain class
 * there too): it comes back as a plain object.
 *
 * Refused with a `DOMException` named `DataCloneError` (taken from `globalThis` when thrown):
 * functions, symbols and Symbol wrappers, `WeakMap`, `WeakSet`, promises, `arguments` objects,
 * iterators and generators, `SharedArrayBuffer` (this engine cannot share memory between two
 * buffers), and any transfer (below). A `Proxy` cannot be told from its target without C, so it is
 * cloned through its traps, where Node refuses it. A promise, an iterator or a generator is
 * recognised by its prototype chain (nothing else reveals one without side effects), so an object
 * that merely inherits from `Promise.prototype` is refused too. Messages are V8's
 * (`#<WeakMap> could not be cloned.`), but a function is named `[Function: f]`: V8 quotes its
 * source, which module code does not keep here.
 *
 * `transfer`: detaching an ArrayBuffer needs QuickJS's C API (2021-03-27 has no
 * `ArrayBuffer.prototype.transfer`), and a transfer that leaves the source usable would break the
 * contract code relies on (the source is emptied). So a transfer list is validated as Node
 * validates it and then, if it holds any ArrayBuffer, refused with a `DataCloneError`.
 *
 * The walk is iterative, so depth is bounded by memory, not by the engine's small stack.
 *
 * @module
 */
import type { Install } from "./internals.js";
import { getter, KindTable } from "./kinds.js";
import { domException } from "./shared.js";

type Dict = Record<PropertyKey, unknown>;
type Getter = (this: unknown) => unknown;

// Brand checks and readers, taken once so that code replacing built-ins later cannot steer a clone.
const { getPrototypeOf, getOwnPropertyDescriptor, defineProperty, keys: ownKeys } = Object;
const { isArray } = Array;
const { hasOwnProperty: objectHasOwn, toString: objectToString } = Object.prototype;
const TypedArray = getPrototypeOf(Int8Array) as { prototype: object };
const typedArrayName = getter(TypedArray.prototype, Symbol.toStringTag);
const typedArrayBuffer = getter(TypedArray.prototype, "buffer");
const typedArrayOffset = getter(TypedArray.prototype, "byteOffset");
const typedArrayLength = getter(TypedArray.prototype, "length");
const viewBuffer = getter(DataView.prototype, "buffer");
const viewOffset = getter(DataView.prototype, "byteOffset");
const viewLength = getter(DataView.prototype, "byteLength");
const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
const mapForEach = Map.prototype.forEach;
const mapSet = Map.prototype.set;
const setForEach = Set.prototype.forEach;
const setAdd = Set.prototype.add;
const regExpSource = getter(RegExp.prototype, "source");
const regExpFlags = ["global", "ignoreCase", "multiline", "dotAll", "unicode", "sticky"].map((flag) =>
  getter(RegExp.prototype, flag),
);

const TYPED_ARRAYS: Dict = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};
const ERRORS: Dict = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

const MAP = 1;
const SET = 2;
const DATE = 3;
const REGEXP = 4;
const BOOLEAN = 5;
const NUMBER = 6;
const STRING = 7;
const BIGINT = 8;
const BUFFER = 9;
const VIEW = 10;
const ERROR = 11;
const REFUSED = 12;
const TYPED = 13;

/**
 * What an object's prototype chain suggests it is, by the built-in prototypes it reaches, each with
 * the brand check that confirms it (none where only a side effect could tell, and for errors,
 * whose brand only `Object.prototype.toString` reveals).
 */
const KINDS = new KindTable();
const kind = (proto: unknown, id: number, check?: (value: unknown) => boolean) => KINDS.add(proto, id, check);
// A brand check throws for a value of another kind.
const brand = (read: Getter) => (value: unknown) => {
  read.call(value);
  return true;
};
const probe = new Set<never>();
kind(Map.prototype, MAP, brand(getter(Map.prototype, "size")));
kind(Set.prototype, SET, brand(getter(Set.prototype, "size")));
kind(Date.prototype, DATE, brand(Date.prototype.getTime));
kind(RegExp.prototype, REGEXP, brand(regExpSource));
kind(Boolean.prototype, BOOLEAN, brand(Boolean.prototype.valueOf));
kind(Number.prototype, NUMBER, brand(Number.prototype.valueOf));
kind(String.prototype, STRING, brand(String.prototype.valueOf));
kind(BigInt.prototype, BIGINT, brand(BigInt.prototype.valueOf));
kind(ArrayBuffer.prototype, BUFFER, brand(bufferLength));
kind(DataView.prototype, VIEW, brand(viewLength));
kind(Error.prototype, ERROR, (value) => objectToString.call(value) === "[object Error]");
kind(Symbol.prototype, REFUSED, brand(Symbol.prototype.valueOf));
kind(
  WeakMap.prototype,
  REFUSED,
  brand(function (this: unknown) {
    return WeakMap.prototype.has.call(this as WeakMap<object, unknown>, probe);
  }),
);
kind(
  WeakSet.prototype,
  REFUSED,
  brand(function (this: unknown) {
    return WeakSet.prototype.has.call(this as WeakSet<object>, probe);
  }),
);
if (typeof SharedArrayBuffer === "function") {
  kind(SharedArrayBuffer.prototype, REFUSED, brand(getter(SharedArrayBuffer.prototype, "byteLength")));
}
for (const Typed of Object.values(TYPED_ARRAYS) as { prototype: object }[]) {
  kind(Typed.prototype, TYPED, (value) => typedArrayName.call(value) !== undefined);
}
kind(Promise.prototype, REFUSED);
// Iterators and generators: their prototypes are reachable only through instances.
kind(getPrototypeOf(new Map().entries()), REFUSED);
kind(getPrototypeOf(new Set().values()), REFUSED);
kind(getPrototypeOf([].values()), REFUSED);
kind(getPrototypeOf(""[Symbol.iterator]()), REFUSED);
kind(getPrototypeOf(/ /[Symbol.matchAll]("")), REFUSED);
kind(getPrototypeOf(function* () {}).prototype, REFUSED);
kind(getPrototypeOf(async function* () {}).prototype, REFUSED);

/** Which of the kinds above `value` is, 0 for plain data. */
function kindOf(value: object): number {
  return KINDS.kindOf(value) ?? 0;
}

/** The DataCloneError to throw. */
const refusal = (message: string): Error => domException(message, "DataCloneError");

/**
 * How V8 names a value it refuses: a symbol as `String()` gives it, an object as `#<Class>`, and
 * a function by its source, which module code does not keep here: `[Function: name]` instead.
 */
function describe(value: unknown): string {
  if (typeof value === "function") return value.name ? `[Function: ${value.name}]` : "[Function (anonymous)]";
  if (typeof value === "symbol") return String(value);
  let name = "Object";
  for (let proto = value as object | null; proto !== null; proto = getPrototypeOf(proto)) {
    const ctor = getOwnPropertyDescriptor(proto, "constructor")?.value;
    if (typeof ctor === "function" && ctor.name) {
      name = String(ctor.name);
      break;
    }
  }
  return `#<${name}>`;
}

const refuse = (value: unknown): Error => refusal(`${describe(value)} could not be cloned.`);

const define = (target: object, key: PropertyKey, value: unknown, enumerable: boolean) =>
  defineProperty(target, key, { value, writable: true, enumerable, configurable: true });

/** A copy of `source`'s bytes. */
function copyBuffer(source: ArrayBuffer): ArrayBuffer {
  const copy = new ArrayBuffer(bufferLength.call(source) as number);
  new Uint8Array(copy).set(new Uint8Array(source));
  return copy;
}

/**
 * An object whose children are still to be copied: `items` are the keys to read (plain data), the
 * flattened key/value pairs (maps), the values (sets) or the cause (errors); `next` is the index of
 * the next item. Map entries take two steps, so a key's graph is copied before its value's, as a
 * recursive walk would (getters run in the same order).
 */
interface Pending {
  readonly kind: number;
  readonly source: Dict;
  readonly target: object;
  readonly items: unknown[];
  next: number;
  key?: unknown;
}

/** The clone of `root`: one depth-first walk, its pending objects on an explicit stack. */
function cloneGraph(root: unknown): unknown {
  const memory = new Map<object, unknown>();
  const stack: Pending[] = [];
  const later = (kind: number, source: object, target: object, items: unknown[]) => {
    if (items.length > 0) stack.push({ kind, source: source as Dict, target, items, next: 0 });
  };

  const copy = (value: unknown): unknown => {
    if (typeof value === "function" || typeof value === "symbol") throw refuse(value);
    if (typeof value !== "object" || value === null) return value;
    // One lookup, not has + get: QuickJS hashes object keys poorly, so each one counts.
    const known = memory.get(value);
    if (known !== undefined) return known;
    let target: object;
    if (isArray(value)) {
      target = new Array(value.length);
      memory.set(value, target);
      later(0, value, target, ownKeys(value));
      return target;
    }
    const kind = kindOf(value);
    switch (kind) {
      case 0: {
        // Every arguments object owns `callee`: a cheap test before the telling one.
        if (objectHasOwn.call(value, "callee") && objectToString.call(value) === "[object Arguments]") {
          throw refuse(value);
        }
        target = {};
        memory.set(value, target);
        later(0, value, target, ownKeys(value));
        return target;
      }
      case MAP:
      case SET: {
        const items: unknown[] = [];
        if (kind === MAP) {
          target = new Map();
          mapForEach.call(value, (v: unknown, k: unknown) => items.push(k, v));
        } else {
          target = new Set();
          setForEach.call(value, (v: unknown) => items.push(v));
        }
        memory.set(value, target);
        later(kind, value, target, items);
        return target;
      }
      case DATE:
        target = new Date(Date.prototype.getTime.call(value));
        break;
      case REGEXP: {
        const flags = "gimsuy".replace(/./g, (flag, i: number) => (regExpFlags[i]?.call(value) ? flag : ""));
        target = new RegExp(regExpSource.call(value) as string, flags);
        break;
      }
      case BOOLEAN:
        target = Object(Boolean.prototype.valueOf.call(value));
        break;
      case NUMBER:
        target = Object(Number.prototype.valueOf.call(value));
        break;
      case STRING:
        target = Object(String.prototype.valueOf.call(value));
        break;
      case BIGINT:
        target = Object(BigInt.prototype.valueOf.call(value));
        break;
      case TYPED: {
        const Typed = TYPED_ARRAYS[typedArrayName.call(value) as string] as new (
          buffer: ArrayBuffer,
          offset: number,
          length: number,
        ) => object;
        target = new Typed(
          copy(typedArrayBuffer.call(value)) as ArrayBuffer,
          typedArrayOffset.call(value) as number,
          typedArrayLength.call(value) as number,
        );
        break;
      }
      case BUFFER:
        target = copyBuffer(value as ArrayBuffer);
        break;
      case VIEW:
        target = new DataView(
          copy(viewBuffer.call(value)) as ArrayBuffer,
          viewOffset.call(value) as number,
          viewLength.call(value) as number,
        );
        break;
      case ERROR: {
        // V8's order of reads: name, message (own data property only), stack, cause.
        const name = `${(value as Dict).name}`;
        const message = getOwnPropertyDescriptor(value, "message");
        const stack = (value as Dict).stack;
        const Constructor = (objectHasOwn.call(ERRORS, name) ? ERRORS[name] : Error) as ErrorConstructor;
        target = new Constructor();
        define(target, "stack", typeof stack === "string" ? stack : undefined, false);
        if (message !== undefined && "value" in message) define(target, "message", `${message.value}`, false);
        memory.set(value, target);
        const cause = getOwnPropertyDescriptor(value, "cause");
        if (cause !== undefined && "value" in cause) later(ERROR, value, target, [cause.value]);
        return target;
      }
      default:
        throw refuse(value);
    }
    memory.set(value, target);
    return target;
  };

  const result = copy(root);
  while (stack.length > 0) {
    const pending = stack[stack.length - 1] as Pending;
    const { kind, source, target, items } = pending;
    if (pending.next >= items.length) {
      stack.pop();
      continue;
    }
    const item = items[pending.next++];
    if (kind === 0) {
      const key = item as string;
      // A getter may have deleted a key listed before it: the spec skips it.
      if (objectHasOwn.call(source, key)) {
        const value = copy(source[key]);
        // Assignment is quicker, but would hit `__proto__` and anything Object.prototype has.
        if (key in target) define(target, key, value, true);
        else (target as Dict)[key] = value;
      }
    } else if (kind === MAP) {
      if (pending.next % 2 === 1) pending.key = copy(item);
      else mapSet.call(target as Map<unknown, unknown>, pending.key, copy(item));
    } else if (kind === SET) {
      setAdd.call(target as Set<unknown>, copy(item));
    } else {
      define(target, "cause", copy(item), false);
    }
  }
  return result;
}

/** A TypeError with Node's `code`, so that code written against Node recognises it. */
function typeError(message: string, code: string): TypeError {
  const error = new TypeError(message);
  (error as TypeError & { code: string }).code = code;
  return error;
}

/** Node's checks of the transfer list, then the refusal explained in the module comment. */
function checkTransfer(options: unknown): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" && typeof options !== "function") {
    throw typeError("The options argument must be either an object or undefined", "ERR_INVALID_ARG_TYPE");
  }
  const list = (options as { transfer?: unknown }).transfer;
  if (list === undefined || list === null) return;
  if (typeof list !== "object" || typeof (list as Dict)[Symbol.iterator] !== "function") {
    throw typeError("Optional transferList argument must be an iterable", "ERR_INVALID_ARG_TYPE");
  }
  const seen = new Set<unknown>();
  for (const item of list as Iterable<unknown>) {
    if (kindOf(Object(item)) !== BUFFER || typeof item !== "object") {
      throw typeError("Found invalid object in transferList", "ERR_INVALID_TRANSFER_OBJECT");
    }
    if (seen.has(item)) throw refusal("Transfer list contains duplicate ArrayBuffer");
    seen.add(item);
  }
  if (seen.size > 0) {
    throw refusal("Transferring an ArrayBuffer is not supported in the sandbox: QuickJS cannot detach it.");
  }
}

/** Installs the `clone` group: `structuredClone`. */
export const install: Install = () => ({
  structuredClone: function structuredClone(...args: unknown[]): unknown {
    if (args.length === 0) throw typeError("The value argument must be specified", "ERR_MISSING_ARGS");
    checkTransfer(args[1]);
    return cloneGraph(args[0]);
  },
});
