/**
 * Builds real extension folders for host tests: real QuickJS bytecode from the real plugin, real
 * dynamic modules, manifests shaped as codegen writes them. The host does not depend on codegen,
 * so the JS below speaks the runtime ABI (`__kiln.call`) directly, as the SDK runtime does.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JobSchemaKind, type JsonSchema, MANIFEST_VERSION } from "@kiln/contracts";
import { compileSource, emitDynamicModule, jsExportName, PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import { RuntimeOps } from "@kiln/sdk/protocol";
import type { CallerContext, KvBackend, Manifest } from "../src/index.js";

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
export function kilnInit() { call("${RuntimeOps.log}", { level: "info", message: "${id} ready" }); }
export function kilnCleanup() { call("${RuntimeOps.log}", { level: "info", message: "${id} bye" }); }
export async function jobEcho() { const env = readInput(); console.log("echoing"); call("${RuntimeOps.complete}", { value: env.input }); }
export function jobBoom() { throw new TypeError("boom from ${id}"); }
export function jobCallUnknown() { call("acme.nothing", {}); }
export function jobChatter() {
  const { input } = readInput();
  for (let i = 1; i <= input.n; i++) call("${RuntimeOps.progress}", { done: i, total: input.n, message: "report " + i, counters: { items: i, bytes: 0 } });
  call("${RuntimeOps.complete}", { value: input.n });
}
export function jobSpin() {
  const { input, state } = readInput();
  for (let i = state.i ?? 0; i < input.steps; ) {
    const until = Date.now() + input.ms; while (Date.now() < until) {}
    i++;
    const counters = { items: i, bytes: 0 };
    call("${RuntimeOps.progress}", { done: i, total: input.steps, message: "${id}", counters });
    call("${RuntimeOps.checkpoint}", { state: { i }, progress: { done: i, total: input.steps, message: "${id}" }, counters });
  }
  call("${RuntimeOps.complete}", { value: "${id} done" });
}
`;
}

/** JSON Schemas of a fixture's jobs, by job name and kind. */
export type FixtureSchemas = Readonly<Record<string, Partial<Record<JobSchemaKind, JsonSchema>>>>;

/** A built extension folder: what `kiln build` writes. */
export interface FixtureOptions {
  readonly id?: string;
  /** Change the manifest before writing it. */
  readonly manifest?: (m: Manifest) => unknown;
  /** Change the module bytes after hashing them. */
  readonly tamper?: (bytes: Uint8Array) => Uint8Array;
  /** Replace the module entirely (hashed, so only linkage can fail). */
  readonly module?: Uint8Array;
  /** Change the module after it is emitted, before it is hashed (e.g. add a trapping export). */
  readonly transform?: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** JS of the extension instead of {@link extensionSource}: `kilnInit`, `kilnCleanup` and one export per job. */
  readonly source?: string;
  /** Job names when `source` is given (default: the fixture's own). */
  readonly jobs?: readonly string[];
  /** The JSON Schemas of jobs, by job name: `{}` (anything) for a kind not given. */
  readonly schemas?: FixtureSchemas;
  /** Writes a version 1 manifest (jobs without schemas), as an older Kiln built them. */
  readonly manifestVersion?: 1;
}

const defaultJobs = ["echo", "boom", "call-unknown", "spin", "chatter"];

/**
 * Helpers for fixture JS that speaks the runtime protocol directly: `call(op, payload)` (throws on
 * a refusal), `readInput()` (the job envelope), `complete(value)`.
 */
export const protocolHelpers = `
const call = (op, payload) => {
  const reply = JSON.parse(__kiln.call(op, JSON.stringify(payload)));
  if (!reply.ok) { const e = new Error(reply.error.code + ": " + reply.error.message); e.code = reply.error.code; throw e; }
  return reply.value;
};
const readInput = () => {
  const chunks = []; let n;
  do { const b = new Uint8Array(65536); n = Javy.IO.readSync(0, b); if (n > 0) chunks.push(b.slice(0, n)); } while (n > 0);
  const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0)); let o = 0;
  for (const c of chunks) { all.set(c, o); o += c.length; }
  return all.length ? JSON.parse(new TextDecoder().decode(all)) : {};
};
const complete = (value) => call("${RuntimeOps.complete}", { value });
`;

export async function makeExtension(options: FixtureOptions = {}): Promise<string> {
  const id = options.id ?? "fixture";
  const jobs = options.source !== undefined ? (options.jobs ?? []) : defaultJobs;
  const bytecode = await compileSource(
    options.source !== undefined ? protocolHelpers + options.source : extensionSource(id),
  );
  const exports = [
    { wasmName: "kiln-init", jsName: "kilnInit" },
    { wasmName: "kiln-cleanup", jsName: "kilnCleanup" },
    ...jobs.map((j) => ({ wasmName: `job-${j}`, jsName: jsExportName(`job-${j}`) })),
  ];
  const emitted = options.module ?? (await emitDynamicModule({ bytecode, exports }));
  const built = options.transform ? await options.transform(emitted) : emitted;
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    id,
    name: `Fixture ${id}`,
    version: "1.0.0",
    permissions: [],
    jobs: jobs.map((name) => ({
      name,
      export: `job-${name}`,
      input: {},
      output: {},
      state: {},
      ...options.schemas?.[name],
    })),
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
  const versioned = options.manifestVersion === 1 ? toVersion1(manifest) : manifest;
  const finalManifest = options.manifest ? options.manifest(versioned as Manifest) : versioned;
  await writeFile(
    join(dir, "manifest.json"),
    typeof finalManifest === "string" ? finalManifest : JSON.stringify(finalManifest),
  );
  return dir;
}

/** `manifest` as a version 1 manifest: the same, without the jobs' schemas. */
function toVersion1(manifest: Manifest): unknown {
  return {
    ...manifest,
    manifestVersion: 1,
    jobs: manifest.jobs.map(({ input: _input, output: _output, state: _state, ...job }) => job),
  };
}

/** A manifest as codegen writes it, for tests that call operations without loading a module. */
export function testManifest(id: string, permissions: string[], allowedHosts?: string[]): Manifest {
  return {
    manifestVersion: MANIFEST_VERSION,
    id,
    name: id,
    version: "1.0.0",
    permissions,
    ...(allowedHosts !== undefined && { allowedHosts }),
    jobs: [],
    hooks: {},
    module: { file: "extension.wasm", sha256: "0".repeat(64), plugin: PLUGIN_NAMESPACE },
    generator: "test",
  };
}

/** A caller of the `files.*` operations that was granted `folders`: what the host builds per call. */
export function filesCaller(id: string, folders: Record<string, string>): CallerContext {
  return {
    extensionId: id,
    manifest: testManifest(id, ["files.read"]),
    grants: { permissions: new Set(["files.read"]), folders },
    signal: new AbortController().signal,
    kv: {} as KvBackend,
  };
}
