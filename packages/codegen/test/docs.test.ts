/**
 * The README's limits table names every limit. (Error codes need no check here: docs/errors.md is
 * generated from the one error table, and contracts' one-spelling test finds any code outside it.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LIMIT_NAMES } from "@kiln/contracts";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url).pathname;

describe("packages/codegen/README.md", () => {
  it("lists every limit of the host's table in its limits table", () => {
    const readme = readFileSync(join(root, "packages/codegen/README.md"), "utf8");
    const listed = [...readme.matchAll(/^\| `(\w+)` +\|/gm)].map((match) => match[1]);
    expect(listed).toEqual(LIMIT_NAMES);
  });
});
