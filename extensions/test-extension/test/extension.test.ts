import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExtension } from "@kiln/codegen";
import { checkManifest } from "@kiln/contracts";
import { ExtensionHost, type LogEntry } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceLocation } from "./fixtures.js";

const projectDir = new URL("..", import.meta.url).pathname;

describe("test-extension, built and run for real", () => {
  let outDir: string;
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({ logger: (e) => logs.push(e) });

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "kiln-test-extension-"));
    await buildExtension({ projectDir, outDir });
  });
  afterAll(async () => {
    await host.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it("loads, runs init, and tags its log line with its id", async () => {
    const loaded = await host.load(outDir);
    expect(loaded.id).toBe("test-extension");
    expect(logs).toEqual([
      {
        extensionId: "test-extension",
        level: "info",
        message: "✓ Test Extension v0.1.0 initialized!",
        source: "log",
        // Where init called ctx.log: the column of `log`, mapped with the module's source map.
        location: sourceLocation(projectDir, "src/index.ts", 'log("✓ Test Extension'),
      },
    ]);
  });

  it("is listed, with a manifest that matches its decorators and validates", () => {
    expect(host.list().map((e) => e.id)).toEqual(["test-extension"]);
    expect(host.manifest("test-extension").jobs).toContainEqual({
      name: "counter",
      export: "job-counter",
      description: "Counts from 1 to `to`, logging each step.",
      // The job's types, as schemas: `CounterInput` in, `{ count: number }` out, no checkpoint.
      input: {
        $ref: "#/$defs/CounterInput",
        $defs: {
          CounterInput: expect.objectContaining({ type: "object", required: ["to"], additionalProperties: false }),
        },
      },
      output: {
        type: "object",
        properties: { count: { type: "number" } },
        required: ["count"],
        additionalProperties: false,
      },
      state: {},
    });
    const manifest = host.manifest("test-extension");
    expect(checkManifest(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      id: "test-extension",
      name: "Test Extension",
      version: "0.1.0",
      permissions: ["test.echo", "test.sleep"],
      limits: { concurrentJobs: 2 },
      hooks: { init: "kiln-init", cleanup: "kiln-cleanup" },
      module: { file: "extension.wasm", plugin: "kiln-plugin-v1" },
    });
  });

  it("counter {to: 5} returns {count: 5} with five log lines", async () => {
    logs.length = 0;
    await expect(host.run("test-extension", "counter", { to: 5 })).resolves.toEqual({ count: 5 });
    expect(logs.map((l) => [l.level, l.message, l.jobName])).toEqual(
      [1, 2, 3, 4, 5].map((i) => ["info", `step ${i}/5`, "counter"]),
    );
  });

  it("runs the same job again on the same instance", async () => {
    await expect(host.run("test-extension", "counter", { to: 2 })).resolves.toEqual({ count: 2 });
  });

  it("reports the job's own error with the JS message, and keeps serving", async () => {
    await expect(host.run("test-extension", "counter", { to: -1 })).rejects.toMatchObject({
      code: "KILN_EXTENSION_FAILED",
      message: expect.stringContaining("RangeError: input.to must be an integer from 0 to 10000, got -1"),
    });
    await expect(host.run("test-extension", "counter", { to: 1 })).resolves.toEqual({ count: 1 });
  });

  it("unload runs cleanup", async () => {
    logs.length = 0;
    await host.unload("test-extension");
    expect(logs.map((l) => l.message)).toEqual(["Test Extension cleaned up"]);
    expect(host.list()).toEqual([]);
  });
});
