/**
 * `files.*` in both of its resolution modes: through `/proc/self/fd` (the default on Linux) and the
 * portable one (by name, re-checked after). The answers must be the same in both; what differs is
 * only how a concurrent rearrangement is caught (see files-race.test.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerFiles } from "../src/operations/builtins/files.js";
import { OperationRegistry } from "../src/operations/registry.js";
import type { CallerContext } from "../src/operations/types.js";
import { filesCaller } from "./fixtures.js";

const caller = (folders: Record<string, string>): CallerContext => filesCaller("modes", folders);

let tmp: string;
let docs: string;
let server: Server;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-files-modes-"));
  docs = join(tmp, "docs");
  await mkdir(join(docs, "sub", "deeper"), { recursive: true });
  await mkdir(join(tmp, "outside"));
  await writeFile(join(tmp, "outside", "secret.txt"), "secret");
  await writeFile(join(docs, "hello.txt"), "hello");
  await writeFile(join(docs, "sub", "deeper", "deep.txt"), "deep");
  execFileSync("mkfifo", [join(docs, "pipe")]);
  execFileSync("mkfifo", [join(docs, "sub", "pipe")]);
  await symlink("/dev/zero", join(docs, "zero"));
  await symlink("/dev", join(docs, "devices"));
  await symlink(join(tmp, "outside"), join(docs, "sub", "out"));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(join(docs, "socket"), resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(tmp, { recursive: true, force: true });
});

describe.each([
  ["descriptor paths", {}],
  ["the portable mode", { descriptorPaths: false }],
])("files.* with %s", (_, options) => {
  const registry = new OperationRegistry({ rateLimit: false });
  registerFiles(registry, { maxReadBytes: 100, ...options });
  const call = (op: string, path: string) => registry.call(op, { folder: "docs", path }, caller({ docs }));

  it("reads, lists and stats as usual", async () => {
    expect(await call("files.read", "sub/deeper/deep.txt")).toEqual({
      ok: true,
      value: { content: "deep", size: 4, encoding: "utf8" },
    });
    expect(await call("files.list", "sub")).toEqual({
      ok: true,
      value: [
        { name: "deeper", type: "directory", size: 0 },
        { name: "out", type: "other", size: 0 },
        { name: "pipe", type: "other", size: 0 },
      ],
    });
    expect(await call("files.stat", "hello.txt")).toMatchObject({ ok: true, value: { type: "file", size: 5 } });
    expect(await call("files.stat", "pipe")).toMatchObject({ ok: true, value: { type: "other", size: 0 } });
    expect(await call("files.stat", "")).toMatchObject({ ok: true, value: { type: "directory" } });
  });

  it.each([
    ["files.read", "pipe", "KILN_NOT_A_FILE", /"pipe" in folder "docs" is not a file \(a FIFO\)/],
    ["files.read", "sub/pipe", "KILN_NOT_A_FILE", /is not a file/],
    ["files.read", "socket", "KILN_NOT_A_FILE", /"socket" in folder "docs" is not a file/],
    ["files.read", "zero", "KILN_PATH_ESCAPE", /"zero" is a symbolic link/],
    ["files.read", "devices/zero", "KILN_PATH_ESCAPE", /"devices" is a symbolic link/],
    ["files.read", "sub/out/secret.txt", "KILN_PATH_ESCAPE", /"sub\/out" is a symbolic link/],
    ["files.stat", "sub/out", "KILN_PATH_ESCAPE", /"sub\/out" is a symbolic link/],
    ["files.list", "sub/out", "KILN_PATH_ESCAPE", /"sub\/out" is a symbolic link/],
    ["files.list", "pipe", "KILN_NOT_A_DIRECTORY", /"pipe" in folder "docs" is not a directory/],
    ["files.read", "pipe/x", "KILN_NOT_FOUND", /"pipe" is not a directory/],
    ["files.read", "sub/deeper", "KILN_NOT_A_FILE", /is not a file \(a directory\)/],
    ["files.read", "", "KILN_NOT_A_FILE", /the root of folder "docs" is not a file/],
    ["files.read", "sub/missing/x", "KILN_NOT_FOUND", /"sub\/missing\/x" in folder "docs" does not exist/],
    ["files.stat", "sub/missing", "KILN_NOT_FOUND", /does not exist/],
  ])("%s %j → %s", async (op, path, code, message) => {
    const reply = await call(op, path);
    expect(reply).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
    if (!reply.ok) expect(reply.error.message).not.toContain(tmp);
  });
});
