/**
 * The ABI constants against the built plugin (`dist/plugin.wasm`) and the emitter: `abi.ts` is
 * the one TypeScript spelling of what `c/bridge.c` exports and imports, so the two must agree,
 * and so must the manifest contract's copy of the namespace.
 */
import { MANIFEST_PLUGIN_NAMESPACE } from "@kiln/contracts";
import { describe, expect, it } from "vitest";
import * as abi from "../src/abi.js";
import {
  type AbiEntry,
  HOST_IMPORTS,
  HOST_NAMESPACE,
  hostCallErrorReply,
  hostCallFailure,
  hostCallReply,
  MODULE_IMPORTS,
  MODULE_START_EXPORT,
  PLUGIN_EXPORTS,
  PLUGIN_NAMESPACE,
  REQUIRED_PLUGIN_EXPORTS,
  WASI_NAMESPACE,
} from "../src/abi.js";
import { emitDynamicModule } from "../src/module.js";
import { compileSource, PluginInstance, readImportNamespace, readPluginBytes } from "../src/plugin.js";
import { WASI_PREVIEW1_FUNCTIONS } from "../src/wasi.js";

const plugin = new WebAssembly.Module(await readPluginBytes());
const byName = (entries: readonly AbiEntry[]) =>
  [...entries].map(({ name, kind }) => ({ name, kind })).sort((a, b) => a.name.localeCompare(b.name));
/** The string constants of abi.ts whose names end with `suffix`. */
const constants = (suffix: string) =>
  Object.entries(abi).flatMap(([key, value]) => (key.endsWith(suffix) && typeof value === "string" ? [value] : []));

describe("the ABI constants match the built plugin", () => {
  it("lists exactly the plugin's exports, each with its kind", () => {
    expect(byName(PLUGIN_EXPORTS)).toEqual(byName(WebAssembly.Module.exports(plugin) as AbiEntry[]));
  });

  it("names only exports the plugin has: every *_EXPORT constant but the module's _start", () => {
    const names = constants("_EXPORT").filter((name) => name !== MODULE_START_EXPORT);
    expect(names.length).toBeGreaterThanOrEqual(PLUGIN_EXPORTS.length);
    const exported = new Map(WebAssembly.Module.exports(plugin).map((e) => [e.name, e.kind]));
    for (const name of names) {
      const expected = PLUGIN_EXPORTS.find((e) => e.name === name);
      expect(expected, `${name} is missing from PLUGIN_EXPORTS`).toBeDefined();
      expect(exported.get(name), name).toBe(expected?.kind);
    }
    for (const name of REQUIRED_PLUGIN_EXPORTS) expect(exported.has(name), name).toBe(true);
  });

  it("imports exactly WASI preview1 functions and the host imports abi.ts lists", () => {
    const imports = WebAssembly.Module.imports(plugin);
    expect(new Set(imports.map((i) => i.module))).toEqual(new Set([WASI_NAMESPACE, HOST_NAMESPACE]));
    expect(byName(imports.filter((i) => i.module === HOST_NAMESPACE) as AbiEntry[])).toEqual(byName(HOST_IMPORTS));
    expect(new Set(HOST_IMPORTS.map((i) => i.name))).toEqual(new Set(constants("_IMPORT")));
    for (const wasi of imports.filter((i) => i.module === WASI_NAMESPACE)) {
      expect(wasi.kind).toBe("function");
      expect(WASI_PREVIEW1_FUNCTIONS).toContain(wasi.name);
    }
  });

  it("has PLUGIN_NAMESPACE in the plugin's import_namespace section and in the manifest contract", () => {
    expect(readImportNamespace(plugin)).toBe(PLUGIN_NAMESPACE);
    expect(MANIFEST_PLUGIN_NAMESPACE).toBe(PLUGIN_NAMESPACE);
  });
});

describe("an emitted module", () => {
  it("imports exactly MODULE_IMPORTS from the plugin's namespace, and links to the plugin", async () => {
    const bytecode = await compileSource("export function f() {}\n");
    const module = new WebAssembly.Module(emitDynamicModule({ bytecode, exports: [{ wasmName: "f", jsName: "f" }] }));
    expect(WebAssembly.Module.imports(module)).toEqual(
      MODULE_IMPORTS.map(({ name, kind }) => ({ module: PLUGIN_NAMESPACE, name, kind })),
    );
    // Linking checks what names cannot: the function signatures match the plugin's.
    const instance = await PluginInstance.create({ module: plugin });
    const linked = new WebAssembly.Instance(module, {
      [PLUGIN_NAMESPACE]: instance.exports as WebAssembly.ModuleImports,
    });
    (linked.exports.f as () => void)();
    expect(instance.lastError()).toBeUndefined();
  });
});

describe("host-call replies", () => {
  it("are the JSON the SDK runtime parses", () => {
    expect(JSON.parse(hostCallReply({ a: [1] }))).toEqual({ ok: true, value: { a: [1] } });
    expect(hostCallErrorReply("KILN_PERMISSION_DENIED", "m")).toBe(
      '{"ok":false,"error":{"code":"KILN_PERMISSION_DENIED","message":"m"}}',
    );
    expect(JSON.stringify(hostCallFailure("KILN_PERMISSION_DENIED", "m"))).toBe(
      hostCallErrorReply("KILN_PERMISSION_DENIED", "m"),
    );
  });
});
