/**
 * `files.*` while another process rearranges the granted folder: a parent directory of the file
 * being read keeps being swapped for a symbolic link to a folder outside the grant. Whatever the
 * timing, no reply may carry anything from outside: not the outside file's bytes (`files.read`),
 * not its size (`files.stat`), not the outside folder's entries (`files.list`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltins } from "../src/operations/builtins/index.js";
import { OperationRegistry } from "../src/operations/registry.js";
import type { CallerContext } from "../src/operations/types.js";
import { filesCaller } from "./fixtures.js";

const SECRET = "SECRET-FROM-OUTSIDE-THE-GRANT";
const INSIDE = "inside";
const READS = 3000;
const LISTS = 1000;
const STATS = 1000;
const CONCURRENCY = 4;

/**
 * The swapper, run as its own process so that its renames interleave with the host's calls at the
 * kernel's pace: `sub` is a real directory, then missing, then a link to `outside`, then missing…
 * It stops when the `stop` file appears and prints how many full cycles it made.
 */
const SWAPPER = `
const fs = require("node:fs");
const [docs, stopFile] = process.argv.slice(1);
const sub = docs + "/sub", real = docs + "/sub.real", link = docs + "/sub.link";
let cycles = 0;
process.stdout.write("ready\\n");
for (;;) {
  fs.renameSync(sub, real);
  fs.renameSync(link, sub);
  fs.renameSync(sub, link);
  fs.renameSync(real, sub);
  cycles++;
  if (cycles % 64 === 0 && fs.existsSync(stopFile)) break;
}
process.stdout.write(String(cycles) + "\\n");
`;

const caller = (folders: Record<string, string>): CallerContext => filesCaller("racer", folders);

/** Runs `count` calls, `CONCURRENCY` at a time, and tallies what each reply was. */
async function hammer(count: number, call: () => Promise<string>): Promise<Map<string, number>> {
  const tally = new Map<string, number>();
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      const outcome = await call();
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return tally;
}

describe("files.* against a parent directory swapped for a symlink", () => {
  const registry = new OperationRegistry({ rateLimit: false });
  registerBuiltins(registry, { maxReadBytes: 1024 });
  let tmp: string;
  let docs: string;
  let stopFile: string;
  let swapper: ChildProcess;
  let who: CallerContext;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "kiln-files-race-"));
    docs = join(tmp, "docs");
    stopFile = join(tmp, "stop");
    await mkdir(join(docs, "sub"), { recursive: true });
    await mkdir(join(tmp, "outside"));
    await writeFile(join(docs, "sub", "data.txt"), INSIDE);
    // Same name, different size and content: any of the three leaks is recognisable.
    await writeFile(join(tmp, "outside", "data.txt"), SECRET);
    await writeFile(join(tmp, "outside", "outside-only.txt"), SECRET);
    await symlink(join(tmp, "outside"), join(docs, "sub.link"));
    who = caller({ docs });
    swapper = spawn(process.execPath, ["-e", SWAPPER, docs, stopFile], { stdio: ["ignore", "pipe", "inherit"] });
    const [first] = (await once(swapper.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    expect(first.toString()).toContain("ready");
  });

  afterAll(async () => {
    if (swapper.exitCode === null) swapper.kill();
    await rm(tmp, { recursive: true, force: true });
  });

  it("never answers with anything from outside the granted folder", async () => {
    const reads = await hammer(READS, async () => {
      const reply = await registry.call("files.read", { folder: "docs", path: "sub/data.txt" }, who);
      if (!reply.ok) return reply.error.code;
      const { content } = reply.value as { content: string };
      return content === INSIDE ? "inside" : content.includes(SECRET) ? "ESCAPED" : `other:${content}`;
    });
    const stats = await hammer(STATS, async () => {
      const reply = await registry.call("files.stat", { folder: "docs", path: "sub/data.txt" }, who);
      if (!reply.ok) return reply.error.code;
      const { size } = reply.value as { size: number };
      return size === INSIDE.length ? "inside" : size === SECRET.length ? "ESCAPED" : `other:${size}`;
    });
    const lists = await hammer(LISTS, async () => {
      const reply = await registry.call("files.list", { folder: "docs", path: "sub" }, who);
      if (!reply.ok) return reply.error.code;
      const names = (reply.value as { name: string }[]).map((e) => e.name);
      return names.includes("outside-only.txt") ? "ESCAPED" : names.join(",") === "data.txt" ? "inside" : "other";
    });

    // Listening before the stop file exists: the stream flows since beforeAll read "ready", so a
    // count printed before a listener is attached would be lost (it was, once, on a loaded machine).
    let out = "";
    swapper.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await writeFile(stopFile, "");
    // "close", not "exit": the count arrives on stdout, which may still be open after the exit.
    await once(swapper, "close");
    const cycles = Number(out.trim().split("\n").pop());
    console.log(
      `files race: ${cycles} swap cycles;`,
      `reads ${JSON.stringify(Object.fromEntries(reads))};`,
      `stats ${JSON.stringify(Object.fromEntries(stats))};`,
      `lists ${JSON.stringify(Object.fromEntries(lists))}`,
    );

    expect(reads.get("ESCAPED") ?? 0).toBe(0);
    expect(stats.get("ESCAPED") ?? 0).toBe(0);
    expect(lists.get("ESCAPED") ?? 0).toBe(0);
    // The race was really run: some calls got through, others met the link or the gap.
    expect(reads.get("inside") ?? 0).toBeGreaterThan(0);
    expect(lists.get("inside") ?? 0).toBeGreaterThan(0);
    expect(cycles).toBeGreaterThan(100);
    // Every refusal is a typed one.
    for (const outcome of [...reads.keys(), ...stats.keys(), ...lists.keys()]) {
      expect(outcome).toMatch(/^(inside|KILN_PATH_ESCAPE|KILN_NOT_FOUND|KILN_NOT_A_DIRECTORY|KILN_NOT_A_FILE)$/);
    }
  });
});
