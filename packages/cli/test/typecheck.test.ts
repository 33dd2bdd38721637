/**
 * `kiln build` and the type checker end to end: the real CLI in a child process on a copy of the
 * test extension (its node_modules linked, so it builds where it lies) with one type error added.
 */
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { copyTestExtension } from "./fixtures.js";
import { killAll, runKiln } from "./kiln-process.js";

const BUILD_MS = 120_000;

let tmp: string;
let project: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-typecheck-"));
  project = join(tmp, "ext");
  await copyTestExtension(project);
  await appendFile(join(project, "src", "index.ts"), '\nexport const broken: number = "not a number";\n');
});

afterEach(() => {
  killAll();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("kiln build with a type error", () => {
  it("fails with it as a KILN_TYPE_ERROR diagnostic, TypeScript's code and message included; exit 1", async () => {
    const r = await runKiln(tmp, ["build", "ext"], BUILD_MS);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^src\/index\.ts:\d+:14: error KILN_TYPE_ERROR: TS2322: Type 'string' is not assignable to type 'number'\.\n/,
    );
    expect(r.stderr).toContain('export const broken: number = "not a number";');
    expect(r.stderr).toContain("kiln build --no-typecheck");
    expect(r.stderr).toMatch(/\n\n1 error\n$/);
  });

  it("builds it with --no-typecheck; exit 0", async () => {
    const r = await runKiln(tmp, ["build", "ext", "--no-typecheck", "--out", "out"], BUILD_MS);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^built test-extension 0\.1\.0 → out\/ \(\d+ jobs, extension\.wasm \d+\.\d KiB\) in \d+ ms\n$/,
    );
  });

  it("lists --no-typecheck in its usage", async () => {
    const r = await runKiln(tmp, ["build", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[--no-typecheck]");
    expect(r.stdout).toContain("  --no-typecheck\n");
  });
});
