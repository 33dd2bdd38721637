/**
 * Writes extension modules in Javy's dynamic-linking format: the QuickJS bytecode in a passive
 * data segment, the plugin's `cabi_realloc`, `invoke` and `memory` imported from its namespace,
 * and `_start` plus one export per JS function. Binaryen assembles the module from WAT text, so the
 * layout below reads like the format description in JAVY.md.
 *
 * @module
 */
import { brotliCompressSync, constants as zlib } from "node:zlib";
import { JAVY_SOURCE_SECTION, PLUGIN_NAMESPACE } from "./abi.js";

/**
 * Javy's rule for the JS function a Wasm export calls: kebab-case becomes camelCase
 * (`job-tag-folder` → `jobTagFolder`).
 */
export function jsExportName(wasmName: string): string {
  return wasmName.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** One function the module exports besides `_start`. */
export interface DynamicExport {
  /** Wasm export name, kebab-case (`job-counter`). */
  readonly wasmName: string;
  /** The JS export of the bytecode's module that it invokes (`jobCounter`). */
  readonly jsName: string;
}

/** Input of {@link emitDynamicModule}. */
export interface DynamicModuleOptions {
  /** QuickJS bytecode from the plugin's `compile-src`. */
  readonly bytecode: Uint8Array;
  /** Named exports; `_start` is always added. */
  readonly exports: readonly DynamicExport[];
  /** Import namespace of the plugin the bytecode was compiled by. */
  readonly namespace?: string;
  /**
   * JS source to embed in the `javy_source` custom section, Brotli-compressed as Javy does
   * (`"compressed"`, the default), raw, or omitted.
   */
  readonly source?: string;
  readonly sourceMode?: "compressed" | "raw" | "omit";
  /** Version written into the `producers` section. */
  readonly producer?: { readonly name: string; readonly version: string };
}

let binaryenModule: Promise<typeof import("binaryen")> | undefined;

/**
 * Starts loading Binaryen (about a second of start-up) if it is not loaded yet. It is loaded on
 * first use so that hosts, which only run modules, never pay for it; a build calls this early so
 * that the load overlaps with its other steps.
 */
export function preloadModuleEmitter(): Promise<unknown> {
  binaryenModule ??= import("binaryen");
  return binaryenModule;
}

/** Builds a dynamically linked Javy module. The result is deterministic for the same input. */
export async function emitDynamicModule(options: DynamicModuleOptions): Promise<Uint8Array<ArrayBuffer>> {
  preloadModuleEmitter();
  const { default: binaryen } = await (binaryenModule as Promise<typeof import("binaryen")>);
  const namespace = options.namespace ?? PLUGIN_NAMESPACE;
  const names = options.exports.map((e) => e.jsName);
  const wat = [
    "(module",
    `  (import ${str(namespace)} "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))`,
    `  (import ${str(namespace)} "invoke" (func $invoke (param i32 i32 i32 i32 i32)))`,
    `  (import ${str(namespace)} "memory" (memory 0))`,
    `  (data $bc ${bytesLiteral(options.bytecode)})`,
    ...names.map((name, i) => `  (data $n${i} ${str(name)})`),
    startFunction(options.bytecode.length),
    ...options.exports.map((e, i) => namedFunction(e.wasmName, i, options.bytecode.length, utf8(e.jsName).length)),
    ")",
  ].join("\n");

  const module = binaryen.parseText(wat);
  try {
    module.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory);
    if (!module.validate()) throw new Error("internal error: the emitted dynamic module does not validate");
    const producer = options.producer ?? { name: "Kiln", version: "0.1.0" };
    module.addCustomSection("producers", producersSection(producer));
    const mode = options.sourceMode ?? "compressed";
    if (options.source !== undefined && mode !== "omit") {
      const raw = utf8(options.source);
      const payload = mode === "raw" ? raw : brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
      module.addCustomSection(JAVY_SOURCE_SECTION, payload);
    }
    return module.emitBinary() as Uint8Array<ArrayBuffer>;
  } finally {
    module.dispose();
  }
}

/** Copies the bytecode into plugin memory and evaluates it: the module's top-level code runs. */
function startFunction(bcLen: number): string {
  return `  (func (export "_start") (local $bc i32)
    (local.set $bc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${bcLen})))
    (memory.init $bc (local.get $bc) (i32.const 0) (i32.const ${bcLen}))
    (call $invoke (local.get $bc) (i32.const ${bcLen}) (i32.const 0) (i32.const 0) (i32.const 0)))`;
}

/**
 * Same as `_start`, then the name of the JS function to call. Javy drops both segments after
 * copying; we keep them, because our plugin lets one instance serve many invocations (an
 * export may run more than once per instance, and a dropped segment would trap the second time).
 */
function namedFunction(wasmName: string, index: number, bcLen: number, nameLen: number): string {
  return `  (func (export ${str(wasmName)}) (local $bc i32) (local $fn i32)
    (local.set $bc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${bcLen})))
    (memory.init $bc (local.get $bc) (i32.const 0) (i32.const ${bcLen}))
    (local.set $fn (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${nameLen})))
    (memory.init $n${index} (local.get $fn) (i32.const 0) (i32.const ${nameLen}))
    (call $invoke (local.get $bc) (i32.const ${bcLen}) (i32.const 1) (local.get $fn) (i32.const ${nameLen})))`;
}

/** The `producers` custom section: language JavaScript ES2020, processed-by the given tool. */
function producersSection(producer: { name: string; version: string }): Uint8Array {
  const fields: [string, [string, string][]][] = [
    ["language", [["JavaScript", "ES2020"]]],
    ["processed-by", [[producer.name, producer.version]]],
  ];
  const out: number[] = [];
  leb(out, fields.length);
  for (const [field, values] of fields) {
    name(out, field);
    leb(out, values.length);
    for (const [n, v] of values) {
      name(out, n);
      name(out, v);
    }
  }
  return Uint8Array.from(out);
}

function name(out: number[], s: string): void {
  const bytes = utf8(s);
  leb(out, bytes.length);
  out.push(...bytes);
}

function leb(out: number[], n: number): void {
  let v = n >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** A WAT string literal of arbitrary bytes. */
function bytesLiteral(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) s += `\\${b.toString(16).padStart(2, "0")}`;
  return `${s}"`;
}

function str(s: string): string {
  return bytesLiteral(utf8(s));
}
