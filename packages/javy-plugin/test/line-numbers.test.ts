/**
 * Every bytecode frame of a stack has a line: QuickJS leaves a function whose code is all on its
 * first line without a line table, which it then reads as stripped debug information, and
 * `compile-src` gives such functions one (c/quickjs_unit.c, kiln_fill_line_tables).
 */
import { describe, expect, it } from "vitest";
import { JsError } from "../src/errors.js";
import { harness } from "./helpers.js";

describe("line numbers in stacks", () => {
  it("show the line of one-line functions and of a whole module on one line", async () => {
    const h = await harness();
    const oneLine = `export function run() { const fail = () => { throw new RangeError("no"); }; [1].map(() => fail()); }`;
    for (const [source, line] of [
      [oneLine, 1],
      [`// a comment\n\n${oneLine}\n`, 3],
    ] as const) {
      const error = (() => {
        try {
          h.run(source, "run");
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(JsError);
      expect((error as JsError).jsStack?.split("\n")).toEqual([
        `    at fail (function.mjs:${line})`,
        `    at <anonymous> (function.mjs:${line})`,
        "    at map (native)",
        `    at run (function.mjs:${line})`,
        "",
      ]);
    }
  });

  it("keep the lines of functions that span several", async () => {
    const h = await harness();
    const source = [
      "function inner() {",
      "  return null.x;",
      "}",
      "export function run() {",
      "  const a = 1;",
      "  return inner(a);",
      "}",
    ].join("\n");
    expect(() => h.run(source, "run")).toThrow(
      expect.objectContaining({ jsStack: "    at inner (function.mjs:2)\n    at run (function.mjs:6)\n" }),
    );
  });
});
