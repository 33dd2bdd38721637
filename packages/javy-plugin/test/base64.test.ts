/**
 * The `base64` group in the sandbox: `atob` and `btoa` inside a real plugin instance, compared with
 * Node 20's as the oracle on seeded random inputs: round trips of byte strings of many lengths,
 * encodings with whitespace and padding moved about, and invalid input. All cases go to the sandbox
 * in one invoke; the same script computes the answers there and, as a function body, in Node.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { emit, harness, mismatches, prng } from "./helpers.js";

const next = prng(0xba5e64);
const int = (n: number) => Math.floor(next() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

/** A string of `length` random code units 0–255: what btoa takes. */
function byteString(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(int(256));
  return out;
}

/** Byte strings to round-trip: every length up to 70, random ones up to 2,000, a few large ones. */
const ROUND_TRIPS = [
  ...Array.from({ length: 71 }, (_, length) => byteString(length)),
  ...Array.from({ length: 150 }, () => byteString(int(2000))),
  byteString(65_536),
  byteString(100_001),
  "\u0000\u00ff\u0080",
  "Hello, world!",
];

const WHITESPACE = ["\t", "\n", "\f", "\r", " "];
/** Not ASCII whitespace to forgiving-base64, so each makes the input invalid. */
const NOT_WHITESPACE = ["\v", "\u00a0", "\u2028", "\u3000", "\ufeff"];
const INVALID = ["-", "_", "%", ".", "\u0000", "ü", "\u0100", "\ud83d\ude00", "\ud800", "*", "=", "==", "==="];

/** Inserts `piece` at a random position of `text`. */
function insert(text: string, piece: string): string {
  const at = int(text.length + 1);
  return text.slice(0, at) + piece + text.slice(at);
}

/** Encodings (made by Node's btoa) with whitespace, padding and stray characters moved about. */
function atobInputs(): string[] {
  const inputs: string[] = [];
  for (let i = 0; i < 600; i++) {
    let text = btoa(byteString(int(40)));
    switch (i % 8) {
      case 0: // whitespace anywhere, padding included
        for (let n = 1 + int(4); n > 0; n--) text = insert(text, pick(WHITESPACE).repeat(1 + int(3)));
        break;
      case 1: // padding dropped
        text = text.replace(/=+$/, "");
        break;
      case 2: // padding dropped or added in the wrong amount
        text = text.replace(/=+$/, "") + "=".repeat(int(4));
        break;
      case 3: // a character that is not base64
        text = insert(text, pick(INVALID));
        break;
      case 4: // whitespace that forgiving-base64 does not strip
        text = insert(text, pick(NOT_WHITESPACE));
        break;
      case 5: // cut to any length (length % 4 == 1 cannot be decoded)
        text = text.slice(0, int(text.length + 1));
        break;
      case 6: // random characters from the alphabet, leftover bits and all
        text = Array.from({ length: int(12) }, () => pick([..."AQgw+/=Zz09 "])).join("");
        break;
      default: // padding in the middle: two encodings run together
        text += btoa(byteString(1 + int(5)));
        break;
    }
    inputs.push(text);
  }
  return inputs;
}

/** Code unit strings for btoa that are not all bytes: InvalidCharacterError. */
function btoaInvalid(): string[] {
  return Array.from({ length: 60 }, () => insert(byteString(int(20)), pick(["\u0100", "€", "\ud800", "\ud83d\ude00"])));
}

const cases = {
  roundTrips: ROUND_TRIPS,
  atob: [...atobInputs(), "", " ", "=", "==", "QR==", "QR", "QQ=", "QQ===", "QUJ=", "QU=D", "AB\f"],
  btoaInvalid: btoaInvalid(),
};

/** Run in both engines: one JSON line of answers. Errors are compared by name, code and class. */
const COMPARE = `
const attempt = (f) => {
  try { return f(); } catch (e) {
    return { error: e.name, code: e.code ?? null, dom: typeof DOMException === "function" && e instanceof DOMException };
  }
};
const roundTrips = cases.roundTrips.map((s) => { const b = btoa(s); return [b, atob(b) === s]; });
const decoded = cases.atob.map((s) => attempt(() => atob(s)));
const rejected = cases.btoaInvalid.map((s) => attempt(() => btoa(s)));
const converted = [undefined, null, 0, 12, 1.5, true, {}, [1, 2], { toString: () => "QUJD" }].map((v) => [
  attempt(() => btoa(v)),
  attempt(() => atob(v)),
]);
const misuse = [() => atob(), () => btoa(), () => atob(Symbol()), () => btoa(Symbol())].map((f) => attempt(f).error);
emit({ roundTrips, decoded, rejected, converted, misuse, names: [atob.name, atob.length, btoa.name, btoa.length] });
`;

describe("atob and btoa against Node 20", () => {
  let sandbox: Record<string, unknown[]>;
  let node: Record<string, unknown[]>;

  beforeAll(async () => {
    const h = await harness();
    h.run(`${emit}const cases = ${JSON.stringify(cases)};\n${COMPARE}`);
    expect(h.stderr()).toBe("");
    sandbox = JSON.parse(h.stdout());
    let line = "";
    new Function("emit", "cases", COMPARE)((value: unknown) => {
      line = JSON.stringify(value);
    }, cases);
    node = JSON.parse(line);
  });

  it(`round-trips ${ROUND_TRIPS.length} byte strings of lengths 0 to 100,001 as Node does`, () => {
    expect(mismatches(cases.roundTrips, sandbox.roundTrips ?? [], node.roundTrips ?? [])).toEqual([]);
    expect((sandbox.roundTrips ?? []).every((answer) => (answer as [string, boolean])[1])).toBe(true);
  });

  it(`decodes ${cases.atob.length} encodings with whitespace, padding and stray characters as Node does`, () => {
    expect(mismatches(cases.atob, sandbox.decoded ?? [], node.decoded ?? [])).toEqual([]);
    // Both outcomes are well represented, so agreement is not just on failing.
    const answers = (node.decoded ?? []) as unknown[];
    expect(answers.filter((answer) => typeof answer === "string").length).toBeGreaterThan(250);
    expect(answers.filter((answer) => typeof answer !== "string").length).toBeGreaterThan(150);
  });

  it("rejects code units above 0xFF in btoa with InvalidCharacterError DOMExceptions as Node does", () => {
    expect(mismatches(cases.btoaInvalid, sandbox.rejected ?? [], node.rejected ?? [])).toEqual([]);
    expect(sandbox.rejected?.[0]).toEqual({ error: "InvalidCharacterError", code: 5, dom: true });
  });

  it("converts arguments to strings, checks arity, and names its functions as Node does", () => {
    expect(sandbox.converted).toEqual(node.converted);
    expect(sandbox.misuse).toEqual(node.misuse);
    expect(sandbox.misuse).toEqual(["TypeError", "TypeError", "TypeError", "TypeError"]);
    expect(sandbox.names).toEqual(node.names);
  });

  it("are not constructors, as WebIDL operations are in browsers (Node 20's are plain functions)", async () => {
    const h = await harness();
    h.run(`${emit}
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return e.name; } };
emit([attempt(() => new atob("")), attempt(() => new btoa("")), "prototype" in atob]);`);
    expect(JSON.parse(h.stdout())).toEqual(["TypeError", "TypeError", false]);
  });
});
