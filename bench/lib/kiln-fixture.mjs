// Builds the Kiln extension the scenarios load, with nothing but public API (compileSource,
// emitDynamicModule, a manifest), the way packages/host/bench/sandbox.mjs does: the same code
// must build in an older checkout.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileSource, emitDynamicModule, jsExportName, PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import { KILN_JOBS, KILN_SOURCE } from "../fixtures/guest.mjs";

/** The permission the bench's own operation needs. */
export const BENCH_PERMISSION = "bench.call";
/** The application operation the guest → host row calls. */
export const BENCH_OPERATION = "bench.noop";
/** An application operation that answers after 100 ms (the concurrency row). */
export const BENCH_SLOW_OPERATION = "bench.slow";

/**
 * The manifest of the bench's extension. Without `schemas`, version 1 (jobs without schemas), which
 * every Kiln host reads; with them, version 2: each job's `input`/`output`/`state` JSON Schemas
 * (`{}`, anything, for a job or kind `schemas` does not name), which older hosts refuse.
 */
function manifest(id, module, schemas) {
  return {
    manifestVersion: schemas ? 2 : 1,
    id,
    name: id,
    version: "1.0.0",
    permissions: [BENCH_PERMISSION],
    jobs: KILN_JOBS.map((name) => ({
      name,
      export: `job-${name}`,
      ...(schemas ? { input: {}, output: {}, state: {}, ...schemas[name] } : {}),
    })),
    hooks: { init: "kiln-init", cleanup: "kiln-cleanup" },
    module: {
      file: "extension.wasm",
      sha256: createHash("sha256").update(module).digest("hex"),
      plugin: PLUGIN_NAMESPACE,
    },
    generator: "kiln-bench",
  };
}

/** Compiles the guest into `dir` (manifest.json + extension.wasm) under the id `id`. */
export async function buildKilnExtension(dir, id) {
  const bytecode = await compileSource(KILN_SOURCE);
  const exports = [
    { wasmName: "kiln-init", jsName: "kilnInit" },
    { wasmName: "kiln-cleanup", jsName: "kilnCleanup" },
    ...KILN_JOBS.map((j) => ({ wasmName: `job-${j}`, jsName: jsExportName(`job-${j}`) })),
  ];
  const module = await emitDynamicModule({ bytecode, exports });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "extension.wasm"), module);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest(id, module)));
  return dir;
}

/**
 * A copy of the built extension in `dir` under another id (the host keys extensions by id); with
 * `schemas` (job name → `{ input, output, state }`), a version 2 manifest carrying them.
 */
export function cloneKilnExtension(template, dir, id, schemas) {
  mkdirSync(dir, { recursive: true });
  const module = readFileSync(join(template, "extension.wasm"));
  copyFileSync(join(template, "extension.wasm"), join(dir, "extension.wasm"));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest(id, module, schemas)));
  return dir;
}

/** A typical job input: an object of a few fields, a nested object, a short array. */
export const DISPATCH_INPUT = {
  folder: "photos/2024/summer",
  recursive: true,
  limit: 500,
  tags: ["beach", "family", "sunset"],
  options: { mode: "fast", dryRun: false, minWidth: 640 },
};

/** The input schema a codegen'd job with {@link DISPATCH_INPUT}'s TypeScript type would carry. */
export const DISPATCH_INPUT_SCHEMA = {
  type: "object",
  required: ["folder", "recursive", "limit", "tags", "options"],
  additionalProperties: false,
  properties: {
    folder: { type: "string", minLength: 1, maxLength: 1000 },
    recursive: { type: "boolean" },
    limit: { type: "integer", minimum: 1, maximum: 10000 },
    tags: { type: "array", maxItems: 100, items: { type: "string" } },
    options: {
      type: "object",
      required: ["mode", "dryRun"],
      additionalProperties: false,
      properties: {
        mode: { enum: ["fast", "thorough"] },
        dryRun: { type: "boolean" },
        minWidth: { type: "integer", minimum: 0 },
      },
    },
  },
};
