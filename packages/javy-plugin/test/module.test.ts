/**
 * The dynamic module emitter: the layout JAVY.md describes, checked on the bytes, and run for real
 * against the real plugin.
 */
import { brotliDecompressSync } from "node:zlib";
import binaryen from "binaryen";
import { describe, expect, it } from "vitest";
import { JAVY_SOURCE_SECTION, PLUGIN_NAMESPACE } from "../src/abi.js";
import { type DynamicExport, emitDynamicModule } from "../src/module.js";
import { compileSource, PluginInstance } from "../src/plugin.js";

const source = `
let calls = 0;
export function hello() { calls++; Javy.IO.writeSync(1, new TextEncoder().encode("hello " + calls + "\\n")); }
export function helloWorld() { Javy.IO.writeSync(1, new TextEncoder().encode("world\\n")); }
Javy.IO.writeSync(1, new TextEncoder().encode("top\\n"));
`;
const exports = [
  { wasmName: "hello", jsName: "hello" },
  { wasmName: "hello-world", jsName: "helloWorld" },
];

/** Section ids in the order they appear in the binary. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++] as number;
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++] as number;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    ids.push(id);
    at += size;
  }
  return ids;
}

/** A real plugin instance whose stdout is collected, and a way to link modules to it. */
async function capturingPlugin() {
  const out: string[] = [];
  const plugin = await PluginInstance.create({ onStdout: (b) => out.push(new TextDecoder().decode(b)) });
  const link = (bytes: Uint8Array<ArrayBuffer>) =>
    new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      [PLUGIN_NAMESPACE]: plugin.exports as WebAssembly.ModuleImports,
    }).exports as Record<string, () => void>;
  return { plugin, out, link };
}

describe("emitDynamicModule", () => {
  it("writes Javy's dynamic layout: plugin imports only, _start plus one export per function", async () => {
    const bytecode = await compileSource(source);
    const bytes = emitDynamicModule({ bytecode, exports, source });
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([
      { module: PLUGIN_NAMESPACE, name: "memory", kind: "memory" },
      { module: PLUGIN_NAMESPACE, name: "cabi_realloc", kind: "function" },
      { module: PLUGIN_NAMESPACE, name: "invoke", kind: "function" },
    ]);
    expect(WebAssembly.Module.exports(module)).toEqual([
      { name: "_start", kind: "function" },
      { name: "hello", kind: "function" },
      { name: "hello-world", kind: "function" },
    ]);
    // type, import, function, global, export, datacount (12), code, data, then custom sections; no
    // memory section, no start section, no name section.
    expect(sectionIds(bytes)).toEqual([1, 2, 3, 6, 7, 12, 10, 11, 0, 0]);
    expect(WebAssembly.Module.customSections(module, "name")).toHaveLength(0);
    expect(bytes.length).toBeLessThan(bytecode.length + 1500);
  });

  it("embeds the source Brotli-compressed by default, raw on request, or not at all", async () => {
    const bytecode = await compileSource(source);
    const read = async (sourceMode: "compressed" | "raw" | "omit") =>
      WebAssembly.Module.customSections(
        new WebAssembly.Module(emitDynamicModule({ bytecode, exports, source, sourceMode })),
        JAVY_SOURCE_SECTION,
      );
    const [compressed] = await read("compressed");
    expect(brotliDecompressSync(new Uint8Array(compressed as ArrayBuffer)).toString()).toBe(source);
    const [raw] = await read("raw");
    expect(new TextDecoder().decode(raw)).toBe(source);
    expect(await read("omit")).toHaveLength(0);
  });

  it("records the producer in the producers section", async () => {
    const bytes = emitDynamicModule({
      bytecode: new Uint8Array([1]),
      exports: [],
      producer: { name: "Kiln", version: "9.9.9" },
    });
    const [producers] = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), "producers");
    const text = new TextDecoder().decode(producers);
    expect(text).toContain("JavaScript");
    expect(text).toContain("ES2020");
    expect(text).toContain("Kiln");
    expect(text).toContain("9.9.9");
  });

  it("is deterministic", async () => {
    const bytecode = await compileSource(source);
    const a = emitDynamicModule({ bytecode, exports, source });
    const b = emitDynamicModule({ bytecode, exports, source });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("runs against the real plugin: top level once, then each export, any number of times", async () => {
    const bytecode = await compileSource(source);
    const { plugin, out, link } = await capturingPlugin();
    const instance = link(emitDynamicModule({ bytecode, exports }));
    const call = (name: string) => (instance[name] as () => void)();
    call("_start");
    call("hello");
    call("hello");
    call("hello-world");
    expect(out.join("")).toBe("top\nhello 1\nhello 2\nworld\n");
    expect(plugin.lastError()).toBeUndefined();
  });

  it("lends its bytecode: modules taking turns on one plugin are each evaluated afresh, from intact copies", async () => {
    const { plugin, out, link } = await capturingPlugin();
    const a = link(emitDynamicModule({ bytecode: await compileSource(source), exports }));
    const b = link(
      emitDynamicModule({
        bytecode: await compileSource(source.replaceAll("hello ", "other ").replace("top", "top b")),
        exports,
      }),
    );
    a.hello?.();
    a.hello?.();
    b.hello?.();
    a.hello?.();
    expect(out.join("")).toBe("top\nhello 1\nhello 2\ntop b\nother 1\ntop\nhello 1\n");
    expect(plugin.lastError()).toBeUndefined();
  });

  it("evaluates a module whose top level threw again, from the copy it lent", async () => {
    const flaky = `globalThis.tries = (globalThis.tries ?? 0) + 1;
      if (globalThis.tries === 1) throw new Error("first try");
      export function hello() { Javy.IO.writeSync(1, new TextEncoder().encode("hello after " + globalThis.tries)); }`;
    const { plugin, out, link } = await capturingPlugin();
    const module = link(
      emitDynamicModule({ bytecode: await compileSource(flaky), exports: [exports[0] as DynamicExport] }),
    );
    module.hello?.();
    expect(plugin.lastError()).toMatchObject({ message: "first try" });
    module.hello?.();
    expect(plugin.lastError()).toBeUndefined();
    expect(out.join("")).toBe("hello after 2");
  });

  it("still runs modules that hand over a fresh copy per call (stock Javy's, Kiln's before), freeing each", async () => {
    // Big enough that keeping each copy would grow memory by megabytes over the loop below.
    const padded = `${source}\nexport const pad = "${"p".repeat(32 * 1024)}";\n`;
    const bytecode = await compileSource(padded);
    const { plugin, out, link } = await capturingPlugin();
    const old = link(assemble(handOverWat(bytecode, exports, PLUGIN_NAMESPACE)).slice());
    old._start?.();
    old.hello?.();
    old["hello-world"]?.();
    // The same bytecode lent by a current module is recognised as the module already evaluated.
    const current = link(emitDynamicModule({ bytecode, exports }));
    current.hello?.();
    old.hello?.();
    expect(out.join("")).toBe("top\nhello 1\nworld\nhello 2\nhello 3\n");
    expect(plugin.lastError()).toBeUndefined();
    const before = plugin.memoryBytes;
    for (let i = 0; i < 200; i++) old.hello?.();
    expect(plugin.memoryBytes - before).toBeLessThan(1024 * 1024);
    expect(plugin.lastError()).toBeUndefined();
  });

  it("refuses export names that clash, since the module would not validate", () => {
    const clash = [
      [
        { wasmName: "a", jsName: "a" },
        { wasmName: "a", jsName: "b" },
      ],
      [{ wasmName: "_start", jsName: "start" }],
    ];
    for (const exports of clash) {
      expect(() => emitDynamicModule({ bytecode: new Uint8Array([1]), exports })).toThrow(
        expect.objectContaining({ code: "KILN_INVALID_OPTION", message: expect.stringContaining("given twice") }),
      );
    }
  });

  it("is, byte for byte, what an assembler makes of the layout in module.ts's comment", () => {
    // Lengths around the LEB128 boundaries (one byte up to 63 signed / 127 unsigned, two bytes up
    // to 8191 / 16383), names that are not ASCII, and more segments than one byte can count.
    const cases = [
      { bcLen: 1, names: [] },
      { bcLen: 63, names: ["a"] },
      { bcLen: 64, names: ["été", "b".repeat(64)] },
      { bcLen: 128, names: ["x".repeat(8192)] },
      { bcLen: 8191, names: Array.from({ length: 130 }, (_, i) => `jobN${i}`) },
      { bcLen: 8192, names: ["jobX"] },
      { bcLen: 20_000, names: ["jobX", "jobY"] },
    ];
    for (const { bcLen, names } of cases) {
      const bytecode = Uint8Array.from({ length: bcLen }, (_, i) => (i * 31 + 7) & 0xff);
      const exports = names.map((jsName, i) => ({ wasmName: `export-${i}`, jsName }));
      const ours = emitDynamicModule({ bytecode, exports, namespace: "ns-ü" });
      const reference = assemble(referenceWat(bytecode, exports, "ns-ü"));
      // Binaryen writes the same sections but no `producers`, which comes after them in ours.
      expect(Buffer.from(ours.subarray(0, reference.length)).equals(Buffer.from(reference))).toBe(true);
      const tail = new Uint8Array(8 + ours.length - reference.length);
      tail.set(ours.subarray(reference.length), 8);
      expect(sectionIds(tail)).toEqual([0]);
    }
  });
});

const str = (b: Uint8Array) => `"${[...b].map((x) => `\\${x.toString(16).padStart(2, "0")}`).join("")}"`;
const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * The module as `module.ts`'s comment shows it, in WAT: JAVY.md's layout, except that each buffer
 * is copied into plugin memory once and then lent to every call (`fn_is_some` bit 1).
 */
function referenceWat(bytecode: Uint8Array, exports: readonly { wasmName: string; jsName: string }[], ns: string) {
  const len = bytecode.length;
  const copyOnce = (global: string, n: number) =>
    `(if (i32.eqz (global.get ${global}))
       (then
         (global.set ${global} (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${n})))
         (memory.init ${global} (global.get ${global}) (i32.const 0) (i32.const ${n}))))`;
  return `(module
    (import ${str(utf8(ns))} "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import ${str(utf8(ns))} "invoke" (func $invoke (param i32 i32 i32 i32 i32)))
    (import ${str(utf8(ns))} "memory" (memory 0))
    (global $bc (mut i32) (i32.const 0))
    ${exports.map((_, i) => `(global $n${i} (mut i32) (i32.const 0))`).join("\n")}
    (data $bc ${str(bytecode)})
    ${exports.map((e, i) => `(data $n${i} ${str(utf8(e.jsName))})`).join("\n")}
    (func (export "_start")
      ${copyOnce("$bc", len)}
      (call $invoke (global.get $bc) (i32.const ${len}) (i32.const 2) (i32.const 0) (i32.const 0)))
    ${exports
      .map((e, i) => {
        const n = utf8(e.jsName).length;
        return `(func (export ${str(utf8(e.wasmName))})
      ${copyOnce("$bc", len)}
      ${copyOnce(`$n${i}`, n)}
      (call $invoke (global.get $bc) (i32.const ${len}) (i32.const 3) (global.get $n${i}) (i32.const ${n})))`;
      })
      .join("\n")})`;
}

/**
 * The layout Kiln emitted before modules lent their buffers, and stock Javy's (less its
 * `data.drop`s): a fresh copy of the bytecode and the name handed over on every call.
 */
function handOverWat(bytecode: Uint8Array, exports: readonly { wasmName: string; jsName: string }[], ns: string) {
  const len = bytecode.length;
  const copy = (local: string, segment: string, n: number) =>
    `(local.set ${local} (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const ${n})))
     (memory.init ${segment} (local.get ${local}) (i32.const 0) (i32.const ${n}))`;
  return `(module
    (import ${str(utf8(ns))} "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import ${str(utf8(ns))} "invoke" (func $invoke (param i32 i32 i32 i32 i32)))
    (import ${str(utf8(ns))} "memory" (memory 0))
    (data $bc ${str(bytecode)})
    ${exports.map((e, i) => `(data $n${i} ${str(utf8(e.jsName))})`).join("\n")}
    (func (export "_start") (local $bc i32)
      ${copy("$bc", "$bc", len)}
      (call $invoke (local.get $bc) (i32.const ${len}) (i32.const 0) (i32.const 0) (i32.const 0)))
    ${exports
      .map((e, i) => {
        const n = utf8(e.jsName).length;
        return `(func (export ${str(utf8(e.wasmName))}) (local $bc i32) (local $fn i32)
      ${copy("$bc", "$bc", len)}
      ${copy("$fn", `$n${i}`, n)}
      (call $invoke (local.get $bc) (i32.const ${len}) (i32.const 1) (local.get $fn) (i32.const ${n})))`;
      })
      .join("\n")})`;
}

function assemble(wat: string): Uint8Array {
  const module = binaryen.parseText(wat);
  try {
    module.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory);
    expect(module.validate()).toBeTruthy();
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
