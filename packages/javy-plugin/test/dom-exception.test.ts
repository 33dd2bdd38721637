/**
 * `DOMException` in the sandbox against Node 20's as the oracle: one probe script (a function
 * body) describes the class, its prototype, instances made every way the constructor allows,
 * subclasses and misuse, as JSON; Node (in a child process) and a real plugin instance run it and
 * the descriptions must be equal. Then the two deliberate differences: QuickJS-shaped stacks, and
 * the options dictionary's default name.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { emit, type Harness, harness } from "./helpers.js";

const PROBE = `"use strict";
const shape = (value) => (typeof value === "function" ? "function " + value.name : typeof value === "object" && value !== null ? "object" : value);
const describeKey = (object, key) => {
  const d = Object.getOwnPropertyDescriptor(object, key);
  return [String(key), shape(d.value), d.get && d.get.name, d.set && d.set.name, d.enumerable, d.configurable, d.writable];
};
const own = (object) => Reflect.ownKeys(object).map((key) => describeKey(object, key));
const attempt = (f) => { try { return { value: f() }; } catch (e) { return { threw: e.name, message: e.message, code: e.code }; } };
const instance = (e) => ({
  name: e.name, message: e.message, code: e.code, own: own(e).map((row) => (row[0] === "stack" ? [row[0], typeof e.stack, ...row.slice(2)] : row)),
  keys: Object.keys(e), json: JSON.stringify(e), string: String(e), tag: Object.prototype.toString.call(e),
  isError: e instanceof Error, isDOMException: e instanceof DOMException, proto: Object.getPrototypeOf(e) === DOMException.prototype,
});
const LEGACY = ["IndexSizeError", "DOMStringSizeError", "HierarchyRequestError", "WrongDocumentError", "InvalidCharacterError",
  "NoDataAllowedError", "NoModificationAllowedError", "NotFoundError", "NotSupportedError", "InUseAttributeError",
  "InvalidStateError", "SyntaxError", "InvalidModificationError", "NamespaceError", "InvalidAccessError", "ValidationError",
  "TypeMismatchError", "SecurityError", "NetworkError", "AbortError", "URLMismatchError", "QuotaExceededError", "TimeoutError",
  "InvalidNodeTypeError", "DataCloneError", "EncodingError", "NotReadableError", "OperationError", "abortError", "", "Error"];
class Sub extends DOMException { constructor(m) { super(m, "TimeoutError"); this.extra = 1; } }
const getter = (key) => Object.getOwnPropertyDescriptor(DOMException.prototype, key).get;
return {
  class: { type: typeof DOMException, name: DOMException.name, length: DOMException.length, own: own(DOMException),
    proto: Object.getPrototypeOf(DOMException) === Function.prototype },
  prototype: { own: own(DOMException.prototype), proto: Object.getPrototypeOf(DOMException.prototype) === Error.prototype,
    constructor: DOMException.prototype.constructor === DOMException, tag: DOMException.prototype[Symbol.toStringTag] },
  legacy: LEGACY.map((name) => { const e = new DOMException("m", name); return [e.name, e.code]; }),
  made: [
    () => new DOMException(), () => new DOMException(undefined), () => new DOMException(undefined, undefined), () => new DOMException(null, null),
    () => new DOMException(1, 2), () => new DOMException("m", "AbortError"), () => new DOMException({ toString() { return "obj"; } }, "X"),
    () => new DOMException("m", { name: "AbortError" }), () => new DOMException("m", { name: "NotFoundError", cause: { why: 1 } }),
    () => new DOMException("m", { name: 5, cause: undefined }), () => new DOMException("m", { name: null }), () => new DOMException("m", false),
    () => new Sub("sub"),
  ].map((make) => {
    const e = make();
    const cause = Object.getOwnPropertyDescriptor(e, "cause");
    return { ...instance(e), cause: cause && [shape(cause.value), cause.value && cause.value.why, cause.enumerable, cause.configurable, cause.writable] };
  }),
  misuse: [
    () => DOMException("m"), () => new DOMException(Symbol()), () => new DOMException("m", Symbol()), () => getter("name").call({}),
    () => getter("message").call(new Error("e")), () => getter("code").call(undefined), () => DOMException.prototype.name, () => DOMException.prototype.code,
    () => { DOMException.INDEX_SIZE_ERR = 7; }, () => { new DOMException("m").name = "x"; }, () => { new DOMException("m").code = 1; },
    () => DOMException.prototype.ABORT_ERR, () => new DOMException("m").DATA_CLONE_ERR, () => delete DOMException.ABORT_ERR,
  ].map((f) => { const r = attempt(f); return r.threw ? { threw: r.threw, code: r.code } : r; }),
  messages: [() => getter("name").call({}), () => DOMException.prototype.message].map(attempt),
  subclass: (() => { const e = new Sub("s"); return [e instanceof Sub, e instanceof DOMException, Object.prototype.toString.call(e), e.name, e.code, Object.keys(e)]; })(),
  cloned: (() => { const c = structuredClone(new DOMException("m", "AbortError")); return [Object.getPrototypeOf(c) === Object.prototype, Object.keys(c)]; })(),
};`;

let h: Harness;

beforeAll(async () => {
  h = await harness();
});

/** Runs `body` as the module's `run` and returns what it emitted, one value per line. */
function sandbox(body: string): unknown[] {
  h.reset();
  h.run(`${emit}export function run() {\n${body}\n}`, "run");
  expect(h.stderr()).toBe("");
  return h
    .stdout()
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("DOMException in the sandbox, against Node 20", () => {
  it("has Node's shape: class, prototype, codes, conversions, subclasses and misuse", () => {
    const script = `process.stdout.write(JSON.stringify(new Function(require("node:fs").readFileSync(0, "utf8"))()));`;
    const expected = JSON.parse(execFileSync(process.execPath, ["-e", script], { input: PROBE, encoding: "utf8" }));
    const [actual] = sandbox(`emit((function () {\n${PROBE}\n})());`);
    expect(actual).toEqual(expected);
  });
});

describe("where the sandbox differs from Node 20", () => {
  it("gives instances QuickJS's stack: the caller's frames, not the constructor's", () => {
    const [stack, thrown] = sandbox(`
      function make() { return new DOMException("m", "AbortError"); }
      emit(make().stack);
      try { throw new DOMException("thrown"); } catch (e) { emit([e.stack, e instanceof Error]); }`);
    expect(stack).toMatch(/^ {4}at make \(function\.mjs(:\d+)?\)\n {4}at run \(function\.mjs:\d+\)\n$/);
    expect(thrown).toEqual([expect.stringMatching(/^ {4}at run \(function\.mjs:\d+\)\n$/), true]);
    expect(new DOMException("m", "AbortError").stack).toMatch(/^AbortError: m\n {4}at new DOMException/);
  });

  it('names an exception made with an options dictionary without a name "Error", its default', () => {
    const [names] = sandbox(
      `emit([{}, { cause: 1 }, ["Array"]].map((options) => new DOMException("m", options).name));`,
    );
    expect(names).toEqual(["Error", "Error", "Error"]);
    expect(Reflect.construct(DOMException, ["m", {}]).name).toBe("undefined");
  });
});
