/**
 * What `scaffold` writes for each template, and what it refuses, in real temporary folders; and
 * the `create-kiln` executable (what `npm create kiln` runs), spawned from its built `bin/`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isKilnError } from "@kiln/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREATE_KILN_VERSION,
  nextSteps,
  ScaffoldError,
  type ScaffoldResult,
  scaffold,
  TEMPLATES,
  type TemplateName,
} from "../src/index.js";

const BIN = fileURLToPath(new URL("../bin/create-kiln.js", import.meta.url));
const root = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as PackageJson)
  .devDependencies;
const own = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

interface PackageJson {
  name: string;
  type: string;
  private: boolean;
  description: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const COMMON_FILES = [
  ".gitignore",
  "README.md",
  "package.json",
  "src/index.ts",
  "test/index.test.ts",
  "tsconfig.json",
  "tsconfig.test.json",
  "vitest.config.ts",
];
const EXTRA_FILES: Record<TemplateName, string[]> = {
  basic: [],
  http: [],
  files: ["notes/ideas/next.txt", "notes/welcome.md"],
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "create-kiln-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Every file under `dir`, relative, sorted. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** What `fn` throws (it must throw). */
async function thrown(fn: () => Promise<unknown>): Promise<ScaffoldError> {
  try {
    await fn();
  } catch (error) {
    return error as ScaffoldError;
  }
  throw new Error("expected it to throw");
}

describe("scaffold", () => {
  it.each(Object.keys(TEMPLATES) as TemplateName[])("writes the %s template, rendered", async (template) => {
    const dir = join(work, `${template}-ext`);
    const result = await scaffold({ dir, template });
    expect(result).toMatchObject({ dir, id: `${template}-ext`, template, kilnVersion: own.version });
    const expected = [...COMMON_FILES, ...EXTRA_FILES[template]].sort();
    expect(result.files).toEqual(expected);
    expect(await filesIn(dir)).toEqual(expected);

    for (const file of result.files) {
      expect(await readFile(join(dir, file), "utf8"), file).not.toMatch(/\{\{|\}\}/);
    }
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as PackageJson;
    const { dev } = TEMPLATES[template];
    expect(pkg).toMatchObject({
      name: `${template}-ext`,
      type: "module",
      private: true,
      description: TEMPLATES[template].description,
      dependencies: { "@kiln/sdk": `^${CREATE_KILN_VERSION}` },
      devDependencies: {
        "@kiln/cli": `^${CREATE_KILN_VERSION}`,
        "@kiln/testing": `^${CREATE_KILN_VERSION}`,
        // The tools the repository itself is built and tested with, so the template cannot drift.
        typescript: root.typescript,
        vitest: root.vitest,
        "@types/node": root["@types/node"],
      },
    });
    expect(pkg.scripts).toEqual({
      build: "kiln build .",
      dev: expect.stringMatching(new RegExp(`^kiln dev \\. ${dev.job} --input `)),
      test: "vitest run",
      typecheck: "tsc -p tsconfig.json && tsc -p tsconfig.test.json --noEmit",
    });
    // The dev script's input reaches kiln as the JSON it stands for, through a POSIX shell.
    const echoed = spawnSync(
      "sh",
      ["-c", `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${pkg.scripts.dev}`],
      {
        encoding: "utf8",
      },
    );
    const argv = JSON.parse(echoed.stdout) as string[];
    expect(JSON.parse(argv[argv.indexOf("--input") + 1] as string)).toEqual(dev.input);

    const source = await readFile(join(dir, "src/index.ts"), "utf8");
    expect(source).toContain(`id: "${template}-ext",`);
    expect(source).toContain(`name: "${template[0]?.toUpperCase()}${template.slice(1)} Ext",`);
    expect(source).toContain(`@job({ name: "${dev.job}"`);
    expect(await readFile(join(dir, ".gitignore"), "utf8")).toBe("node_modules\ndist\n");
    expect(await readFile(join(dir, "README.md"), "utf8")).toMatch(new RegExp(`^# ${template}`, "i"));
  });

  it("derives the id from the folder's name, or takes --name", async () => {
    expect((await scaffold({ dir: join(work, "nested/My Photo Tagger") })).id).toBe("my-photo-tagger");
    const named = await scaffold({ dir: join(work, "named"), name: "word-counter" });
    expect(named.id).toBe("word-counter");
    expect(await readFile(join(named.dir, "src/index.ts"), "utf8")).toContain('id: "word-counter",');
  });

  it("refuses a name that is not an extension id, suggesting one, and writes nothing", async () => {
    const dir = join(work, "bad-name");
    const error = await thrown(() => scaffold({ dir, name: "My_Ext" }));
    expect(error).toBeInstanceOf(ScaffoldError);
    expect(isKilnError(error)).toBe(true);
    expect(error.code).toBe("KILN_USAGE");
    expect(error.message).toContain('the name "My_Ext" is not a valid extension id');
    expect(error.message).toContain('(for example "my-ext")');
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses a folder name it cannot make an id of, pointing at --name", async () => {
    const error = await thrown(() => scaffold({ dir: join(work, "2024") }));
    expect(error.code).toBe("KILN_USAGE");
    expect(error.message).toContain("give one with --name");
  });

  it("refuses an unknown template, listing the templates", async () => {
    const error = await thrown(() => scaffold({ dir: join(work, "x"), template: "htp" }));
    expect(isKilnError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "KILN_USAGE",
      message: 'unknown template "htp": the templates are basic, http or files',
    });
  });

  it("refuses a folder that has files in it with KILN_TARGET_NOT_EMPTY, touching nothing", async () => {
    const dir = join(work, "busy");
    await mkdir(join(dir, "src"), { recursive: true });
    await writeFile(join(dir, "package.json"), "{}");
    const error = await thrown(() => scaffold({ dir }));
    expect(isKilnError(error)).toBe(true);
    expect(error.code).toBe("KILN_TARGET_NOT_EMPTY");
    expect(error.message).toContain(`${dir} is not empty (2 entries: package.json, src)`);
    expect(error.message).toContain("choose a new folder name, or empty this one first");
    expect(await filesIn(dir)).toEqual(["package.json"]);
    expect(await readFile(join(dir, "package.json"), "utf8")).toBe("{}");

    const file = join(work, "a-file");
    await writeFile(file, "");
    expect(await thrown(() => scaffold({ dir: file }))).toMatchObject({ code: "KILN_TARGET_NOT_EMPTY" });
  });

  it("accepts an empty folder, or one holding only .git", async () => {
    const empty = join(work, "empty");
    await mkdir(empty);
    expect((await scaffold({ dir: empty })).files).toContain("package.json");
    const repo = join(work, "repo");
    await mkdir(join(repo, ".git"), { recursive: true });
    expect((await scaffold({ dir: repo })).files).toContain("package.json");
  });
});

describe("nextSteps", () => {
  const result: ScaffoldResult = {
    dir: "/home/me/code/my ext",
    id: "my-ext",
    template: "basic",
    files: COMMON_FILES,
    kilnVersion: CREATE_KILN_VERSION,
  };

  it("says what was created, then cd, npm install and the scripts", () => {
    expect(nextSteps(result, "/home/me/code")).toBe(`Created my-ext in my ext from the basic template (8 files).

Next steps:
  cd 'my ext'
  npm install
  npm run dev     rebuild and rerun a job on every change
  npm run build   dist/: manifest.json, extension.wasm, types.d.ts
  npm test        the tests in test/, in a real Kiln host
`);
  });

  it("gives the absolute path from elsewhere, and no cd from the folder itself", () => {
    expect(nextSteps(result, "/tmp")).toContain("  cd '/home/me/code/my ext'\n");
    expect(nextSteps(result, "/home/me/code/my ext")).not.toContain("cd ");
  });
});

describe("create-kiln (the executable)", () => {
  function createKiln(cwd: string, ...args: string[]) {
    return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  }

  it("creates the project and prints the next steps", async () => {
    const r = createKiln(work, "from-bin", "--template", "files");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Created from-bin in from-bin from the files template");
    expect(r.stdout).toContain("  cd from-bin\n  npm install\n");
    expect(await filesIn(join(work, "from-bin"))).toContain("notes/welcome.md");
  });

  it("refuses a non-empty folder: one line, KILN_TARGET_NOT_EMPTY, exit 1", () => {
    const r = createKiln(work, "from-bin");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^create-kiln: KILN_TARGET_NOT_EMPTY: from-bin is not empty \(.*\n$/);
  });

  it("answers a wrong command line with KILN_USAGE, exit 2", () => {
    const cases: [string[], string][] = [
      [[], "create-kiln needs the folder to create the project in"],
      [["a", "b"], "create-kiln takes one <dir>, got 2: a b"],
      [["x", "--tempalte", "http"], "Unknown option '--tempalte'; the options are --template (basic, http or files)"],
      [["x", "--template", "htp"], 'unknown template "htp": the templates are basic, http or files'],
    ];
    for (const [args, message] of cases) {
      const r = createKiln(work, ...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toContain(`create-kiln: KILN_USAGE: ${message}`);
    }
  });

  it("prints its usage and version", () => {
    const help = createKiln(work, "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: npm create kiln@latest <dir>");
    for (const name of Object.keys(TEMPLATES)) expect(help.stdout).toContain(`  ${name} `);
    expect(createKiln(work, "--version").stdout).toBe(`${own.version}\n`);
  });
});
