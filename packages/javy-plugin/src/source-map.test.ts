import { brotliCompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SOURCE_MAP_SECTION } from "./abi.js";
import { emitDynamicModule } from "./module.js";
import {
  decodeMappings,
  decodeSourceMapSection,
  encodeMappings,
  encodeSourceMapSection,
  type MappingSegment,
  type StoredSourceMap,
} from "./source-map.js";

describe("source map mappings", () => {
  it("decode the spec's example segments, with relative fields and empty lines", () => {
    // AAAA: column 0 → source 0, line 0, column 0; SAAS: +9 columns, +9 source columns; the
    // second line starts from column 0 again, the rest stays relative; ;; is a line with none.
    expect(decodeMappings("AAAA,SAASA;;EACEC,G")).toEqual([
      [
        { column: 0, source: 0, sourceLine: 0, sourceColumn: 0 },
        { column: 9, source: 0, sourceLine: 0, sourceColumn: 9, name: 0 },
      ],
      [],
      [{ column: 2, source: 0, sourceLine: 1, sourceColumn: 11, name: 1 }, { column: 5 }],
    ]);
  });

  it("round-trip large and negative deltas", () => {
    const lines: MappingSegment[][] = [
      [
        { column: 70_000, source: 3, sourceLine: 1_000_000, sourceColumn: 5, name: 12 },
        { column: 70_001, source: 0, sourceLine: 2, sourceColumn: 0 },
      ],
      [],
      [{ column: 4 }, { column: 9, source: 1, sourceLine: 0, sourceColumn: 2, name: 0 }],
    ];
    const text = encodeMappings(lines);
    expect(decodeMappings(text)).toEqual(lines);
  });

  it("refuse text that is not Base64 VLQ, and segments of the wrong size", () => {
    for (const bad of ["AA!A", "AAAA,g", "AA", "AAAAAAA", "ggggggggA"]) {
      expect(() => decodeMappings(bad), bad).toThrow(expect.objectContaining({ code: "KILN_MODULE_INVALID" }));
    }
  });
});

describe(`the ${SOURCE_MAP_SECTION} section`, () => {
  const map: StoredSourceMap = {
    version: 3,
    sources: ["src/index.ts", "kiln:glue.js"],
    names: ["parse"],
    mappings: encodeMappings([[], [{ column: 2, source: 0, sourceLine: 6, sourceColumn: 14, name: 0 }]]),
  };

  it("is written by emitDynamicModule and read back unchanged, Brotli-compressed", () => {
    const bytes = emitDynamicModule({ bytecode: new Uint8Array([1, 2, 3]), exports: [], sourceMap: map });
    const sections = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), SOURCE_MAP_SECTION);
    expect(sections).toHaveLength(1);
    const payload = new Uint8Array(sections[0] as ArrayBuffer);
    expect(payload).toEqual(new Uint8Array(encodeSourceMapSection(map)));
    expect(decodeSourceMapSection(payload)).toEqual(map);
    // Without a map the module has no such section, and is otherwise the same module.
    const without = emitDynamicModule({ bytecode: new Uint8Array([1, 2, 3]), exports: [] });
    expect(WebAssembly.Module.customSections(new WebAssembly.Module(without), SOURCE_MAP_SECTION)).toEqual([]);
    expect(bytes.subarray(0, without.length)).toEqual(without);
  });

  it("refuses bytes that are not a compressed version 3 map", () => {
    const cases = [
      new Uint8Array([1, 2, 3]),
      brotliCompressSync("not json"),
      brotliCompressSync(JSON.stringify({ ...map, version: 2 })),
      brotliCompressSync(JSON.stringify({ ...map, sources: [1] })),
      brotliCompressSync(JSON.stringify({ version: 3, sources: [], names: [] })),
    ];
    for (const bytes of cases) {
      expect(() => decodeSourceMapSection(bytes)).toThrow(
        expect.objectContaining({ code: "KILN_MODULE_INVALID", message: expect.stringContaining(SOURCE_MAP_SECTION) }),
      );
    }
  });
});
