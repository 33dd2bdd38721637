/**
 * Every error code a user can meet is documented: scans the packages' sources for `KILN_*` codes
 * and checks that docs/errors.md names each one. Also: the README's limits table names every limit.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LIMIT_NAMES } from "@kiln/contracts";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|c)$/.test(name) && !name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("docs/errors.md", () => {
  it("documents every KILN_* code the packages raise", () => {
    const docs = readFileSync(join(root, "docs/errors.md"), "utf8");
    const codes = new Set<string>();
    for (const pkg of ["sdk", "codegen", "javy-plugin", "host"]) {
      for (const dir of ["src", "c"]) {
        let files: string[] = [];
        try {
          files = sources(join(root, "packages", pkg, dir));
        } catch {
          continue; // not every package has C sources
        }
        for (const file of files) {
          // Codes are string literals; KILN_* identifiers in C are constants, not codes.
          for (const [, code] of readFileSync(file, "utf8").matchAll(/["'](KILN_[A-Z0-9_]*[A-Z0-9])["']/g)) {
            codes.add(code as string);
          }
        }
      }
    }
    const missing = [...codes].filter((code) => !docs.includes(`\`${code}\``)).sort();
    expect(missing).toEqual([]);
  });
});

describe("packages/codegen/README.md", () => {
  it("lists every limit of the host's table in its limits table", () => {
    const readme = readFileSync(join(root, "packages/codegen/README.md"), "utf8");
    const listed = [...readme.matchAll(/^\| `(\w+)` +\|/gm)].map((match) => match[1]);
    expect(listed).toEqual(LIMIT_NAMES);
  });
});
