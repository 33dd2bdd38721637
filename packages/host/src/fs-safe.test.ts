import { execFileSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileReadError, MAX_MANIFEST_BYTES, MAX_MODULE_BYTES, readRegularFile } from "./fs-safe.js";

let tmp: string;
let server: Server;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-fs-safe-"));
  await writeFile(join(tmp, "manifest.json"), '{"id":"x"}');
  await writeFile(join(tmp, "exact.bin"), new Uint8Array(16).fill(7));
  await writeFile(join(tmp, "big.bin"), new Uint8Array(17));
  await mkdir(join(tmp, "dir"));
  execFileSync("mkfifo", [join(tmp, "fifo")]);
  await symlink("/dev/zero", join(tmp, "zero"));
  await symlink("manifest.json", join(tmp, "link.json"));
  server = createServer();
  await new Promise<void>((resolve) => server.listen(join(tmp, "socket"), resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(tmp, { recursive: true, force: true });
});

const options = { maxBytes: 16, what: "manifest" };

async function refusal(path: string, opts = options): Promise<FileReadError> {
  const error = await readRegularFile(path, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileReadError);
  return error as FileReadError;
}

describe("readRegularFile", () => {
  it("reads a regular file, and one behind a symbolic link", async () => {
    expect(new TextDecoder().decode(await readRegularFile(join(tmp, "manifest.json"), options))).toBe('{"id":"x"}');
    expect(new TextDecoder().decode(await readRegularFile(join(tmp, "link.json"), options))).toBe('{"id":"x"}');
  });

  it("reads a file of exactly maxBytes", async () => {
    expect(await readRegularFile(join(tmp, "exact.bin"), options)).toEqual(new Uint8Array(16).fill(7));
  });

  it("refuses a FIFO without waiting for a writer, and leaves libuv's threads free", async () => {
    const fifo = join(tmp, "fifo");
    // Four at once: with a blocking open each would hold one of libuv's four threads for good.
    const errors = await Promise.all(Array.from({ length: 4 }, () => refusal(fifo)));
    for (const error of errors) {
      expect(error).toMatchObject({ reason: "not-regular", path: fifo, name: "FileReadError" });
      expect(error.message).toBe(`the manifest ${fifo} is a FIFO (named pipe), not a regular file`);
    }
    expect(await readFile(join(tmp, "manifest.json"), "utf8")).toBe('{"id":"x"}');
    expect(await lookup("localhost")).toMatchObject({ address: expect.any(String) });
  });

  it("refuses a link to /dev/zero without reading it", async () => {
    const error = await refusal(join(tmp, "zero"), { maxBytes: MAX_MODULE_BYTES, what: "module" });
    expect(error.reason).toBe("not-regular");
    expect(error.message).toMatch(/the module .*zero is a character device, not a regular file/);
  });

  it("refuses a directory and a socket", async () => {
    expect(await refusal(join(tmp, "dir"))).toMatchObject({ reason: "not-regular", message: /is a directory/ });
    expect(await refusal(join(tmp, "socket"))).toMatchObject({ reason: "not-regular" });
  });

  it("refuses a file over maxBytes by its size", async () => {
    const error = await refusal(join(tmp, "big.bin"));
    expect(error.reason).toBe("too-large");
    expect(error.message).toMatch(/big\.bin is 17 bytes, over the limit of 16 bytes/);
  });

  it.skipIf(!existsSync("/proc/self/status"))("stops reading at maxBytes when the size said less", async () => {
    // Files in /proc are regular files whose fstat size is 0, like a file that grows while read.
    const error = await refusal("/proc/self/status", { maxBytes: 10, what: "module" });
    expect(error.reason).toBe("too-large");
    expect(error.message).toMatch(/grew past the limit of 10 bytes/);
  });

  it("calls a missing file unreadable and keeps the system error as the cause", async () => {
    const missing = join(tmp, "missing.json");
    const error = await refusal(missing);
    expect(error).toMatchObject({ reason: "unreadable", cause: { code: "ENOENT" } });
    expect(error.message).toBe(`the manifest ${missing} cannot be read: it does not exist`);
  });

  it("has caps of 1 MiB for manifests and 64 MiB for modules", () => {
    expect(MAX_MANIFEST_BYTES).toBe(1024 * 1024);
    expect(MAX_MODULE_BYTES).toBe(64 * 1024 * 1024);
  });
});
