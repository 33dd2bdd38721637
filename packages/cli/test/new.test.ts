/**
 * `kiln new`, run as the real executable in a temporary folder: the project it writes, the next
 * steps it prints, and the folder and template it refuses. (What each template builds and runs is
 * create-kiln's end-to-end test; this one is about the command.)
 */
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEMPLATES } from "create-kiln";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, runKiln } from "./kiln-process.js";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-new-"));
});
afterEach(killAll);
afterAll(() => rm(work, { recursive: true, force: true }));

describe("kiln new", () => {
  it("creates a project from the basic template and prints the next steps", async () => {
    const r = await runKiln(work, ["new", "my-ext"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Created my-ext in my-ext from the basic template (8 files).

Next steps:
  cd my-ext
  npm install
  npm run dev     rebuild and rerun a job on every change
  npm run build   dist/: manifest.json, extension.wasm, types.d.ts
  npm test        the tests in test/, in a real Kiln host
`);
    const files = (await readdir(join(work, "my-ext"), { recursive: true })).sort();
    expect(files).toEqual([
      ".gitignore",
      "README.md",
      "package.json",
      "src",
      "src/index.ts",
      "test",
      "test/index.test.ts",
      "tsconfig.json",
      "tsconfig.test.json",
      "vitest.config.ts",
    ]);
    const pkg = JSON.parse(await readFile(join(work, "my-ext/package.json"), "utf8")) as Record<string, unknown>;
    // The project depends on the Kiln packages of this very version (they are released together).
    expect(pkg).toMatchObject({
      name: "my-ext",
      type: "module",
      dependencies: { "@kiln/sdk": `^${version}` },
      devDependencies: { "@kiln/cli": `^${version}`, "@kiln/testing": `^${version}` },
    });
    expect(await readFile(join(work, "my-ext/src/index.ts"), "utf8")).toContain('id: "my-ext",');
  });

  it("takes --template and --name", async () => {
    const r = await runKiln(work, ["new", "web", "--template", "http", "--name", "page-watcher"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Created page-watcher in web from the http template");
    const source = await readFile(join(work, "web/src/index.ts"), "utf8");
    expect(source).toContain('id: "page-watcher",');
    expect(source).toContain('permissions: ["http.fetch"]');
  });

  it("refuses a folder that has files in it: KILN_TARGET_NOT_EMPTY, exit 1, nothing written", async () => {
    const dir = join(work, "busy");
    await mkdir(dir);
    await writeFile(join(dir, "notes.txt"), "mine");
    const r = await runKiln(work, ["new", "busy"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "kiln: KILN_TARGET_NOT_EMPTY: busy is not empty (1 entry: notes.txt); a project is only created in a new or " +
        "empty folder: choose a new folder name, or empty this one first\n",
    );
    expect(await readdir(dir)).toEqual(["notes.txt"]);
  });

  it("answers an unknown template with the closest one, exit 2", async () => {
    const r = await runKiln(work, ["new", "x", "--template", "htp"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'kiln: KILN_USAGE: unknown template "htp" (did you mean "http"?); the templates are basic, http, files; see kiln new --help\n',
    );
  });

  it("answers a name that is no extension id, or a missing <dir>, with KILN_USAGE, exit 2", async () => {
    const bad = await runKiln(work, ["new", "y", "--name", "Photo Tagger"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^kiln: KILN_USAGE: the name "Photo Tagger" is not a valid extension id: .* \(for example "photo-tagger"\); see kiln new --help\n$/,
    );
    const none = await runKiln(work, ["new"]);
    expect(none).toMatchObject({
      code: 2,
      stderr: "kiln: KILN_USAGE: new needs the <dir> to create; see kiln new --help\n",
    });
  });

  it("lists every template in its help and in kiln --help", async () => {
    const help = await runKiln(work, ["new", "--help"]);
    expect(help.code).toBe(0);
    for (const [name, { description }] of Object.entries(TEMPLATES)) {
      expect(help.stdout).toContain(`${name.padEnd(6)} ${description}`);
    }
    const overview = await runKiln(work, ["--help"]);
    expect(overview.stdout).toContain(`kiln new <dir> [--template ${Object.keys(TEMPLATES).join("|")}] [--name <id>]`);
  });
});
