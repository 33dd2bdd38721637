import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExtension } from "@kiln/codegen";
import { ExtensionHost, type JobRecord, type LoadOptions } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const projectDir = new URL("..", import.meta.url).pathname;
const sample = join(projectDir, "sample/notes");
let work: string;
let dist: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-indexer-"));
  dist = join(work, "dist");
  await buildExtension({ projectDir, outDir: dist });
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function open(load: LoadOptions) {
  const host = new ExtensionHost({ store: join(work, `${Math.random().toString(36).slice(2)}.db`), logger: () => {} });
  await host.load(dist, load);
  return host;
}

describe("folder-indexer", () => {
  it("indexes the text files of a granted folder into kv, then searches them", async () => {
    const host = await open({ permissions: "*", folders: { notes: sample } });
    const id = await host.jobs.dispatch("folder-indexer", "index-folder", { folder: "notes" });
    const done = await host.jobs.wait(id);
    expect(done).toMatchObject({ state: "completed", result: { files: 3 }, counters: { items: 3 } });
    const doc = await host.store.kv.get("folder-indexer", "doc:recipes/bread.md");
    expect(doc).toMatchObject({ path: "recipes/bread.md", title: "Bread" });
    expect(await host.store.kv.get("folder-indexer", "doc:recipes/image.png")).toBeUndefined();
    const search = await host.jobs.dispatch("folder-indexer", "search", { word: "kiln" });
    expect((await host.jobs.wait(search)).result).toEqual({
      word: "kiln",
      matches: ["jobs.txt", "recipes/bread.md", "welcome.md"].filter((p) => p !== "jobs.txt"),
    });
    await host.close();
  });

  it("pauses mid-folder and resumes with the next file: every file indexed exactly once", async () => {
    const folder = join(work, "many");
    await mkdir(join(folder, "deep"), { recursive: true });
    for (let i = 0; i < 80; i++) {
      await writeFile(join(folder, i % 2 ? "deep" : "", `note-${String(i).padStart(2, "0")}.txt`), "one two three\n");
    }
    const host = await open({ permissions: "*", folders: { many: folder } });
    const id = await host.jobs.dispatch("folder-indexer", "index-folder", { folder: "many" });
    await waitFor(host, id, (r) => r.checkpointSeq >= 10);
    await host.jobs.pause(id);
    const paused = await host.jobs.wait(id, ["paused", "completed"]);
    const next = (paused.checkpoint as { next: number }).next;
    expect(paused.state).toBe("paused");
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThan(80);
    const { keys } = await host.store.kv.list("folder-indexer", { prefix: "doc:", limit: 1000 });
    expect(keys.length).toBeGreaterThanOrEqual(next);
    await host.jobs.resume(id);
    const done = await host.jobs.wait(id);
    expect(done).toMatchObject({ state: "completed", result: { files: 80, words: 240 }, attempts: 2 });
    expect(done.counters).toEqual({ items: 80, bytes: 80 * 14 });
    expect((await host.store.kv.list("folder-indexer", { prefix: "doc:", limit: 1000 })).keys).toHaveLength(80);
    await host.close();
  });

  const denials: [string, LoadOptions, object, string][] = [
    ["files.read not granted", { folders: { notes: sample } }, { folder: "notes" }, "KILN_PERMISSION_DENIED"],
    [
      "a folder the app did not grant",
      { permissions: "*", folders: { notes: sample } },
      { folder: "secrets" },
      "KILN_FOLDER_NOT_GRANTED",
    ],
    [
      "a path escaping the folder",
      { permissions: "*", folders: { notes: sample } },
      { folder: "notes", path: "../.." },
      "KILN_PATH_ESCAPE",
    ],
    [
      "an absolute path",
      { permissions: "*", folders: { notes: sample } },
      { folder: "notes", path: "/etc" },
      "KILN_PATH_ESCAPE",
    ],
  ];
  it.each(denials)("fails with a typed error for %s", async (_, load, input, code) => {
    const host = await open(load);
    const id = await host.jobs.dispatch("folder-indexer", "index-folder", input);
    const failed = await host.jobs.wait(id);
    expect(failed.state).toBe("failed");
    expect(failed.error?.message).toContain(code);
    await host.close();
  });
});

async function waitFor(host: ExtensionHost, id: string, predicate: (r: JobRecord) => boolean): Promise<JobRecord> {
  for (let i = 0; i < 2000; i++) {
    const record = await host.jobs.get(id);
    if (record && predicate(record)) return record;
    if (record && ["completed", "failed", "cancelled"].includes(record.state))
      throw new Error(`job ended ${record.state}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`job ${id} never reached the expected state`);
}
