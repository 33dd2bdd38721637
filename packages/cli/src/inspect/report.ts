/**
 * What `kiln inspect` reports, and how it finds it: reads the manifest with the contracts' own
 * `upgradeManifest` and `checkManifest`, and the module with the engine's parser
 * (`WebAssembly.Module` imports, exports, custom sections) plus a walk over the section headers
 * for what the engine does not list (every custom section's name and size, the bytecode's data
 * segment). Loads `@kiln/contracts` and `@kiln/javy-plugin`'s constants only: no host, no SQLite,
 * no compiler, and the plugin itself is never read.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import {
  checkManifest,
  type ExtensionLimits,
  type JsonSchema,
  KilnError,
  type KilnErrorCode,
  LIMIT_NAMES,
  type LimitName,
  type Manifest,
  type ManifestModule,
  resolveLimits,
  upgradeManifest,
} from "@kiln/contracts";
import {
  decodeSourceMapSection,
  GLOBALS_SECTION,
  IMPORT_NAMESPACE_SECTION,
  JAVY_SOURCE_SECTION,
  MODULE_START_EXPORT,
  moduleLinkProblems,
  PLUGIN_NAMESPACE,
  SOURCE_MAP_SECTION,
  WASI_NAMESPACE,
} from "@kiln/javy-plugin";
import { checkDistFolder } from "../extensions.js";

/**
 * What a module is, judged by its imports, exports and custom sections: `kiln`, linked to Kiln's
 * plugin namespace (what `kiln build` writes); `javy-dynamic`, linked to another plugin namespace
 * (`javy build -C dynamic`: run it with `kiln run --plugin`); `javy-static`, QuickJS compiled in,
 * importing WASI only (`javy build`); `wasm`, any other WebAssembly module.
 */
export type InspectedKind = "kiln" | "javy-dynamic" | "javy-static" | "wasm";

/** One reason the build would not load as it is, with the code the host would refuse it with. */
export interface InspectProblem {
  readonly code: KilnErrorCode;
  readonly message: string;
}

/** A job as the manifest describes it; the schemas are the manifest's, in full. */
export interface InspectedJob {
  readonly name: string;
  /** The Wasm export that runs it. */
  readonly export: string;
  readonly description: string | null;
  /** JSON Schemas (draft 2020-12) of its input, its result and its checkpoint state; `{}` accepts any value. */
  readonly input: JsonSchema;
  readonly output: JsonSchema;
  readonly state: JsonSchema;
}

/** What a valid manifest says. */
export interface InspectedManifest {
  /** `manifestVersion` as written; a version 1 manifest is shown as the host reads it, as version 2. */
  readonly manifestVersion: number;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly description: string | null;
  /** The tool that wrote it (`@kiln/codegen 0.1.0`). */
  readonly generator: string;
  /** The permissions it asks for; the application decides which it grants. */
  readonly permissions: readonly string[];
  /** The hosts `http.fetch` may reach; empty when it asks for none. */
  readonly allowedHosts: readonly string[];
  readonly limits: {
    /** The limits the manifest asks for (lower than the host's, never higher). */
    readonly asked: ExtensionLimits;
    /** What it runs under on a host with the default limits; `null`: unlimited. */
    readonly effective: { readonly [K in LimitName]: number | null };
  };
  readonly jobs: readonly InspectedJob[];
  /** The Wasm exports of its `init` and `cleanup`, `null` for a hook it does not define. */
  readonly hooks: { readonly init: string | null; readonly cleanup: string | null };
  /** The module it describes: file name, SHA-256, plugin namespace. */
  readonly module: ManifestModule;
}

/** A custom section of the module. */
export interface InspectedSection {
  readonly name: string;
  /** Its payload's size, in bytes. */
  readonly bytes: number;
  /** What Kiln knows the section to hold, or `null` for a section it does not know. */
  readonly about: string | null;
}

/** What the module itself says. */
export interface InspectedModule {
  readonly kind: InspectedKind;
  /** The plugin namespace it imports from (`kiln-plugin-v1`, `javy_quickjs_provider_v3`), `null` for none. */
  readonly namespace: string | null;
  readonly bytes: number;
  /** The module file's SHA-256, lower-case hex. */
  readonly sha256: string;
  /** The QuickJS bytecode's size (a dynamic module's first data segment), `null` when there is none to find. */
  readonly bytecodeBytes: number | null;
  /** Every custom section, in file order. */
  readonly customSections: readonly InspectedSection[];
  /** The `producers` section: field (`language`, `processed-by`) → tools and versions. */
  readonly producers: { readonly [field: string]: readonly { readonly name: string; readonly version: string }[] };
  /** The embedded JS source (`javy_source`): its size as JS, and whether it is Brotli-compressed. */
  readonly source: { readonly bytes: number; readonly compressed: boolean } | null;
  /** The source map (`kiln_source_map`): the original files it maps to; `null` without one, or one that cannot be read. */
  readonly sourceMap: { readonly sources: readonly string[] } | null;
  readonly imports: readonly { readonly module: string; readonly name: string; readonly kind: string }[];
  readonly exports: readonly { readonly name: string; readonly kind: string }[];
}

/**
 * What `kiln inspect --json` prints. Stable: fields are only ever added, and `inspectVersion` is
 * bumped for any other change.
 */
export interface InspectReport {
  readonly inspectVersion: 1;
  /** The files read, as paths from the working directory (or as given); `null` for none. */
  readonly files: { readonly manifest: string | null; readonly module: string | null };
  /** The manifest, `null` without one or when it is invalid (see `problems`). */
  readonly manifest: InspectedManifest | null;
  /** The module, `null` without one or when it is not WebAssembly (see `problems`). */
  readonly module: InspectedModule | null;
  /**
   * The module's SHA-256 against the manifest's: `file` is the module file the manifest names,
   * `expected` its recorded hash, `actual` the file's. `null` without a manifest or a readable module.
   */
  readonly integrity: {
    readonly file: string;
    readonly expected: string;
    readonly actual: string;
    readonly matches: boolean;
  } | null;
  /** Everything that would stop the host from loading the build; empty for a good one (exit 0). */
  readonly problems: readonly InspectProblem[];
}

// --- reading ----------------------------------------------------------------------------------

const WASM_MAGIC = Uint8Array.of(0x00, 0x61, 0x73, 0x6d);

/**
 * Reads a regular file, or says why it cannot be read in words that fit after "cannot read X: ".
 * A FIFO or a device is never opened: reading one could block for ever.
 */
async function tryRead(file: string): Promise<{ bytes: Uint8Array } | { error: string }> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) return { error: FOLDER };
    if (!info.isFile()) return { error: "not a regular file" };
    return { bytes: new Uint8Array(await readFile(file)) };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message };
  }
}

/** What {@link tryRead} says of a folder. */
const FOLDER = "it is a folder";

const isWasm = (bytes: Uint8Array) => WASM_MAGIC.every((b, i) => bytes[i] === b);

/** The `module` entry of a manifest as far as it can be read, valid or not. */
function moduleEntry(value: unknown): { file?: string; sha256?: string } {
  const entry = (value as { module?: { file?: unknown; sha256?: unknown } } | null)?.module;
  return {
    // Only a plain file name: a manifest cannot point the module elsewhere.
    ...(typeof entry?.file === "string" && entry.file === basename(entry.file) ? { file: entry.file } : {}),
    ...(typeof entry?.sha256 === "string" ? { sha256: entry.sha256 } : {}),
  };
}

function parseJson(bytes: Uint8Array): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Finds the manifest and the module `target` stands for, reads both and reports on them. */
export async function inspect(target: string): Promise<InspectReport> {
  const problems: InspectProblem[] = [];
  let manifestFile: string | null = null;
  let manifestBytes: Uint8Array | undefined;
  let moduleFile: string | null = null;
  let moduleBytes: Uint8Array | undefined;

  const read = await tryRead(target);
  if ("error" in read && read.error === FOLDER) {
    checkDistFolder(target);
    manifestFile = join(target, "manifest.json");
  } else if ("error" in read) {
    throw new KilnError(
      "KILN_DIST_NOT_FOUND",
      `cannot read ${target}: ${read.error}; give a folder kiln build wrote, its manifest.json or its .wasm module`,
    );
  } else if (isWasm(read.bytes)) {
    moduleFile = target;
    moduleBytes = read.bytes;
    // The manifest beside it counts only when it names this very file.
    const sibling = join(dirname(target), "manifest.json");
    const beside = await tryRead(sibling);
    if ("bytes" in beside) {
      const parsed = parseJson(beside.bytes);
      if ("value" in parsed && moduleEntry(parsed.value).file === basename(target)) {
        manifestFile = sibling;
        manifestBytes = beside.bytes;
      }
    }
  } else {
    manifestFile = target;
    manifestBytes = read.bytes;
  }

  let manifest: Manifest | undefined;
  let writtenVersion: unknown;
  let entry: { file?: string; sha256?: string } = {};
  if (manifestFile !== null) {
    if (!manifestBytes) {
      const m = await tryRead(manifestFile);
      if ("error" in m) throw new KilnError("KILN_DIST_NOT_FOUND", `cannot read ${manifestFile}: ${m.error}`);
      manifestBytes = m.bytes;
    }
    const parsed = parseJson(manifestBytes);
    if ("error" in parsed) {
      problems.push({ code: "KILN_MANIFEST_INVALID", message: `${manifestFile} is not JSON: ${parsed.error}` });
    } else {
      writtenVersion = (parsed.value as { manifestVersion?: unknown } | null)?.manifestVersion;
      entry = moduleEntry(parsed.value);
      // Exactly as the host reads it: a version 1 manifest as version 2, then the schema's check.
      const upgraded = upgradeManifest(parsed.value);
      const issues = checkManifest(upgraded);
      if (issues.length) {
        problems.push({
          code: "KILN_MANIFEST_INVALID",
          message: `${manifestFile} is not a valid Kiln manifest: ${issues.map((i) => `${i.path || "/"}: ${i.message}`).join("; ")}; rebuild the extension with kiln build`,
        });
      } else {
        manifest = upgraded as Manifest;
      }
    }
    if (moduleFile === null && entry.file !== undefined) {
      moduleFile = join(dirname(manifestFile), entry.file);
      const m = await tryRead(moduleFile);
      if ("error" in m) {
        problems.push({ code: "KILN_MODULE_INVALID", message: `cannot read ${moduleFile}: ${m.error}` });
      } else {
        moduleBytes = m.bytes;
      }
    }
  }

  let module: InspectedModule | null = null;
  let integrity: InspectReport["integrity"] = null;
  if (moduleBytes && moduleFile !== null) {
    const actual = createHash("sha256").update(moduleBytes).digest("hex");
    if (entry.file !== undefined && entry.sha256 !== undefined) {
      integrity = { file: entry.file, expected: entry.sha256, actual, matches: actual === entry.sha256 };
      if (!integrity.matches) {
        problems.push({
          code: "KILN_MODULE_HASH_MISMATCH",
          message: `${moduleFile} has sha256 ${actual}, but ${manifestFile} expects ${entry.sha256}: the module was changed or replaced after the build; rebuild with kiln build`,
        });
      }
    }
    try {
      const compiled = await WebAssembly.compile(moduleBytes as Uint8Array<ArrayBuffer>);
      module = describeModule(moduleBytes, actual, compiled);
    } catch (error) {
      problems.push({
        code: "KILN_MODULE_INVALID",
        message: `${moduleFile} is not a valid WebAssembly module: ${(error as Error).message}`,
      });
    }
  }
  if (manifest && module) problems.push(...linkProblems(manifest, module, moduleFile as string));

  return {
    inspectVersion: 1,
    files: { manifest: manifestFile, module: moduleFile },
    manifest: manifest ? describeManifest(manifest, writtenVersion) : null,
    module,
    integrity,
    problems,
  };
}

function describeManifest(m: Manifest, writtenVersion: unknown): InspectedManifest {
  const effective = resolveLimits({}, m.limits);
  return {
    manifestVersion: typeof writtenVersion === "number" ? writtenVersion : m.manifestVersion,
    id: m.id,
    name: m.name,
    version: m.version,
    description: m.description ?? null,
    generator: m.generator,
    permissions: m.permissions,
    allowedHosts: m.allowedHosts ?? [],
    limits: {
      asked: m.limits ?? {},
      effective: Object.fromEntries(LIMIT_NAMES.map((n) => [n, effective[n] ?? null])) as {
        [K in LimitName]: number | null;
      },
    },
    jobs: m.jobs.map((j) => ({
      name: j.name,
      export: j.export,
      description: j.description ?? null,
      input: j.input,
      output: j.output,
      state: j.state,
    })),
    hooks: { init: m.hooks.init ?? null, cleanup: m.hooks.cleanup ?? null },
    module: m.module,
  };
}

/** What the host's link check would refuse: a foreign namespace or import, a missing export. */
function linkProblems(m: Manifest, module: InspectedModule, file: string): InspectProblem[] {
  const problems = moduleLinkProblems(m, module, PLUGIN_NAMESPACE);
  return problems.length
    ? [
        {
          code: "KILN_MODULE_LINK",
          message: `${file} cannot be linked: ${problems.join("; ")}; rebuild it with kiln build`,
        },
      ]
    : [];
}

// --- the module -------------------------------------------------------------------------------

/** Custom sections Kiln knows, by name: what each holds. */
const KNOWN_SECTIONS: ReadonlyMap<string, string> = new Map([
  [JAVY_SOURCE_SECTION, "the bundled JS source"],
  ["producers", "the tools that wrote the module"],
  ["name", "debug names of functions and locals"],
  [IMPORT_NAMESPACE_SECTION, "a plugin's import namespace (this is a plugin, not a module)"],
  [GLOBALS_SECTION, "a Kiln plugin's sandbox globals"],
  ["target_features", "the Wasm features it was compiled for"],
  [SOURCE_MAP_SECTION, "the source map from the bundled JS to the original files"],
]);

function describeModule(bytes: Uint8Array, sha256: string, compiled: WebAssembly.Module): InspectedModule {
  const layout = readLayout(bytes);
  const imports = WebAssembly.Module.imports(compiled).map((i) => ({ module: i.module, name: i.name, kind: i.kind }));
  const exports = WebAssembly.Module.exports(compiled).map((e) => ({ name: e.name, kind: e.kind }));
  const namespaces = [...new Set(imports.map((i) => i.module).filter((m) => m !== WASI_NAMESPACE))];
  const namespace = namespaces.length === 1 ? (namespaces[0] as string) : null;
  const [producersBytes] = WebAssembly.Module.customSections(compiled, "producers");
  const producers = producersBytes ? readProducers(new Uint8Array(producersBytes)) : {};
  const [sourceBytes] = WebAssembly.Module.customSections(compiled, JAVY_SOURCE_SECTION);
  const source = sourceBytes ? sourceSize(new Uint8Array(sourceBytes)) : null;
  const [mapBytes] = WebAssembly.Module.customSections(compiled, SOURCE_MAP_SECTION);
  const sourceMap = mapBytes ? readSourceMap(new Uint8Array(mapBytes)) : null;

  // A dynamic module runs in its plugin's memory, which it imports; a static one has QuickJS inside,
  // its own memory, and imports WASI alone. Javy embeds the source either way (unless told not to).
  const dynamic = imports.some((i) => i.module === namespace && i.kind === "memory");
  const wasiOnly = imports.every((i) => i.module === WASI_NAMESPACE);
  const saysJavy =
    sourceBytes !== undefined || Object.values(producers).some((tools) => tools.some((t) => /javy/i.test(t.name)));
  const kind: InspectedKind = dynamic
    ? namespace === PLUGIN_NAMESPACE
      ? "kiln"
      : "javy-dynamic"
    : wasiOnly && saysJavy && exports.some((e) => e.name === MODULE_START_EXPORT)
      ? "javy-static"
      : "wasm";

  return {
    kind,
    namespace,
    bytes: bytes.length,
    sha256,
    // Both Kiln's emitter and Javy's put the bytecode in the first data segment of a dynamic module.
    bytecodeBytes: dynamic ? (layout.dataSegments[0] ?? null) : null,
    customSections: layout.customSections.map((s) => ({ ...s, about: KNOWN_SECTIONS.get(s.name) ?? null })),
    producers,
    source,
    sourceMap,
    imports,
    exports,
  };
}

/** `javy_source` holds the source Brotli-compressed (Javy's default, and Kiln's) or as it is. */
function sourceSize(section: Uint8Array): { bytes: number; compressed: boolean } {
  try {
    return { bytes: brotliDecompressSync(section).length, compressed: true };
  } catch {
    return { bytes: section.length, compressed: false };
  }
}

/** The original files a source map names; `null` for a section that is not one (it is informational here). */
function readSourceMap(section: Uint8Array): { sources: string[] } | null {
  try {
    return { sources: [...decodeSourceMapSection(section).sources] };
  } catch {
    return null;
  }
}

/** Reads the binary format's primitives from a module the engine has already validated. */
class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  byte(): number {
    const b = this.bytes[this.offset++];
    if (b === undefined) throw new RangeError("unexpected end of the module");
    return b;
  }

  /** An unsigned LEB128 number (counts, sizes, indices). */
  u32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
  }

  /** Skips a signed LEB128 number (a constant's immediate). */
  skipLeb(): void {
    while (this.byte() & 0x80);
  }

  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }
}

const CUSTOM_SECTION = 0;
const DATA_SECTION = 11;

/**
 * Every custom section's name and payload size, and each data segment's size, from the section
 * headers: the engine lists a custom section only when asked for it by name.
 */
function readLayout(bytes: Uint8Array): { customSections: { name: string; bytes: number }[]; dataSegments: number[] } {
  const customSections: { name: string; bytes: number }[] = [];
  let dataSegments: number[] = [];
  const r = new Reader(bytes);
  r.offset = 8; // magic and version
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const end = r.offset + size;
    if (id === CUSTOM_SECTION) {
      const name = r.name();
      customSections.push({ name, bytes: end - r.offset });
    } else if (id === DATA_SECTION) {
      dataSegments = readDataSizes(new Reader(bytes.subarray(r.offset, end)));
    }
    r.offset = end;
  }
  return { customSections, dataSegments };
}

/** Each data segment's size; stops (with what it has) at an offset expression it does not know. */
function readDataSizes(r: Reader): number[] {
  const sizes: number[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags === 2) r.u32(); // memory index
    if (flags !== 1 && !skipConstExpr(r)) return sizes; // active: its offset first
    const size = r.u32();
    sizes.push(size);
    r.offset += size;
  }
  return sizes;
}

/** The arithmetic of extended constant expressions (`i32.add` …, `i64.mul`): no immediates. */
const EXTENDED_CONST_OPS = [0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e];

/** Skips a constant expression (`i32.const N end` and the like); false for one it cannot read. */
function skipConstExpr(r: Reader): boolean {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return true; // end
    if (op === 0x41 || op === 0x42) {
      r.skipLeb(); // i32.const, i64.const
    } else if (op === 0x23) {
      r.u32(); // global.get
    } else if (!EXTENDED_CONST_OPS.includes(op)) {
      return false;
    }
  }
}

/** The `producers` section: fields, each a list of (name, version). */
function readProducers(bytes: Uint8Array): InspectedModule["producers"] {
  const out: Record<string, { name: string; version: string }[]> = {};
  try {
    const r = new Reader(bytes);
    const fields = r.u32();
    for (let i = 0; i < fields; i++) {
      const field = r.name();
      const values = r.u32();
      const tools: { name: string; version: string }[] = [];
      for (let j = 0; j < values; j++) tools.push({ name: r.name(), version: r.name() });
      out[field] = tools;
    }
  } catch {
    // A malformed section shows what was read of it: it is informational only.
  }
  return out;
}
