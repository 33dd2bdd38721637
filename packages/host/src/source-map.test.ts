import { emitDynamicModule, encodeMappings, encodeSourceMapSection, type MappingSegment } from "@kiln/javy-plugin";
import { describe, expect, it } from "vitest";
import { SourceMapper } from "./source-map.js";

/** A segment of source 0 at 0-based `line`:`column`, named by index when `name` is given. */
const seg = (column: number, line: number, sourceColumn: number, name?: number): MappingSegment =>
  name === undefined
    ? { column, source: 0, sourceLine: line, sourceColumn }
    : { column, source: 0, sourceLine: line, sourceColumn, name };

/**
 * Bundle line 1: nothing mapped. Line 2: a statement at src/a.ts:5:3 with calls of `parse`
 * (at 5:15) and `RangeError` (`new`, at 5:30). Line 3: a statement at 9:1 calling `parse` (9:8).
 */
const mapper = new SourceMapper(
  encodeSourceMapSection({
    version: 3,
    sources: ["src/a.ts"],
    names: ["parse", "RangeError"],
    mappings: encodeMappings([
      [],
      [seg(2, 4, 2), seg(10, 4, 14, 0), seg(20, 4, 29, 1)],
      [seg(0, 8, 0), seg(7, 8, 7, 0)],
    ]),
  }),
);

describe("SourceMapper", () => {
  it("maps a line through the call of the given callee, else through its first position", () => {
    expect(mapper.position(2, "parse")).toEqual({ source: "src/a.ts", line: 5, column: 15 });
    expect(mapper.position(2, "RangeError")).toEqual({ source: "src/a.ts", line: 5, column: 30 });
    expect(mapper.position(2, "other")).toEqual({ source: "src/a.ts", line: 5, column: 3 });
    expect(mapper.position(2)).toEqual({ source: "src/a.ts", line: 5, column: 3 });
    expect(mapper.position(1, "parse")).toBeUndefined();
    expect(mapper.position(99)).toBeUndefined();
  });

  it("rewrites bundle frames, taking each frame's callee from the frame above and the error's name for the first", () => {
    const raw = [
      "    at check (function.mjs:2)",
      "    at parse (function.mjs:2)",
      "    at map (native)",
      "    at run (function.mjs:3)",
      "    at URL (kiln:globals/url)",
      "    at later (function.mjs)",
      "    at helper (function.mjs:1)",
      "",
    ].join("\n");
    expect(mapper.mapStack(raw, "RangeError").split("\n")).toEqual([
      "    at check (src/a.ts:5:30)",
      // Its callee, `check`, has no call on the line: the line's first position.
      "    at parse (src/a.ts:5:3)",
      "    at map (native)",
      "    at run (src/a.ts:9:1)",
      "    at URL (kiln:globals/url)",
      "    at later (function.mjs)",
      "    at helper (function.mjs:1)",
      "",
    ]);
    expect(mapper.mapStack("    at f (function.mjs:3)\n    at parse (function.mjs:3)", "Error")).toBe(
      "    at f (src/a.ts:9:1)\n    at parse (src/a.ts:9:1)",
    );
    expect(mapper.mapStack("    at parse (native)\n    at g (function.mjs:3)")).toBe(
      "    at parse (native)\n    at g (src/a.ts:9:8)",
    );
  });

  it("reads the section of a module, or none", () => {
    const bytecode = new Uint8Array([0]);
    const without = new WebAssembly.Module(emitDynamicModule({ bytecode, exports: [] }));
    expect(SourceMapper.fromModule(without)).toBeUndefined();
    const sourceMap = {
      version: 3 as const,
      sources: ["src/b.ts"],
      names: [],
      mappings: encodeMappings([[seg(0, 0, 0)]]),
    };
    const withMap = new WebAssembly.Module(emitDynamicModule({ bytecode, exports: [], sourceMap }));
    expect(SourceMapper.fromModule(withMap)?.position(1)).toEqual({ source: "src/b.ts", line: 1, column: 1 });
  });

  it("refuses a section that is not a source map", () => {
    expect(() => new SourceMapper(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: "KILN_MODULE_INVALID" }),
    );
    const bad = encodeSourceMapSection({ version: 3, sources: [], names: [], mappings: "!" });
    expect(() => new SourceMapper(bad)).toThrow(expect.objectContaining({ code: "KILN_MODULE_INVALID" }));
  });
});
