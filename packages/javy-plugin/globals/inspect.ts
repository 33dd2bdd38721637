/**
 * Node 20's `util.inspect` and `util.format`, for `console` (an internal group: no globals; the
 * prelude loads it through `group("inspect")`). `inspect(value, options)` takes Node's options
 * (`depth`, `showHidden`, `breakLength`, `compact`, `maxArrayLength`, `maxStringLength`, `sorted`,
 * `getters`, `numericSeparator`, `customInspect`) and prints what Node prints, line breaking and
 * array grouping included; an object may format itself through
 * `Symbol.for("nodejs.util.inspect.custom")`, as in Node. `format(...args)` is `util.format`.
 *
 * Where the engine cannot show what V8 shows Node, the output differs on purpose:
 *
 * - A promise prints its state as Node does (`Promise { <pending> }`, `Promise { 1 }`), read through
 *   the plugin (`KilnInternals.promiseState`); without it, `Promise { <unknown> }`. Map and Set iterators print `[Map Iterator] { <items unknown> }`
 *   (their entries cannot be read without consuming them) and `showHidden` cannot list a WeakMap's
 *   or WeakSet's entries. A promise and an iterator are recognised by their prototype chain.
 * - A `Proxy` cannot be told from its target: it is inspected through its traps (Node shows the
 *   target and runs none); `showProxy` does nothing.
 * - Error stacks are QuickJS's, which hold only the frames: `Name: message` is put in front of
 *   them, as V8 puts it, so errors print as in Node but with QuickJS's frames.
 * - Module code keeps no source text, so a class cannot be recognised by its source: a function
 *   whose `prototype` is read-only and that is not one of the built-in constructors prints as a
 *   class (`[class A extends B]`); `%s` prints a function as QuickJS's `String()` does.
 * - `colors` is ignored (no terminal), and widths of non-ASCII text follow Node's table for builds
 *   without ICU (there is no `Intl` here).
 *
 * @module
 */
import type { Install } from "./internals.js";
import { type BrandCheck, getter, KindTable } from "./kinds.js";

type Dict = Record<PropertyKey, unknown>;
type Sorter = (a: string, b: string) => number;

/** Node's defaults; `inspect`'s options override them one by one. */
const DEFAULTS = {
  showHidden: false,
  depth: 2 as number | null,
  colors: false,
  customInspect: true,
  showProxy: false,
  maxArrayLength: 100,
  maxStringLength: 10000,
  breakLength: 80,
  compact: 3 as number | boolean,
  sorted: false as boolean | Sorter,
  getters: false as boolean | "get" | "set",
  numericSeparator: false,
};
type Options = typeof DEFAULTS;

interface Context extends Options {
  seen: unknown[];
  indentationLvl: number;
  currentDepth: number;
  budget: Record<number, number>;
  circular?: Map<unknown, number>;
  userOptions?: Dict;
}

const CUSTOM = Symbol.for("nodejs.util.inspect.custom");
const OBJECT_TYPE = 0;
const ARRAY_TYPE = 1;
const ARRAY_EXTRAS_TYPE = 2;
const MIN_LINE_WIDTH = 16;

const {
  getPrototypeOf,
  getOwnPropertyDescriptor,
  getOwnPropertyNames,
  getOwnPropertySymbols,
  keys: objectKeys,
  isExtensible,
} = Object;
const { isArray } = Array;
const ObjectProto = Object.prototype;
const {
  hasOwnProperty: objectHasOwn,
  propertyIsEnumerable: isEnumerable,
  isPrototypeOf: objectIsPrototypeOf,
  toString: objectToString,
} = ObjectProto;
const inherits = (object: object, proto: object): boolean => objectIsPrototypeOf.call(proto, object);
const hasOwn = (object: unknown, key: PropertyKey): boolean => objectHasOwn.call(object, key);
const errorToString = Error.prototype.toString;
const functionToString = Function.prototype.toString;
const TypedArrayProto = getPrototypeOf(Int8Array.prototype) as object;
const typedArrayName = getter(TypedArrayProto, Symbol.toStringTag);
const typedArrayLength = getter(TypedArrayProto, "length");
const mapSize = getter(Map.prototype, "size");
const setSize = getter(Set.prototype, "size");
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
const regExpSource = getter(RegExp.prototype, "source");
const regExpToString = RegExp.prototype.toString;
const dateGetTime = Date.prototype.getTime;
const protoOf = (value: unknown) => getPrototypeOf(value) as object;
const GeneratorFunctionProto = protoOf(function* () {});
const AsyncFunctionProto = protoOf(async () => {});
const AsyncGeneratorFunctionProto = protoOf(async function* () {});

// The kinds of object V8 tells apart by their internal slots; see `kindOf`.
const MAP = 1;
const SET = 2;
const DATE = 3;
const REGEXP = 4;
const ERROR = 5;
const ARRAY_BUFFER = 6;
const SHARED_BUFFER = 7;
const DATA_VIEW = 8;
const PROMISE = 9;
const WEAK_SET = 10;
const WEAK_MAP = 11;
// 12 to 16: the Number, String, Boolean, BigInt and Symbol wrappers, in WRAPPERS' order.
const NUMBER = 12;
const STRING = 13;
const SYMBOL = 16;
const MAP_ITERATOR = 17;
const SET_ITERATOR = 18;
const MODULE = 19;
const ARGUMENTS = 20;

/** The kind's name as V8's class name, for objects without a constructor. */
const KIND_NAMES =
  ",Map,Set,Date,RegExp,Error,ArrayBuffer,SharedArrayBuffer,DataView,Promise,WeakSet,WeakMap,Number,String,Boolean,BigInt,Symbol,Object,Object,Module,Object".split(
    ",",
  );

/**
 * Built-in prototypes by kind, each with its brand check (which throws for a value of another
 * kind). Without one (promises, iterators) the prototype chain decides; errors follow Node's
 * `isError`, which accepts anything `instanceof Error`.
 */
const KINDS = new KindTable();
const kind = (proto: unknown, id: number, check?: BrandCheck) => KINDS.add(proto, id, check);
const probe = {};
kind(Map.prototype, MAP, (v) => mapSize.call(v));
kind(Set.prototype, SET, (v) => setSize.call(v));
kind(Date.prototype, DATE, (v) => dateGetTime.call(v));
kind(RegExp.prototype, REGEXP, (v) => regExpSource.call(v));
kind(Error.prototype, ERROR);
kind(ArrayBuffer.prototype, ARRAY_BUFFER, (v) => bufferLength.call(v));
if (typeof SharedArrayBuffer === "function") {
  const sharedLength = getter(SharedArrayBuffer.prototype, "byteLength");
  kind(SharedArrayBuffer.prototype, SHARED_BUFFER, (v) => sharedLength.call(v));
}
const viewLength = getter(DataView.prototype, "byteLength");
kind(DataView.prototype, DATA_VIEW, (v) => viewLength.call(v));
kind(Promise.prototype, PROMISE);
// `has` throws for anything else; its answer (false for a real one) is not the check's.
kind(WeakSet.prototype, WEAK_SET, (v) => void WeakSet.prototype.has.call(v, probe));
kind(WeakMap.prototype, WEAK_MAP, (v) => void WeakMap.prototype.has.call(v, probe));
/** The wrappers' `valueOf`, in kind order from NUMBER: each is also the wrapper's brand check. */
const WRAPPERS = [Number, String, Boolean, BigInt, Symbol];
const VALUE_OF = WRAPPERS.map((type) => type.prototype.valueOf as (this: unknown) => unknown);
for (const [i, type] of WRAPPERS.entries()) {
  // `valueOf` throws for anything else; its answer (`false` for `new Boolean(false)`) is not the check's.
  kind(type.prototype, NUMBER + i, (v) => void (VALUE_OF[i] as (this: unknown) => unknown).call(v));
}
kind(protoOf(new Map().entries()), MAP_ITERATOR);
kind(protoOf(new Set().values()), SET_ITERATOR);

/** The kind of `value` (one of the constants above), 0 for any other object. */
function kindOf(value: object): number {
  const found = KINDS.kindOf(value);
  if (found !== undefined) return found;
  // Without a telling prototype, only the engine's own class tag is left.
  const tag = objectToString.call(value);
  if (tag === "[object Error]") return ERROR;
  if (tag === "[object Arguments]") return ARGUMENTS;
  if (tag === "[object Module]" && getPrototypeOf(value) === null && !isExtensible(value)) return MODULE;
  return 0;
}

/** The ES constructors, which print as functions although their `prototype` is read-only. */
let builtinConstructors: Set<unknown> | undefined;
function isBuiltinConstructor(fn: unknown): boolean {
  if (builtinConstructors === undefined) {
    builtinConstructors = new Set([
      protoOf(Int8Array),
      GeneratorFunctionProto.constructor,
      AsyncFunctionProto.constructor,
      AsyncGeneratorFunctionProto.constructor,
    ]);
    for (const name of "Object Function Array Number Boolean String Symbol BigInt Date RegExp Error EvalError RangeError ReferenceError SyntaxError TypeError URIError InternalError AggregateError Map Set WeakMap WeakSet WeakRef FinalizationRegistry Promise ArrayBuffer SharedArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array BigInt64Array BigUint64Array Float32Array Float64Array".split(
      " ",
    )) {
      const descriptor = getOwnPropertyDescriptor(globalThis, name);
      if (descriptor !== undefined && "value" in descriptor) builtinConstructors.add(descriptor.value);
    }
  }
  return builtinConstructors.has(fn);
}

/** Names of the global constructors: objects whose `toString` comes from one print via `inspect` for `%s`. */
const builtInObjects = new Set(getOwnPropertyNames(globalThis).filter((name) => /^[A-Z][a-zA-Z0-9]+$/.test(name)));

// ---- strings ----------------------------------------------------------------------------------

/** What Node escapes in a string literal: control characters, `chars`, lone surrogates. */
const escapes = (chars: string) =>
  new RegExp(
    `[\\x00-\\x1f\\x7f-\\x9f${chars}]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`,
    "g",
  );
const ESCAPE = escapes("'\\\\");
const ESCAPE_NO_QUOTE = escapes("\\\\");
const KEY = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const INDEX = /^(0|[1-9][0-9]*)$/;
const NAMED_ESCAPES: Record<number, string> = {
  8: "\\b",
  9: "\\t",
  10: "\\n",
  12: "\\f",
  13: "\\r",
  39: "\\'",
  92: "\\\\",
};

const escapeChar = (char: string): string => {
  const code = char.charCodeAt(0);
  return (
    NAMED_ESCAPES[code] ??
    (code < 0xa0 ? `\\x${code.toString(16).toUpperCase().padStart(2, "0")}` : `\\u${code.toString(16)}`)
  );
};

/** A string literal as Node writes one: single quotes, else double quotes, else backticks. */
function quote(str: string): string {
  let mark = "'";
  if (str.includes("'")) {
    if (!str.includes('"')) mark = '"';
    else if (!str.includes("`") && !str.includes("${")) mark = "`";
  }
  return mark + str.replace(mark === "'" ? ESCAPE : ESCAPE_NO_QUOTE, escapeChar) + mark;
}

const isFullWidth = (code: number): boolean =>
  code >= 0x1100 &&
  (code <= 0x115f ||
    code === 0x2329 ||
    code === 0x232a ||
    (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) ||
    (code >= 0x3250 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0xa4c6) ||
    (code >= 0xa960 && code <= 0xa97c) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe10 && code <= 0xfe19) ||
    (code >= 0xfe30 && code <= 0xfe6b) ||
    (code >= 0xff01 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1b000 && code <= 0x1b001) ||
    (code >= 0x1f200 && code <= 0x1f251) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x20000 && code <= 0x3fffd));

const isZeroWidth = (code: number): boolean =>
  code <= 0x1f ||
  (code >= 0x7f && code <= 0x9f) ||
  (code >= 0x300 && code <= 0x36f) ||
  (code >= 0x200b && code <= 0x200f) ||
  (code >= 0x20d0 && code <= 0x20ff) ||
  (code >= 0xfe00 && code <= 0xfe0f) ||
  (code >= 0xfe20 && code <= 0xfe2f) ||
  (code >= 0xe0100 && code <= 0xe01ef);

/** Columns `str` takes in a terminal: ASCII counted directly, the rest by Node's width table. */
function stringWidth(str: string): number {
  let width = 0;
  for (let i = 0; i < str.length; i++) {
    const code = str.charCodeAt(i);
    if (code >= 127) {
      for (const char of str.slice(i).normalize("NFC")) {
        const point = char.codePointAt(0) as number;
        width += isFullWidth(point) ? 2 : isZeroWidth(point) ? 0 : 1;
      }
      break;
    }
    width += code >= 32 ? 1 : 0;
  }
  return width;
}

// ---- primitives -------------------------------------------------------------------------------

function groupDigits(digits: string): string {
  let result = "";
  let i = digits.length;
  const start = digits[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) result = `_${digits.slice(i - 3, i)}${result}`;
  return i === digits.length ? digits : `${digits.slice(0, i)}${result}`;
}

function formatNumber(number: number, separators: boolean): string {
  if (Object.is(number, -0)) return "-0";
  const text = `${number}`;
  if (!separators || !Number.isFinite(number) || text.includes("e")) return text;
  if (Math.trunc(number) === number) return groupDigits(text);
  const point = text.indexOf(".");
  const fraction = text.slice(point + 1).replace(/(\d{3})(?=\d)/g, "$1_");
  return `${groupDigits(text.slice(0, point))}.${fraction}`;
}

const formatBigInt = (bigint: bigint, separators: boolean): string =>
  `${separators ? groupDigits(`${bigint}`) : bigint}n`;

const remainingText = (remaining: number) => `... ${remaining} more item${remaining > 1 ? "s" : ""}`;

function formatPrimitive(value: unknown, ctx: Context): string {
  if (typeof value === "string") {
    let trailer = "";
    let str = value;
    if (str.length > ctx.maxStringLength) {
      const remaining = str.length - ctx.maxStringLength;
      str = str.slice(0, ctx.maxStringLength);
      trailer = `... ${remaining} more character${remaining > 1 ? "s" : ""}`;
    }
    if (ctx.compact !== true && str.length > MIN_LINE_WIDTH && str.length > ctx.breakLength - ctx.indentationLvl - 4) {
      return (
        str
          .split(/(?<=\n)/)
          .map(quote)
          .join(` +\n${" ".repeat(ctx.indentationLvl + 2)}`) + trailer
      );
    }
    return quote(str) + trailer;
  }
  if (typeof value === "number") return formatNumber(value, ctx.numericSeparator);
  if (typeof value === "bigint") return formatBigInt(value, ctx.numericSeparator);
  if (typeof value === "symbol") return value.toString();
  return `${value}`;
}

// ---- objects ----------------------------------------------------------------------------------

const instanceOf = (object: unknown, ctor: unknown): boolean => {
  try {
    return object instanceof (ctor as new () => unknown);
  } catch {
    return false;
  }
};

/**
 * The name of the first constructor up the prototype chain that `obj` is an instance of, `null`
 * for a null prototype, or `Name <Parent>` for chains without one. With `showHidden`, it also
 * collects the prototypes' own properties (`protoProps`), as Node does.
 */
function constructorName(obj: object, ctx: Context, recurseTimes: number, protoProps?: string[]): string | null {
  let firstProto: object | null | undefined;
  let current: object | null = obj;
  while (current !== null) {
    if (current === ObjectProto || current === Function.prototype) {
      if (inherits(obj, current)) {
        if (protoProps !== undefined && firstProto !== current) {
          addPrototypeProperties(ctx, obj, firstProto || obj, recurseTimes, protoProps);
        }
        return current === ObjectProto ? "Object" : "Function";
      }
    }
    const descriptor = getOwnPropertyDescriptor(current, "constructor");
    const ctor = descriptor?.value;
    if (typeof ctor === "function" && ctor.name !== "" && instanceOf(obj, ctor)) {
      if (protoProps !== undefined && (firstProto !== current || !builtInObjects.has(ctor.name))) {
        addPrototypeProperties(ctx, obj, firstProto || obj, recurseTimes, protoProps);
      }
      return String(ctor.name);
    }
    current = getPrototypeOf(current);
    if (firstProto === undefined) firstProto = current;
  }
  if (firstProto === null) return null;
  const own = internalName(obj);
  if (ctx.depth !== null && recurseTimes > ctx.depth) return `${own} <Complex prototype>`;
  const parent = constructorName(firstProto as object, ctx, recurseTimes + 1, protoProps);
  if (parent === null) {
    return `${own} <${inspect(firstProto, { ...optionsOf(ctx), customInspect: false, depth: -1 })}>`;
  }
  return `${own} <${parent}>`;
}

/** V8's class name for an object (what it was created as, whatever its prototype now is). */
function internalName(value: object): string {
  if (typeof value === "function") return "Function";
  if (isArray(value)) return "Array";
  const typed = typedArrayName.call(value);
  if (typed !== undefined) return typed as string;
  const kind = KIND_NAMES[kindOf(value)];
  if (kind) return kind;
  // V8 then takes a string Symbol.toStringTag held as a data property (getters are not run).
  for (let proto: object | null = value; proto !== null; proto = getPrototypeOf(proto)) {
    const tag = getOwnPropertyDescriptor(proto, Symbol.toStringTag)?.value;
    if (typeof tag === "string") return tag;
  }
  return "Object";
}

function addPrototypeProperties(ctx: Context, main: object, start: object, recurseTimes: number, output: string[]) {
  let depth = 0;
  let keys: PropertyKey[] = [];
  let keySet = new Set<PropertyKey>();
  let obj: object | null = start;
  do {
    if (depth !== 0 || main === obj) {
      obj = getPrototypeOf(obj);
      if (obj === null) return;
      const ctor = getOwnPropertyDescriptor(obj, "constructor")?.value;
      if (typeof ctor === "function" && builtInObjects.has(ctor.name)) return;
    }
    if (depth === 0) keySet = new Set();
    else for (const key of keys) keySet.add(key);
    keys = Reflect.ownKeys(obj as object);
    ctx.seen.push(main);
    for (const key of keys) {
      if (key === "constructor" || hasOwn(main, key) || (depth !== 0 && keySet.has(key))) continue;
      const descriptor = getOwnPropertyDescriptor(obj, key) as PropertyDescriptor;
      if (typeof descriptor.value === "function") continue;
      output.push(formatProperty(ctx, obj as object, recurseTimes, key, OBJECT_TYPE, descriptor, main));
    }
    ctx.seen.pop();
  } while (++depth !== 3);
}

function prefix(ctor: string | null, tag: string, fallback: string, size = ""): string {
  if (ctor === null) {
    if (tag !== "" && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== "" && ctor !== tag) return `${ctor}${size} [${tag}] `;
  return `${ctor}${size} `;
}

function getKeys(value: object, showHidden: boolean): PropertyKey[] {
  const symbols = getOwnPropertySymbols(value);
  let keys: PropertyKey[];
  if (showHidden) {
    keys = getOwnPropertyNames(value);
    keys.push(...symbols);
    return keys;
  }
  try {
    keys = objectKeys(value);
  } catch {
    // A module namespace with a binding still in its temporal dead zone.
    keys = getOwnPropertyNames(value);
  }
  for (const symbol of symbols) if (isEnumerable.call(value, symbol)) keys.push(symbol);
  return keys;
}

const isIndex = (key: PropertyKey) => typeof key === "string" && INDEX.test(key) && +key < 4294967295;

/** Own keys that are not array indices: V8's `getOwnNonIndexProperties`. */
const nonIndexKeys = (value: object, showHidden: boolean) =>
  (showHidden ? Reflect.ownKeys(value) : getKeys(value, false)).filter((key) => !isIndex(key));

function ctxStyle(value: object, ctor: string | null, tag: string): string {
  let fallback = "";
  if (ctor === null) {
    fallback = internalName(value);
    if (fallback === tag) fallback = "Object";
  }
  return prefix(ctor, tag, fallback);
}

function optionsOf(ctx: Context): Dict {
  const options: Dict = { stylize: (text: unknown) => text };
  for (const key of objectKeys(DEFAULTS)) options[key] = ctx[key as keyof Options];
  return { ...options, ...ctx.userOptions };
}

function formatValue(ctx: Context, value: unknown, recurseTimes: number, typedArray?: boolean): string {
  if (typeof value !== "object" && typeof value !== "function") return formatPrimitive(value, ctx);
  if (value === null) return "null";
  const obj = value as Dict;
  if (ctx.customInspect) {
    const custom = obj[CUSTOM];
    const ctor = obj.constructor as unknown as Dict | undefined;
    if (typeof custom === "function" && custom !== inspect && !(ctor && ctor.prototype === obj)) {
      const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
      const result = custom.call(value, depth, optionsOf(ctx), inspect);
      if (result !== value) {
        if (typeof result !== "string") return formatValue(ctx, result, recurseTimes);
        return result.split("\n").join(`\n${" ".repeat(ctx.indentationLvl)}`);
      }
    }
  }
  if (ctx.seen.includes(value)) {
    let index = 1;
    if (ctx.circular === undefined) {
      ctx.circular = new Map([[value, index]]);
    } else {
      index = ctx.circular.get(value) ?? ctx.circular.size + 1;
      ctx.circular.set(value, index);
    }
    return `[Circular *${index}]`;
  }
  return formatRaw(ctx, value, recurseTimes, typedArray);
}

type Formatter = (ctx: Context, value: object, recurseTimes: number) => string[];
const noEntries: Formatter = () => [];

function formatRaw(ctx: Context, value: object, recurseTimes: number, typedArray?: boolean): string {
  let keys: PropertyKey[] = [];
  let protoProps: string[] | undefined;
  if (ctx.showHidden && (ctx.depth === null || recurseTimes <= ctx.depth)) protoProps = [];
  const ctor = constructorName(value, ctx, recurseTimes, protoProps);
  if (protoProps !== undefined && protoProps.length === 0) protoProps = undefined;

  let tag = (value as Dict)[Symbol.toStringTag];
  // A tag that is an own property (enumerable, unless showHidden) is printed as a key already.
  if (
    typeof tag !== "string" ||
    (tag !== "" && (ctx.showHidden ? objectHasOwn : isEnumerable).call(value, Symbol.toStringTag))
  ) {
    tag = "";
  }
  const tagText = tag as string;
  let base = "";
  let formatter: Formatter = noEntries;
  let braces: [string, string] = ["{", "}"];
  let noIterator = true;
  let extrasType = OBJECT_TYPE;
  const kind = kindOf(value);
  const isBare = () => keys.length === 0 && protoProps === undefined;

  if (Symbol.iterator in value || ctor === null) {
    noIterator = false;
    const typed = typedArrayName.call(value) as string | undefined;
    if (isArray(value)) {
      const start = ctor !== "Array" || tagText !== "" ? prefix(ctor, tagText, "Array", `(${value.length})`) : "";
      keys = nonIndexKeys(value, ctx.showHidden);
      braces = [`${start}[`, "]"];
      if (value.length === 0 && isBare()) return `${braces[0]}]`;
      extrasType = ARRAY_EXTRAS_TYPE;
      formatter = formatArray;
    } else if (kind === SET || kind === MAP) {
      const size = (kind === SET ? setSize : mapSize).call(value) as number;
      const start = prefix(ctor, tagText, kind === SET ? "Set" : "Map", `(${size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = kind === SET ? formatSet : formatMap;
      if (size === 0 && isBare()) return `${start}{}`;
      braces = [`${start}{`, "}"];
    } else if (typed !== undefined) {
      keys = nonIndexKeys(value, ctx.showHidden);
      const size = typedArrayLength.call(value) as number;
      const start = prefix(ctor, tagText, ctor === null ? typed : "", `(${size})`);
      braces = [`${start}[`, "]"];
      if (size === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      formatter = (c, v, r) => formatTypedArray(c, v as ArrayLike<number | bigint> & Dict, size, r);
      extrasType = ARRAY_EXTRAS_TYPE;
    } else if (kind === MAP_ITERATOR || kind === SET_ITERATOR) {
      keys = getKeys(value, ctx.showHidden);
      const type = kind === MAP_ITERATOR ? "Map" : "Set";
      braces = [
        `[${tagText !== `${type} Iterator` ? `${tagText ? `${tagText}] [` : ""}${type} Iterator` : tagText}] {`,
        "}",
      ];
      formatter = unknownItems;
    } else {
      noIterator = true;
    }
  }
  if (noIterator) {
    keys = getKeys(value, ctx.showHidden);
    braces = ["{", "}"];
    if (typeof value === "function") {
      base = functionBase(value, ctor, tagText);
      if (isBare()) return base;
    } else if (ctor === "Object") {
      if (kind === ARGUMENTS) braces[0] = "[Arguments] {";
      else if (tagText !== "") braces[0] = `${prefix(ctor, tagText, "Object")}{`;
      if (isBare()) return `${braces[0]}}`;
    } else if (kind === REGEXP) {
      base = regExpToString.call(ctor !== null ? value : new RegExp(value as RegExp));
      const start = prefix(ctor, tagText, "RegExp");
      if (start !== "RegExp ") base = `${start}${base}`;
      if (isBare() || (ctx.depth !== null && recurseTimes > ctx.depth)) return base;
    } else if (kind === DATE) {
      const time = dateGetTime.call(value);
      base = Number.isNaN(time) ? Date.prototype.toString.call(value) : Date.prototype.toISOString.call(value);
      const start = prefix(ctor, tagText, "Date");
      if (start !== "Date ") base = `${start}${base}`;
      if (isBare()) return base;
    } else if (kind === ERROR) {
      base = formatError(value as Error, ctor, tagText, ctx, keys);
      if (isBare()) return base;
    } else if (kind === ARRAY_BUFFER || kind === SHARED_BUFFER) {
      const start = prefix(ctor, tagText, kind === ARRAY_BUFFER ? "ArrayBuffer" : "SharedArrayBuffer");
      if (typedArray === undefined) {
        formatter = formatArrayBuffer;
      } else if (isBare()) {
        return `${start}{ byteLength: ${formatNumber((value as ArrayBuffer).byteLength, false)} }`;
      }
      braces[0] = `${start}{`;
      keys.unshift("byteLength");
    } else if (kind === DATA_VIEW) {
      braces[0] = `${prefix(ctor, tagText, "DataView")}{`;
      keys.unshift("byteLength", "byteOffset", "buffer");
    } else if (kind === PROMISE) {
      braces[0] = `${prefix(ctor, tagText, "Promise")}{`;
      formatter = formatPromise;
    } else if (kind === WEAK_SET || kind === WEAK_MAP) {
      braces[0] = `${prefix(ctor, tagText, kind === WEAK_SET ? "WeakSet" : "WeakMap")}{`;
      formatter = unknownItems;
    } else if (kind === MODULE) {
      braces[0] = `${prefix(ctor, tagText, "Module")}{`;
      const names = keys;
      keys = [];
      formatter = (c, v, r) => formatNamespace(c, v, r, names);
    } else if (kind >= NUMBER && kind <= SYMBOL) {
      base = boxedBase(value, ctx, keys, ctor, tagText, kind);
      if (isBare()) return base;
    } else {
      if (isBare()) return `${ctxStyle(value, ctor, tagText)}{}`;
      braces[0] = `${ctxStyle(value, ctor, tagText)}{`;
    }
  }

  if (ctx.depth !== null && recurseTimes > ctx.depth) {
    const name = ctxStyle(value, ctor, tagText).slice(0, -1);
    return ctor !== null ? `[${name}]` : name;
  }
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  let output: string[];
  const indentationLvl = ctx.indentationLvl;
  try {
    output = formatter(ctx, value, recurseTimes);
    for (const key of keys) output.push(formatProperty(ctx, value, recurseTimes, key, extrasType));
    if (protoProps !== undefined) output.push(...protoProps);
  } catch (error) {
    // QuickJS's stack overflow: say so instead of failing, as Node does with V8's.
    if (!(error instanceof Error && error.name === "InternalError" && error.message === "stack overflow")) throw error;
    ctx.seen.pop();
    ctx.indentationLvl = indentationLvl;
    const name = ctxStyle(value, ctor, tagText).slice(0, -1);
    return `[${name}: Inspection interrupted prematurely. Maximum call stack size exceeded.]`;
  }
  if (ctx.circular !== undefined) {
    const index = ctx.circular.get(value);
    if (index !== undefined) {
      const reference = `<ref *${index}>`;
      if (ctx.compact !== true) base = base === "" ? reference : `${reference} ${base}`;
      else braces[0] = `${reference} ${braces[0]}`;
    }
  }
  ctx.seen.pop();
  if (ctx.sorted) {
    const comparator = ctx.sorted === true ? undefined : ctx.sorted;
    if (extrasType === OBJECT_TYPE) {
      output.sort(comparator);
    } else if (keys.length > 1) {
      const sorted = output.slice(output.length - keys.length).sort(comparator);
      output.splice(output.length - keys.length, keys.length, ...sorted);
    }
  }
  const result = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  const length = (ctx.budget[ctx.indentationLvl] || 0) + result.length;
  ctx.budget[ctx.indentationLvl] = length;
  // As Node: past 2 ** 27 characters at one level, stop descending.
  if (length > 2 ** 27) ctx.depth = -1;
  return result;
}

const unknownItems: Formatter = () => ["<items unknown>"];

/** Reads a promise's state without waiting for it (the plugin's `promiseState`); set by `install`. */
let promiseState: ((promise: object) => readonly [state: 0 | 1 | 2, result: unknown] | undefined) | undefined;

/** As Node prints a promise: `<pending>`, its value, or `<rejected>` and its reason. */
const formatPromise: Formatter = (ctx, value, recurseTimes) => {
  const details = promiseState?.(value);
  if (details === undefined) return ["<unknown>"];
  const [state, result] = details;
  if (state === 0) return ["<pending>"];
  ctx.indentationLvl += 2;
  const text = formatValue(ctx, result, recurseTimes);
  ctx.indentationLvl -= 2;
  return [state === 2 ? `<rejected> ${text}` : text];
};

function boxedBase(
  value: object,
  ctx: Context,
  keys: PropertyKey[],
  ctor: string | null,
  tag: string,
  kind: number,
): string {
  const type = KIND_NAMES[kind] as string;
  // The wrapped value, without the index keys a String object lists.
  if (kind === STRING) keys.splice(0, (value as { length: number }).length);
  let base = `[${type}`;
  if (type !== ctor) base += ctor === null ? " (null prototype)" : ` (${ctor})`;
  base += `: ${formatPrimitive((VALUE_OF[kind - NUMBER] as (this: unknown) => unknown).call(value), ctx)}]`;
  if (tag !== "" && tag !== ctor) base += ` [${tag}]`;
  return base;
}

function classBase(value: Dict, ctor: string | null, tag: string): string {
  const name = (hasOwn(value, "name") && value.name) || "(anonymous)";
  let base = `class ${name}`;
  if (ctor !== "Function" && ctor !== null) base += ` [${ctor}]`;
  if (tag !== "" && ctor !== tag) base += ` [${tag}]`;
  if (ctor !== null) {
    const superName = (getPrototypeOf(value) as Dict).name;
    if (superName) base += ` extends ${superName}`;
  } else {
    base += " extends [null prototype]";
  }
  return `[${base}]`;
}

/** Whether `fn` is a class: by its source when QuickJS kept it, else by its read-only `prototype`. */
function isClass(fn: Dict): boolean {
  const source = functionToString.call(fn);
  if (source.startsWith("class") && source.endsWith("}")) {
    const slice = source.slice(5, -1);
    const brace = slice.indexOf("{");
    if (
      brace !== -1 &&
      (!slice.slice(0, brace).includes("(") ||
        /^(\s+[^(]*?)\s*{/.test(slice.replace(/(\/\/.*?\n)|(\/\*(.|\n)*?\*\/)/g, "")))
    ) {
      return true;
    }
  }
  if (!source.endsWith("[native code]\n}")) return false;
  const descriptor = getOwnPropertyDescriptor(fn, "prototype");
  return descriptor !== undefined && descriptor.writable === false && !isBuiltinConstructor(fn);
}

function functionBase(value: object, ctor: string | null, tag: string): string {
  const fn = value as Dict;
  if (isClass(fn)) return classBase(fn, ctor, tag);
  let type = "Function";
  const asyncGenerator = inherits(fn, AsyncGeneratorFunctionProto);
  if (asyncGenerator || inherits(fn, GeneratorFunctionProto)) type = `Generator${type}`;
  if (asyncGenerator || inherits(fn, AsyncFunctionProto)) type = `Async${type}`;
  let base = `[${type}`;
  if (ctor === null) base += " (null prototype)";
  base += fn.name === "" ? " (anonymous)" : `: ${fn.name}`;
  base += "]";
  if (ctor !== type && ctor !== null) base += ` ${ctor}`;
  if (tag !== "" && ctor !== tag) base += ` [${tag}]`;
  return base;
}

/**
 * An error's stack as V8 writes it. QuickJS's `stack` holds only the frames (`    at f (file:1)`),
 * so the `Name: message` line V8 starts with is put in front of them.
 */
function errorStack(error: Error): string {
  const stack = error.stack;
  if (!stack) return errorToString.call(error);
  const text = String(stack);
  if (!text.startsWith("    at ")) return text;
  return `${errorToString.call(error)}\n${text.replace(/\n+$/, "")}`;
}

function identicalSequenceRange(a: string[], b: string[]): { len: number; offset: number } {
  for (let i = 0; i < a.length - 3; i++) {
    const pos = b.indexOf(a[i] as string);
    if (pos !== -1) {
      const rest = b.length - pos;
      if (rest > 3) {
        let len = 1;
        const maxLen = Math.min(a.length - i, rest);
        while (maxLen > len && a[i + len] === b[pos + len]) len++;
        if (len > 3) return { len, offset: i };
      }
    }
  }
  return { len: 0, offset: 0 };
}

function stackFrames(error: Error, stack: string): string[] {
  const frames = stack.split("\n");
  let cause: unknown;
  try {
    cause = (error as unknown as Dict).cause;
  } catch {}
  // Frames the cause shares with the error are elided, as Node elides them.
  if (cause != null && typeof cause === "object" && kindOf(cause) === ERROR) {
    const causeStack = errorStack(cause as Error);
    const start = causeStack.indexOf("\n    at");
    if (start !== -1) {
      const { len, offset } = identicalSequenceRange(frames, causeStack.slice(start + 1).split("\n"));
      if (len > 0) {
        const skipped = len - 2;
        frames.splice(offset + 1, skipped, `    ... ${skipped} lines matching cause stack trace ...`);
      }
    }
  }
  return frames;
}

function improveStack(stack: string, ctor: string | null, name: string, tag: string): string {
  let len = name.length;
  if (
    ctor === null ||
    (name.endsWith("Error") &&
      stack.startsWith(name) &&
      (stack.length === len || stack[len] === ":" || stack[len] === "\n"))
  ) {
    let fallback = "Error";
    if (ctor === null) {
      const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n {4}at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
      fallback = start?.[1] || "";
      len = fallback.length;
      fallback = fallback || "Error";
    }
    const start = prefix(ctor, tag, fallback).slice(0, -1);
    if (name !== start) {
      if (start.includes(name)) {
        stack = len === 0 ? `${start}: ${stack}` : `${start}${stack.slice(len)}`;
      } else {
        stack = `${start} [${name}]${stack.slice(len)}`;
      }
    }
  }
  return stack;
}

function formatError(error: Error, ctor: string | null, tag: string, ctx: Context, keys: PropertyKey[]): string {
  const err = error as unknown as Dict;
  const name = err.name != null ? String(err.name) : "Error";
  let stack = errorStack(error);
  if (!ctx.showHidden && keys.length !== 0) {
    for (const key of ["name", "message", "stack"]) {
      const index = keys.indexOf(key);
      // Only hidden when the stack shows it already.
      if (index !== -1 && stack.includes(err[key] as string)) keys.splice(index, 1);
    }
  }
  if ("cause" in error && !keys.includes("cause")) keys.push("cause");
  if (isArray(err.errors) && !keys.includes("errors")) keys.push("errors");
  stack = improveStack(stack, ctor, name, tag);

  const message = err.message as string;
  let pos = (message && stack.indexOf(message)) || -1;
  if (pos !== -1) pos += message.length;
  const stackStart = stack.indexOf("\n    at", pos);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else {
    const frames = stackFrames(error, stack.slice(stackStart + 1));
    stack = `${stack.slice(0, stackStart)}\n${frames.join("\n")}`;
  }
  if (ctx.indentationLvl !== 0) stack = stack.split("\n").join(`\n${" ".repeat(ctx.indentationLvl)}`);
  return stack;
}

function groupArrayElements(ctx: Context, output: string[], value: unknown): string[] {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  // The "... more items" entry is not grouped.
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLen: number[] = [];
  for (let i = 0; i < outputLength; i++) {
    const len = stringWidth(output[i] as string);
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  // At least three columns must fit, and no entry may dwarf the others.
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      // Roughly square output, taking a character as 2.5 times as high as wide.
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      (ctx.compact as number) * 4,
      15,
    );
    if (columns <= 1) return output;
    const grouped: string[] = [];
    const maxLineLength: number[] = [];
    for (let i = 0; i < columns; i++) {
      let lineMaxLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if ((dataLen[j] as number) > lineMaxLength) lineMaxLength = dataLen[j] as number;
      }
      maxLineLength.push(lineMaxLength + separatorSpace);
    }
    // Numbers are right-aligned, anything else left-aligned.
    let padStart = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        const item = (value as Dict)[i];
        if (typeof item !== "number" && typeof item !== "bigint") {
          padStart = false;
          break;
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let line = "";
      let j = i;
      for (; j < max - 1; j++) {
        const padding = (maxLineLength[j - i] as number) + (output[j] as string).length - (dataLen[j] as number);
        line += padStart ? `${output[j]}, `.padStart(padding, " ") : `${output[j]}, `.padEnd(padding, " ");
      }
      if (padStart) {
        const padding =
          (maxLineLength[j - i] as number) + (output[j] as string).length - (dataLen[j] as number) - separatorSpace;
        line += (output[j] as string).padStart(padding, " ");
      } else {
        line += output[j];
      }
      grouped.push(line);
    }
    if (ctx.maxArrayLength < output.length) grouped.push(output[outputLength] as string);
    return grouped;
  }
  return output;
}

function isBelowBreakLength(ctx: Context, output: string[], start: number, base: string): boolean {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    totalLength += entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === "" || !base.includes("\n");
}

function reduceToSingleString(
  ctx: Context,
  output: string[],
  base: string,
  braces: [string, string],
  extrasType: number,
  recurseTimes: number,
  value?: unknown,
): string {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === "number" && ctx.compact >= 1) {
      const entries = output.length;
      if (extrasType === ARRAY_EXTRAS_TYPE && entries > 6) output = groupArrayElements(ctx, output, value);
      // The innermost `compact` levels go on one line if they fit and were not grouped.
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joined = output.join(", ");
          if (!joined.includes("\n")) return `${base ? `${base} ` : ""}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
    const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ""}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }
  if (isBelowBreakLength(ctx, output, 0, base)) {
    return `${braces[0]}${base ? ` ${base}` : ""} ${output.join(", ")} ${braces[1]}`;
  }
  const indentation = " ".repeat(ctx.indentationLvl);
  const ln = base === "" && braces[0].length === 1 ? " " : `${base ? ` ${base}` : ""}\n${indentation}  `;
  return `${braces[0]}${ln}${output.join(`,\n${indentation}  `)} ${braces[1]}`;
}

function formatProperty(
  ctx: Context,
  value: object,
  recurseTimes: number,
  key: PropertyKey,
  type: number,
  descriptor?: PropertyDescriptor,
  original: object = value,
): string {
  let str: string;
  let extra = " ";
  const desc = descriptor || getOwnPropertyDescriptor(value, key) || { value: (value as Dict)[key], enumerable: true };
  if (desc.value !== undefined) {
    const diff = ctx.compact !== true || type !== OBJECT_TYPE ? 2 : 3;
    ctx.indentationLvl += diff;
    str = formatValue(ctx, desc.value, recurseTimes);
    if (diff === 3 && ctx.breakLength < stringWidth(str)) extra = `\n${" ".repeat(ctx.indentationLvl)}`;
    ctx.indentationLvl -= diff;
  } else if (desc.get !== undefined) {
    const label = desc.set !== undefined ? "Getter/Setter" : "Getter";
    const { getters } = ctx;
    if (
      getters === true ||
      (getters === "get" && desc.set === undefined) ||
      (getters === "set" && desc.set !== undefined)
    ) {
      try {
        const result = desc.get.call(original);
        ctx.indentationLvl += 2;
        if (result === null) str = `[${label}: null]`;
        else if (typeof result === "object") str = `[${label}] ${formatValue(ctx, result, recurseTimes)}`;
        else str = `[${label}: ${formatPrimitive(result, ctx)}]`;
        ctx.indentationLvl -= 2;
      } catch (error) {
        str = `[${label}: <Inspection threw (${(error as Error).message})>]`;
      }
    } else {
      str = `[${label}]`;
    }
  } else if (desc.set !== undefined) {
    str = "[Setter]";
  } else {
    str = "undefined";
  }
  if (type === ARRAY_TYPE) return str;
  let name: string;
  if (typeof key === "symbol") name = `[${key.toString().replace(ESCAPE, escapeChar)}]`;
  else if (key === "__proto__") name = "['__proto__']";
  else if (desc.enumerable === false) name = `[${key.toString().replace(ESCAPE, escapeChar)}]`;
  else if (KEY.test(key as string)) name = key as string;
  else name = quote(key as string);
  return `${name}:${extra}${str}`;
}

function formatArray(ctx: Context, value: object, recurseTimes: number): string[] {
  const array = value as unknown[];
  const length = array.length;
  const max = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output: string[] = [];
  for (let i = 0; i < max; i++) {
    if (!hasOwn(array, i)) return formatSparseArray(ctx, array, recurseTimes, max, output, i);
    output.push(formatProperty(ctx, array, recurseTimes, i, ARRAY_TYPE));
  }
  if (length > max) output.push(remainingText(length - max));
  return output;
}

/** The rest of an array from its first hole: runs of holes print as `<n empty items>`. */
function formatSparseArray(
  ctx: Context,
  value: unknown[],
  recurseTimes: number,
  maxLength: number,
  output: string[],
  i: number,
): string[] {
  const keys = objectKeys(value);
  let index = i;
  for (; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i] as string;
    const tmp = +key;
    if (tmp > 2 ** 32 - 2) break;
    if (`${index}` !== key) {
      if (!INDEX.test(key)) break;
      const emptyItems = tmp - index;
      output.push(`<${emptyItems} empty item${emptyItems > 1 ? "s" : ""}>`);
      index = tmp;
      if (output.length === maxLength) break;
    }
    output.push(formatProperty(ctx, value, recurseTimes, key, ARRAY_TYPE));
    index++;
  }
  const remaining = value.length - index;
  if (output.length !== maxLength) {
    if (remaining > 0) output.push(`<${remaining} empty item${remaining > 1 ? "s" : ""}>`);
  } else if (remaining > 0) {
    output.push(remainingText(remaining));
  }
  return output;
}

function formatTypedArray(
  ctx: Context,
  value: ArrayLike<number | bigint> & Dict,
  length: number,
  recurseTimes: number,
): string[] {
  const max = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output: string[] = [];
  for (let i = 0; i < max; ++i) {
    const item = value[i] as number | bigint;
    output.push(
      typeof item === "bigint" ? formatBigInt(item, ctx.numericSeparator) : formatNumber(item, ctx.numericSeparator),
    );
  }
  if (length > max) output.push(remainingText(length - max));
  if (ctx.showHidden) {
    ctx.indentationLvl += 2;
    for (const key of ["BYTES_PER_ELEMENT", "length", "byteLength", "byteOffset", "buffer"]) {
      output.push(`[${key}]: ${formatValue(ctx, value[key], recurseTimes, true)}`);
    }
    ctx.indentationLvl -= 2;
  }
  return output;
}

function formatSet(ctx: Context, value: object, recurseTimes: number): string[] {
  const max = Math.min(Math.max(0, ctx.maxArrayLength), setSize.call(value) as number);
  const output: string[] = [];
  ctx.indentationLvl += 2;
  let i = 0;
  setForEach.call(value, (item: unknown) => {
    if (i++ < max) output.push(formatValue(ctx, item, recurseTimes));
  });
  if (i > max) output.push(remainingText(i - max));
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(ctx: Context, value: object, recurseTimes: number): string[] {
  const max = Math.min(Math.max(0, ctx.maxArrayLength), mapSize.call(value) as number);
  const output: string[] = [];
  ctx.indentationLvl += 2;
  let i = 0;
  mapForEach.call(value, (item: unknown, key: unknown) => {
    if (i++ < max) output.push(`${formatValue(ctx, key, recurseTimes)} => ${formatValue(ctx, item, recurseTimes)}`);
  });
  if (i > max) output.push(remainingText(i - max));
  ctx.indentationLvl -= 2;
  return output;
}

function formatArrayBuffer(ctx: Context, value: object): string[] {
  const bytes = new Uint8Array(value as ArrayBuffer);
  let hex = "";
  const shown = Math.min(ctx.maxArrayLength, bytes.length);
  for (let i = 0; i < shown; i++) hex += `${i ? " " : ""}${(bytes[i] as number).toString(16).padStart(2, "0")}`;
  const remaining = bytes.length - ctx.maxArrayLength;
  if (remaining > 0) hex += ` ... ${remaining} more byte${remaining > 1 ? "s" : ""}`;
  return [`[Uint8Contents]: <${hex}>`];
}

function formatNamespace(ctx: Context, value: object, recurseTimes: number, keys: PropertyKey[]): string[] {
  return keys.map((key) => {
    try {
      return formatProperty(ctx, value, recurseTimes, key, OBJECT_TYPE);
    } catch {
      // A binding in its temporal dead zone.
      const text = formatProperty(ctx, { [key]: "" }, recurseTimes, key, OBJECT_TYPE);
      return `${text.slice(0, text.lastIndexOf(" ") + 1)}<uninitialized>`;
    }
  });
}

// ---- entry points ------------------------------------------------------------------------------

/** `util.inspect`: `options` is Node's options object, or `showHidden` as a boolean (legacy). */
function inspect(value: unknown, options?: unknown, ...legacy: unknown[]): string {
  const ctx: Context = { ...DEFAULTS, seen: [], indentationLvl: 0, currentDepth: 0, budget: {} };
  if (legacy.length > 0 && legacy[0] !== undefined) ctx.depth = legacy[0] as number | null;
  if (typeof options === "boolean") {
    ctx.showHidden = options;
  } else if (options) {
    for (const key of objectKeys(options)) {
      if (hasOwn(DEFAULTS, key)) (ctx as unknown as Dict)[key] = (options as Dict)[key];
      else if (ctx.userOptions === undefined) ctx.userOptions = options as Dict;
    }
  }
  if (ctx.maxArrayLength === null) ctx.maxArrayLength = Number.POSITIVE_INFINITY;
  if (ctx.maxStringLength === null) ctx.maxStringLength = Number.POSITIVE_INFINITY;
  return formatValue(ctx, value, 0);
}
(inspect as unknown as Dict).custom = CUSTOM;

/** Whether `value` stringifies through a built-in `toString` (then `%s` inspects it instead). */
function hasBuiltInToString(value: Dict): boolean {
  let ownToString = hasOwn;
  let ownToPrimitive = hasOwn;
  const never = () => false;
  if (typeof value.toString !== "function") {
    if (typeof value[Symbol.toPrimitive] !== "function") return true;
    if (hasOwn(value, Symbol.toPrimitive)) return false;
    ownToString = never;
  } else if (hasOwn(value, "toString")) {
    return false;
  } else if (typeof value[Symbol.toPrimitive] !== "function") {
    ownToPrimitive = never;
  } else if (hasOwn(value, Symbol.toPrimitive)) {
    return false;
  }
  let pointer: object = value;
  do {
    pointer = getPrototypeOf(pointer);
  } while (!ownToString(pointer, "toString") && !ownToPrimitive(pointer, Symbol.toPrimitive));
  const ctor = getOwnPropertyDescriptor(pointer, "constructor")?.value;
  return typeof ctor === "function" && builtInObjects.has(ctor.name);
}

let circularMessage: string | undefined;
const firstLine = (error: Error) => String(error.message).split("\n", 1)[0];

/** `%j`: JSON, or `[Circular]` where JSON.stringify gives up on a cycle. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (circularMessage === undefined) {
      const cyclic: Dict = {};
      cyclic.self = cyclic;
      try {
        JSON.stringify(cyclic);
      } catch (cycleError) {
        circularMessage = firstLine(cycleError as Error);
      }
    }
    if ((error as Error).name === "TypeError" && firstLine(error as Error) === circularMessage) return "[Circular]";
    throw error;
  }
}

/** `util.format`: printf-like placeholders in a first string argument, the rest inspected. */
function format(...args: unknown[]): string {
  const first = args[0];
  let a = 0;
  let str = "";
  let join = "";
  if (typeof first === "string") {
    if (args.length === 1) return first;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // '%'
      const next = first.charCodeAt(++i);
      if (a + 1 !== args.length) {
        let text: string;
        switch (next) {
          case 115: {
            // 's'
            const arg = args[++a];
            if (typeof arg === "number") text = formatNumber(arg, false);
            else if (typeof arg === "bigint") text = formatBigInt(arg, false);
            else if (typeof arg !== "object" || arg === null || !hasBuiltInToString(arg as Dict)) text = String(arg);
            else text = inspect(arg, { compact: 3, colors: false, depth: 0 });
            break;
          }
          case 106: // 'j'
            text = stringify(args[++a]);
            break;
          case 100: {
            // 'd'
            const arg = args[++a];
            if (typeof arg === "bigint") text = formatBigInt(arg, false);
            else if (typeof arg === "symbol") text = "NaN";
            else text = formatNumber(Number(arg), false);
            break;
          }
          case 79: // 'O'
            text = inspect(args[++a]);
            break;
          case 111: // 'o'
            text = inspect(args[++a], { showHidden: true, showProxy: true, depth: 4 });
            break;
          case 105: {
            // 'i'
            const arg = args[++a];
            if (typeof arg === "bigint") text = formatBigInt(arg, false);
            else if (typeof arg === "symbol") text = "NaN";
            // biome-ignore lint/correctness/useParseIntRadix: as in Node, "0x10" is 16
            else text = formatNumber(Number.parseInt(arg as string), false);
            break;
          }
          case 102: {
            // 'f'
            const arg = args[++a];
            text = typeof arg === "symbol" ? "NaN" : formatNumber(Number.parseFloat(arg as string), false);
            break;
          }
          case 99: // 'c'
            a += 1;
            text = "";
            break;
          case 37: // '%'
            str += first.slice(lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue;
        }
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
        str += text;
        lastPos = i + 1;
      } else if (next === 37) {
        str += first.slice(lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      a++;
      join = " ";
      if (lastPos < first.length) str += first.slice(lastPos);
    }
  }
  for (; a < args.length; a++) {
    const value = args[a];
    str += join + (typeof value !== "string" ? inspect(value) : value);
    join = " ";
  }
  return str;
}

/** Installs the `inspect` group: `{ format, inspect }`, for `console` (no globals). */
export const install: Install = (kiln) => {
  promiseState = kiln.promiseState;
  return { format, inspect };
};
