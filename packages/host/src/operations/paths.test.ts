import { describe, expect, it } from "vitest";
import { splitRelativePath } from "./builtins/files.js";

describe("splitRelativePath", () => {
  it.each([
    ["", []],
    [".", []],
    ["a", ["a"]],
    ["a/b/c.txt", ["a", "b", "c.txt"]],
    ["./a//b/", ["a", "b"]],
    ["...", ["..."]],
    ["a..b", ["a..b"]],
    ["..a/b..", ["..a", "b.."]],
  ])("accepts %j", (path, segments) => {
    expect(splitRelativePath(path, "docs")).toEqual(segments);
  });

  it.each([
    ["..", /'\.\.' segment/],
    ["../x", /'\.\.' segment/],
    ["a/../../x", /'\.\.' segment/],
    ["a/..", /'\.\.' segment/],
    ["a/b/../b", /'\.\.' segment/],
    ["/etc/passwd", /absolute/],
    ["//server/share", /absolute/],
    ["a\\..\\..\\x", /backslash/],
    ["..\\x", /backslash/],
    ["C:/Windows", /drive letter/],
    ["c:x", /drive letter/],
    ["a\0b", /NUL byte/],
    ["a.txt\0.png", /NUL byte/],
  ])("refuses %j with KILN_PATH_ESCAPE", (path, message) => {
    expect(() => splitRelativePath(path, "docs")).toThrow(
      expect.objectContaining({ code: "KILN_PATH_ESCAPE", message: expect.stringMatching(message) }),
    );
  });
});
