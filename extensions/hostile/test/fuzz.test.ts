/**
 * Property-based fuzzing of the host's boundaries with fast-check: manifests, module bytes, job
 * inputs and raw host calls. Whatever comes in, the host answers with a result or a `KilnError`
 * with a known code, never hangs, never throws anything else, and keeps serving the neighbour.
 *
 * `KILN_FUZZ_RUNS` sets the runs per property (default 1,000; `pnpm fuzz` uses 100,000);
 * `KILN_FUZZ_SEED` (and `KILN_FUZZ_PATH`) replay a failure fast-check reported.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { cp, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExtension } from "@kiln/codegen";
import type { ExtensionHost, LoadedExtension } from "@kiln/host";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCases, CASES_DIR, isKilnError, type LogSink, MiB, openHost, withTimeout } from "./harness.js";

const RUNS = Number(process.env.KILN_FUZZ_RUNS ?? 1000);
/** Replays a failure: the seed (and path) fast-check printed with it. */
const SEED = process.env.KILN_FUZZ_SEED === undefined ? undefined : Number(process.env.KILN_FUZZ_SEED);
const PATH = process.env.KILN_FUZZ_PATH;
/** Test timeout per property: generous per run, bounded in all. */
const TIMEOUT = Math.max(240_000, RUNS * 400);

/** Every code `host.load` may reject with. */
const LOAD_CODES = new Set([
  "KILN_MANIFEST_INVALID",
  "KILN_MODULE_HASH_MISMATCH",
  "KILN_MODULE_INVALID",
  "KILN_MODULE_LINK",
  "KILN_ALREADY_LOADED",
  "KILN_EXTENSION_FAILED",
  "KILN_EXTENSION_CRASHED",
  "KILN_START_TIMEOUT",
  "KILN_OUT_OF_MEMORY",
  "KILN_INSTRUCTION_LIMIT",
  "KILN_VALUE_TOO_DEEP",
  "KILN_PAYLOAD_TOO_LARGE",
  "KILN_LOG_LIMIT",
  "KILN_INVALID_LIMIT",
]);

/** Limits every fuzzed load runs under: a broken module must fail fast, not in 10 s. */
const FUZZ_LIMITS = { startTimeoutMs: 2000, memoryMiB: 64, jobTimeoutMs: 5000 } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

let work: string;
let dists: Map<string, string>;
let host: ExtensionHost;
let logs: LogSink;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const stats: string[] = [];
/** How the current property's runs ended, by outcome: reported with the run counts. */
const outcomes = new Map<string, number>();
const tally = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  work = await mkdtemp(join(tmpdir(), "kiln-fuzz-"));
  dists = await buildCases(["neighbour", "plain", "fuzz-target"], join(work, "dist"));
  // Without the embedded source (a custom section nobody reads), nearly every byte of the module
  // is code, data or structure that compile, link or start-up reads.
  const bare = join(work, "dist", "plain-bare");
  await buildExtension({ projectDir: join(CASES_DIR, "plain"), outDir: bare, source: "omit" });
  dists.set("plain-bare", bare);
  // In memory: the properties are about what the host accepts, not about durability (the table
  // uses a file store), and a file store's fsync per state change would dominate the run time.
  ({ host, logs } = openHost(":memory:"));
  await host.load(dists.get("neighbour") ?? "");
  // The default heap: the SDK needs several times an input's size to read it (a 9 MiB input with
  // one non-Latin-1 character runs out of 64 MiB), and the property is about the reply, not the input.
  await host.load(dists.get("fuzz-target") ?? "", { permissions: "*", limits: { jobTimeoutMs: 5000 } });
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await withTimeout(host?.close() ?? Promise.resolve(), 30_000, "host.close").catch(() => undefined);
  await rm(work, { recursive: true, force: true });
  if (stats.length) console.log(`fuzz runs (KILN_FUZZ_RUNS=${RUNS}):\n  ${stats.join("\n  ")}`);
});

/** Runs a property, timing it; fails on any unhandled rejection it caused. */
async function property<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>) {
  const started = performance.now();
  let runs = 0;
  outcomes.clear();
  await fc.assert(
    fc.asyncProperty(arb, async (value) => {
      runs++;
      await predicate(value);
    }),
    { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH === undefined ? {} : { path: PATH }) },
  );
  const seen = [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
  stats.push(`${name}: ${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s (${seen.join(", ")})`);
  expect(unhandled).toEqual([]);
  await expect(withTimeout(host.run("neighbour", "ping"), 10_000, "neighbour ping")).resolves.toEqual({ pong: true });
}

/** The load outcome must be a loaded extension or a KilnError with a known code; unloads on success. */
async function expectLoadOrKnownError(dir: string): Promise<LoadedExtension | undefined> {
  let loaded: LoadedExtension | undefined;
  try {
    loaded = await withTimeout(host.load(dir, { permissions: "*", limits: FUZZ_LIMITS }), 20_000, "load");
  } catch (error) {
    if (!isKilnError(error)) throw new Error(`host.load threw something that is not a KilnError: ${String(error)}`);
    if (!LOAD_CODES.has(error.code)) throw new Error(`host.load rejected with an unknown code ${error.code}`);
    tally(error.code);
    return undefined;
  }
  tally("loaded");
  return loaded;
}

/** Unloads (bounded) an extension a fuzz run loaded. */
async function unload(id: string): Promise<void> {
  await withTimeout(host.unload(id), 20_000, "unload");
}

/** Opens a FIFO for writing and closes it, so that a reader blocked on it sees end-of-file. */
async function unblockFifo(path: string): Promise<void> {
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    await handle.close();
  } catch {
    // No reader: nothing to unblock.
  }
}

// --- Arbitraries ---------------------------------------------------------------------------------

/** Strings a hostile manifest might carry. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    "extension.wasm",
    "manifest.json",
    "fifo.wasm",
    "zero.wasm",
    "dir.wasm",
    "missing.wasm",
    "..wasm",
    ".wasm",
    "kiln-plugin-v1",
    "kiln-plugin-v0",
    "job-echo",
    "kiln-init",
    "kiln-cleanup",
    "_start",
    "memory",
    "neighbour",
    "hostile-fuzz-target",
    "__proto__",
    "constructor",
    "0".repeat(64),
    "a".repeat(65),
    "1.0.0-".concat("x".repeat(300)),
    "\u0000",
    "\ud800",
  ),
  fc.integer({ min: 3, max: 7 }).map((n) => "x".repeat(10 ** n)),
);

/** Any value a manifest field might be replaced with. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1, 1.5, 64, 65, 1e308, -0, 2 ** 53, 4097) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`)),
  },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
);

/** Paths (as key lists) of every node of a JSON value. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...prefix, i]));
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

type ManifestMutation =
  | { kind: "drop"; path: (string | number)[] }
  | { kind: "replace"; path: (string | number)[]; value: unknown }
  | { kind: "add"; path: (string | number)[]; key: string; value: unknown };

type TextMutation =
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "wrap"; depth: number }
  | { kind: "bom" }
  | { kind: "duplicate-key"; value: string };

/** Applies mutations to a copy of `manifest`. */
function mutateManifest(manifest: Json, mutations: ManifestMutation[]): unknown {
  let root: unknown = structuredClone(manifest);
  for (const m of mutations) {
    if (m.path.length === 0) {
      if (m.kind === "replace") root = m.value;
      else if (m.kind === "add" && root && typeof root === "object") set(root, m.key, m.value);
      continue;
    }
    const parent = m.path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], root);
    if (!parent || typeof parent !== "object") continue;
    const key = m.path[m.path.length - 1] as string | number;
    if (m.kind === "drop") {
      if (Array.isArray(parent) && typeof key === "number") parent.splice(key, 1);
      else delete (parent as Record<string, unknown>)[key];
    } else if (m.kind === "replace") set(parent, key, m.value);
    else {
      const target = (parent as Record<string, unknown>)[key];
      if (target && typeof target === "object") set(target, m.key, m.value);
    }
  }
  return root;
}

/** Sets a property as JSON.parse would (an own property, even `__proto__`). */
function set(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function mutateText(text: string, m: TextMutation): string {
  switch (m.kind) {
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case "wrap":
      return `${"[".repeat(m.depth)}${text}${"]".repeat(m.depth)}`;
    case "bom":
      return `\ufeff${text}`;
    case "duplicate-key":
      return text.replace(/^\{/, `{"id":${JSON.stringify(m.value)},`);
  }
}

// --- Properties ----------------------------------------------------------------------------------

describe("fuzzing the host", () => {
  it(
    "manifests: any mutation of a real manifest loads or fails with a known KilnError, never hangs",
    async () => {
      const source = dists.get("plain") ?? "";
      const dir = join(work, "fuzz-manifest");
      await cp(source, dir, { recursive: true });
      // Files a mutated `module.file` may point at: a FIFO, /dev/zero, a folder.
      execFileSync("mkfifo", [join(dir, "fifo.wasm")]);
      await symlink("/dev/zero", join(dir, "zero.wasm"));
      await mkdir(join(dir, "dir.wasm"));
      const real = JSON.parse(await readFile(join(source, "manifest.json"), "utf8")) as Json;
      const paths = pathsOf(real);
      const path = fc.constantFrom(...paths);
      const mutation: fc.Arbitrary<ManifestMutation> = fc.oneof(
        fc.record({ kind: fc.constant("drop" as const), path }),
        fc.record({ kind: fc.constant("replace" as const), path, value: hostileValue }),
        fc.record({ kind: fc.constant("add" as const), path, key: hostileString, value: hostileValue }),
      );
      const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
        fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
        fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.string({ unit: "binary" }) }),
        fc.record({ kind: fc.constant("wrap" as const), depth: fc.integer({ min: 1, max: 100_000 }) }),
        fc.record({ kind: fc.constant("bom" as const) }),
        fc.record({ kind: fc.constant("duplicate-key" as const), value: hostileString }),
      );
      const arb = fc.record({
        mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
        text: fc.option(textMutation, { freq: 4 }),
      });
      await property("manifests", arb, async ({ mutations, text }) => {
        const manifest = mutateManifest(real, mutations);
        let body = JSON.stringify(manifest) ?? "";
        if (text) body = mutateText(body, text);
        await writeFile(join(dir, "manifest.json"), body);
        try {
          const loaded = await expectLoadOrKnownError(dir);
          if (loaded) await unload(loaded.id);
        } finally {
          await unblockFifo(join(dir, "fifo.wasm"));
        }
      });
    },
    TIMEOUT,
  );

  it(
    "module bytes: flipped, inserted and deleted bytes (hash rewritten) load or fail with a known KilnError",
    async () => {
      const source = dists.get("plain-bare") ?? "";
      const dir = join(work, "fuzz-module");
      await cp(source, dir, { recursive: true });
      const manifest = JSON.parse(await readFile(join(source, "manifest.json"), "utf8"));
      const wasm = new Uint8Array(await readFile(join(source, "extension.wasm")));
      const at = fc.nat({ max: wasm.length - 1 });
      const edit = fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record({ kind: fc.constant("flip" as const), at, mask: fc.integer({ min: 1, max: 255 }) }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant("insert" as const),
            at,
            bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant("delete" as const), at, count: fc.integer({ min: 1, max: 64 }) }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at }) },
      );
      await property("module bytes", fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let bytes = Uint8Array.from(wasm);
        for (const e of edits) {
          const i = e.at % (bytes.length || 1);
          if (e.kind === "flip") bytes[i] = (bytes[i] ?? 0) ^ e.mask;
          else if (e.kind === "insert")
            bytes = Uint8Array.from([...bytes.subarray(0, i), ...e.bytes, ...bytes.subarray(i)]);
          else if (e.kind === "delete")
            bytes = Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + e.count)]);
          else bytes = bytes.slice(0, i);
        }
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        await writeFile(join(dir, "extension.wasm"), bytes);
        await writeFile(
          join(dir, "manifest.json"),
          JSON.stringify({ ...manifest, module: { ...manifest.module, sha256 } }),
        );
        const loaded = await expectLoadOrKnownError(dir);
        if (!loaded) return;
        // Corrupted bytecode that started may still misbehave in a job: a result or a KilnError.
        try {
          await withTimeout(host.run(loaded.id, "echo", { a: 1 }, { timeoutMs: 2000 }), 20_000, "echo");
        } catch (error) {
          if (!isKilnError(error))
            throw new Error(`host.run threw something that is not a KilnError: ${String(error)}`);
        }
        await unload(loaded.id);
      });
    },
    TIMEOUT,
  );

  it(
    "job inputs: anything through dispatch and host.run is refused KILN_INVALID_INPUT or comes back intact",
    async () => {
      const deepInput = fc
        .tuple(
          fc.oneof(fc.integer({ min: 250, max: 262 }), fc.integer({ min: 240, max: 5000 })),
          fc.jsonValue({ maxDepth: 1 }),
        )
        .map(([depth, leaf]) => {
          let v: unknown = leaf;
          for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
          return v;
        });
      const input = fc.oneof(
        {
          weight: 4,
          arbitrary: fc.anything({
            maxDepth: 4,
            withBigInt: true,
            withBoxedValues: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withNullPrototype: true,
            withObjectString: true,
            withSparseArray: true,
            withTypedArray: true,
          }),
        },
        { weight: 2, arbitrary: fc.jsonValue() },
        { weight: 1, arbitrary: deepInput },
        { weight: 1, arbitrary: fc.func(fc.integer()) },
        { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, undefined, null) },
        // Every double must come back as itself; 20- and 21-digit integers are where QuickJS's parser slips.
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.bigInt(10n ** 19n, 10n ** 21n).map(Number),
          ),
        },
      );
      const id = "hostile-fuzz-target";
      await property("job inputs", input, async (value) => {
        const refuse = mustRefuse(value);
        const expected = roundTrip(value);
        // dispatch
        let jobId: string | undefined;
        try {
          jobId = await host.jobs.dispatch(id, "echo", value);
        } catch (error) {
          expectInvalidInput(error, "dispatch");
        }
        if (jobId !== undefined) {
          if (refuse) throw new Error(`dispatch accepted an input it must refuse (${refuse})`);
          const record = await withTimeout(host.jobs.wait(jobId), 20_000, "echo job");
          if (record.state !== "completed")
            throw new Error(`an accepted input did not come back: ${record.state} ${JSON.stringify(record.error)}`);
          expect(JSON.stringify(record.result)).toBe(expected);
        }
        // host.run
        let result: unknown;
        let ran = false;
        try {
          result = await withTimeout(host.run(id, "echo", value), 20_000, "host.run echo");
          ran = true;
        } catch (error) {
          expectInvalidInput(error, "host.run");
        }
        tally(ran ? "accepted" : "refused");
        if (ran) {
          if (refuse) throw new Error(`host.run accepted an input it must refuse (${refuse})`);
          expect(JSON.stringify(result)).toBe(expected);
        }
        if ((jobId !== undefined) !== ran) throw new Error("dispatch and host.run disagree on the same input");
      });
    },
    TIMEOUT,
  );

  it(
    "host-call payloads: any operation and payload string gets a typed JSON reply; the host and neighbour live",
    async () => {
      const id = "hostile-fuzz-target";
      const op = fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            "$log",
            "$progress",
            "$checkpoint",
            "$complete",
            "$interrupted",
            "hostile.echo",
            "kv.get",
            "kv.set",
            "kv.list",
            "kv.delete",
            "files.read",
            "http.fetch",
            "",
            "$",
            "$$complete",
            "$log ",
            "HOSTILE.ECHO",
            "hostile.echo\u0000",
          ),
        },
        { weight: 2, arbitrary: fc.string() },
        { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => `a.${"b".repeat(10 ** n)}`) },
      );
      const shaped = fc.oneof(
        fc.record({ level: fc.jsonValue(), message: fc.jsonValue() }),
        fc.record({ done: fc.jsonValue(), total: fc.jsonValue(), message: fc.jsonValue(), counters: fc.jsonValue() }),
        fc.record({ state: fc.jsonValue(), progress: fc.jsonValue(), counters: fc.jsonValue() }),
        fc.record({ value: fc.jsonValue() }),
        fc.record({ interrupted: fc.jsonValue() }),
        fc.record({ key: fc.string(), value: fc.jsonValue() }),
      );
      const payload = fc.oneof(
        { weight: 3, arbitrary: shaped.map((v) => JSON.stringify(v)) },
        { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
        { weight: 2, arbitrary: fc.string() },
        { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean())
            .map(([n, array]) =>
              array ? `${"[".repeat(n)}${"]".repeat(n)}` : `${'{"a":'.repeat(n)}1${"}".repeat(n)}`,
            ),
        },
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: 0, max: 10 })
            .map((n) => JSON.stringify({ key: "k", value: "x".repeat(n * MiB) })),
        },
      );
      let n = 0;
      await property(
        "host-call payloads",
        fc.record({ op, payload, dispatch: fc.boolean() }),
        async ({ op, payload, dispatch }) => {
          const input = { op, payload };
          let jobId: string | undefined;
          // An input over limits.payloadBytes never reaches the job: refused at the door, typed.
          if (Buffer.byteLength(JSON.stringify(input)) > 8 * MiB) {
            const refusal = dispatch ? host.jobs.dispatch(id, "raw", input) : host.run(id, "raw", input);
            await expect(refusal).rejects.toMatchObject({ code: "KILN_INVALID_INPUT" });
            tally("KILN_INVALID_INPUT (input)");
            return;
          }
          if (dispatch) {
            jobId = await host.jobs.dispatch(id, "raw", input);
            const record = await withTimeout(host.jobs.wait(jobId), 30_000, "raw job");
            if (record.state === "failed") expect(record.error?.code).toMatch(/^KILN_[A-Z0-9_]+$/);
            else expect(record.state).toBe("completed");
          } else {
            try {
              await withTimeout(host.run(id, "raw", input), 30_000, "host.run raw");
            } catch (error) {
              if (!isKilnError(error))
                throw new Error(`host.run threw something that is not a KilnError: ${String(error)}`);
            }
          }
          const line = [...logs.entries]
            .reverse()
            .find((e) => e.extensionId === id && e.message.startsWith("REPLY ") && (!jobId || e.jobId === jobId));
          if (!line) throw new Error(`the job never logged the reply to ${JSON.stringify(op.slice(0, 80))}`);
          const reply = JSON.parse(line.message.slice("REPLY ".length)) as {
            ok?: unknown;
            code?: unknown;
            messageType?: string;
            unparsable?: true;
            head: string;
          };
          if (reply.unparsable) throw new Error(`the reply is not JSON the extension can parse: ${reply.head}`);
          tally(reply.ok === true ? "ok" : String(reply.code));
          expect(typeof reply.ok).toBe("boolean");
          if (reply.ok === false) {
            expect(reply.code).toMatch(/^KILN_[A-Z0-9_]+$/);
            expect(reply.messageType).toBe("string");
          }
          logs.entries.length = 0;
          if (++n % 100 === 0) {
            await expect(withTimeout(host.run("neighbour", "ping"), 10_000, "neighbour ping")).resolves.toEqual({
              pong: true,
            });
          }
        },
      );
    },
    TIMEOUT,
  );
});

/** Why the spec says this input must be refused (NaN, a function, a Date, a Map, a BigInt, deeper than 256), or "". */
function mustRefuse(value: unknown, depth = 0, seen = new Set<unknown>()): string {
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return "a BigInt";
  if (value instanceof Date) return "a Date";
  if (value instanceof Map) return "a Map";
  if (depth > 256) return "deeper than 256";
  if (value && typeof value === "object" && !seen.has(value)) {
    seen.add(value);
    for (const v of Array.isArray(value) ? value : Object.values(value)) {
      const why = mustRefuse(v, depth + 1, seen);
      if (why) return why;
    }
  }
  return "";
}

/** What an accepted input must come back as: its JSON text. */
function roundTrip(value: unknown): string {
  try {
    return JSON.stringify(JSON.parse(JSON.stringify(value ?? null) ?? "null"));
  } catch {
    return "<not JSON>";
  }
}

function expectInvalidInput(error: unknown, where: string): void {
  if (!isKilnError(error)) throw new Error(`${where} threw something that is not a KilnError: ${String(error)}`);
  if (error.code !== "KILN_INVALID_INPUT")
    throw new Error(`${where} rejected with ${error.code}, not KILN_INVALID_INPUT`);
}
