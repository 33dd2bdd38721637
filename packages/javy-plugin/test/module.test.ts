/**
 * The dynamic module emitter: the layout JAVY.md describes, checked on the bytes, and run for real
 * against the real plugin.
 */
import { brotliDecompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { JAVY_SOURCE_SECTION, PLUGIN_NAMESPACE } from "../src/abi.js";
import { emitDynamicModule } from "../src/module.js";
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

describe("emitDynamicModule", () => {
  it("writes Javy's dynamic layout: plugin imports only, _start plus one export per function", async () => {
    const bytecode = await compileSource(source);
    const bytes = await emitDynamicModule({ bytecode, exports, source });
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
    // type, import, function, export, datacount (12), code, data, then custom sections; no memory
    // section, no start section, no name section.
    expect(sectionIds(bytes)).toEqual([1, 2, 3, 7, 12, 10, 11, 0, 0]);
    expect(WebAssembly.Module.customSections(module, "name")).toHaveLength(0);
    expect(bytes.length).toBeLessThan(bytecode.length + 1500);
  });

  it("embeds the source Brotli-compressed by default, raw on request, or not at all", async () => {
    const bytecode = await compileSource(source);
    const read = async (sourceMode: "compressed" | "raw" | "omit") =>
      WebAssembly.Module.customSections(
        new WebAssembly.Module(await emitDynamicModule({ bytecode, exports, source, sourceMode })),
        JAVY_SOURCE_SECTION,
      );
    const [compressed] = await read("compressed");
    expect(brotliDecompressSync(new Uint8Array(compressed as ArrayBuffer)).toString()).toBe(source);
    const [raw] = await read("raw");
    expect(new TextDecoder().decode(raw)).toBe(source);
    expect(await read("omit")).toHaveLength(0);
  });

  it("records the producer in the producers section", async () => {
    const bytes = await emitDynamicModule({
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
    const a = await emitDynamicModule({ bytecode, exports, source });
    const b = await emitDynamicModule({ bytecode, exports, source });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("runs against the real plugin: top level once, then each export, any number of times", async () => {
    const bytecode = await compileSource(source);
    const out: string[] = [];
    const plugin = await PluginInstance.create({ onStdout: (b) => out.push(new TextDecoder().decode(b)) });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(await emitDynamicModule({ bytecode, exports })), {
      [PLUGIN_NAMESPACE]: plugin.exports as WebAssembly.ModuleImports,
    });
    const call = (name: string) => (instance.exports[name] as () => void)();
    call("_start");
    call("hello");
    call("hello");
    call("hello-world");
    expect(out.join("")).toBe("top\nhello 1\nhello 2\nworld\n");
    expect(plugin.lastError()).toBeUndefined();
  });
});
