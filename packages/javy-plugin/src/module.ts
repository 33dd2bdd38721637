/**
 * Writes extension modules in Javy's dynamic-linking format: the QuickJS bytecode in a passive
 * data segment, the plugin's `cabi_realloc`, `invoke` and `memory` imported from its namespace,
 * and `_start` plus one export per JS function. For bytecode `BC` and one export `job-x` calling
 * the JS function `jobX`, the module is, in the text format that JAVY.md describes it in:
 *
 * ```wat
 * (module
 *   (import "kiln-plugin-v1" "memory" (memory 0))
 *   (import "kiln-plugin-v1" "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
 *   (import "kiln-plugin-v1" "invoke" (func $invoke (param i32 i32 i32 i32 i32)))
 *   (global $bc (mut i32) (i32.const 0))
 *   (global $n0 (mut i32) (i32.const 0))
 *   (data $bc "BC")
 *   (data $n0 "jobX")
 *   (func (export "_start")
 *     (if (i32.eqz (global.get $bc))
 *       (then
 *         (global.set $bc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const len(BC))))
 *         (memory.init $bc (global.get $bc) (i32.const 0) (i32.const len(BC)))))
 *     (call $invoke (global.get $bc) (i32.const len(BC)) (i32.const 2) (i32.const 0) (i32.const 0)))
 *   (func (export "job-x")
 *     (if (i32.eqz (global.get $bc)) (then …as in _start…))
 *     (if (i32.eqz (global.get $n0))
 *       (then
 *         (global.set $n0 (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 4)))
 *         (memory.init $n0 (global.get $n0) (i32.const 0) (i32.const 4))))
 *     (call $invoke (global.get $bc) (i32.const len(BC)) (i32.const 3) (global.get $n0) (i32.const 4))))
 * ```
 *
 * plus the `producers` and `javy_source` custom sections (and Kiln's `kiln_source_map`, when given). Unlike Javy's modules, which copy the
 * bytecode into plugin memory and hand it over on every call (and which Kiln's plugin still
 * runs), each buffer is copied once per instance and lent to `invoke` from then on
 * ({@link INVOKE_BORROWED}, the `2` in `fn_is_some`): a call then costs the same whatever the
 * bytecode's size. Such a module needs a plugin that honours the bit (an older plugin would free
 * the lent buffer after the first call). The binary is written directly (see `wasm.ts`) instead of assembling that text: an
 * assembler is a large dependency that takes over a second to load, for a module whose shape never
 * changes. `test/module.test.ts` checks that the bytes are exactly those Binaryen assembles from
 * that text.
 *
 * @module
 */
import { brotliCompressSync, constants as zlib } from "node:zlib";
import { KilnError } from "@kiln/contracts/errors";
import {
  INVOKE_BORROWED,
  INVOKE_EXPORT,
  JAVY_SOURCE_SECTION,
  MODULE_IMPORTS,
  MODULE_START_EXPORT,
  PLUGIN_NAMESPACE,
  REALLOC_EXPORT,
  SOURCE_MAP_SECTION,
} from "./abi.js";
import { encodeSourceMapSection, type StoredSourceMap } from "./source-map.js";
import { ByteWriter, Code, Op, SectionId, WASM_HEADER } from "./wasm.js";

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
  /** How {@link DynamicModuleOptions.source} is embedded: see there. */
  readonly sourceMode?: "compressed" | "raw" | "omit";
  /** Version written into the `producers` section. */
  readonly producer?: { readonly name: string; readonly version: string };
  /**
   * The source map from the JS the bytecode was compiled from back to the author's files, written
   * Brotli-compressed into the {@link SOURCE_MAP_SECTION} custom section (after `javy_source`) for
   * the host to map stack frames with. Omitted: no section.
   */
  readonly sourceMap?: StoredSourceMap;
}

/** Parameter and result counts (all `i32`) of the plugin functions a module imports. */
const SIGNATURES = { [REALLOC_EXPORT]: [4, 1], [INVOKE_EXPORT]: [5, 0] } as const;

const FUNCTION_IMPORTS = MODULE_IMPORTS.flatMap((i) => (i.kind === "function" ? [i.name] : []));
const REALLOC = FUNCTION_IMPORTS.indexOf(REALLOC_EXPORT);
const INVOKE = FUNCTION_IMPORTS.indexOf(INVOKE_EXPORT);
/** Types are numbered as the function imports, then the `() -> ()` of every export. */
const EXPORT_TYPE = FUNCTION_IMPORTS.length;
const encoder = new TextEncoder();

/**
 * Builds a dynamically linked Javy module. The result is deterministic for the same input.
 * Throws a `KILN_INVALID_OPTION` {@link KilnError} when two exports share a name or one is
 * named `_start`.
 */
export function emitDynamicModule(options: DynamicModuleOptions): Uint8Array<ArrayBuffer> {
  checkExportNames(options.exports);
  const namespace = options.namespace ?? PLUGIN_NAMESPACE;
  const bytecode = options.bytecode;
  const names = options.exports.map((e) => encoder.encode(e.jsName));
  const wasm = new ByteWriter(bytecode.length + 1024 + options.exports.length * 128);
  wasm.bytes(WASM_HEADER);

  const types = new ByteWriter().u32(FUNCTION_IMPORTS.length + 1);
  for (const name of FUNCTION_IMPORTS) {
    const [params, results] = SIGNATURES[name];
    functionType(types, params, results);
  }
  functionType(types, 0, 0);
  wasm.section(SectionId.type, types);

  const imports = new ByteWriter().u32(MODULE_IMPORTS.length);
  for (const entry of MODULE_IMPORTS) {
    imports.name(namespace).name(entry.name);
    if (entry.kind === "memory") imports.byte(Code.externMemory).byte(Code.limitsMinOnly).u32(0);
    else imports.byte(Code.externFunc).u32(FUNCTION_IMPORTS.indexOf(entry.name));
  }
  wasm.section(SectionId.import, imports);

  const functionCount = 1 + names.length;
  const functions = new ByteWriter().u32(functionCount);
  for (let i = 0; i < functionCount; i++) functions.u32(EXPORT_TYPE);
  wasm.section(SectionId.function, functions);

  // Where each segment was copied to, 0 until the first call copies it: the bytecode, then each name.
  const globals = new ByteWriter().u32(1 + names.length);
  for (let i = 0; i <= names.length; i++) {
    globals.byte(Code.i32).byte(Code.mutable).byte(Op.i32Const).i32(0).byte(Op.end);
  }
  wasm.section(SectionId.global, globals);

  // Defined functions are numbered after the imported ones, `_start` first.
  const exports = new ByteWriter().u32(functionCount);
  exports.name(MODULE_START_EXPORT).byte(Code.externFunc).u32(FUNCTION_IMPORTS.length);
  options.exports.forEach((e, i) => {
    exports
      .name(e.wasmName)
      .byte(Code.externFunc)
      .u32(FUNCTION_IMPORTS.length + 1 + i);
  });
  wasm.section(SectionId.export, exports);

  // `memory.init` refers to segments by index, which the validator checks against this count
  // before it reaches the data section.
  wasm.section(SectionId.dataCount, new ByteWriter().u32(1 + names.length));

  const code = new ByteWriter().u32(functionCount);
  code.sized(startBody(bytecode.length));
  names.forEach((name, i) => {
    code.sized(namedBody(bytecode.length, i + 1, name.length));
  });
  wasm.section(SectionId.code, code);

  const data = new ByteWriter(bytecode.length + 64).u32(1 + names.length);
  for (const segment of [bytecode, ...names]) data.byte(Code.passiveSegment).vector(segment);
  wasm.section(SectionId.data, data);

  wasm.customSection("producers", producersSection(options.producer ?? { name: "Kiln", version: "0.1.0" }));
  const mode = options.sourceMode ?? "compressed";
  if (options.source !== undefined && mode !== "omit") {
    const raw = encoder.encode(options.source);
    const payload = mode === "raw" ? raw : brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
    wasm.customSection(JAVY_SOURCE_SECTION, payload);
  }
  if (options.sourceMap) wasm.customSection(SOURCE_MAP_SECTION, encodeSourceMapSection(options.sourceMap));
  return wasm.finish();
}

/** Export names are the module's identity towards the host; a clash would not even validate. */
function checkExportNames(exports: readonly DynamicExport[]): void {
  const seen = new Set<string>([MODULE_START_EXPORT]);
  for (const { wasmName } of exports) {
    if (seen.has(wasmName)) {
      throw new KilnError(
        "KILN_INVALID_OPTION",
        `emitDynamicModule: the export name "${wasmName}" is given twice or is reserved ("${MODULE_START_EXPORT}" is always added); every export needs a name of its own`,
      );
    }
    seen.add(wasmName);
  }
}

/** `(i32 × params) -> (i32 × results)`. */
function functionType(out: ByteWriter, params: number, results: number): void {
  out.byte(Code.funcType).u32(params);
  for (let i = 0; i < params; i++) out.byte(Code.i32);
  out.u32(results);
  for (let i = 0; i < results; i++) out.byte(Code.i32);
}

/**
 * Unless global `index` already holds a copy, allocates `len` bytes with the plugin's realloc
 * (alignment 1), copies segment `index` there and keeps the address in the global. The copy
 * belongs to the module from then on (the plugin only borrows it), for as long as the instance
 * lives. Javy's `data.drop` after the copy is left out: it would free nothing (the engine keeps the
 * module's bytes) and costs an instruction per call.
 */
function copyOnce(out: ByteWriter, index: number, len: number): void {
  out.byte(Op.globalGet).u32(index).byte(Op.i32Eqz).byte(Op.if).byte(Code.blockVoid);
  out.byte(Op.i32Const).i32(0).byte(Op.i32Const).i32(0).byte(Op.i32Const).i32(1).byte(Op.i32Const).i32(len);
  out.byte(Op.call).u32(REALLOC).byte(Op.globalSet).u32(index);
  out.byte(Op.globalGet).u32(index).byte(Op.i32Const).i32(0).byte(Op.i32Const).i32(len);
  out.byte(Op.bulkPrefix).u32(Op.memoryInit).u32(index).u32(0);
  out.byte(Op.end);
}

/** `_start`: copies the bytecode into plugin memory (once) and evaluates it, so top-level code runs. */
function startBody(bcLen: number): ByteWriter {
  const body = new ByteWriter(64).u32(0);
  copyOnce(body, 0, bcLen);
  body.byte(Op.globalGet).u32(0).byte(Op.i32Const).i32(bcLen);
  body.byte(Op.i32Const).i32(INVOKE_BORROWED).byte(Op.i32Const).i32(0).byte(Op.i32Const).i32(0);
  return body.byte(Op.call).u32(INVOKE).byte(Op.end);
}

/** Same as `_start`, then the name of the JS function to call (segment and global `name`). */
function namedBody(bcLen: number, name: number, nameLen: number): ByteWriter {
  const body = new ByteWriter(96).u32(0);
  copyOnce(body, 0, bcLen);
  copyOnce(body, name, nameLen);
  body
    .byte(Op.globalGet)
    .u32(0)
    .byte(Op.i32Const)
    .i32(bcLen)
    .byte(Op.i32Const)
    .i32(1 | INVOKE_BORROWED);
  body.byte(Op.globalGet).u32(name).byte(Op.i32Const).i32(nameLen);
  return body.byte(Op.call).u32(INVOKE).byte(Op.end);
}

/** The `producers` custom section: language JavaScript ES2020, processed-by the given tool. */
function producersSection(producer: { readonly name: string; readonly version: string }): Uint8Array {
  const fields: [string, [string, string][]][] = [
    ["language", [["JavaScript", "ES2020"]]],
    ["processed-by", [[producer.name, producer.version]]],
  ];
  const out = new ByteWriter().u32(fields.length);
  for (const [field, values] of fields) {
    out.name(field).u32(values.length);
    for (const [name, version] of values) out.name(name).name(version);
  }
  return out.finish();
}
