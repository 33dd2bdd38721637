/**
 * Builds real extension folders for host tests: real QuickJS bytecode from the real plugin, real
 * dynamic modules, manifests shaped as codegen writes them. The host does not depend on codegen,
 * so the JS below speaks the runtime ABI (`__kiln.call`) directly, as the SDK runtime does.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileSource, emitDynamicModule, jsExportName, PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import type { Manifest } from "../src/index.js";

/** JS of a small extension: `echo` returns its input; `boom` throws; init logs. */
export function extensionSource(id: string): string {
  return `
const call = (op, payload) => {
  const reply = JSON.parse(__kiln.call(op, JSON.stringify(payload)));
  if (!reply.ok) throw new Error(reply.error.code + ": " + reply.error.message);
  return reply.value;
};
const readInput = () => {
  const chunks = []; let n;
  do { const b = new Uint8Array(1024); n = Javy.IO.readSync(0, b); if (n > 0) chunks.push(...b.subarray(0, n)); } while (n > 0);
  return chunks.length ? JSON.parse(new TextDecoder().decode(new Uint8Array(chunks))) : {};
};
export function kilnInit() { call("$log", { level: "info", message: "${id} ready" }); }
export function kilnCleanup() { call("$log", { level: "info", message: "${id} bye" }); }
export async function jobEcho() { const env = readInput(); console.log("echoing"); call("$complete", { value: env.input }); }
export function jobBoom() { throw new TypeError("boom from ${id}"); }
export function jobCallUnknown() { call("acme.nothing", {}); }
export function jobChatter() {
  const { input } = readInput();
  for (let i = 1; i <= input.n; i++) call("$progress", { done: i, total: input.n, message: "report " + i, counters: { items: i, bytes: 0 } });
  call("$complete", { value: input.n });
}
export function jobSpin() {
  const { input, state } = readInput();
  for (let i = state.i ?? 0; i < input.steps; ) {
    const until = Date.now() + input.ms; while (Date.now() < until) {}
    i++;
    const counters = { items: i, bytes: 0 };
    call("$progress", { done: i, total: input.steps, message: "${id}", counters });
    call("$checkpoint", { state: { i }, progress: { done: i, total: input.steps, message: "${id}" }, counters });
  }
  call("$complete", { value: "${id} done" });
}
`;
}

/** A built extension folder: what `kiln build` writes. */
export interface FixtureOptions {
  readonly id?: string;
  /** Change the manifest before writing it. */
  readonly manifest?: (m: Manifest) => unknown;
  /** Change the module bytes after hashing them. */
  readonly tamper?: (bytes: Uint8Array) => Uint8Array;
  /** Replace the module entirely (hashed, so only linkage can fail). */
  readonly module?: Uint8Array;
}

const jobs = ["echo", "boom", "call-unknown", "spin", "chatter"];

export async function makeExtension(options: FixtureOptions = {}): Promise<string> {
  const id = options.id ?? "fixture";
  const bytecode = await compileSource(extensionSource(id));
  const exports = [
    { wasmName: "kiln-init", jsName: "kilnInit" },
    { wasmName: "kiln-cleanup", jsName: "kilnCleanup" },
    ...jobs.map((j) => ({ wasmName: `job-${j}`, jsName: jsExportName(`job-${j}`) })),
  ];
  const built = options.module ?? (await emitDynamicModule({ bytecode, exports }));
  const manifest: Manifest = {
    manifestVersion: 1,
    id,
    name: `Fixture ${id}`,
    version: "1.0.0",
    permissions: [],
    jobs: jobs.map((name) => ({ name, export: `job-${name}` })),
    hooks: { init: "kiln-init", cleanup: "kiln-cleanup" },
    module: {
      file: "extension.wasm",
      sha256: createHash("sha256").update(built).digest("hex"),
      plugin: PLUGIN_NAMESPACE,
    },
    generator: "host tests",
  };
  const dir = await mkdtemp(join(tmpdir(), `kiln-host-${id}-`));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "extension.wasm"), options.tamper ? options.tamper(built) : built);
  const finalManifest = options.manifest ? options.manifest(manifest) : manifest;
  await writeFile(
    join(dir, "manifest.json"),
    typeof finalManifest === "string" ? finalManifest : JSON.stringify(finalManifest),
  );
  return dir;
}
