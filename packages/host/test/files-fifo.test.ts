/**
 * `files.read` must never block one of libuv's threads: a FIFO (or a file another process swaps
 * for one) in a granted folder is refused with `KILN_NOT_A_FILE`, and the host's own `fs` and
 * `dns.lookup`, which share those four threads, keep working.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { lookup } from "node:dns/promises";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBuiltins } from "../src/operations/builtins/index.js";
import { OperationRegistry } from "../src/operations/registry.js";
import type { CallerContext } from "../src/operations/types.js";
import { filesCaller } from "./fixtures.js";

const HUNG = "HUNG";
const READS = 2000;

/**
 * Swaps `docs/data` between a regular file and a FIFO (both kept, hard-linked, outside the folder)
 * with atomic renames, until the `stop` file appears; prints the number of cycles.
 */
const SWAPPER = `
const fs = require("node:fs");
const [docs, fifo, file, stopFile] = process.argv.slice(1);
const target = docs + "/data", staging = docs + "/.staging";
let cycles = 0;
process.stdout.write("ready\\n");
for (;;) {
  fs.linkSync(fifo, staging);
  fs.renameSync(staging, target);
  fs.linkSync(file, staging);
  fs.renameSync(staging, target);
  cycles++;
  if (cycles % 64 === 0 && fs.existsSync(stopFile)) break;
}
process.stdout.write(String(cycles) + "\\n");
`;

/**
 * Wakes any reader stuck in `open` on the FIFO by opening it for writing (non-blocking) in
 * another process: this process's own threads may all be stuck. Only the old, unsafe code needs it.
 */
const UNBLOCK = `
const fs = require("node:fs");
for (let i = 0; i < 50; i++) {
  try { fs.closeSync(fs.openSync(process.argv[1], fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); } catch {}
}
`;

const caller = (folders: Record<string, string>): CallerContext => filesCaller("piper", folders);

function within<T>(ms: number, promise: Promise<T>): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("files.read and FIFOs", () => {
  const registry = new OperationRegistry({ rateLimit: false });
  registerBuiltins(registry, { maxReadBytes: 1024 });
  let tmp: string;
  let docs: string;
  let fifo: string;
  let who: CallerContext;
  let swapper: ChildProcess | undefined;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "kiln-files-fifo-"));
    docs = join(tmp, "docs");
    await mkdir(docs);
    fifo = join(tmp, "fifo");
    execFileSync("mkfifo", [fifo]);
    execFileSync("mkfifo", [join(docs, "pipe")]);
    await writeFile(join(tmp, "file"), "regular");
    await writeFile(join(docs, "normal.txt"), "normal");
    who = caller({ docs });
  });

  afterAll(async () => {
    if (swapper !== undefined && swapper.exitCode === null) swapper.kill();
    execFileSync(process.execPath, ["-e", UNBLOCK, fifo]);
    execFileSync(process.execPath, ["-e", UNBLOCK, join(docs, "pipe")]);
    await rm(tmp, { recursive: true, force: true });
  });

  it("refuses a FIFO with KILN_NOT_A_FILE, four at once, and the host's fs and dns still work", async () => {
    const replies = await within(
      5000,
      Promise.all(Array.from({ length: 4 }, () => registry.call("files.read", { folder: "docs", path: "pipe" }, who))),
    );
    expect(replies).not.toBe(HUNG);
    for (const reply of replies as Awaited<ReturnType<typeof registry.call>>[]) {
      expect(reply).toMatchObject({ ok: false, error: { code: "KILN_NOT_A_FILE" } });
    }
    expect(await within(5000, readFile(join(docs, "normal.txt"), "utf8"))).toBe("normal");
    expect(await within(5000, lookup("localhost"))).toMatchObject({ address: expect.any(String) });
  });

  it("never blocks on a file swapped for a FIFO between check and open", async () => {
    swapper = spawn(process.execPath, ["-e", SWAPPER, docs, fifo, join(tmp, "file"), join(tmp, "stop")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    swapper.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    while (!out.includes("ready")) await new Promise((r) => setTimeout(r, 5));

    const tally = new Map<string, number>();
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < READS && (tally.get(HUNG) ?? 0) === 0) {
        started++;
        const reply = await within(3000, registry.call("files.read", { folder: "docs", path: "data" }, who));
        const outcome = reply === HUNG ? HUNG : reply.ok ? "read" : reply.error.code;
        tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 4 }, lane));

    // The host's own work, sharing libuv's threads, must still complete.
    const fsAfter = await within(5000, readFile(join(docs, "normal.txt"), "utf8"));
    const dnsAfter = await within(5000, lookup("localhost"));

    // Synchronous from here on: with the old code every libuv thread may still be stuck.
    execFileSync(process.execPath, ["-e", UNBLOCK, fifo]);
    writeFileSync(join(tmp, "stop"), "");
    // "close", not "exit": the count arrives on stdout, which may still be open after the exit.
    await once(swapper, "close");
    console.log(
      `files fifo race: ${started} reads, ${out.trim().split("\n").pop()} swap cycles;`,
      Object.fromEntries(tally),
    );

    expect(tally.get(HUNG) ?? 0).toBe(0);
    expect(fsAfter).toBe("normal");
    expect(dnsAfter).not.toBe(HUNG);
    expect(tally.get("read") ?? 0).toBeGreaterThan(0);
    expect(tally.get("KILN_NOT_A_FILE") ?? 0).toBeGreaterThan(0);
    for (const outcome of tally.keys()) expect(outcome).toMatch(/^(read|KILN_NOT_A_FILE|KILN_NOT_FOUND)$/);
  });
});
