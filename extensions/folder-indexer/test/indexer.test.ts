import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestExtension, type TestExtensionOptions, testExtension } from "@kiln/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const projectDir = new URL("..", import.meta.url);
let work: string;
/** A folder of 80 small notes, half of them in a sub-folder. */
let many: string;
const opened: TestExtension[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-indexer-"));
  many = join(work, "many");
  await mkdir(join(many, "deep"), { recursive: true });
  for (let i = 0; i < 80; i++) {
    await writeFile(join(many, i % 2 ? "deep" : "", `note-${String(i).padStart(2, "0")}.txt`), "one two three\n");
  }
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((ext) => ext.close()));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function open(options: TestExtensionOptions): Promise<TestExtension> {
  const ext = await testExtension(projectDir, options);
  opened.push(ext);
  return ext;
}

/** The documents in the index. */
async function indexed(ext: { host: TestExtension["host"] }): Promise<string[]> {
  return (await ext.host.store.kv.list("folder-indexer", { prefix: "doc:", limit: 1000 })).keys;
}

describe("folder-indexer", () => {
  it("indexes the text files of a granted folder into kv, then searches them", async () => {
    const ext = await open({ folders: { notes: "sample/notes" } });
    const run = await ext.run("index-folder", { folder: "notes" });
    expect(run.job).toMatchObject({ state: "completed", result: { files: 3 }, counters: { items: 3 } });
    // Each text file read once, through the built-in files.read; the image never.
    const reads = run.calls.filter((c) => c.name === "files.read").map((c) => (c.input as { path: string }).path);
    expect(reads.sort()).toEqual(["jobs.txt", "recipes/bread.md", "welcome.md"]);
    const doc = await ext.host.store.kv.get("folder-indexer", "doc:recipes/bread.md");
    expect(doc).toMatchObject({ path: "recipes/bread.md", title: "Bread" });
    expect(await ext.host.store.kv.get("folder-indexer", "doc:recipes/image.png")).toBeUndefined();
    const search = await ext.run("search", { word: "kiln" });
    expect(search.result).toEqual({
      word: "kiln",
      matches: ["jobs.txt", "recipes/bread.md", "welcome.md"].filter((p) => p !== "jobs.txt"),
    });
  });

  it("pauses mid-folder and resumes with the next file: every file indexed exactly once", async () => {
    const ext = await open({ folders: { many } });
    let next = -1;
    const run = await ext.pauseAndResume(
      "index-folder",
      { folder: "many" },
      {
        afterCheckpoints: 10,
        whilePaused: async (paused) => {
          expect(paused.state).toBe("paused");
          next = (paused.checkpoint as { next: number }).next;
          expect(next).toBeGreaterThan(0);
          expect(next).toBeLessThan(80);
          expect((await indexed(ext)).length).toBeGreaterThanOrEqual(next);
        },
      },
    );
    expect(run.resumedFrom).toMatchObject({ next });
    expect(run.job).toMatchObject({ state: "completed", result: { files: 80, words: 240 }, attempts: 2 });
    expect(run.job.counters).toEqual({ items: 80, bytes: 80 * 14 });
    expect(await indexed(ext)).toHaveLength(80);
  });

  it("after a crash mid-folder, resumes with the next file: every file read exactly once", async () => {
    const ext = await open({ folders: { many } });
    // Checkpoint 1 holds the file list; checkpoint 11 the 10th file indexed.
    const run = await ext.crashAndResume("index-folder", { folder: "many" }, { afterCheckpoints: 11 });
    expect(run.resumedFrom).toMatchObject({ next: 10 });
    expect(run.job).toMatchObject({ state: "completed", result: { files: 80, words: 240 }, attempts: 2 });
    const reads = run.calls.filter((c) => c.name === "files.read").map((c) => (c.input as { path: string }).path);
    expect(reads).toHaveLength(80);
    expect(new Set(reads).size).toBe(80);
    expect(run.logs.map((l) => l.message)).toContain("resuming at file 11 of 80");
    expect(await indexed(run)).toHaveLength(80);
  });

  const denials: [string, TestExtensionOptions, object, string][] = [
    [
      "files.read not granted",
      { grants: [], folders: { notes: "sample/notes" } },
      { folder: "notes" },
      "KILN_PERMISSION_DENIED",
    ],
    [
      "a folder the app did not grant",
      { folders: { notes: "sample/notes" } },
      { folder: "secrets" },
      "KILN_FOLDER_NOT_GRANTED",
    ],
    [
      "a path escaping the folder",
      { folders: { notes: "sample/notes" } },
      { folder: "notes", path: "../.." },
      "KILN_PATH_ESCAPE",
    ],
    ["an absolute path", { folders: { notes: "sample/notes" } }, { folder: "notes", path: "/etc" }, "KILN_PATH_ESCAPE"],
  ];
  it.each(denials)("fails with a typed error for %s", async (_, options, input, code) => {
    const ext = await open(options);
    const run = await ext.run("index-folder", input);
    expect(run.state).toBe("failed");
    expect(run.error?.message).toContain(code);
  });
});
