/**
 * The host maps stacks with the module's `kiln_source_map` section: a failed cleanup is logged with
 * its mapped stack, and a corrupted map costs one warning and leaves stacks as QuickJS wrote them.
 * Real bytecode, real modules, a real host; the maps are written by hand so that every position is
 * known (codegen's own maps are tested with real builds in extensions/test-extension).
 */
import {
  compileSource,
  emitDynamicModule,
  encodeMappings,
  jsExportName,
  type StoredSourceMap,
} from "@kiln/javy-plugin";
import { afterEach, describe, expect, it } from "vitest";
import { ExtensionFailedError, ExtensionHost, type LogEntry } from "../src/index.js";
import { makeExtension } from "./fixtures.js";

/** The bundle, line by line: `fail` throws on line 3 and is called on lines 6 and 9. */
const bundle = `export function kilnInit() {}
function fail(message) {
  throw new Error(message);
}
export function kilnCleanup() {
  fail("cleanup broke");
}
export function jobBoom() {
  fail("boom");
}
`;

/** Line 3 → src/a.ts:10:5 (`new Error` at 10:11); lines 6 and 9 → calls of `fail` at 21:7 and 31:7. */
const goodMap: StoredSourceMap = {
  version: 3,
  sources: ["src/a.ts"],
  names: ["Error", "fail"],
  mappings: encodeMappings([
    [],
    [],
    [
      { column: 2, source: 0, sourceLine: 9, sourceColumn: 4 },
      { column: 8, source: 0, sourceLine: 9, sourceColumn: 10, name: 0 },
    ],
    [],
    [],
    [{ column: 2, source: 0, sourceLine: 20, sourceColumn: 6, name: 1 }],
    [],
    [],
    [{ column: 2, source: 0, sourceLine: 30, sourceColumn: 6, name: 1 }],
  ]),
};

async function extensionWith(id: string, sourceMap: StoredSourceMap): Promise<string> {
  const exports = ["kiln-init", "kiln-cleanup", "job-boom"].map((wasmName) => ({
    wasmName,
    jsName: jsExportName(wasmName),
  }));
  const module = emitDynamicModule({ bytecode: await compileSource(bundle), exports, sourceMap });
  return makeExtension({ id, source: bundle, jobs: ["boom"], module });
}

describe("stacks mapped by the host", () => {
  const logs: LogEntry[] = [];
  let host: ExtensionHost | undefined;
  afterEach(async () => {
    await host?.close();
    logs.length = 0;
  });

  it("maps a job's stack and logs a failed cleanup with its mapped stack", async () => {
    host = new ExtensionHost({ logger: (e) => logs.push(e) });
    await host.load(await extensionWith("mapped", goodMap));
    const error = await host.run("mapped", "boom").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtensionFailedError);
    expect((error as ExtensionFailedError).jsStack).toBe(
      "    at fail (src/a.ts:10:11)\n    at jobBoom (src/a.ts:31:7)\n",
    );
    expect((error as ExtensionFailedError).rawJsStack).toBe(
      "    at fail (function.mjs:3)\n    at jobBoom (function.mjs:9)\n",
    );
    await host.unload("mapped");
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "error",
        message:
          "cleanup failed: Error: cleanup broke\n    at fail (src/a.ts:10:11)\n    at kilnCleanup (src/a.ts:21:7)",
      }),
    );
  });

  it("warns once about a corrupted map and keeps QuickJS's stacks", async () => {
    host = new ExtensionHost({ logger: (e) => logs.push(e) });
    await host.load(await extensionWith("corrupted", { ...goodMap, mappings: "AA!A" }));
    for (let i = 0; i < 2; i++) {
      const error = (await host.run("corrupted", "boom").catch((e: unknown) => e)) as ExtensionFailedError;
      expect(error.jsStack).toBe("    at fail (function.mjs:3)\n    at jobBoom (function.mjs:9)\n");
      expect(error.rawJsStack).toBeUndefined();
    }
    const warnings = logs.filter((l) => l.level === "warn");
    expect(warnings).toEqual([
      expect.objectContaining({ extensionId: "corrupted", message: expect.stringContaining("kiln_source_map") }),
    ]);
  });
});
