import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testExtension } from "@kiln/testing";
import { afterAll, describe, expect, it } from "vitest";

// A folder to grant the extension, under the name "notes".
const notes = await mkdtemp(join(tmpdir(), "{{id}}-"));
await mkdir(join(notes, "ideas"));
await writeFile(join(notes, "todo.md"), "# Todo\n\nwrite the tests\n");
await writeFile(join(notes, "ideas/next.txt"), "a kiln fires clay");
await writeFile(join(notes, "photo.png"), "not text");
afterAll(() => rm(notes, { recursive: true, force: true }));

// Builds the extension from src/ (cached until a source changes) and loads it in a real Kiln host,
// granting files.read on that folder.
const ext = await testExtension(new URL("..", import.meta.url), { grants: ["files.read"], folders: { notes } });
afterAll(() => ext.close());

describe("{{id}}", () => {
  it("counts the words of the text files in a granted folder", async () => {
    const run = await ext.run("word-count", { folder: "notes" });
    expect(run.result).toEqual({ files: { "ideas/next.txt": 4, "todo.md": 5 }, words: 9 });
    expect(run.progress.map((event) => event.message)).toEqual(["ideas/next.txt", "todo.md"]);
  });

  it("is refused a folder the application did not grant", async () => {
    const run = await ext.run("word-count", { folder: "elsewhere" });
    expect(run.state).toBe("failed");
  });
});
