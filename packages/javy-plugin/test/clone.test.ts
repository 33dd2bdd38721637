/**
 * `structuredClone` in the sandbox against Node 20's as the oracle. One script (`CASES`, a
 * function body) builds the inputs; Node (in a child process) and a real plugin instance each
 * clone them and describe the results with the same `describe` (also in the script): kinds,
 * prototypes, own properties with their attributes, entries, bytes, and which objects are the same
 * object. Refusals are described by their error. Then the differences `globals/clone.ts` documents,
 * and depth: the walk is iterative, so nesting far past the engine's stack clones.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { emit, type Harness, harness } from "./helpers.js";

/** `describe(value)`: a JSON-able account of a value graph, the same in both engines. */
const DESCRIBE = `
const PROTOS = [[null, "null"], [Object.prototype, "Object"], [Array.prototype, "Array"], [Map.prototype, "Map"],
  [Set.prototype, "Set"], [Date.prototype, "Date"], [RegExp.prototype, "RegExp"], [ArrayBuffer.prototype, "ArrayBuffer"],
  [DataView.prototype, "DataView"], [Boolean.prototype, "Boolean"], [Number.prototype, "Number"], [String.prototype, "String"],
  [BigInt.prototype, "BigInt"], [Error.prototype, "Error"], [EvalError.prototype, "EvalError"], [RangeError.prototype, "RangeError"],
  [ReferenceError.prototype, "ReferenceError"], [SyntaxError.prototype, "SyntaxError"], [TypeError.prototype, "TypeError"],
  [URIError.prototype, "URIError"],
  ...[Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
    BigInt64Array, BigUint64Array].map((T) => [T.prototype, T.name])];
const protoName = (proto) => (PROTOS.find(([p]) => p === proto) || [0, "other"])[1];
const WRAPPERS = { "[object Number]": Number, "[object String]": String, "[object Boolean]": Boolean, "[object BigInt]": BigInt };
const describe = (root) => {
  const ids = new Map();
  const walk = (v) => {
    if (typeof v === "bigint") return { bigint: String(v) };
    if (typeof v === "number") return Object.is(v, -0) || !Number.isFinite(v) ? { number: Object.is(v, -0) ? "-0" : String(v) } : v;
    if (v === undefined) return { undefined: true };
    if (typeof v !== "object" || v === null) return v;
    if (ids.has(v)) return { ref: ids.get(v) };
    const out = { id: ids.size, proto: protoName(Object.getPrototypeOf(v)), tag: Object.prototype.toString.call(v) };
    ids.set(v, out.id);
    out.props = Object.getOwnPropertyNames(v).map((key) => {
      const d = Object.getOwnPropertyDescriptor(v, key);
      // A stack's text is the engine's own; that it is kept, and how, is what is compared.
      const value = !("value" in d) ? "accessor" : key === "stack" ? typeof d.value : walk(d.value);
      return [key, d.enumerable, d.writable, d.configurable, value];
    });
    out.symbols = Object.getOwnPropertySymbols(v).length;
    if (v instanceof Map) out.entries = [...v].map(([key, value]) => [walk(key), walk(value)]);
    if (v instanceof Set) out.values = [...v].map(walk);
    if (v instanceof ArrayBuffer) out.bytes = Array.from(new Uint8Array(v));
    if (ArrayBuffer.isView(v)) {
      Object.assign(out, { buffer: walk(v.buffer), byteOffset: v.byteOffset, byteLength: v.byteLength });
      if (!(v instanceof DataView)) out.items = Array.from(v, walk);
    }
    if (v instanceof Date) out.time = walk(v.getTime());
    if (v instanceof RegExp) Object.assign(out, { source: v.source, flags: v.flags, lastIndex: v.lastIndex });
    if (v instanceof Error) Object.assign(out, { name: v.name, message: v.message });
    if (WRAPPERS[out.tag]) out.primitive = walk(WRAPPERS[out.tag].prototype.valueOf.call(v));
    return out;
  };
  return walk(root);
};
const attempt = (c) => {
  let result;
  try {
    result = { clone: describe(c.none ? structuredClone() : structuredClone(c.value, c.options)) };
  } catch (e) {
    // A function's description is its source in V8, which QuickJS does not keep for module code.
    result = { threw: e.name, code: e.code, dom: e instanceof DOMException, type: e instanceof TypeError,
      message: c.source ? undefined : e.message };
  }
  if (c.after) result.after = describe(c.after());
  return result;
};
`;

/**
 * The inputs: `C(value, options?)` clones, `W(value, after)` also describes `after()` once the
 * clone is done (what getters saw), `S(value)` is refused with a message worded by the engine
 * (V8 names a function by its source, some objects by their tag), so only its kind is compared.
 */
const CASES = String.raw`"use strict";
const C = (value, options) => ({ value, options });
const W = (value, after, options) => ({ value, after, options });
const S = (value) => ({ value, source: true });
class Point { constructor() { this.x = 1; this.y = 2; } get sum() { return this.x + this.y; } norm() { return 0; } }
const buffer = new ArrayBuffer(16);
new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
const shared = { s: 1 };
const cyclic = { name: "c" }; cyclic.self = cyclic; cyclic.list = [cyclic, { back: cyclic }];
const cyclicMap = new Map(); cyclicMap.set(cyclicMap, cyclicMap);
const cyclicSet = new Set(); cyclicSet.add(cyclicSet);
const sparse = [1, , 3]; sparse[9] = 10;
const long = []; long.length = 5; long[2] = "mid";
const extra = Object.assign([1, 2], { x: 1, [Symbol("q")]: 2 });
const e1 = new RangeError("range"); e1.extra = 1;
const e2 = new Error("renamed"); e2.name = "TypeError";
const e3 = new Error("custom name"); e3.name = "Foo";
const e4 = new Error("message getter"); Object.defineProperty(e4, "message", { get() { return "G"; } });
const e5 = new Error("number message"); e5.message = 42;
const e6 = new Error("stack not a string"); e6.stack = 42;
const e7 = new Error("with cause"); Object.defineProperty(e7, "cause", { value: { deep: [1, shared] }, writable: true, configurable: true });
const e8 = new Error("cause undefined"); e8.cause = undefined;
const e9 = new Error("name object"); e9.name = { toString() { return "URIError"; } };
const e10 = new Error("cause function"); e10.cause = () => 1;
const e11 = new Error("name symbol"); e11.name = Symbol("n");
class SubError extends SyntaxError {}
return [
  // primitives
  C(1), C(-0), C(NaN), C(Infinity), C(1n), C(-(2n ** 70n)), C(undefined), C(null), C(true), C(""), C("text"), C("\ud800"),
  C([-0, NaN, 1n, undefined, null, true, "s", -Infinity]),
  // wrappers, dates, regexps
  C(new Boolean(false)), C(new Number(-0)), C(new String("ab")), C(Object(1n)), C(Object.assign(new String("ab"), { x: 1 })),
  C(new Date(0)), C(new Date(NaN)), C(Object.assign(new Date(1e12), { x: 1 })), C(/a+b/gimsuy), C(Object.assign(/x/g, { lastIndex: 3, k: 1 })),
  C(new RegExp("a/b", "u")),
  // plain data
  C({}), C({ a: 1, b: { c: [1, 2, { d: 3 }] } }), C({ 2: "two", 1: "one", b: "b", a: "a" }), C({ ["__proto__"]: { p: 1 } }),
  C({ constructor: 1, toString: 2, hasOwnProperty: 3 }), C(Object.defineProperty({ a: 1 }, "hidden", { value: 2 })),
  C({ [Symbol("s")]: 1, a: 2 }), C(Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } })),
  C(Object.assign(Object.create(null), { a: 1 })), C(new Point()), C({ get a() { return 5; }, b: 1 }),
  C(Object.freeze({ frozen: { deep: 1 } })), C(Math), C(JSON),
  // arrays
  C([]), C([1, 2, 3]), C(sparse), C(long), C(new Array(3)), C(extra), C([[[[]]]]), C(new (class Arr extends Array {})(3)),
  // binary data
  C(buffer), C(new Uint8Array(buffer, 2, 3)), C(new Int16Array(buffer, 4, 2)), C(new DataView(buffer, 1, 3)),
  C({ a: new Uint8Array(buffer, 2, 3), b: new Int16Array(buffer, 4, 2), c: new DataView(buffer, 1, 3), d: buffer }),
  C([new Float64Array([NaN, -0, 1.5]), new BigInt64Array([1n, -1n]), new BigUint64Array([2n ** 64n - 1n]), new Uint8ClampedArray([300])]),
  C(new Float32Array(0)), C(Object.assign(new Uint8Array(2), { x: 1 })), C(Object.assign(new ArrayBuffer(2), { x: 1 })),
  // collections
  C(new Map([[{ k: 1 }, [1]], ["a", 2], [NaN, -0]])), C(new Set([1, { a: 1 }, "x", 1n])), C(Object.assign(new Map([[1, 2]]), { x: 1 })),
  C(new (class M extends Map {})([[1, 2]])), C(new Map([[shared, shared]])), C(new Set([shared, [shared]])),
  // identity
  C([shared, shared, { s: shared }]), C(cyclic), C(cyclicMap), C(cyclicSet), C({ a: buffer, b: [buffer] }),
  // errors
  C(new Error("plain")), C(new Error()), C(e1), C(e2), C(e3), C(e4), C(e5), C(e6), C(e7), C(e8), C(e9), C(new SubError("sub")),
  C(new EvalError("e")), C(new ReferenceError("r")), C(new URIError("u")), C(new AggregateError([1], "agg")), C([e1, e1]),
  C(Object.create(Error.prototype)), C(new DOMException("dom", "AbortError")),
  // refused
  S(function f() {}), S(() => 1), S(class A {}), S({ nested: { fn() {} } }), S([1, async () => {}]), C(Symbol("x")), S(Object(Symbol("x"))),
  C({ s: Symbol() }), C(new Map([[1, Symbol()]])), C(new WeakMap()), C(new WeakSet()), C(Promise.resolve(1)),
  C((function () { return arguments; })(1, 2)), C(new Map().entries()), C([1].values()), S((function* () {})()), S(e10), S(e11),
  // arguments and the transfer list
  { none: true }, C(1, null), C(1, undefined), C(1, 5), C(1, "x"), C(1, {}), C(1, { transfer: undefined }), C(1, { transfer: null }),
  C(1, { transfer: [] }), C(1, { transfer: 5 }), C(1, { transfer: "ab" }), C(1, { transfer: [{}] }), C(1, { transfer: [new Uint8Array(2)] }),
  C(1, { transfer: [buffer, buffer] }), C(1, { transfer: new Set() }),
  // reads: which, and in what order
  (() => { const log = []; return W({ get a() { log.push("a"); return { get c() { log.push("c"); return 1; } }; }, get b() { log.push("b"); return 2; } }, () => log); })(),
  (() => { const log = []; const o = { get a() { log.push("a"); delete o.b; o.z = 1; return 1; }, b: 2, c: 3 }; return W(o, () => log); })(),
  (() => { const log = []; return W(new Map([[{ get k() { log.push("k"); return 1; } }, { get v() { log.push("v"); return 2; } }]]), () => log); })(),
  (() => { const log = []; const a = [1, 2, 3]; Object.defineProperty(a, 1, { get() { log.push("1"); a.length = 1; return "g"; }, enumerable: true, configurable: true }); return W(a, () => log); })(),
  (() => { const log = []; return W({ get a() { log.push("a"); return 1; } }, () => log, { get transfer() { log.push("transfer"); return []; } }); })(),
  (() => { const log = []; const e = new Error("m"); Object.defineProperty(e, "name", { get() { return "RangeError"; } }); Object.defineProperty(e, "stack", { get() { log.push("stack"); return "s"; } }); return W(e, () => log); })(),
  (() => { const log = []; return W({ a: 1, get b() { log.push("b"); throw new Error("getter threw"); }, get c() { log.push("c"); return 3; } }, () => log); })(),
];`;

/** The results Node 20 gives, from a child process so that nothing vitest installs takes part. */
function oracle(): unknown[] {
  const script = `
    const body = require("node:fs").readFileSync(0, "utf8");
    process.stdout.write(JSON.stringify(new Function(body)()));`;
  const body = `${DESCRIBE}\nreturn (function () {\n${CASES}\n})().map(attempt);`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { input: body, encoding: "utf8" })) as unknown[];
}

let h: Harness;

/** Runs `body` as the module's `run` and returns the values it emitted, one per line. */
function sandbox(body: string): unknown[] {
  h.reset();
  h.run(`${emit}${DESCRIBE}\nexport function run() {\n${body}\n}`, "run");
  expect(h.stderr()).toBe("");
  return h
    .stdout()
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  h = await harness();
});

describe("structuredClone in the sandbox, against Node 20", () => {
  it("clones and refuses as Node does, case by case", () => {
    const expected = oracle();
    expect(expected.length).toBeGreaterThanOrEqual(120);
    const [actual] = sandbox(`emit((function () {\n${CASES}\n})().map(attempt));`) as [unknown[]];
    expect(actual.length).toBe(expected.length);
    const differing = expected.flatMap((result, i) => {
      const mine = actual[i];
      return JSON.stringify(result) === JSON.stringify(mine) ? [] : [{ i, node: result, sandbox: mine }];
    });
    expect(differing).toEqual([]);
  });

  it("keeps an error's stack text, and throws DOMExceptions that start at the call", () => {
    const [sameStack, error] = sandbox(`
      const e = new RangeError("m");
      emit(structuredClone(e).stack === e.stack);
      try {
        structuredClone({ f() {} });
      } catch (thrown) {
        emit({ name: thrown.name, code: thrown.code, message: thrown.message, stack: thrown.stack });
      }`) as [boolean, { name: string; code: number; message: string; stack: string }];
    expect(sameStack).toBe(true);
    expect(error.name).toBe("DataCloneError");
    expect(error.code).toBe(25);
    expect(error.message).toBe("[Function: f] could not be cloned.");
    expect(error.stack).toMatch(/^ {4}at structuredClone \(kiln:globals\/clone\)\n {4}at run \(function\.mjs:\d+\)\n$/);
  });
});

describe("depth", () => {
  it("clones arrays nested 100,000 deep, far past the engine's stack (about 900 frames), and objects and maps", () => {
    const [arrays, objects, maps, recursion] = sandbox(`
      const depthOf = (root, step) => { let n = 0; for (let v = root; v !== undefined; v = step(v)) n++; return n; };
      const nest = (depth, make, put) => {
        const root = make(); let v = root;
        for (let i = 1; i < depth; i++) { const next = make(); put(v, next); v = next; }
        return root;
      };
      emit(depthOf(structuredClone(nest(100000, () => [], (a, b) => a.push(b))), (v) => v[0]));
      emit(depthOf(structuredClone(nest(20000, () => ({}), (a, b) => { a.child = b; })), (v) => v.child));
      emit(depthOf(structuredClone(nest(20000, () => new Map(), (a, b) => a.set("next", b))), (v) => v.get("next")));
      const recurse = (n) => (n === 0 ? 0 : 1 + recurse(n - 1));
      try { emit(recurse(100000)); } catch (e) { emit(e.message); }`);
    expect([arrays, objects, maps]).toEqual([100000, 20000, 20000]);
    // What a recursive walk would have met.
    expect(recursion).toBe("stack overflow");
  });
});

describe("where the sandbox differs from Node 20", () => {
  it("refuses to transfer an ArrayBuffer, which QuickJS cannot detach, and leaves it whole", () => {
    const [error, length] = sandbox(`
      const buffer = new ArrayBuffer(8);
      try { structuredClone(buffer, { transfer: [buffer] }); } catch (e) { emit([e.name, e.code, e instanceof DOMException, e.message]); }
      emit(buffer.byteLength);`);
    expect(error).toEqual([
      "DataCloneError",
      25,
      true,
      "Transferring an ArrayBuffer is not supported in the sandbox: QuickJS cannot detach it.",
    ]);
    expect(length).toBe(8);
    const buffer = new ArrayBuffer(8);
    expect(structuredClone(buffer, { transfer: [buffer] }).byteLength).toBe(8);
    expect(buffer.byteLength).toBe(0);
  });

  it("clones a Proxy through its traps (it cannot be told from an object), where Node refuses it", () => {
    const [clone] = sandbox(`emit(structuredClone(new Proxy({ a: 1 }, { get: (t, k) => (k === "a" ? 2 : t[k]) })));`);
    expect(clone).toEqual({ a: 2 });
    expect(() => structuredClone(new Proxy({ a: 1 }, {}))).toThrow(/could not be cloned/);
  });

  it("refuses SharedArrayBuffer (no memory to share) and anything inheriting from Promise.prototype", () => {
    const refused = sandbox(`
      for (const make of [() => new SharedArrayBuffer(4), () => Object.create(Promise.prototype)]) {
        try { structuredClone(make()); emit("cloned"); } catch (e) { emit([e.name, e.message]); }
      }`);
    expect(refused).toEqual([
      ["DataCloneError", "#<SharedArrayBuffer> could not be cloned."],
      ["DataCloneError", "#<Promise> could not be cloned."],
    ]);
    expect(structuredClone(new SharedArrayBuffer(4)).byteLength).toBe(4);
    expect(structuredClone(Object.create(Promise.prototype))).toEqual({});
  });

  it("keeps an error whose cause is itself, which V8 fails to deserialize", () => {
    const [same] = sandbox(
      `const e = new Error("loop"); e.cause = e; const c = structuredClone(e); emit(c.cause === c && c !== e);`,
    );
    expect(same).toBe(true);
    const e = new Error("loop");
    e.cause = e;
    expect(() => structuredClone(e)).toThrow("Unable to deserialize cloned data.");
  });
});
