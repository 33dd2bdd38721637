import { rm } from "node:fs/promises";
import { BUNDLE_FILE } from "@kiln/javy-plugin";
import { RuntimeOps } from "@kiln/sdk/protocol";
import binaryen from "binaryen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExtensionHost, KilnError, type LogEntry } from "../src/index.js";
import { extensionSource, makeExtension } from "./fixtures.js";

const dirs: string[] = [];
const fixture = async (...args: Parameters<typeof makeExtension>) => {
  const dir = await makeExtension(...args);
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A module that imports WASI directly: it must never be linked. */
function moduleImportingWasi(): Uint8Array {
  const m = binaryen.parseText(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (func (export "_start")))`);
  try {
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

describe("ExtensionHost", () => {
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({ logger: (e) => logs.push(e) });
  beforeAll(async () => {
    await host.load(await fixture({ id: "healthy" }));
  });
  afterAll(() => host.close());

  it("runs init, a job with input, and routes stdout and log calls to the logger", async () => {
    expect(logs).toContainEqual({ extensionId: "healthy", level: "info", message: "healthy ready", source: "log" });
    await expect(host.run("healthy", "echo", { a: [1, "é"] })).resolves.toEqual({ a: [1, "é"] });
    // The fixture's module carries no source map: the console call's location is the bundle's line.
    const echoLine =
      extensionSource("healthy")
        .split("\n")
        .findIndex((l) => l.includes('console.log("echoing")')) + 1;
    expect(logs).toContainEqual({
      extensionId: "healthy",
      level: "info",
      message: "echoing",
      source: "stdout",
      jobName: "echo",
      location: { file: BUNDLE_FILE, line: echoLine },
    });
  });

  it("takes a $log's line as the bundle's when the module has no map, and ignores a line that is no line", async () => {
    const lines = [7, 0, -3, 1.5, "12", null];
    const dir = await fixture({
      id: "log-lines",
      source: `export function kilnInit() { for (const line of ${JSON.stringify(lines)}) call("${RuntimeOps.log}", { level: "warn", message: String(line), line }); }
export function kilnCleanup() {}`,
    });
    const seen: LogEntry[] = [];
    const other = new ExtensionHost({ logger: (e) => seen.push(e) });
    try {
      await other.load(dir);
    } finally {
      await other.close();
    }
    expect(seen.map(({ message, location }) => ({ message, location }))).toEqual([
      { message: "7", location: { file: BUNDLE_FILE, line: 7 } },
      ...lines.slice(1).map((line) => ({ message: String(line), location: undefined })),
    ]);
  });

  const refusals: [string, () => Promise<string>, string, RegExp][] = [
    [
      "a manifest that fails the schema",
      () => fixture({ id: "bad-manifest", manifest: (m) => ({ ...m, version: "1.0" }) }),
      "KILN_MANIFEST_INVALID",
      /\/version: must match pattern/,
    ],
    [
      "a manifest with an unknown property",
      () => fixture({ id: "extra", manifest: (m) => ({ ...m, extra: 1 }) }),
      "KILN_MANIFEST_INVALID",
      /unknown property "extra"/,
    ],
    [
      "a manifest that is not JSON",
      () => fixture({ id: "not-json", manifest: () => "{ nope" }),
      "KILN_MANIFEST_INVALID",
      /not JSON/,
    ],
    [
      "a module whose hash differs",
      () =>
        fixture({
          id: "tampered",
          tamper: (b) => {
            const c = b.slice();
            c[c.length - 1] = (c[c.length - 1] ?? 0) ^ 1;
            return c;
          },
        }),
      "KILN_MODULE_HASH_MISMATCH",
      /has sha256 [0-9a-f]{64}, but its manifest expects/,
    ],
    [
      "a module that imports something other than the plugin",
      () => fixture({ id: "wasi-importer", module: moduleImportingWasi() }),
      "KILN_MODULE_LINK",
      /imports function "wasi_snapshot_preview1"."fd_write"/,
    ],
    [
      "a truncated module",
      () => fixture({ id: "truncated", module: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5]) }),
      "KILN_MODULE_INVALID",
      /not a valid WebAssembly module/,
    ],
    ["a folder with no manifest", async () => "/nonexistent/kiln", "KILN_MANIFEST_INVALID", /cannot be read/],
  ];
  it.each(refusals)("refuses %s with its own typed error, and keeps serving", async (_, make, code, message) => {
    const error = await host.load(await make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KilnError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(host.list().map((e) => e.id)).toEqual(["healthy"]);
    await expect(host.run("healthy", "echo", 7)).resolves.toBe(7);
  });

  const jobFailures: [string, string, string, RegExp][] = [
    [
      "a job name that does not exist",
      "nope",
      "KILN_JOB_NOT_FOUND",
      /has no job "nope" \(its jobs: echo, boom, call-unknown, spin, chatter\)/,
    ],
    ["a job that throws", "boom", "KILN_EXTENSION_FAILED", /failed in job "boom": TypeError: boom from healthy/],
    [
      "a job that calls an unknown operation",
      "call-unknown",
      "KILN_EXTENSION_FAILED",
      /KILN_UNKNOWN_OPERATION: .*acme\.nothing/,
    ],
  ];
  it.each(jobFailures)("rejects %s with a typed error, and keeps serving", async (_, job, code, message) => {
    const error = await host.run("healthy", job, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    await expect(host.run("healthy", "echo", "still here")).resolves.toBe("still here");
  });

  it("keeps the JS stack of a failing job", async () => {
    const error = await host.run("healthy", "boom").catch((e: unknown) => e);
    expect((error as { jsStack?: string }).jsStack).toMatch(/at jobBoom/);
  });

  it("refuses a second extension with the same id, and an unknown id", async () => {
    await expect(host.load(await fixture({ id: "healthy" }))).rejects.toMatchObject({ code: "KILN_ALREADY_LOADED" });
    await expect(host.run("ghost", "echo")).rejects.toMatchObject({ code: "KILN_NOT_LOADED" });
  });

  it("isolates extensions: each has its own instance", async () => {
    await host.load(await fixture({ id: "second" }));
    expect(host.list().map((e) => e.id)).toEqual(["healthy", "second"]);
    await expect(host.run("second", "echo", 2)).resolves.toBe(2);
    logs.length = 0;
    await host.unload("second");
    expect(logs.map((l) => l.message)).toEqual(["second bye"]);
  });
});
