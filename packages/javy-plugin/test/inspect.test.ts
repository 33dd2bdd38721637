/**
 * The `inspect` group against Node 20's `util.inspect` and `util.format` as the oracle. One script
 * (`CASES`, a function body) builds the table of values and format calls; Node evaluates it with
 * `new Function`, and the sandbox evaluates the same text inside a real plugin instance, where
 * format calls and option-less inspections go through `console.log` (the prelude's wiring of the
 * embedded group) and inspections with options through the group's own bundle, built as the
 * plugin build builds it (the group is internal: nothing else reaches `inspect(value, options)`).
 * Stack frames differ by engine and are compared as a placeholder; the differences the module
 * comment of `globals/inspect.ts` documents are checked on their own.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { format, inspect } from "node:util";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness } from "./helpers.js";

/**
 * The table: `I(value, options?)` inspects, `F(...args)` formats. It runs in strict mode in both
 * engines, so functions have the same own properties there.
 */
const CASES = String.raw`"use strict";
const I = (value, options) => ["i", value, options];
const F = (...args) => ["f", args];
const custom = Symbol.for("nodejs.util.inspect.custom");
class Foo { constructor() { this.a = 1; } get g() { return 2; } set s(v) {} method() {} static st() {} }
class Bar extends Foo { get h() { return 1; } }
class WithStatic { static st() {} }
WithStatic.x = 1; WithStatic.y = { z: 2 };
class MyErr extends Error {}
class NamedErr extends Error { constructor(m) { super(m); this.name = "NamedErr"; } }
class Tagged2 { get [Symbol.toStringTag]() { return "T2"; } }
const sym = Symbol("s");
const circ = { name: "c" }; circ.self = circ;
const circ2 = { a: [1] }; circ2.a.push(circ2); circ2.b = { c: circ2 };
const c1 = { n: 1 }; const c2 = { n: 2, c1 }; c1.c2 = c2; c1.self = c1;
const cm = new Map(); cm.set("self", cm);
const cs = new Set(); cs.add(cs);
const ca = []; ca.push(ca, [ca]);
const shared = { s: 1 };
const sparse = [1, , 3]; sparse[10] = 4;
const arr150 = Array.from({ length: 150 }, (_, i) => i);
const getters = { get a() { return 1; }, set b(v) {}, get c() { return 2; }, set c(v) {} };
const nul = Object.create(null); nul.x = 1;
const longStr = "x".repeat(100);
const multiline = "line one is here\nline two is also here\nline three is here as well and it is long\n";
const nested = { a: { b: { c: { d: { e: 1 } } } } };
const deep = []; let cur = deep; for (let i = 0; i < 50; i++) { const n = []; cur.push(n); cur = n; }
const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
  "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"];
const e1 = new Error("m"); e1.extra = { deep: [1, 2] };
const e2 = new TypeError("t");
Object.defineProperty(e2, "cause", { value: new Error("inner"), configurable: true, writable: true });
const e3 = new Error("no stack"); Object.defineProperty(e3, "stack", { value: undefined, configurable: true });
const e4 = new Error("custom"); e4.stack = "custom stack text";
const e5 = new RangeError("renamed"); e5.name = "MyError";
const e7 = Object.setPrototypeOf(new Error("np"), null);
const e8 = new Error("with cause prop"); e8.cause = "just a string";
const agg = new AggregateError([new Error("one"), 2], "many");

// Seeded values for line breaking, grouping and quoting: the same in both engines.
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (a) => a[Math.floor(rnd() * a.length)];
const keys = ["a", "bb", "key", "value", "longer_key_name", "x-y", "with space", "élan", "中文", "it's", "q\"uote"];
const leaves = [0, 1, -1.5, 12345678, NaN, -0, 10n, true, null, undefined, "", "s", "a longer string value",
  "multi\nline string that is quite long indeed", Symbol("z")];
const gen = (d) => {
  const r = rnd();
  if (d > 4 || r < 0.35) return pick(leaves);
  if (r < 0.55) return Array.from({ length: Math.floor(rnd() * 30) }, () => (rnd() < 0.7 ? Math.floor(rnd() * 1000) : gen(d + 1)));
  if (r < 0.65) return Array.from({ length: Math.floor(rnd() * 12) }, () => pick(keys));
  if (r < 0.72) return new Map(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(keys), gen(d + 1)]));
  if (r < 0.77) return new Set(Array.from({ length: Math.floor(rnd() * 6) }, () => gen(d + 1)));
  const o = {};
  for (let i = Math.floor(rnd() * 7); i > 0; i--) o[pick(keys) + (rnd() < 0.3 ? i : "")] = gen(d + 1);
  return o;
};
const generated = [];
for (let i = 0; i < 150; i++) {
  const value = gen(0);
  const options = rnd() < 0.3
    ? { depth: Math.floor(rnd() * 5), breakLength: pick([40, 80, 120]), compact: pick([1, 2, 3, true, false]), sorted: rnd() < 0.3 }
    : undefined;
  generated.push(I(value, options));
}

return [
  // primitives
  I(1), I(-0), I(0), I(NaN), I(Infinity), I(-Infinity), I(1.5e300), I(123456789), I(0.1), I(-1e-7), I(1n),
  I(-12345678901234567890n), I(true), I(false), I(undefined), I(null), I(sym), I(Symbol()), I(Symbol.iterator),
  I(Symbol("with space")), I(Symbol("a'b")),
  // strings and their quotes
  I("a"), I(""), I("it's"), I('say "hi"'), I("it's \"q\""), I("it's \"q\" ${"`"}b${"`"}"), I("'\"${"$"}{x}"), I("tab\there"),
  I("nl\nx"), I("\x00\x1b\x7f\x85"), I("\ud800"), I("\udc00x"), I("😀"), I("back\\slash"), I(longStr), I(multiline),
  I({ m: multiline }), I("x".repeat(20), { maxStringLength: 5 }), I("a".repeat(17) + "\n" + "b".repeat(70)),
  I(["x".repeat(100)]), I({ long: "y".repeat(80) + "\nz" }), I(["'", '"', "${"`"}", "'\"", "'\"${"`"}"]),
  // objects and keys
  I({}), I({ a: 1 }), I({ a: 1, "b-c": 2, [sym]: 3 }), I({ "": 1, "1a": 2, a1: 3, _: 4, $: 5 }), I({ 1: 1, 0: 0, b: 2 }),
  I({ a: "str", b: [1, 2] }), I({ ["__proto__"]: 1 }), I({ "a\nb": 1, "it's": 2, 'dq"': 3 }), I({ [Symbol("a\nb")]: 1 }),
  I({ a: [1, 2, 3], b: { c: [4, 5, { d: 6 }] }, e: "str", f: null, g: undefined, h: true }),
  I({ aaaaaaaaaaaaaaaa: 1, bbbbbbbbbbbbbbbbbb: 2, cccccccccccccccccc: 3, dddddddddddddddd: 4 }),
  I({ a: { aaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: 2 } }),
  I({ key: "value".repeat(10), other: "more".repeat(10), third: 3 }), I({ a: { b: { c: {} } } }),
  I(Array.from({ length: 3 }, () => ({ a: 1, b: "two", c: [3, 4, { d: 5 }] }))),
  // depth
  I(nested), I(nested, { depth: 0 }), I(nested, { depth: 10 }), I(nested, { depth: null }), I([[[[[1]]]]]), I(deep),
  I(deep, { depth: 60 }), I({ a: [new Map([["k", { v: [1, { w: 2 }] }]])] }), I(new Map([[{ a: 1 }, { b: 2 }]]), { depth: 0 }),
  I(new Set([[1, 2]]), { depth: 0 }), I([new Set([1])], { depth: 0 }),
  // arrays
  I([]), I([1, 2, 3]), I(["a", "b"]), I(sparse), I(new Array(5)), I([, 1]), I([1, ,]), I([, , 1, , ,]), I([undefined, null]),
  I(Object.assign([1, 2, 3], { x: "y" })), I(Object.assign([], { "-1": 1, "1.5": 2 })), I(Object.assign([1], { [sym]: 2 })),
  I(arr150), I(arr150, { maxArrayLength: 10 }), I(arr150, { maxArrayLength: 0 }), I(Array.from({ length: 101 }, (_, i) => i)),
  I([1, "two", { three: 3 }, [4], null, undefined, true, 8n, Symbol("nine")]), I(words), I(words.slice(0, 7)),
  I(Array.from({ length: 30 }, (_, i) => i * 1000)), I(Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(i % 5 + 1))),
  I(Array.from({ length: 8 }, (_, i) => ({ i }))), I(Array.from({ length: 10 }, (_, i) => -i * 1.5)),
  I(Array.from({ length: 12 }, (_, i) => BigInt(i) ** 5n)), I(new Array(200).fill("ab")), I(new Array(7).fill({})),
  I(new Array(6).fill(1)), I(new Array(7).fill(1)), I([1, 2, 3, 4, 5, 6, "seven"]), I(Array.from({ length: 16 }, (_, i) => "x".repeat(i))),
  I(Array.from({ length: 40 }, (_, i) => (i % 3 ? i : -i * 1000))), I(Array.from({ length: 7 }, (_, i) => "é".repeat(i + 1))),
  I(["中文字符", "漢字", "かな", "한국어", "a", "b", "c"]),
  // classes, prototypes, tags
  I(new Foo()), I(new Bar()), I(Object.assign(new Foo(), { b: { c: 1 } })), I(nul), I(Object.create(null)),
  I({ [Symbol.toStringTag]: "Tagged", a: 1 }), I(new Tagged2()), I(Object.create(Foo.prototype)), I(Object.create(Object.create(null))),
  I(Object.setPrototypeOf({ a: 1 }, Object.create(null))), I(Object.setPrototypeOf([1, 2], null)), I(Object.setPrototypeOf(new Map([[1, 2]]), null)),
  I(Object.setPrototypeOf(new Set([1]), null)), I(Object.setPrototypeOf(new Date(0), null)), I(Object.setPrototypeOf(/re/g, null)),
  I(Object.setPrototypeOf(function f() {}, null)), I(Object.assign(Object.create(null), { [Symbol.toStringTag]: "Tag" })),
  I(Object.defineProperty({}, Symbol.toStringTag, { value: "Hidden" })), I(Object.defineProperty([], Symbol.toStringTag, { value: "ArrTag" })),
  I(new Foo(), { showHidden: true }), I(new Bar(), { showHidden: true }), I(Foo.prototype), I(Bar.prototype), I(Object.prototype),
  // getters
  I(getters), I(getters, { getters: true }), I(new Foo(), { getters: "get" }), I(new Foo(), { getters: "set" }),
  I({ get x() { return { y: 1 }; } }, { getters: true }), I({ get x() { throw new Error("no"); } }, { getters: true }),
  I({ get n() { return null; } }, { getters: true }),
  // cycles and shared references
  I(circ), I(circ2), I([circ, circ]), I(c1), I(cm), I(cs), I(ca), I({ a: shared, b: shared, c: [shared] }),
  // collections
  I(new Map()), I(new Map([["a", 1], [{ k: 1 }, [2]]])), I(new Set()), I(new Set([1, "a", { b: 2 }])),
  I(new Map([[new Map([[1, 2]]), new Set([3])]])), I(Object.assign(new Map([[1, 2]]), { extra: true })),
  I(new (class MyMap extends Map {})([[1, 2]])), I(new Set(arr150)), I(new WeakMap()), I(new WeakSet()),
  // dates, regexps, boxed primitives
  I(new Date(0)), I(new Date(1e12)), I(new Date(NaN)), I(new Date(8.64e15)), I(new Date(-1)), I(Object.assign(new Date(0), { x: 1 })),
  I(new (class D extends Date {})(0)), I(/ab+c/gi), I(/x/), I(new RegExp("a/b")), I(/[/]\//), I(Object.assign(/r/, { k: 1 })),
  I(new (class R extends RegExp {})("a", "g")), I(new Number(3)), I(new Number(-0)), I(new String("abc")), I(new Boolean(false)),
  I(Object(5n)), I(Object(sym)), I(Object(Symbol())), I(Object.assign(new String("ab"), { x: 1 })), I(new (class Num extends Number {})(4)),
  I(new (class Str extends String {})("s")), I(Object.assign(new Number(1), { [Symbol.toStringTag]: "T" })),
  // functions and classes
  I(function named() {}), I(function () {}), I(() => {}), I(async function af() {}), I(async () => {}), I(function* gen() {}),
  I(async function* ag() {}), I(class A {}), I(class extends Foo {}), I(class B extends Foo {}), I(Foo), I(WithStatic), I(Foo, { showHidden: true }),
  I(Object.assign(function withProp() {}, { p: 1 })), I(Math.max), I(Map), I(Object.assign(() => {}, { x: 1 })),
  I(Object.defineProperty(function () {}, "name", { value: "renamed" })), I((() => {}).bind(null)), I(function namedFn() {}.bind({})),
  I({ f: function () {}, g: () => {}, h: class {} }), I([function a() {}, class B {}]),
  // typed arrays and buffers
  I(new Uint8Array([1, 2, 3])), I(new Float64Array([1.5, -0, NaN])), I(new BigInt64Array([1n, -2n])), I(new Uint8Array(0)),
  I(new Int16Array(120)), I(Object.assign(new Uint8Array(2), { p: 1 })), I(new Uint8Array(200)), I(new Float32Array([0.1, 1 / 3])),
  I(new Uint8ClampedArray([300])), I(new Uint8Array(8), { showHidden: true }), I(new ArrayBuffer(3)), I(new Uint8Array([1, 2, 255]).buffer),
  I(new ArrayBuffer(120)), I(new ArrayBuffer(0)), I({ buf: new ArrayBuffer(2) }), I(Object.assign(new ArrayBuffer(1), { p: 1 })),
  I(new DataView(new ArrayBuffer(4), 1, 2)), I(new DataView(new ArrayBuffer(2)), { showHidden: true }),
  // other built-ins
  I((function () { return arguments; })(1, "a")), I([1, 2, 3].values()), I((function* () {})()), I(Math), I(JSON), I(Reflect),
  // errors (frames compared as a placeholder)
  I(new Error("x")), I(Object.assign(new Error("x"), { code: "E1" })), I({ e: new RangeError("r") }), I(new Error("x"), { depth: -1 }),
  I(new TypeError("")), I(e1), I(e2), I(e3), I(e4), I(e5), I(new Error("multi\nline message")), I(new MyErr("sub")), I(new NamedErr("named")),
  I(e7), I(e8), I(new Error("")), I([e1]), I({ nested: { err: new SyntaxError("s") } }), I(Object.assign(new Error("x"), { name: "CustomName" })),
  I(new EvalError("ev")), I(new URIError("u")), I(new ReferenceError("r")), I(agg), I(new DOMException("m", "AbortError")),
  I({ d: new DOMException("m") }), I(new (class X extends DOMException {})("m", "DataCloneError")),
  // options
  I({ a: 1, b: 2 }, { compact: false }), I({ a: { b: 1 } }, { compact: true }), I([{ a: 1, b: { c: 2 } }], { compact: 1 }),
  I({ a: 1 }, { breakLength: 3 }), I({ b: 1, a: 2, c: [3, 1] }, { sorted: true }), I({ b: 1, a: 2 }, { sorted: (x, y) => (x < y ? 1 : -1) }),
  I(Object.defineProperty({}, "hidden", { value: 1, enumerable: false })), I(Object.defineProperty({}, "hidden", { value: 1 }), { showHidden: true }),
  I([1, 2], { showHidden: true }), I({ a: 1234567.891, b: 1234n, c: -0.000001, d: 1e21 }, { numericSeparator: true }), I({ a: 1 }, true),
  // custom inspection
  I({ [custom]() { return "CUSTOM"; } }), I({ [custom](depth, opts) { return { depth, d: opts.depth }; } }),
  I({ a: { [custom]() { return "X\nY"; } } }), I({ [custom]: () => ({ replaced: true }) }), I({ [custom](d, o, insp) { return insp({ inner: [1, 2] }, o); } }),
  I([{ [custom]() { return this; }, a: 1 }]), I({ [custom]: (d) => "depth=" + d }, { depth: 5 }), I({ a: { b: { [custom]: (d) => "depth=" + d } } }),
  I({ [custom]: 1, a: 2 }), I({ [custom]() { return "no"; }, a: 1 }, { customInspect: false }),
  // util.format
  F("%s", "str"), F("%s", 42), F("%s", -0), F("%s", 3n), F("%s", null), F("%s", undefined), F("%s", sym), F("%s", { a: { b: { c: 1 } } }),
  F("%s", [1, [2, [3]]]), F("%s", new Date(0)), F("%s", { toString() { return "custom"; } }), F("%s", new Foo()), F("%s", Object.create(null)),
  F("%s", new Map([[1, 2]])), F("%s", new Error("err in s")), F("%s", [1, "a", { b: 1 }]), F("%s", { a: 1, toString: undefined }),
  F("%s", new (class K { toString() { return "K!"; } })()), F("%s", { [Symbol.toPrimitive]() { return "prim"; } }),
  F("%s", new (class P { [Symbol.toPrimitive]() { return "P!"; } })()),
  F("%d", 42), F("%d", "42"), F("%d", "abc"), F("%d", 1.5), F("%d", -0), F("%d", 5n), F("%d", {}), F("%d", sym), F("%d", ""), F("%d", null),
  F("%d", true), F("%d", [5]), F("%d", Number.MAX_SAFE_INTEGER * 10), F("%d", new Date(5)),
  F("%i", 42.9), F("%i", "0x10"), F("%i", "-7.5"), F("%i", 9n), F("%i", sym), F("%i", ""), F("%i", 1e21),
  F("%f", "1.5e3"), F("%f", "abc"), F("%f", 2), F("%f", sym), F("%f", null), F("%f", "Infinity"),
  F("%j", { a: [1, "x"] }), F("%j", circ), F("%j", undefined), F("%j", "s"), F("%j", true), F("%j", { toJSON() { return "J"; } }),
  F("%j", [undefined, () => 1]), F("%j", new Map([[1, 2]])),
  F("%o", { a: 1 }), F("%o", [1, 2]), F("%o", nested), F("%o", new Foo()), F("%o", [1, [2, [3, [4, [5, [6]]]]]]), F("%o", new Map([[1, { a: 2 }]])),
  F("%o", Object.defineProperty({}, "h", { value: 1 })), F("%o", "str"), F("%o", 42), F("%o", function f() {}),
  F("%O", { a: { b: { c: { d: 1 } } } }), F("%O", nested), F("%O", new Foo()), F("%O", "str"),
  F("%c styled", "color: red"), F("100%%"), F("%%s", 1), F("%s %s", "one"), F("%x %s", 1, 2), F("a", "b", 1, { c: 2 }), F(1, 2, "three"),
  F({ a: 1 }, "%s"), F("%s:%d", "n", 5, "extra", { x: 1 }), F("%d%%", 50), F("%s=%s", "a"), F("%s", "%s", "x"), F("%i%i", 1, 2),
  F("%f%%%f", 1, 2), F("no placeholders", 1, "two", [3]), F("", ""), F("%s"), F("%%"), F("%%", 1), F("x%", 1), F("%c%c", "a", "b", "c"),
  F(Symbol("first")), F(1n, -0, NaN), F(), F("%"), F("%s%"), F("%s", "a", "b"), F(null), F(undefined, null), F("trail %", 1), F("%Q", 1),
  F("%s", "%d", 1), F(new Error("first arg")), F({ a: [1, { b: new Map([[1, new Set([2])]]) }] }, [new Date(0)]),
  ...generated,
];`;

/** Stack frames and the lines Node puts in their place, as one placeholder. */
const normalize = (text: string) =>
  text.replace(/(\n *(at |\.\.\. \d+ lines matching cause stack trace \.\.\.)[^\n]*)+/g, "\n<frames>");

const SEPARATOR = "\u0001";

/**
 * What Node 20 prints for each case, from a child process: vitest installs its own
 * `Error.prepareStackTrace`, which changes the first line of some stacks in this one.
 */
function oracle(): string[] {
  const script = `
    const { format, inspect } = require("node:util");
    const cases = new Function(require("node:fs").readFileSync(0, "utf8"))();
    const out = cases.map((c) => c[0] === "f" ? format(...c[1]) : c[2] === undefined ? inspect(c[1]) : inspect(c[1], c[2]));
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { input: CASES, encoding: "utf8" })) as string[];
}

/** The inspect group bundled exactly as scripts/build-wasm.mjs bundles a group, as an expression. */
async function groupSource(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../globals/inspect.ts", import.meta.url))],
    bundle: true,
    write: false,
    target: "es2020",
    platform: "neutral",
    format: "iife",
    globalName: "__kilnGroup",
    minify: true,
    logLevel: "error",
  });
  return `(function(){${result.outputFiles[0]?.text};return __kilnGroup.install})()`;
}

let h: Harness;
let group: string;

/** Runs `body` (module code with `group` = the inspect group's values) and returns each printed case. */
function sandbox(body: string): string[] {
  h.reset();
  h.run(`const group = ${group}({});\nexport function run() {\n${body}\n}`, "run");
  const out = h.stdout();
  expect(h.stderr()).toBe("");
  return out.slice(0, -`\n${SEPARATOR}\n`.length).split(`\n${SEPARATOR}\n`);
}

beforeAll(async () => {
  h = await harness();
  group = await groupSource();
});

describe("inspect and format in the sandbox, against Node 20", () => {
  it("print what Node prints for every value and format call of the table", () => {
    const expected = oracle().map(normalize);
    expect(expected.length).toBeGreaterThanOrEqual(500);
    const actual = sandbox(`
      const cases = (function () {\n${CASES}\n})();
      for (const c of cases) {
        if (c[0] === "f") console.log(...c[1]);
        else if (c[2] === undefined) console.log("%O", c[1]);
        else console.log(group.inspect(c[1], c[2]));
        console.log("${SEPARATOR}");
      }`).map(normalize);
    expect(actual.length).toBe(expected.length);
    const differing = expected.flatMap((text, i) =>
      text === actual[i] ? [] : [{ i, node: text, sandbox: actual[i] }],
    );
    expect(differing).toEqual([]);
  });

  it("print the same through the group's own functions as through console", () => {
    const [viaConsole, viaGroup, ...rest] = sandbox(`
      const value = { a: [1, { b: new Map([[1, new Set(["x"])]]) }], c: "it's", d: new Error("e") };
      console.log("%s %d %O", "x", 4, value);
      console.log("${SEPARATOR}");
      console.log(group.format("%s %d %O", "x", 4, value));
      console.log("${SEPARATOR}");
      console.log(Object.keys(group).sort().join());
      console.log("${SEPARATOR}");
      console.log(typeof globalThis.inspect, typeof globalThis.format);
      console.log("${SEPARATOR}");`);
    expect(viaConsole).toBe(viaGroup);
    expect(normalize(viaConsole as string)).toBe(
      normalize(
        format("%s %d %O", "x", 4, { a: [1, { b: new Map([[1, new Set(["x"])]]) }], c: "it's", d: new Error("e") }),
      ),
    );
    expect(rest).toEqual(["format,inspect", "undefined undefined"]);
  });
});

describe("where the sandbox cannot print what Node prints", () => {
  it("prints a promise's state as Node does, read through the plugin", () => {
    const source = `for (const value of [Promise.resolve(1), Promise.reject(7), new Promise(() => {}),
        Object.assign(Promise.resolve(2), { a: 1 }), new (class P extends Promise {})(() => {}),
        Promise.resolve({ deep: { deeper: { deepest: 1 } } })]) {
        value.catch(() => {});
        console.log(value);
        console.log("${SEPARATOR}");
      }`;
    const expected = [
      "Promise { 1 }",
      "Promise { <rejected> 7 }",
      "Promise { <pending> }",
      "Promise { 2, a: 1 }",
      "P [Promise] { <pending> }",
      "Promise { { deep: { deeper: [Object] } } }",
    ];
    expect(sandbox(source)).toEqual(expected);
    expect(expected.slice(0, 5)).toEqual(
      [Promise.resolve(1), Promise.reject(7), new Promise(() => {}), Object.assign(Promise.resolve(2), { a: 1 })]
        .map((p) => {
          p.catch(() => {});
          return inspect(p);
        })
        .concat("P [Promise] { <pending> }"),
    );
    expect(inspect(Promise.resolve({ deep: { deeper: { deepest: 1 } } }))).toBe(expected[5]);
  });

  it("inspects a Proxy through its traps, where Node shows the target untouched", () => {
    const source = `new Proxy({ a: 1 }, {
      ownKeys: () => ["a", "b"],
      getOwnPropertyDescriptor: (target, key) => ({ value: key + "!", enumerable: true, configurable: true }),
    })`;
    const [out] = sandbox(`console.log(${source}); console.log("${SEPARATOR}");`);
    expect(out).toBe("{ a: 'a!', b: 'b!' }");
    expect(inspect(new Function(`return ${source}`)())).toBe("{ a: 1 }");
  });

  it("lists no entries of Map and Set iterators: reading them would consume them", () => {
    const out = sandbox(`
      const map = new Map([[1, 2]]);
      const entries = map.entries();
      console.log(entries, map.keys(), new Set([1]).values());
      console.log("${SEPARATOR}");
      console.log(entries.next().value);
      console.log("${SEPARATOR}");`);
    expect(out).toEqual([
      "[Map Iterator] { <items unknown> } [Map Iterator] { <items unknown> } [Set Iterator] { <items unknown> }",
      "[ 1, 2 ]",
    ]);
    expect(inspect(new Map([[1, 2]]).entries())).toBe("[Map Entries] { [ 1, 2 ] }");
  });

  it("prints QuickJS's frames under V8's first line, and a function's %s without its source", () => {
    const [error, nested, fn] = sandbox(`
      function thrower() { return new RangeError("bad value"); }
      console.log(thrower());
      console.log("${SEPARATOR}");
      console.log({ error: thrower() });
      console.log("${SEPARATOR}");
      console.log("%s", function named() { return 1; });
      console.log("${SEPARATOR}");`);
    expect(error).toMatch(
      /^RangeError: bad value\n {4}at thrower \(function\.mjs(:\d+)?\)\n {4}at run \(function\.mjs:\d+\)$/,
    );
    expect(nested).toMatch(/^\{\n {2}error: RangeError: bad value\n {6}at thrower .*\n {6}at run .*\n\}$/);
    expect(fn).toBe("function named() {\n    [native code]\n}");
  });

  it("stops at QuickJS's stack limit as Node stops at V8's, instead of failing", () => {
    const [out] = sandbox(`
      const root = []; let node = root;
      for (let i = 0; i < 5000; i++) { const next = []; node.push(next); node = next; }
      console.log(group.inspect(root, { depth: Infinity }).includes("[Array: Inspection interrupted prematurely. Maximum call stack size exceeded.]"));
      console.log("${SEPARATOR}");`);
    expect(out).toBe("true");
  });
});
