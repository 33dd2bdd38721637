/**
 * `runJavyModule`: bare Javy dynamic modules, ours and Javy's own layouts, on Kiln's plugin and on a
 * plugin of Javy's older generation. Binaryen assembles the hand-written modules from WAT.
 */
import binaryen from "binaryen";
import { describe, expect, it } from "vitest";
import { JavyModuleFailedError } from "../src/errors.js";
import { runJavyModule } from "../src/javy.js";
import { emitDynamicModule } from "../src/module.js";
import { compileSource, readPluginBytes } from "../src/plugin.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

function wat(source: string, customSections: Record<string, string> = {}): Uint8Array {
  const m = binaryen.parseText(source);
  try {
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory);
    for (const [name, value] of Object.entries(customSections)) m.addCustomSection(name, bytes(value));
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

describe("bare Javy modules, current plugin generation (ours)", () => {
  const program = `
    const input = (() => { const b = new Uint8Array(4096); const n = Javy.IO.readSync(0, b); return new TextDecoder().decode(b.subarray(0, n)); })();
    export function shout() { Javy.IO.writeSync(1, new TextEncoder().encode(input.toUpperCase())); }
    export function fail() { throw new Error("nope"); }
    Javy.IO.writeSync(1, new TextEncoder().encode(JSON.stringify({ length: input.length })));
  `;

  it("runs _start with stdin as input and stdout as output", async () => {
    const bytecode = await compileSource(program);
    const module = emitDynamicModule({ bytecode, exports: [{ wasmName: "shout", jsName: "shout" }] });
    const out = await runJavyModule({ plugin: await readPluginBytes(), module, stdin: bytes('{"x":"é"}') });
    expect(JSON.parse(text(out.stdout))).toEqual({ length: 9 });
  });

  it("runs a named export", async () => {
    const bytecode = await compileSource(program);
    const module = emitDynamicModule({ bytecode, exports: [{ wasmName: "shout", jsName: "shout" }] });
    const out = await runJavyModule({ plugin: await readPluginBytes(), module, stdin: bytes("hi"), export: "shout" });
    expect(text(out.stdout)).toBe('{"length":2}HI');
  });

  it("reports a JS exception as a typed error with the JS message", async () => {
    const bytecode = await compileSource(program);
    const module = emitDynamicModule({ bytecode, exports: [{ wasmName: "fail", jsName: "fail" }] });
    const failure = runJavyModule({ plugin: await readPluginBytes(), module, export: "fail" });
    await expect(failure).rejects.toBeInstanceOf(JavyModuleFailedError);
    await expect(failure).rejects.toMatchObject({
      code: "KILN_MODULE_FAILED",
      message: expect.stringContaining("Error: nope"),
    });
  });
});

/**
 * A module laid out exactly as `javy build -C dynamic` writes it — including `data.drop` of both
 * segments after copying them, which Kiln's emitter leaves out — run against Kiln's plugin.
 */
function javyStyleModule(bytecode: Uint8Array, fn: string): Uint8Array {
  const hex = (b: Uint8Array) => [...b].map((x) => `\\${x.toString(16).padStart(2, "0")}`).join("");
  const name = bytes(fn);
  return wat(`(module
    (import "kiln-plugin-v1" "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "kiln-plugin-v1" "invoke" (func $invoke (param i32 i32 i32 i32 i32)))
    (import "kiln-plugin-v1" "memory" (memory 0))
    (data $bc "${hex(bytecode)}")
    (data $fn "${hex(name)}")
    (func (export "_start") (local $p i32)
      (local.set $p (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${bytecode.length})))
      (memory.init $bc (local.get $p) (i32.const 0) (i32.const ${bytecode.length}))
      (data.drop $bc)
      (call $invoke (local.get $p) (i32.const ${bytecode.length}) (i32.const 0) (i32.const 0) (i32.const 0)))
    (func (export "${fn}") (local $p i32) (local $f i32)
      (local.set $p (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${bytecode.length})))
      (memory.init $bc (local.get $p) (i32.const 0) (i32.const ${bytecode.length}))
      (local.set $f (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${name.length})))
      (memory.init $fn (local.get $f) (i32.const 0) (i32.const ${name.length}))
      (data.drop $bc)
      (data.drop $fn)
      (call $invoke (local.get $p) (i32.const ${bytecode.length}) (i32.const 1) (local.get $f) (i32.const ${name.length}))))`);
}

describe("a module in Javy's own dynamic layout, on Kiln's plugin", () => {
  it.each([
    ["_start", undefined, "top"],
    ["a named export, on a fresh instance pair as Javy expects", "greet", "tophello"],
  ])("runs %s", async (_, exportName, expected) => {
    const bytecode = await compileSource(
      `const out = (s) => Javy.IO.writeSync(1, new TextEncoder().encode(s));
       export function greet() { out("hello"); }
       out("top");`,
    );
    const result = await runJavyModule({
      plugin: await readPluginBytes(),
      module: javyStyleModule(bytecode, "greet"),
      ...(exportName ? { export: exportName } : {}),
    });
    expect(text(result.stdout)).toBe(expected);
  });
});

/**
 * A minimal plugin of Javy's older generation, written for this test: its "bytecode" is text that
 * `eval_bytecode` prints, and `invoke` prints `<name>:<bytecode>`. Only the shape matters here:
 * `canonical_abi_realloc`/`canonical_abi_free`/`compile_src`/`eval_bytecode`/4-argument `invoke`.
 */
const OLD_PLUGIN = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func $realloc (export "canonical_abi_realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get 3)))
    (local.get $p))
  (func (export "canonical_abi_free") (param i32 i32 i32))
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "compile_src") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "eval_bytecode") (param i32 i32) (call $print (local.get 0) (local.get 1)))
  (func (export "invoke") (param i32 i32 i32 i32)
    (call $print (local.get 2) (local.get 3))
    (i32.store8 (i32.const 32) (i32.const 58))
    (call $print (i32.const 32) (i32.const 1))
    (call $print (local.get 0) (local.get 1)))
)`;

/** A module of that generation: `_start` evaluates, `greet` invokes by name. */
function oldModule(namespace: string): Uint8Array {
  return wat(`(module
    (import "${namespace}" "canonical_abi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "${namespace}" "eval_bytecode" (func $eval (param i32 i32)))
    (import "${namespace}" "invoke" (func $invoke (param i32 i32 i32 i32)))
    (import "${namespace}" "memory" (memory 0))
    (data $bc "hello from old javy")
    (data $fn "greet")
    (func (export "_start") (local $p i32)
      (local.set $p (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 19)))
      (memory.init $bc (local.get $p) (i32.const 0) (i32.const 19))
      (call $eval (local.get $p) (i32.const 19)))
    (func (export "greet") (local $p i32) (local $f i32)
      (local.set $p (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 19)))
      (memory.init $bc (local.get $p) (i32.const 0) (i32.const 19))
      (local.set $f (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 5)))
      (memory.init $fn (local.get $f) (i32.const 0) (i32.const 5))
      (call $invoke (local.get $p) (i32.const 19) (local.get $f) (i32.const 5))))`);
}

describe("bare Javy modules, older plugin generation (canonical_abi_realloc)", () => {
  const cases: [string, Record<string, string>, string, string | undefined, string][] = [
    [
      "v3 plugin, namespace from import_namespace",
      { import_namespace: "javy_quickjs_provider_v3" },
      "javy_quickjs_provider_v3",
      undefined,
      "hello from old javy",
    ],
    [
      "v1 plugin, no section: namespace from the module",
      {},
      "javy_quickjs_provider_v1",
      undefined,
      "hello from old javy",
    ],
    [
      "a named export through the 4-argument invoke",
      { import_namespace: "javy_quickjs_provider_v3" },
      "javy_quickjs_provider_v3",
      "greet",
      "greet:hello from old javy",
    ],
  ];
  it.each(cases)("%s", async (_, sections, namespace, exportName, expected) => {
    const out = await runJavyModule({
      plugin: wat(OLD_PLUGIN, sections),
      module: oldModule(namespace),
      ...(exportName ? { export: exportName } : {}),
    });
    expect(text(out.stdout)).toBe(expected);
  });

  it("refuses a module built for another namespace", async () => {
    await expect(
      runJavyModule({
        plugin: wat(OLD_PLUGIN, { import_namespace: "javy_quickjs_provider_v3" }),
        module: oldModule("javy_quickjs_provider_v2"),
      }),
    ).rejects.toMatchObject({ code: "KILN_MODULE_LINK", message: expect.stringMatching(/javy_quickjs_provider_v2/) });
  });

  it("refuses bytes that are not WebAssembly", async () => {
    await expect(
      runJavyModule({ plugin: await readPluginBytes(), module: new TextEncoder().encode("not wasm") }),
    ).rejects.toMatchObject({ code: "KILN_MODULE_INVALID", message: expect.stringContaining("the module") });
  });
});
