import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheKey, defaultCacheDir } from "./build-cache.js";

let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "kiln-testing-key-"));
  await mkdir(join(project, "src/lib"), { recursive: true });
  await writeFile(join(project, "package.json"), '{ "name": "key-test", "type": "module" }\n');
  await writeFile(join(project, "src/index.ts"), "export const a = 1;\n");
  await writeFile(join(project, "src/lib/util.ts"), "export const b = 2;\n");
});
afterAll(() => rm(project, { recursive: true, force: true }));

describe("cacheKey", () => {
  it("is the same for the same sources", () => {
    expect(cacheKey(project, false)).toBe(cacheKey(project, false));
  });

  it("changes with any file under src/, the package.json, a tsconfig, and the strict flag", async () => {
    const seen = new Set([cacheKey(project, false)]);
    const changed = async (file: string, text: string) => {
      await writeFile(join(project, file), text);
      const key = cacheKey(project, false);
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    };
    await changed("src/lib/util.ts", "export const b = 3;\n");
    await changed("src/lib/new.ts", "export const c = 4;\n");
    await changed("package.json", '{ "name": "key-test", "type": "module", "version": "0.2.0" }\n');
    await changed("tsconfig.json", "{}\n");
    expect(seen.has(cacheKey(project, true))).toBe(false);
  });

  it("ignores files outside src/", async () => {
    const before = cacheKey(project, false);
    await writeFile(join(project, "README.md"), "# notes\n");
    await mkdir(join(project, "test"), { recursive: true });
    await writeFile(join(project, "test/a.test.ts"), "// a test\n");
    expect(cacheKey(project, false)).toBe(before);
  });
});

describe("defaultCacheDir", () => {
  it("is under the nearest node_modules above the project", async () => {
    await mkdir(join(project, "node_modules"), { recursive: true });
    expect(defaultCacheDir(join(project, "src/lib"))).toBe(join(project, "node_modules/.cache/kiln-testing"));
  });
});
