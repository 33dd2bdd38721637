/** The binary encoder's primitives against encodings worked out by hand from the spec. */
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../src/wasm.js";

const hex = (w: ByteWriter) => Buffer.from(w.view()).toString("hex");

describe("ByteWriter", () => {
  it("writes unsigned LEB128", () => {
    const cases: [number, string][] = [
      [0, "00"],
      [127, "7f"],
      [128, "8001"],
      [624485, "e58e26"],
      [2 ** 32 - 1, "ffffffff0f"],
    ];
    for (const [value, bytes] of cases) expect(hex(new ByteWriter().u32(value))).toBe(bytes);
  });

  it("writes signed LEB128 for i32.const, wrapping u32 values past 2^31", () => {
    const cases: [number, string][] = [
      [0, "00"],
      [1, "01"],
      [63, "3f"],
      [64, "c000"],
      [-1, "7f"],
      [-64, "40"],
      [-65, "bf7f"],
      [8191, "ff3f"],
      [8192, "80c000"],
      [2 ** 31 - 1, "ffffffff07"],
      [-(2 ** 31), "8080808078"],
      [2 ** 32 - 1, "7f"],
    ];
    for (const [value, bytes] of cases) expect(hex(new ByteWriter().i32(value))).toBe(bytes);
  });

  it("grows past its initial capacity and finishes with a buffer of exactly its bytes", () => {
    const w = new ByteWriter(1);
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => i & 0xff);
    w.byte(9).bytes(big).name("é");
    const out = w.finish();
    expect(out.buffer.byteLength).toBe(1 + big.length + 3);
    expect(out[0]).toBe(9);
    expect(Buffer.from(out.subarray(1, 1 + big.length)).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(out.subarray(-3)).toString("hex")).toBe("02c3a9");
  });

  it("sizes sections and custom sections", () => {
    const body = new ByteWriter().u32(1).byte(0x60);
    expect(hex(new ByteWriter().section(1, body))).toBe("01020160");
    expect(hex(new ByteWriter().customSection("ab", Uint8Array.of(7)))).toBe("000402616207");
  });
});
