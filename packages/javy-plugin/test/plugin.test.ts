import { describe, expect, it } from "vitest";
import {
  GLOBALS_IMPORT,
  HOST_CALL_IMPORT,
  HOST_CALL_START_IMPORT,
  HOST_NAMESPACE,
  HOST_TAKE_IMPORT,
  INTERRUPT_IMPORT,
  LAST_ERROR_EXPORT,
  LOOP_STATE_EXPORT,
  OUTPUT_SITE_EXPORT,
  PLUGIN_NAMESPACE,
  SET_MEMORY_LIMIT_EXPORT,
  SETTLE_EXPORT,
  TICK_EXPORT,
} from "../src/abi.js";
import { JsError, PluginCompileError, PluginTrapError } from "../src/errors.js";
import { loadPluginModule, PluginInstance, readImportNamespace, readPluginBytes, warmUp } from "../src/plugin.js";
import { emit, harness } from "./helpers.js";

const lines = (text: string) => text.trimEnd().split("\n");

describe("the built plugin", () => {
  it("is tagged with the kiln-plugin-v1 import namespace", async () => {
    const module = await loadPluginModule();
    expect(readImportNamespace(module)).toBe(PLUGIN_NAMESPACE);
  });

  it("exports exactly the ABI", async () => {
    const module = await loadPluginModule();
    const exports = WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`);
    expect(exports.sort()).toEqual(
      [
        "function _initialize",
        "function cabi_post_compile-src",
        "function cabi_realloc",
        "function compile-src",
        "function initialize-runtime",
        "function invoke",
        `function ${LAST_ERROR_EXPORT}`,
        `function ${SET_MEMORY_LIMIT_EXPORT}`,
        `function ${LOOP_STATE_EXPORT}`,
        `function ${TICK_EXPORT}`,
        `function ${SETTLE_EXPORT}`,
        `function ${OUTPUT_SITE_EXPORT}`,
        "memory memory",
      ].sort(),
    );
  });

  it("imports only WASI preview1 and the five kiln_host_v1 functions", async () => {
    const module = await loadPluginModule();
    const imports = WebAssembly.Module.imports(module);
    expect(new Set(imports.map((i) => i.module))).toEqual(new Set(["wasi_snapshot_preview1", HOST_NAMESPACE]));
    expect(
      imports
        .filter((i) => i.module === HOST_NAMESPACE)
        .map((i) => i.name)
        .sort(),
    ).toEqual([GLOBALS_IMPORT, HOST_CALL_IMPORT, HOST_CALL_START_IMPORT, HOST_TAKE_IMPORT, INTERRUPT_IMPORT].sort());
    // Deny-by-default only works if the plugin never needs the filesystem or the environment.
    const wasi = imports.filter((i) => i.module === "wasi_snapshot_preview1").map((i) => i.name);
    expect(
      wasi.filter((name) => name.startsWith("path_") || name.startsWith("environ") || name.startsWith("args")),
    ).toEqual([]);
  });

  it("is deterministic bytes on disk that validate", async () => {
    const bytes = await readPluginBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
  });
});

describe("compile-src and invoke", () => {
  it("computes and writes JSON to stdout through Javy.IO.writeSync", async () => {
    const h = await harness();
    h.run(`${emit}
const primes = [];
for (let n = 2; primes.length < 10; n++) if (primes.every((p) => n % p)) primes.push(n);
emit({ primes, sum: primes.reduce((a, b) => a + b, 0), big: 2n ** 70n + '' });`);
    expect(JSON.parse(h.stdout())).toEqual({
      primes: [2, 3, 5, 7, 11, 13, 17, 19, 23, 29],
      sum: 129,
      big: (2n ** 70n).toString(),
    });
  });

  it("calls exports by name, and runs top-level code once per instance for the same bytecode", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
globalThis.evaluations = (globalThis.evaluations ?? 0) + 1;
let calls = 0;
export function count() {
  calls++;
  emit({ evaluations: globalThis.evaluations, calls });
}
export function other() {
  emit('other');
}`);
    h.plugin.invoke(bytecode, "count");
    h.plugin.invoke(bytecode, "count");
    h.plugin.invoke(bytecode.slice(), "other"); // equal bytes in another buffer: still the same module
    h.plugin.invoke(bytecode, "count");
    expect(lines(h.stdout()).map((l) => JSON.parse(l))).toEqual([
      { evaluations: 1, calls: 1 },
      { evaluations: 1, calls: 2 },
      "other",
      { evaluations: 1, calls: 3 },
    ]);
  });

  it("evaluates a different module when the bytecode changes", async () => {
    const h = await harness();
    const source = (tag: string) => `${emit}
globalThis.evaluations = (globalThis.evaluations ?? 0) + 1;
export function which() {
  emit(['${tag}', globalThis.evaluations]);
}`;
    const a = h.plugin.compile(source("a"));
    const b = h.plugin.compile(source("b"));
    h.plugin.invoke(a, "which");
    h.plugin.invoke(b, "which");
    h.plugin.invoke(b, "which");
    h.plugin.invoke(a, "which");
    expect(lines(h.stdout())).toEqual(['["a",1]', '["b",2]', '["b",2]', '["a",3]']);
  });

  it("works without initialize-runtime being called first (hosts that do not pre-initialise)", async () => {
    const module = await loadPluginModule();
    const out: Uint8Array[] = [];
    const { createWasi } = await import("../src/wasi.js");
    const wasi = createWasi({ onStdout: (b) => out.push(b) });
    const noHost = { call: () => -1, call_start: () => -1, globals: () => -1, take: () => {}, interrupt: () => 0 };
    const instance = await WebAssembly.instantiate(module, {
      wasi_snapshot_preview1: wasi.imports,
      [HOST_NAMESPACE]: noHost,
    });
    const ex = instance.exports as Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };
    wasi.bind(ex.memory);
    (ex._initialize as () => void)();
    const src = new TextEncoder().encode('console.log("lazy", 6 * 7);');
    const srcPtr = ex.cabi_realloc?.(0, 0, 1, src.length) ?? 0;
    new Uint8Array(ex.memory.buffer, srcPtr, src.length).set(src);
    const retPtr = ex["compile-src"]?.(srcPtr, src.length); // may grow (and so detach) memory.buffer
    const ret = new DataView(ex.memory.buffer, retPtr, 12);
    expect(ret.getUint8(0)).toBe(0);
    // The bytecode buffer passes to invoke as is: the callee owns (and frees) it, as the canonical ABI says.
    ex.invoke?.(ret.getUint32(4, true), ret.getUint32(8, true), 0, 0, 0);
    expect(Buffer.concat(out).toString()).toBe("lazy 42\n");
  });

  it("compiles many times on one instance, deterministically", async () => {
    const h = await harness();
    const first = h.plugin.compile("export const answer = 42;\n");
    for (let i = 0; i < 200; i++) {
      const bytecode = h.plugin.compile(`export const value${i} = ${i};\nexport function get() {\n  return ${i};\n}\n`);
      expect(bytecode.length).toBeGreaterThan(0);
    }
    expect(h.plugin.compile("export const answer = 42;\n")).toEqual(first);
  });

  it("settles async functions and awaited promises before invoke returns", async () => {
    const h = await harness();
    h.run(
      `${emit}
const tick = (v) => new Promise((resolve) => resolve(v));
export async function main() {
  const values = await Promise.all([tick(1), tick(2), (async () => { await null; return 3; })()]);
  for (let i = 0; i < 3; i++) values.push(await tick(values.length + 1));
  emit(values);
}`,
      "main",
    );
    expect(h.stdout()).toBe("[1,2,3,4,5,6]\n");
  });
});

describe("JS errors are recorded, not traps", () => {
  const cases: {
    readonly title: string;
    readonly source: string;
    readonly fn?: string;
    readonly name: string;
    readonly message: string | RegExp;
    readonly stack?: RegExp;
  }[] = [
    {
      title: "throw in top-level code",
      source: 'const x = 1;\nthrow new TypeError("top-level boom " + x);\n',
      name: "TypeError",
      message: "top-level boom 1",
      stack: /function\.mjs:2/,
    },
    {
      title: "throw in an export",
      source: "export function fail() {\n  null.property;\n}\n",
      fn: "fail",
      name: "TypeError",
      message: /null/,
      stack: /at fail \(function\.mjs:2\)/,
    },
    {
      title: "rejected async export",
      source: 'export async function later() {\n  await null;\n  throw new RangeError("async boom");\n}\n',
      fn: "later",
      name: "RangeError",
      message: "async boom",
      stack: /later/,
    },
    {
      title: "export returning a promise that never settles",
      source: "export function hang() {\n  return new Promise(() => {});\n}\n",
      fn: "hang",
      name: "Error",
      message:
        "export `hang` returned a promise that never settled: it waits for nothing a timer or host call could resolve",
    },
    {
      title: "missing export",
      source: "export function present() {}\n",
      fn: "absent",
      name: "ReferenceError",
      message: "no export named `absent`",
    },
    {
      title: "export that is not a function",
      source: "export const notCallable = 1;\n",
      fn: "notCallable",
      name: "TypeError",
      message: "export `notCallable` is not a function",
    },
    {
      title: "a thrown non-Error value",
      source: "export function raw() {\n  throw { code: 7 };\n}\n",
      fn: "raw",
      name: "Error",
      message: '{"code":7}',
    },
    {
      title: "an unhandled rejection inside an export that returned normally",
      source: 'export function orphan() {\n  Promise.reject(new SyntaxError("nobody listens"));\n}\n',
      fn: "orphan",
      name: "SyntaxError",
      message: "nobody listens",
    },
  ];

  it.each(cases)("$title", async ({ source, fn, name, message, stack }) => {
    const h = await harness();
    const bytecode = h.plugin.compile(source);
    let caught: unknown;
    try {
      h.plugin.invoke(bytecode, fn);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JsError);
    const error = caught as JsError;
    expect(error.code).toBe("KILN_JS_ERROR");
    expect(error.jsName).toBe(name);
    if (typeof message === "string") expect(error.jsMessage).toBe(message);
    else expect(error.jsMessage).toMatch(message);
    if (stack) expect(error.jsStack).toMatch(stack);
    expect(h.plugin.lastError()).toMatchObject({ name });
    // Not a trap: the same instance keeps working, and the error record is cleared.
    h.run(`console.log("still alive");\n`);
    expect(h.stdout()).toBe("still alive\n");
    expect(h.plugin.lastError()).toBeUndefined();
  });

  it("a rejection handled later in the same invoke is not an error", async () => {
    const h = await harness();
    h.run(
      `export async function late() {
  const p = Promise.reject(new Error("handled later"));
  await null;
  await p.catch((e) => console.log("caught", e.message));
}`,
      "late",
    );
    expect(h.stdout()).toBe("caught handled later\n");
  });

  it("a module whose top level threw is evaluated again on the next invoke", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(
      'globalThis.tries = (globalThis.tries ?? 0) + 1;\nif (globalThis.tries < 2) throw new Error("first try");\nexport function ok() {\n  console.log("ok after", globalThis.tries);\n}\n',
    );
    expect(() => h.plugin.invoke(bytecode, "ok")).toThrow(JsError);
    h.plugin.invoke(bytecode, "ok");
    expect(h.stdout()).toBe("ok after 2\n");
  });

  it("deep recursion is a catchable JS error, and the instance still works afterwards", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
function depth(n) {
  return n === 0 ? 0 : 1 + depth(n - 1);
}
export function deep() {
  depth(1e7);
}
export function caught() {
  try {
    depth(1e7);
  } catch (e) {
    emit([e.name, e.message]);
  }
}
function viaMap(n) {
  return n === 0 ? 0 : [n].map((x) => viaMap(x - 1))[0];
}
export function deepMap() {
  viaMap(1e6);
}
export function deepEval() {
  eval("[".repeat(1e5) + "]".repeat(1e5));
}
export function fine() {
  emit(depth(500));
}`);
    // QuickJS 2021-03-27 raises InternalError("stack overflow") where V8 raises RangeError.
    expect(() => h.plugin.invoke(bytecode, "deep")).toThrow(/InternalError in export `deep`: stack overflow/);
    h.plugin.invoke(bytecode, "caught");
    // Recursion through native functions, and the parser at run time: JS errors too, never traps.
    expect(() => h.plugin.invoke(bytecode, "deepMap")).toThrow(/stack overflow/);
    expect(() => h.plugin.invoke(bytecode, "deepEval")).toThrow(/stack overflow/);
    h.plugin.invoke(bytecode, "fine");
    expect(lines(h.stdout())).toEqual(['["InternalError","stack overflow"]', "500"]);
  });
});

describe("traps", () => {
  it("poison the instance but not the host", async () => {
    const h = await harness();
    const exports = h.plugin.exports as Record<string, (...args: number[]) => number>;
    // Out of linear memory inside cabi_realloc: abort(), a genuine trap.
    expect(() => h.plugin.runExport("cabi_realloc", () => exports.cabi_realloc?.(0, 0, 1, 0xffff_fff0))).toThrow(
      PluginTrapError,
    );
    expect(h.plugin.trapped).toBe(true);
    expect(() => h.plugin.compile("export const x = 1;\n")).toThrow(/trapped earlier/);
    expect(() => h.plugin.runExport("again", () => 0)).toThrow(/trapped earlier/);
    const fresh = await harness();
    expect(fresh.plugin.trapped).toBe(false);
    fresh.run('console.log("fresh instance");\n');
    expect(fresh.stdout()).toBe("fresh instance\n");
  });

  it("runExport passes results through and leaves a healthy instance usable", async () => {
    const h = await harness();
    expect(h.plugin.runExport("answer", () => 42)).toBe(42);
    expect(h.plugin.trapped).toBe(false);
    h.run('console.log("still fine");\n');
    expect(h.stdout()).toBe("still fine\n");
  });
});

describe("compile errors", () => {
  it("throws PluginCompileError with QuickJS message and line", async () => {
    const h = await harness();
    let caught: unknown;
    try {
      h.plugin.compile("const ok = 1;\n\nlet broken = ;\n");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PluginCompileError);
    const error = caught as PluginCompileError;
    expect(error.code).toBe("KILN_JS_COMPILE_FAILED");
    expect(error.quickjsMessage).toMatch(/^SyntaxError: .+\n\s+at function\.mjs:3$/);
    expect(error.message).toContain("function.mjs:3");
    // The instance survives and compiles the next source.
    expect(h.plugin.compile("export const fixed = 1;\n").length).toBeGreaterThan(0);
  });

  it("reports source nesting too deep for the parser as a compile error", async () => {
    const h = await harness();
    // Repeated, because V8's tiered-up parser frames are larger than its first-tier ones.
    for (const depth of [1000, 1000, 5000, 200000]) {
      expect(() => h.plugin.compile(`${"[".repeat(depth)}${"]".repeat(depth)}`)).toThrow(/stack overflow/);
    }
    expect(h.plugin.compile(`export const fine = ${"[".repeat(100)}1${"]".repeat(100)};\n`).length).toBeGreaterThan(0);
  });

  it("rejects imports at compile time (extensions are bundled first)", async () => {
    const h = await harness();
    expect(() => h.plugin.compile('import { x } from "./dep.js";\nexport const y = x;\n')).toThrow(
      /could not load module 'dep\.js'/,
    );
  });
});

describe("Javy globals", () => {
  it("routes console.log/info to fd 1 and console.error/warn/debug to fd 2, formatted as Node does", async () => {
    const h = await harness();
    h.run(`console.log("text", 1, true, null, undefined, { a: [1, "b"] }, [1, 2]);
console.info("info");
console.error("error", new Error("shown"));
console.warn("warn");
console.debug("debug");
console.log("naïve 🙂");
`);
    expect(lines(h.stdout())).toEqual(["text 1 true null undefined { a: [ 1, 'b' ] } [ 1, 2 ]", "info", "naïve 🙂"]);
    expect(h.stderr()).toMatch(/^error Error: shown\n.*function\.mjs:3.*\nwarn\ndebug\n$/s);
  });

  it("reads stdin with Javy.IO.readSync, in chunks, until 0 at end", async () => {
    const h = await harness({ stdin: new TextEncoder().encode("hello, stdin 🙂") });
    const bytecode = h.plugin.compile(`${emit}
export function echo() {
  const chunks = [];
  const buf = new Uint8Array(3);
  let n;
  while ((n = Javy.IO.readSync(0, buf)) > 0) chunks.push(...buf.subarray(0, n));
  emit(new TextDecoder().decode(new Uint8Array(chunks)).toUpperCase());
}`);
    h.plugin.invoke(bytecode, "echo");
    h.plugin.setStdin(new TextEncoder().encode("second"));
    h.plugin.invoke(bytecode, "echo");
    expect(lines(h.stdout())).toEqual(['"HELLO, STDIN 🙂"', '"SECOND"']);
  });

  it("throws JS errors for bad Javy.IO use instead of trapping", async () => {
    const h = await harness();
    h.run(`${emit}
const results = [];
for (const attempt of [() => Javy.IO.writeSync(7, new Uint8Array(1)), () => Javy.IO.readSync(0, "nope")]) {
  try {
    attempt();
    results.push("no error");
  } catch (e) {
    results.push(e.name);
  }
}
emit(results);`);
    expect(h.stdout()).toBe('["InternalError","TypeError"]\n');
  });

  it("round-trips non-ASCII text through TextEncoder/TextDecoder, byte-identical to Node", async () => {
    const h = await harness();
    const text = "héllo wörld — 🙂 𝄞 日本";
    h.run(`${emit}
const text = ${JSON.stringify(text)};
const bytes = new TextEncoder().encode(text);
const view = new DataView(bytes.buffer, 1, 2);
emit({
  bytes: Array.from(bytes),
  back: new TextDecoder().decode(bytes),
  fromBuffer: new TextDecoder("utf-8").decode(bytes.buffer),
  fromView: Array.from(new TextEncoder().encode(new TextDecoder().decode(view))),
  bom: new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
  keepBom: new TextDecoder("utf8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length,
  invalid: new TextDecoder().decode(new Uint8Array([0x41, 0xff, 0x42])),
  lone: Array.from(new TextEncoder().encode("a\\ud800b")),
  empty: new TextDecoder().decode(),
  encoding: [new TextEncoder().encoding, new TextDecoder().encoding],
});`);
    const bytes = new TextEncoder().encode(text);
    expect(JSON.parse(h.stdout())).toEqual({
      bytes: Array.from(bytes),
      back: text,
      fromBuffer: text,
      fromView: Array.from(new TextEncoder().encode(new TextDecoder().decode(new DataView(bytes.buffer, 1, 2)))),
      bom: "A",
      keepBom: 2,
      invalid: new TextDecoder().decode(new Uint8Array([0x41, 0xff, 0x42])),
      lone: Array.from(new TextEncoder().encode("a\ud800b")),
      empty: "",
      encoding: ["utf-8", "utf-8"],
    });
  });

  it("seeds Math.random per instance", async () => {
    const draws = async () => {
      const h = await harness();
      h.run(`console.log(Array.from({ length: 4 }, () => Math.random()).join(","));\n`);
      return h.stdout();
    };
    expect(await draws()).not.toBe(await draws());
  });
});

describe("number formatting matches Node (ties away from zero, exact decimal expansion)", () => {
  type Method = "toFixed" | "toPrecision" | "toExponential";
  const cases: [number, Method, number][] = [
    [1.005, "toFixed", 2],
    [1.45, "toFixed", 1],
    [0.000001234, "toPrecision", 2],
    [123.456, "toFixed", 1],
    [2.5, "toFixed", 0],
    [-1.5, "toFixed", 0],
    [-2.5, "toFixed", 0],
    [0.5, "toFixed", 0],
    [1.5, "toFixed", 0],
    [0.125, "toFixed", 2],
    [-0.125, "toFixed", 2],
    [1.255, "toFixed", 2],
    [8.345, "toFixed", 2],
    [99.995, "toFixed", 2],
    [9.5, "toFixed", 0],
    [999.5, "toFixed", 0],
    [0.05, "toFixed", 1],
    [1e20, "toFixed", 2],
    [1e21, "toFixed", 2],
    [1, "toFixed", 20],
    [Math.PI, "toFixed", 100],
    [5e-324, "toFixed", 100],
    [0.3, "toFixed", 17],
    [9.995, "toPrecision", 3],
    [2.5, "toPrecision", 1],
    [25, "toPrecision", 1],
    [-25, "toPrecision", 1],
    [0.00015, "toPrecision", 1],
    [123.456, "toPrecision", 4],
    [0.1, "toPrecision", 21],
    [5e-324, "toPrecision", 3],
    [1.5e300, "toPrecision", 5],
    [9.5, "toPrecision", 1],
    [Math.PI, "toPrecision", 100],
    [123456, "toExponential", 2],
    [2.5, "toExponential", 0],
    [-2.5, "toExponential", 0],
    [1.25, "toExponential", 1],
    [9.5, "toExponential", 0],
  ];
  // Exact ties (k/8, k/16) and arbitrary doubles, every precision that matters.
  for (let k = -40; k <= 40; k++) {
    for (let d = 0; d <= 3; d++) cases.push([k / 8, "toFixed", d]);
    cases.push([k / 16, "toPrecision", 2], [k / 16, "toExponential", 1]);
  }
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 300; i++) {
    const x = (next() - 0.5) * 10 ** Math.floor(next() * 12 - 4);
    cases.push([x, "toFixed", i % 8], [x, "toPrecision", 1 + (i % 17)], [x, "toExponential", i % 10]);
  }

  it(`formats ${cases.length} cases exactly as Node does`, async () => {
    const h = await harness();
    h.run(`${emit}
const cases = ${JSON.stringify(cases)};
emit(cases.map(([x, method, digits]) => x[method](digits)));`);
    const expected = cases.map(([x, method, digits]) => x[method](digits));
    const actual = JSON.parse(h.stdout()) as string[];
    const mismatches = cases.flatMap(([x, method, digits], i) =>
      actual[i] === expected[i] ? [] : [`(${x}).${method}(${digits}): plugin ${actual[i]}, node ${expected[i]}`],
    );
    expect(mismatches).toEqual([]);
  });
});

describe("__kiln.call", () => {
  it("reaches the hostCall callback and returns its reply", async () => {
    const seen: [string, string][] = [];
    const h = await harness({
      hostCall: (op, payload) => {
        seen.push([op, payload]);
        return JSON.stringify({ ok: true, value: { echoed: JSON.parse(payload), note: "réponse 🙂" } });
      },
    });
    h.run(`${emit}
const reply = __kiln.call("files.read", JSON.stringify({ path: "été/🙂.txt" }));
emit(JSON.parse(reply));`);
    expect(seen).toEqual([["files.read", '{"path":"été/🙂.txt"}']]);
    expect(JSON.parse(h.stdout())).toEqual({ ok: true, value: { echoed: { path: "été/🙂.txt" }, note: "réponse 🙂" } });
  });

  it("answers KILN_HOST_UNAVAILABLE without a host, and a typed error when the callback throws", async () => {
    const bare = await harness();
    bare.run('console.log(JSON.parse(__kiln.call("kv.get", "{}")).error.code);\n');
    expect(bare.stdout()).toBe("KILN_HOST_UNAVAILABLE\n");

    const throwing = await harness({
      hostCall: () => {
        throw new Error("database is down");
      },
    });
    throwing.run('console.log(__kiln.call("kv.get", "{}"));\n');
    expect(JSON.parse(throwing.stdout())).toEqual({
      ok: false,
      error: { code: "KILN_HOST_CALL_FAILED", message: "database is down" },
    });
  });

  it("handles many and large calls", async () => {
    const big = "x".repeat(1 << 20);
    const h = await harness({
      hostCall: (op, payload) => JSON.stringify({ ok: true, value: op + payload.length + big }),
    });
    h.run(`let total = 0;
for (let i = 0; i < 500; i++) total += JSON.parse(__kiln.call("op" + i, "y".repeat(i))).value.length;
console.log(total);
`);
    let expected = 0;
    for (let i = 0; i < 500; i++) expected += `op${i}${i}`.length + big.length;
    expect(h.stdout()).toBe(`${expected}\n`);
  });
});

describe("kiln_host_v1 bounds checks", () => {
  /** A hand-made "plugin" whose exports call the host imports with pointers outside its memory. */
  function badCaller(): WebAssembly.Module {
    /** Signed LEB128, as i32.const wants. */
    const leb = (n: number): number[] => {
      const out: number[] = [];
      for (;;) {
        const byte = n & 0x7f;
        n >>= 7;
        if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
        out.push(byte | 0x80);
      }
    };
    const str = (s: string) => [s.length, ...new TextEncoder().encode(s)];
    const vec = (items: number[][]) => [items.length, ...items.flat()];
    const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
    const I32 = 0x7f;
    const types = [
      [0x60, 4, I32, I32, I32, I32, 1, I32], // 0: call, cabi_realloc
      [0x60, 1, I32, 0], // 1: take
      [0x60, 0, 1, I32], // 2: probes
      [0x60, 2, I32, I32, 1, I32], // 3: compile-src
      [0x60, 5, I32, I32, I32, I32, I32, 0], // 4: invoke
    ];
    const imports = [
      [...str(HOST_NAMESPACE), ...str("call"), 0, 0],
      [...str(HOST_NAMESPACE), ...str("take"), 0, 1],
    ];
    const i32 = (n: number) => [0x41, ...leb(n)];
    const bodies = [
      // probeCall: call(-256, 1000, 0, 0) — the name runs past the end of memory
      [...i32(-256), ...i32(1000), ...i32(0), ...i32(0), 0x10, 0, 0x0b],
      // probeTake: a valid call, then take into a pointer past the end of memory
      [...i32(0), ...i32(1), ...i32(0), ...i32(1), 0x10, 0, 0x1a, ...i32(-16), 0x10, 1, ...i32(0), 0x0b],
      [...i32(0), 0x0b], // cabi_realloc
      [...i32(0), 0x0b], // compile-src
      [0x0b], // invoke
    ].map((code) => {
      const body = [0, ...code]; // no locals
      return [...leb(body.length), ...body];
    });
    const exportsSection = [
      [...str("memory"), 2, 0],
      [...str("probeCall"), 0, 2],
      [...str("probeTake"), 0, 3],
      [...str("cabi_realloc"), 0, 4],
      [...str("compile-src"), 0, 5],
      [...str("invoke"), 0, 6],
    ];
    const bytes = [
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...section(1, vec(types)),
      ...section(2, vec(imports)),
      ...section(3, vec([[2], [2], [0], [3], [4]])),
      ...section(5, vec([[0, 1]])), // one page
      ...section(7, vec(exportsSection)),
      ...section(10, vec(bodies)),
    ];
    return new WebAssembly.Module(new Uint8Array(bytes));
  }

  it("returns -1 and records the fault instead of crashing the host", async () => {
    const calls: string[] = [];
    const plugin = await PluginInstance.create({
      module: badCaller(),
      hostCall: (op) => {
        calls.push(op);
        return '{"ok":true,"value":null}';
      },
    });
    const exports = plugin.exports as Record<string, () => number>;
    expect(exports.probeCall?.()).toBe(-1);
    expect(exports.probeTake?.()).toBe(0);
    expect(calls).toEqual(["\u0000"]); // only the valid call reached the handler
    expect(plugin.hostFaults).toHaveLength(2);
    expect(plugin.hostFaults[0]).toMatch(/outside the plugin's memory/);
  });
});

describe("warmUp", () => {
  it("runs its workload on a throwaway instance; instances made afterwards start clean", async () => {
    const module = await loadPluginModule();
    await warmUp({ module, rounds: 1 });
    const plugin = await PluginInstance.create({ module });
    const bytecode = plugin.compile("export function f() { if (globalThis.tries !== undefined) throw 1; }\n");
    plugin.invoke(bytecode, "f");
    expect(plugin.lastError()).toBeUndefined();
  });
});
