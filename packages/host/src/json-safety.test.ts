import { LIMITS } from "@kiln/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkJsonValue,
  DEFAULT_MAX_DEPTH,
  jsonTextDepth,
  jsonTextTooDeep,
  jsonValueProblem,
  stringifyJsonValue,
} from "./json-safety.js";

/** Structural depth, recursively: fine for the small values fast-check makes. */
function depthOf(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((max, c) => Math.max(max, depthOf(c)), 0);
}

function deepArray(depth: number, leaf: unknown = 0): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function deepObject(depth: number, leaf: unknown = 0): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

class Point {
  x = 1;
}

const selfRef: Record<string, unknown> = { b: {} };
(selfRef.b as Record<string, unknown>).c = selfRef;
const arrayCycle: unknown[] = [];
arrayCycle.push([arrayCycle]);
const shared = { s: 1 };

describe("DEFAULT_MAX_DEPTH", () => {
  it("is the limits table's default valueDepth", () => {
    expect(DEFAULT_MAX_DEPTH).toBe(LIMITS.valueDepth.default);
    expect(DEFAULT_MAX_DEPTH).toBe(256);
  });
});

describe("jsonValueProblem", () => {
  it.each<[string, unknown, number]>([
    ["null", null, 0],
    ["zero and minus zero", [0, -0], 1],
    ["a string with brackets and quotes", '[{"', 0],
    ["booleans", [true, false], 1],
    ["empty containers", { a: [], b: {} }, 2],
    ["the largest double", Number.MAX_VALUE, 0],
    ["an undefined property (absent in JSON)", { a: undefined, b: 1 }, 1],
    ["Object.create(null)", Object.assign(Object.create(null), { a: [1] }), 2],
    ["a value referenced twice (not a cycle)", { a: shared, b: [shared] }, 3],
    ["nested data", { a: [1, { b: [null, "x"] }] }, 4],
  ])("accepts %s", (_, value, depth) => {
    expect(jsonValueProblem(value)).toBeUndefined();
    expect(checkJsonValue(value)).toEqual({ ok: true, depth });
  });

  it.each<[string, unknown, Parameters<typeof jsonValueProblem>[1], string]>([
    ["NaN", Number.NaN, {}, "value is NaN, which JSON cannot represent"],
    [
      "NaN deep inside, with a name",
      { a: [1, 2, 3, { b: Number.NaN }] },
      { what: "input" },
      "input.a[3].b is NaN, which JSON cannot represent",
    ],
    ["Infinity", { n: Number.POSITIVE_INFINITY }, {}, "value.n is Infinity, which JSON cannot represent"],
    ["-Infinity", [Number.NEGATIVE_INFINITY], {}, "value[0] is -Infinity, which JSON cannot represent"],
    ["a top-level undefined", undefined, {}, "value is undefined"],
    [
      "an undefined array element",
      [1, undefined],
      {},
      "value[1] is undefined (an array cannot hold undefined in JSON; use null)",
    ],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    ["an array hole", [1, , 3], {}, "value[1] is undefined (an array cannot hold undefined in JSON; use null)"],
    ["a function", { f: () => 1 }, {}, "value.f is a function"],
    ["a symbol", [Symbol("s")], {}, "value[0] is a symbol"],
    ["a bigint", { n: 1n }, { what: "result" }, "result.n is a bigint"],
    ["a Date", new Date(0), {}, "value is a Date, not a plain object (convert it to one first)"],
    ["a Map", { m: new Map() }, {}, "value.m is a Map, not a plain object (convert it to one first)"],
    ["a class instance", { p: new Point() }, {}, "value.p is a Point, not a plain object (convert it to one first)"],
    ["a boxed string", [new String("x")], {}, "value[0] is a String, not a plain object (convert it to one first)"],
    [
      "a typed array",
      { b: new Uint8Array(2) },
      {},
      "value.b is a Uint8Array, not a plain object (convert it to one first)",
    ],
    ["a key that is not an identifier", { "a b": Number.NaN }, {}, 'value["a b"] is NaN, which JSON cannot represent'],
    [
      "a very long key (clipped)",
      { ["k".repeat(100)]: Number.NaN },
      {},
      `value["${"k".repeat(40)}"…] is NaN, which JSON cannot represent`,
    ],
    ["a cycle through objects", selfRef, {}, "value.b.c refers back to value (a cycle)"],
    ["a cycle through arrays", arrayCycle, { what: "state" }, "state[0][0] refers back to state (a cycle)"],
    [
      "depth over the limit",
      [[[1]]],
      { maxDepth: 2 },
      "value is nested deeper than the limit of 2 levels (value[0][0] is at depth 3)",
    ],
    [
      "any container when the limit is 0",
      [],
      { maxDepth: 0 },
      "value is nested deeper than the limit of 0 levels (value is at depth 1)",
    ],
    [
      "a getter that throws",
      {
        get x(): number {
          throw new Error("boom");
        },
      },
      {},
      "value.x cannot be read (boom)",
    ],
  ])("refuses %s", (_, value, options, message) => {
    expect(jsonValueProblem(value, options)).toBe(message);
  });

  it("names the kind of problem", () => {
    expect(checkJsonValue(deepArray(3), { maxDepth: 2 })).toMatchObject({ ok: false, kind: "too-deep" });
    expect(checkJsonValue(selfRef)).toMatchObject({ ok: false, kind: "cycle", path: "value.b.c" });
    expect(checkJsonValue([1n])).toMatchObject({ ok: false, kind: "not-json", path: "value[0]" });
  });

  it("refuses a maxDepth that is not a whole number ≥ 0", () => {
    expect(() => jsonValueProblem(1, { maxDepth: -1 })).toThrow(
      expect.objectContaining({ code: "KILN_INVALID_OPTION" }),
    );
    expect(() => jsonValueProblem(1, { maxDepth: Number.NaN })).toThrow(
      expect.objectContaining({ code: "KILN_INVALID_OPTION" }),
    );
    expect(() => jsonValueProblem(1, { maxDepth: 1.5 })).toThrow(
      expect.objectContaining({ code: "KILN_INVALID_OPTION" }),
    );
  });

  it.each([
    ["arrays", deepArray],
    ["objects", deepObject],
  ])("answers 100,000-deep %s without recursion", (_, make) => {
    const value = make(100_000);
    const problem = jsonValueProblem(value, { what: "input" });
    expect(problem).toMatch(/^input is nested deeper than the limit of 256 levels \(input(\[0\]|\.a){8}…\(242 more\)…/);
    expect(problem?.length).toBeLessThan(300);
    // With no depth limit, it is walked to the bottom.
    expect(checkJsonValue(value, { maxDepth: Number.POSITIVE_INFINITY })).toEqual({ ok: true, depth: 100_000 });
  });

  it("finds a bad leaf 100,000 levels down and elides its path", () => {
    const problem = jsonValueProblem(deepObject(100_000, Number.NaN), { maxDepth: Number.POSITIVE_INFINITY });
    expect(problem).toBe(`value${".a".repeat(8)}…(99986 more)…${".a".repeat(6)} is NaN, which JSON cannot represent`);
  });

  it("finds a cycle 100,000 levels down", () => {
    const root: { a?: unknown } = {};
    let v: { a?: unknown } = root;
    for (let i = 0; i < 100_000; i++) {
      const next = {};
      v.a = next;
      v = next;
    }
    v.a = root;
    expect(checkJsonValue(root, { maxDepth: Number.POSITIVE_INFINITY })).toMatchObject({ ok: false, kind: "cycle" });
  });

  it("accepts every JSON value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(checkJsonValue(v, { maxDepth: Number.POSITIVE_INFINITY })).toEqual({ ok: true, depth: depthOf(v) });
        const depth = depthOf(v);
        expect(jsonValueProblem(v, { maxDepth: depth })).toBeUndefined();
        if (depth > 0) expect(checkJsonValue(v, { maxDepth: depth - 1 })).toMatchObject({ kind: "too-deep" });
      }),
    );
  });

  it("never throws, whatever it is given (property)", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
          withBoxedValues: true,
          withNullPrototype: true,
        }),
        (v) => {
          const problem = jsonValueProblem(v);
          expect(problem === undefined || typeof problem === "string").toBe(true);
        },
      ),
    );
  });
});

describe("jsonTextDepth", () => {
  it.each<[string, string, number]>([
    ["empty text", "", 0],
    ["a scalar", "12.5", 0],
    ["an empty array", "[]", 1],
    ["nested containers", '{"a":[1,{"b":[]}]}', 4],
    ["brackets in a string", '"[[[{{{"', 0],
    ["an escaped quote, then a bracket, in a string", '["\\"[", [1]]', 2],
    ["an escaped backslash ending a string", '["\\\\", [1]]', 2],
    ["three backslashes and a quote", '["\\\\\\"]", [[1]]]', 3],
    ["an unterminated string", '[["abc[[[', 2],
    ["unbalanced closers", "]]][", 1],
    ["siblings", "[[],[],[[]]]", 3],
  ])("counts %s", (_, text, depth) => {
    expect(jsonTextDepth(text)).toBe(depth);
    expect(jsonTextDepth(text, depth)).toBe(depth);
    if (depth > 0) expect(jsonTextDepth(text, depth - 1)).toBe(depth);
  });

  it("stops as soon as the depth passes the limit", () => {
    expect(jsonTextDepth(`${"[".repeat(1_000_000)}`, 10)).toBe(11);
    expect(jsonTextDepth(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`, 256)).toBe(257);
  });

  it.each([
    ["arrays", (n: number) => `${"[".repeat(n)}0${"]".repeat(n)}`],
    ["objects", (n: number) => `${'{"a":'.repeat(n)}0${"}".repeat(n)}`],
  ])("measures 100,000-deep %s", (_, text) => {
    expect(jsonTextDepth(text(100_000))).toBe(100_000);
    expect(jsonTextDepth(text(100_000), 100_000)).toBe(100_000);
    expect(jsonTextDepth(text(100_000), 256)).toBe(257);
  });

  it("equals the structural depth of any JSON value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonTextDepth(JSON.stringify(v))).toBe(depthOf(v));
      }),
    );
  });

  it("reads any string as depth 0, escapes and all (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(jsonTextDepth(JSON.stringify(s))).toBe(0);
        expect(jsonTextDepth(JSON.stringify([s, [s]]))).toBe(2);
      }),
    );
  });

  it("answers min(depth, limit + 1) for any limit (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(12), (v, limit) => {
        const depth = depthOf(v);
        expect(jsonTextDepth(JSON.stringify(v), limit)).toBe(depth <= limit ? depth : limit + 1);
      }),
    );
  });

  it("handles 100 MB", () => {
    const text = `[${'[1234567,"str\\"ing",{"k":true}],'.repeat(3_200_000)}0]`;
    expect(text.length).toBeGreaterThan(100_000_000);
    expect(jsonTextDepth(text, 256)).toBe(3); // also flattens the rope `repeat` built
    const started = performance.now();
    expect(jsonTextDepth(text, 256)).toBe(3);
    const ms = performance.now() - started;
    console.info(`jsonTextDepth: ${(text.length / 1e6).toFixed(0)} MB in ${ms.toFixed(0)} ms`);
  });
});

describe("jsonTextTooDeep", () => {
  it("answers text no longer than the limit without reading it", () => {
    expect(jsonTextTooDeep("[[[", 3)).toBe(false);
    expect(jsonTextTooDeep("[[[[", 3)).toBe(true);
    expect(jsonTextTooDeep('"[[[[[[[[[["', 3)).toBe(false);
    expect(jsonTextTooDeep(`[${" ".repeat(10)}]`, 3)).toBe(false);
  });

  it("agrees with jsonTextDepth (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(8), (v, limit) => {
        const text = JSON.stringify(v);
        expect(jsonTextTooDeep(text, limit)).toBe(jsonTextDepth(text) > limit);
      }),
    );
  });
});

describe("stringifyJsonValue", () => {
  it("writes what JSON.stringify writes, on the iterative path too (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        // A depth above the native threshold forces the explicit-stack writer.
        expect(stringifyJsonValue(v, 1_000_000)).toBe(JSON.stringify(v));
        expect(stringifyJsonValue(v, depthOf(v))).toBe(JSON.stringify(v));
      }),
    );
  });

  it("writes short subtrees natively and tall ones iteratively, under a deep spine", () => {
    const tall = deepArray(1_500, "t");
    const leaf = {
      a: [1, { b: 'c\u2028"' }],
      tall,
      again: tall,
      rows: Array.from({ length: 1_000 }, (_, i) => ({ i })),
    };
    const expected = `${"[".repeat(3_000)}${JSON.stringify(leaf)}${"]".repeat(3_000)}`;
    expect(stringifyJsonValue(deepArray(3_000, leaf), 4_502)).toBe(expected);
  });

  it("drops undefined properties as JSON.stringify does", () => {
    const v = { a: undefined, b: [1, { c: undefined, d: "x" }], e: Object.create(null) };
    expect(stringifyJsonValue(v, 5_000)).toBe(JSON.stringify(v));
  });

  it.each([
    ["arrays", deepArray, (n: number) => `${"[".repeat(n)}0${"]".repeat(n)}`],
    ["objects", deepObject, (n: number) => `${'{"a":'.repeat(n)}0${"}".repeat(n)}`],
  ])("writes 100,000-deep %s, which JSON.stringify cannot", (_, make, text) => {
    const value = make(100_000);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(stringifyJsonValue(value, 100_000)).toBe(text(100_000));
  });
});
