/**
 * Numbers must not change value on the way into or out of the sandbox. Differential: every case
 * runs in the real plugin and is checked against Node (V8) itself, bit for bit. Values travel as
 * the hex of their IEEE-754 bits (read and written through a DataView on both sides), so that no
 * conversion under test carries them.
 */
import { describe, expect, it } from "vitest";
import { emit, harness, prng } from "./helpers.js";

// ---- deterministic randomness ------------------------------------------------------------------

const random = prng(20240611);
const randInt = (n: number) => Math.floor(random() * n);
const randU32 = () => randInt(2 ** 32);
const randDigits = (n: number, alphabet = "0123456789") => {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[randInt(alphabet.length)];
  return s;
};

// ---- bits ----------------------------------------------------------------------------------------

const view = new DataView(new ArrayBuffer(8));
/** The 16 hex digits of a double's bits (sign, exponent, mantissa). */
function bitsOf(x: number): string {
  view.setFloat64(0, x);
  return view.getUint32(0).toString(16).padStart(8, "0") + view.getUint32(4).toString(16).padStart(8, "0");
}
function fromBits(hi: number, lo: number): number {
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}
const fromHex = (h: string) => fromBits(Number.parseInt(h.slice(0, 8), 16), Number.parseInt(h.slice(8), 16));
/** The same helpers inside QuickJS (parseInt of 8 hex digits is exact in any engine). */
const sandboxBits = `${emit}
const view = new DataView(new ArrayBuffer(8));
const bitsOf = (x) => { view.setFloat64(0, x); return view.getUint32(0).toString(16).padStart(8, "0") + view.getUint32(4).toString(16).padStart(8, "0"); };
const fromBits = (h) => { view.setUint32(0, parseInt(h.slice(0, 8), 16)); view.setUint32(4, parseInt(h.slice(8), 16)); return view.getFloat64(0); };
`;

/** x = M * 2^E exactly, for a positive finite double. */
function decompose(x: number): { m: bigint; e: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return exp === 0 ? { m: frac, e: -1074 } : { m: frac | (1n << 52n), e: exp - 1075 };
}

/** The exact decimal expansion of m * 2^e (m > 0). */
function exactDecimal(m: bigint, e: number): string {
  if (e >= 0) return (m << BigInt(e)).toString();
  const k = -e;
  const digits = (m * 5n ** BigInt(k)).toString().padStart(k + 1, "0");
  return `${digits.slice(0, -k)}.${digits.slice(-k)}`.replace(/0+$/, "").replace(/\.$/, "");
}

/** The decimal exactly halfway between x (positive, finite, not the largest) and the next double. */
function midpointAbove(x: number): string {
  const { m, e } = decompose(x);
  return exactDecimal(2n * m + 1n, e - 1);
}

// ---- what the sandbox does --------------------------------------------------------------------

async function inSandbox<T>(body: string): Promise<T> {
  const h = await harness();
  h.run(sandboxBits + body);
  const err = h.plugin.lastError();
  if (err) throw new Error(`${err.name}: ${err.message}`);
  return JSON.parse(h.stdout()) as T;
}

/** Compares element-wise, naming the first mismatches (all of them would flood the report). */
function mismatches<T>(labels: string[], actual: T[], expected: T[], limit = 25): string[] {
  expect(actual.length).toBe(expected.length);
  const out: string[] = [];
  for (let i = 0; i < expected.length && out.length < limit; i++) {
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i]))
      out.push(`${labels[i]}: plugin ${JSON.stringify(actual[i])}, node ${JSON.stringify(expected[i])}`);
  }
  return out;
}

// ---- the cases ----------------------------------------------------------------------------------

/** Decimal strings that are hard to round: each is parsed by Number, JSON.parse, parseFloat,
    parseInt (integers) and as a source literal. */
const HARD_DECIMALS = [
  "30031961859790164000", // the report
  "3.0031961859790164e19",
  "9007199254740993", // 2^53 + 1: a tie, to even (down)
  "9007199254740995", // a tie, to even (up)
  "9007199254740993.0000000000000000001",
  "18446744073709551615", // 2^64 - 1
  "18446744073709551616",
  "18446744073709553664", // 2^64 + 2048: a tie, to even (down)
  "18446744073709553665",
  "18446744073709557760", // 2^64 + 6144: a tie, to even (up)
  "9999999999999999999",
  "99999999999999999999",
  "999999999999999999999",
  "1000000000000000000000",
  "100000000000000000000000", // 1e23, famously hard
  "123456789012345678901234567890",
  "295147905179352825856", // 2^68
  "295147905179352858624", // 2^68 + 2^15: a tie, to even (down)
  "295147905179352858625", // just past it (up)
  "4.9e-324",
  "2.4703282292062327e-324", // under half the smallest subnormal: 0
  "2.4703282292062328e-324", // over it: 5e-324
  "2.2250738585072011e-308",
  "2.2250738585072012e-308",
  "1.7976931348623157e308",
  "1.7976931348623158e308",
  "1.7976931348623159e308", // past the overflow tie: Infinity
  exactDecimal((1n << 54n) - 1n, 970), // 2^1024 - 2^970, the overflow tie: Infinity
  ((((1n << 54n) - 1n) << 970n) - 1n).toString(), // just under it: the largest double
  `1${"0".repeat(308)}`,
  `1${"0".repeat(309)}`,
  `${"9".repeat(400)}`,
  `0.${"0".repeat(400)}1`,
  "9007199254740992e22", // the fast path's limits: 2^53 and 10^22 are exact, one rounding
  "9007199254740993e22",
  "9007199254740991e-22",
  "123456789012345.6e-7",
  "1e22",
  "1e-22",
  "0.1",
  "0.3",
  "5e-324",
  "1e21",
  "1e-7",
  "123",
  "0",
  "-0",
];

function decimalStrings(): string[] {
  const out = new Set<string>(HARD_DECIMALS);
  const add = (s: string) => {
    out.add(s);
    if (out.size % 5 === 0) out.add(`-${s}`);
  };
  // Integers of 20 and 21 digits (1e19..1e21), where the bug lived, and of every length up to 40.
  for (let i = 0; i < 1500; i++) add(String(1 + randInt(9)) + randDigits(19 + randInt(2)));
  for (let i = 0; i < 500; i++) add(String(1 + randInt(9)) + randDigits(randInt(40)));
  // Exact ties between two doubles, and the decimals just above and below them, as integers
  // (near 2^53, 2^64, 1e19..1e21, up to 1e300) and as fractions (down to the subnormals).
  const tieAround = (x: number) => {
    const mid = midpointAbove(x);
    add(mid);
    if (mid.includes(".")) {
      add(`${mid}000001`);
      add(`${mid.slice(0, -1)}4${"9".repeat(8)}`);
    } else {
      add((BigInt(mid) + 1n).toString());
      add((BigInt(mid) - 1n).toString());
    }
  };
  for (let i = 0; i < 200; i++) tieAround(2 ** 53 + randInt(2 ** 12) * 2);
  for (let i = 0; i < 200; i++) tieAround(2 ** 64 + randInt(2 ** 20) * 4096);
  for (let i = 0; i < 400; i++) tieAround(1e19 + random() * 99e19);
  for (let i = 0; i < 200; i++) tieAround(random() * 10 ** randInt(300));
  for (let i = 0; i < 150; i++) tieAround(fromBits(randInt(0x7fe00000), randU32())); // all magnitudes
  for (let i = 0; i < 50; i++) tieAround(fromBits(randInt(0x100000), randU32())); // subnormals
  // Everyday decimals: few digits, small exponents.
  for (let i = 0; i < 600; i++) {
    const digits = String(randInt(10 ** (1 + randInt(15))));
    const point = randInt(digits.length + 1);
    const exp = i % 3 === 0 ? `e${randInt(50) - 25}` : "";
    add(`${digits.slice(0, point) || "0"}.${digits.slice(point) || "0"}${exp}`);
  }
  // Decimals with many significant digits, in and out of exponent form.
  for (let i = 0; i < 300; i++) add(`${1 + randInt(9)}.${randDigits(15 + randInt(25))}e${randInt(640) - 330}`);
  for (let i = 0; i < 200; i++)
    add(`${randDigits(1 + randInt(25))}.${randDigits(1 + randInt(25))}`.replace(/^0+(?=\d)/, ""));
  return [...out];
}

/** Doubles across every magnitude, the ones the report is about in particular. */
function doubles(): number[] {
  const out = new Set<number>();
  const add = (x: number) => {
    if (Number.isFinite(x)) out.add(x);
  };
  for (let i = 0; i < 4000; i++) add(fromBits(randU32(), randU32())); // random bit patterns
  for (let i = 0; i < 3000; i++) add(1e19 + random() * 99e19); // 1e19..1e21
  for (let i = 0; i < 500; i++) add(Number(String(1 + randInt(9)) + randDigits(19 + randInt(2))));
  for (let k = -300; k <= 300; k++) add(2 ** 53 + k); // integers near 2^53
  for (let k = -300; k <= 300; k++) add(2 ** 64 + k * 2048); // near 2^64
  for (let i = 0; i < 1000; i++) add(fromBits(randInt(0x100000) | (randInt(2) * 0x80000000), randU32())); // subnormals
  for (let e = -1074; e <= 1023; e++) {
    add(2 ** e);
    const { m, e: exp } = decompose(2 ** e);
    if (m > 1n) add(Number(exactDecimal(m - 1n, exp))); // just below a power of two
  }
  for (let k = -323; k <= 308; k++) {
    const p = Number(`1e${k}`);
    add(p);
    add(Number(`9.999999999999999e${k}`));
    add(Number(`1.0000000000000002e${k}`));
  }
  for (let i = 0; i < 500; i++) add((random() - 0.5) * 10 ** (randInt(40) - 20)); // everyday numbers
  add(Number.MAX_VALUE);
  add(Number.MIN_VALUE);
  add(Number.EPSILON);
  add(Number.MAX_SAFE_INTEGER);
  add(0);
  add(-0);
  return [...out];
}

describe("string -> number rounds correctly (ties to even), as Node does", () => {
  const strings = decimalStrings();

  it(`parses ${strings.length} decimal strings with Number, JSON.parse, parseFloat and parseInt`, async () => {
    const actual = await inSandbox<string[][]>(`
const strings = ${JSON.stringify(strings)};
emit(strings.map((s) => [bitsOf(Number(s)), bitsOf(JSON.parse(s)), bitsOf(parseFloat(s)),
  /^-?\\d+$/.test(s) ? bitsOf(parseInt(s)) : ""]));`);
    const expected = strings.map((s) => {
      const bits = bitsOf(Number(s));
      expect(JSON.parse(s)).toBe(Number(s)); // the oracle agrees with itself
      return [bits, bits, bitsOf(parseFloat(s)), /^-?\d+$/.test(s) ? bitsOf(Number.parseInt(s, 10)) : ""];
    });
    expect(mismatches(strings, actual, expected)).toEqual([]);
  });

  it("parses the same strings as source literals", async () => {
    const actual = await inSandbox<string[]>(`emit([${strings.join(",\n")}].map(bitsOf));`);
    expect(
      mismatches(
        strings,
        actual,
        strings.map((s) => bitsOf(Number(s))),
      ),
    ).toEqual([]);
  });

  it("parses long hexadecimal, octal and binary integers exactly", async () => {
    const cases: [string, number][] = []; // [digits, radix]
    for (const radix of [2, 4, 8, 16, 32]) {
      const alphabet = "0123456789abcdefghijklmnopqrstuv".slice(0, radix);
      for (let i = 0; i < 150; i++)
        cases.push([alphabet[1 + randInt(radix - 1)] + randDigits(randInt(120), alphabet), radix]);
      // ties and near-ties: a 53-bit mantissa, then 1, then zeros or a last 1
      for (let i = 0; i < 60; i++) {
        const mantissa = (1n << 52n) | (BigInt(randU32()) << 20n) | BigInt(randInt(2 ** 20));
        const tail = [0n, 1n, (1n << 40n) - 1n][i % 3] as bigint;
        const value = ((mantissa * 2n + 1n) << 41n) | tail;
        cases.push([(value << BigInt(randInt(i % 2 ? 20 : 400))).toString(radix), radix]);
      }
    }
    // The value as Number("0x..")/0x.. literals see it (radix 2, 8, 16) and as parseInt(s, radix).
    const prefix: Record<number, string> = { 2: "0b", 8: "0o", 16: "0x" };
    const literals = cases.filter(([, r]) => prefix[r]).map(([s, r]) => prefix[r] + s);
    const actual = await inSandbox<{ parsed: string[]; numbers: string[]; literals: string[] }>(`
const cases = ${JSON.stringify(cases)};
const literals = ${JSON.stringify(literals)};
emit({ parsed: cases.map(([s, r]) => bitsOf(parseInt(s, r))), numbers: literals.map((s) => bitsOf(Number(s))),
  literals: [${literals.join(",")}].map(bitsOf) });`);
    const labels = cases.map(([s, r]) => `parseInt("${s}", ${r})`);
    expect(
      mismatches(
        labels,
        actual.parsed,
        cases.map(([s, r]) => bitsOf(Number.parseInt(s, r))),
      ),
    ).toEqual([]);
    const expectedLiterals = literals.map((s) => bitsOf(Number(s)));
    expect(mismatches(literals, actual.numbers, expectedLiterals)).toEqual([]);
    expect(mismatches(literals, actual.literals, expectedLiterals)).toEqual([]);
  });

  it("parses integers in other radices to the nearest double (V8 only approximates these)", async () => {
    const cases: [string, number][] = [];
    for (let i = 0; i < 400; i++) {
      const radix = [3, 5, 6, 7, 9, 11, 12, 20, 36][i % 9] as number;
      const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz".slice(0, radix);
      cases.push([alphabet[1 + randInt(radix - 1)] + randDigits(10 + randInt(60), alphabet), radix]);
    }
    cases.push(["1".repeat(2000), 3]); // past 2^1024: Infinity
    const exact = ([s, r]: [string, number]) => {
      let n = 0n;
      for (const c of s) n = n * BigInt(r) + BigInt(Number.parseInt(c, r));
      return bitsOf(Number(n)); // BigInt -> Number rounds to nearest, ties to even
    };
    const actual = await inSandbox<string[]>(`emit(${JSON.stringify(cases)}.map(([s, r]) => bitsOf(parseInt(s, r))));`);
    expect(
      mismatches(
        cases.map(([s, r]) => `parseInt("${s}", ${r})`),
        actual,
        cases.map(exact),
      ),
    ).toEqual([]);
  });
});

describe("number -> string -> number, as Node does", () => {
  const values = doubles();
  const hex = values.map(bitsOf);
  const labels = values.map((x) => `${Object.is(x, -0) ? "-0" : String(x)} (${bitsOf(x)})`);

  it(`prints ${values.length} doubles as Node does and reads every one back exactly`, async () => {
    expect(values.length).toBeGreaterThanOrEqual(10_000);
    const actual = await inSandbox<string[][]>(`
emit(${JSON.stringify(hex)}.map((h) => {
  const x = fromBits(h), s = String(x), j = JSON.stringify(x);
  return [s, j, bitsOf(Number(s)), bitsOf(JSON.parse(j)), x.toExponential()];
}));`);
    const expected = values.map((x) => {
      const s = String(x);
      // JSON has no -0: it comes back as 0, in Node too.
      return [s, JSON.stringify(x), bitsOf(x), bitsOf(Object.is(x, -0) ? 0 : x), x.toExponential()];
    });
    expect(mismatches(labels, actual, expected)).toEqual([]);
  });

  it("reads the printed form, and the integer form of large integers, back as source literals", async () => {
    const forms = values.map((x) => (Object.is(x, -0) ? "-0" : String(x)));
    const integers = values.filter((x) => Math.abs(x) >= 2 ** 53).map((x) => BigInt(x).toString());
    const actual = await inSandbox<{ printed: string[]; integers: string[] }>(
      `emit({ printed: [${forms.join(",")}].map(bitsOf), integers: [${integers.join(",")}].map(bitsOf) });`,
    );
    expect(mismatches(forms, actual.printed, hex)).toEqual([]);
    expect(
      mismatches(
        integers,
        actual.integers,
        integers.map((s) => bitsOf(Number(s))),
      ),
    ).toEqual([]);
  });

  it("formats with toFixed, toPrecision and toExponential as Node does", async () => {
    const cases: [string, "toFixed" | "toPrecision" | "toExponential", number][] = [];
    values.forEach((x, i) => {
      if (i % 3 !== 0) return;
      const h = hex[i] as string;
      if (Math.abs(x) < 1e21) cases.push([h, "toFixed", i % 7 === 0 ? randInt(101) : randInt(21)]);
      cases.push([h, "toPrecision", i % 7 === 0 ? 1 + randInt(100) : 1 + randInt(21)]);
      cases.push([h, "toExponential", i % 7 === 0 ? randInt(101) : randInt(21)]);
    });
    const actual = await inSandbox<string[]>(
      `emit(${JSON.stringify(cases)}.map(([h, method, digits]) => fromBits(h)[method](digits)));`,
    );
    const expected = cases.map(([h, method, digits]) => fromHex(h)[method](digits));
    const caseLabels = cases.map(([h, method, digits]) => `(${String(fromHex(h))}).${method}(${digits})`);
    expect(mismatches(caseLabels, actual, expected)).toEqual([]);
  });

  it("formats with toString(radix) as Node does", async () => {
    const cases: [string, number][] = [];
    for (let i = 0; i < hex.length; i += 4) cases.push([hex[i] as string, 2 + randInt(35)]);
    for (const x of [0.5, -0.5, 0.1, 1 / 3, 2 ** 60, -(2 ** 60) - 2 ** 8, 1e21, 1e300, 5e-324, 255.5, 123.456, Math.PI])
      for (const radix of [2, 3, 7, 8, 16, 32, 36]) cases.push([bitsOf(x), radix]);
    const actual = await inSandbox<string[]>(
      `emit(${JSON.stringify(cases)}.map(([h, radix]) => fromBits(h).toString(radix)));`,
    );
    const expected = cases.map(([h, radix]) => fromHex(h).toString(radix));
    const caseLabels = cases.map(([h, radix]) => `(${String(fromHex(h))}).toString(${radix})`);
    expect(mismatches(caseLabels, actual, expected)).toEqual([]);
  });
});

describe("64-bit integers", () => {
  it("BigUint64Array and DataView read values of 2^63 and up exactly", async () => {
    const halves: [number, number][] = [
      [0x80000000, 1],
      [0xffffffff, 0xffffffff],
      [0x80000000, 0],
      [0x7fffffff, 0xffffffff],
    ];
    for (let i = 0; i < 500; i++) halves.push([randU32(), randU32()]);
    const actual = await inSandbox<string[][]>(`
const dv = new DataView(new ArrayBuffer(8)), u64 = new BigUint64Array(dv.buffer), i64 = new BigInt64Array(dv.buffer);
emit(${JSON.stringify(halves)}.map(([hi, lo]) => {
  dv.setUint32(0, lo, true); dv.setUint32(4, hi, true); // little-endian, as the typed arrays are here
  const a = u64[0], b = dv.getBigUint64(0, true), c = i64[0];
  u64[0] = a; // and back
  return [a.toString(16), b.toString(), c.toString(), String(a === b), dv.getUint32(0, true) + ":" + dv.getUint32(4, true)];
}));`);
    const expected = halves.map(([hi, lo]) => {
      const v = (BigInt(hi) << 32n) | BigInt(lo);
      return [v.toString(16), v.toString(), BigInt.asIntN(64, v).toString(), "true", `${lo}:${hi}`];
    });
    expect(
      mismatches(
        halves.map(([hi, lo]) => `${hi}:${lo}`),
        actual,
        expected,
      ),
    ).toEqual([]);
  });
});
