import { KEBAB_CASE_PATTERN, MANIFEST_LIMITS } from "@kiln/contracts";
import { describe, expect, it } from "vitest";
import { isId, MAX_ID_LENGTH, toId, toTitle } from "./names.js";

const kebab = new RegExp(KEBAB_CASE_PATTERN);

describe("toId", () => {
  it.each([
    ["my-ext", "my-ext"],
    ["My Ext", "my-ext"],
    ["MyExt", "my-ext"],
    ["photo_tagger 2", "photo-tagger-2"],
    ["  --Crème brûlée--  ", "creme-brulee"],
    ["42-things", "things"],
    ["a--b", "a-b"],
    ["x".repeat(70), "x".repeat(64)],
    [`${"a".repeat(63)}-b`, "a".repeat(63)],
  ])("%j → %j", (text, id) => {
    expect(toId(text)).toBe(id);
  });

  it("returns '' when nothing usable is left", () => {
    for (const text of ["", "123", "日本", "--", "_"]) expect(toId(text)).toBe("");
  });

  it("only ever makes ids the manifest accepts", () => {
    expect(MAX_ID_LENGTH).toBe(MANIFEST_LIMITS.idLength);
    const samples = [
      "My Ext",
      "ÀÉÎ õü",
      "a1-2b",
      "Hello, World!",
      "9lives",
      "x".repeat(200),
      "CamelCaseName",
      "a__b--c",
    ];
    for (const text of samples) {
      const id = toId(text);
      expect(id, text).toMatch(kebab);
      expect(id.length, text).toBeLessThanOrEqual(MANIFEST_LIMITS.idLength);
      expect(isId(id), text).toBe(true);
    }
  });
});

describe("isId", () => {
  it("accepts exactly what the manifest's pattern accepts, up to its length", () => {
    const samples = ["my-ext", "a", "a1", "a-1", "My-ext", "my--ext", "-my", "my-", "1a", "my_ext", "", "x".repeat(65)];
    for (const text of samples) {
      expect(isId(text), text).toBe(kebab.test(text) && text.length <= MANIFEST_LIMITS.idLength);
    }
  });
});

describe("toTitle", () => {
  it("capitalises each word", () => {
    expect(toTitle("my-first-ext2")).toBe("My First Ext2");
  });
});
