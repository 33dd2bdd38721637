/**
 * Each contract has one source; these tests fail when a second spelling appears anywhere in the
 * repository: an error code missing from the table, a runtime operation name, a manifest pattern
 * or a host-call reply written out by hand outside the module that owns it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../src/errors.js";
import { KEBAB_CASE_PATTERN, SEMVER_PATTERN } from "../src/manifest.js";

const root = new URL("../../../", import.meta.url).pathname;
const SKIP = new Set(["node_modules", "dist", "api", ".turbo", "fixtures"]);

function files(dir: string, test: (name: string) => boolean): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, test));
    else if (test(name)) out.push(path);
  }
  return out;
}

const workspaces = ["packages", "extensions"].flatMap((d) =>
  readdirSync(join(root, d)).map((name) => join(root, d, name)),
);
const isSource = (name: string) => /\.(ts|mts|js|mjs)$/.test(name) && !/\.test(-d)?\.ts$/.test(name);
const sources = workspaces.flatMap((w) => [...files(join(w, "src"), isSource), ...files(join(w, "bin"), isSource)]);
const tests = workspaces.flatMap((w) => [
  ...files(join(w, "test"), (n) => n.endsWith(".ts")),
  ...files(join(w, "src"), (n) => /\.test(-d)?\.ts$/.test(n)),
]);
// The changelog page is history: it names codes as they were spelled when each change was made.
const docs = [
  join(root, "README.md"),
  ...files(join(root, "docs"), (n) => n.endsWith(".md") && n !== "changelog.md"),
].concat(workspaces.map((w) => join(w, "README.md")).filter((f) => statSync(f, { throwIfNoEntry: false })));
/** Environment variables Kiln's scripts read: named like codes, but not errors. */
const ENVIRONMENT_VARIABLES = new Set(["KILN_FUZZ_RUNS"]);
const read = (file: string) => readFileSync(file, "utf8");
const where = (file: string) => relative(root, file);

/** Every place `pattern` matches in `list`, as `file: match`. */
function occurrences(list: readonly string[], pattern: RegExp): string[] {
  return list.flatMap((file) => [...read(file).matchAll(pattern)].map((m) => `${where(file)}: ${m[0]}`));
}

describe("one spelling per contract", () => {
  it("every KILN_ code in sources and docs is in the error table", () => {
    expect(sources.length).toBeGreaterThan(50);
    const unknown = occurrences([...sources, ...docs], /\bKILN_[A-Z0-9_]*[A-Z0-9]\b/g).filter((hit) => {
      const code = hit.slice(hit.lastIndexOf(" ") + 1);
      return !Object.hasOwn(ERRORS, code) && !ENVIRONMENT_VARIABLES.has(code);
    });
    expect(unknown).toEqual([]);
  });

  it("every KILN_ code the plugin's C sources report is in the error table", () => {
    // In C, KILN_* identifiers are macros; only string literals are codes.
    const c = workspaces.flatMap((w) => files(join(w, "c"), (n) => /\.[ch]$/.test(n)));
    expect(c.length).toBeGreaterThan(0);
    const unknown = occurrences(c, /"KILN_[A-Z0-9_]*[A-Z0-9]"/g).filter(
      (hit) => !Object.hasOwn(ERRORS, hit.slice(hit.lastIndexOf(" ") + 2, -1)),
    );
    expect(unknown).toEqual([]);
  });

  it("the runtime protocol's operation names are spelt only in @kiln/sdk/protocol", () => {
    // Tests of the SDK runtime spell the wire names on purpose (they pin the format); the host's
    // tests build their extensions from the protocol module like everything else.
    const hostTests = tests.filter((file) => where(file).startsWith("packages/host/"));
    const hits = occurrences([...sources, ...hostTests], /["']\$(log|complete|progress|checkpoint|interrupted)["']/g);
    expect(hits.filter((hit) => !hit.startsWith("packages/sdk/src/protocol.ts"))).toEqual([]);
  });

  it("host-call replies are built only by the plugin ABI's helper", () => {
    const hits = occurrences(sources, /\bok:\s*false,\s*error\b|"ok":\s*false/g);
    expect(hits.filter((hit) => !hit.startsWith("packages/javy-plugin/src/abi.ts"))).toEqual([]);
  });

  it("the manifest's patterns are written only in the manifest contract", () => {
    const literal = (p: string) => new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\\/g, "\\\\?"), "g");
    const hits = [
      ...occurrences(sources, literal(KEBAB_CASE_PATTERN)),
      ...occurrences(sources, literal(SEMVER_PATTERN)),
    ];
    expect(hits.filter((hit) => !hit.startsWith("packages/contracts/src/manifest.ts"))).toEqual([]);
  });
});
