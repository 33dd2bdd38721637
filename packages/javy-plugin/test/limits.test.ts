/**
 * Hard limits, on the real plugin: the host stops running JS (`kiln_host_v1.interrupt`, or a host
 * call answered `null`), QuickJS's memory is capped (`kiln-set-memory-limit`), and deeply nested
 * JSON is a JS error rather than a trap; in every case the instance stays usable.
 */
import { Worker } from "node:worker_threads";
import { KilnError } from "@kiln/contracts";
import { describe, expect, it } from "vitest";
import { INSTRUCTIONS_PER_INTERRUPT, INTERRUPTED_ERROR, PLUGIN_NAMESPACE } from "../src/abi.js";
import { JsError } from "../src/errors.js";
import { emitDynamicModule } from "../src/module.js";
import type { PluginInstanceOptions } from "../src/plugin.js";
import { emit, harness } from "./helpers.js";

const MiB = 1024 * 1024;

/** A harness whose `interrupt` answers "stop" from the `stopAfter`-th call of an invoke on. */
async function stoppable(options: Omit<PluginInstanceOptions, "onStdout" | "onStderr" | "interrupt"> = {}) {
  const state = { calls: 0, stopAfter: Number.POSITIVE_INFINITY };
  const h = await harness({ ...options, interrupt: () => ++state.calls >= state.stopAfter });
  return {
    ...h,
    state,
    /** compile + invoke with a fresh count; returns the error (if any) and the number of calls. */
    attempt(source: string, fn: string, stopAfter = Number.POSITIVE_INFINITY) {
      state.calls = 0;
      state.stopAfter = stopAfter;
      const bytecode = h.plugin.compile(source);
      try {
        h.plugin.invoke(bytecode, fn);
        return { error: undefined, calls: state.calls };
      } catch (error) {
        if (!(error instanceof JsError)) throw error;
        return { error, calls: state.calls };
      }
    },
  };
}

const interrupted = expect.objectContaining({ jsName: INTERRUPTED_ERROR.name, jsMessage: INTERRUPTED_ERROR.message });

describe("kiln_host_v1.interrupt", () => {
  it("stops a spinning loop, and catch and finally blocks do not run", async () => {
    const h = await stoppable();
    const spin = h.attempt("function spin() {\n  for (;;) {}\n}\nexport function f() {\n  spin();\n}\n", "f", 3);
    expect(spin.error).toEqual(interrupted);
    expect(spin.calls).toBe(3); // asked until it said stop, never again in that invoke
    expect(spin.error?.jsStack).toMatch(/at spin \(function\.mjs:2\)\n\s+at f \(function\.mjs:5\)/);

    const guarded = h.attempt(
      `export function f() {
  try {
    for (;;) {}
  } catch (e) {
    console.log("caught", e);
  } finally {
    console.log("finally");
  }
  console.log("after");
}`,
      "f",
      2,
    );
    expect(guarded.error).toEqual(interrupted);
    expect(h.stdout()).toBe("");
  });

  it("stops loops that try/finally and catch-all blocks would otherwise keep alive", async () => {
    const h = await stoppable();
    const sources = [
      "export function f() {\n  for (;;) {\n    try {\n      for (;;) {}\n    } finally {\n      continue;\n    }\n  }\n}\n",
      "export function f() {\n  for (;;) {\n    try {\n      for (;;) {}\n    } catch {}\n  }\n}\n",
      "export function f() {\n  const again = () => { try { for (;;) {} } finally { again(); } };\n  again();\n}\n",
    ];
    for (const source of sources) {
      expect(h.attempt(source, "f", 2).error).toEqual(interrupted);
    }
  });

  it("stops async code that catches rejections and loops, including in promise handlers", async () => {
    const h = await stoppable();
    const sources = [
      // An async loop that swallows each rejection with .catch.
      'export async function f() {\n  for (;;) await Promise.reject(new Error("x")).catch(() => {});\n}\n',
      // The stop rejects the async function; its .catch handler spins in turn.
      "export function f() {\n  (async () => { for (;;) {} })().catch(() => { for (;;) {} });\n}\n",
      // Work that only ever runs as jobs.
      "export function f() {\n  const tick = () => Promise.resolve().then(tick);\n  tick();\n}\n",
      "export async function f() {\n  for (;;) {\n    try {\n      await null;\n    } catch {}\n  }\n}\n",
    ];
    for (const source of sources) {
      const { error } = h.attempt(source, "f", 2);
      expect(error).toEqual(interrupted);
    }
    expect(h.stdout()).toBe("");
  });

  it("leaves nothing queued: the next invoke runs normally, without the stopped invoke's jobs", async () => {
    const h = await stoppable();
    const bytecode = h.plugin.compile(`${emit}
export function stopMe() {
  Promise.resolve().then(() => { globalThis.leaked = 1; });
  (async () => { await null; globalThis.leaked = 2; })();
  queueLater();
  for (;;) {}
}
function queueLater() {
  Promise.reject(new Error("never reported"));
}
export function check() {
  emit({ leaked: globalThis.leaked ?? null });
}
export async function later() {
  await null;
  emit("async still works");
}`);
    h.state.stopAfter = 2;
    expect(() => h.plugin.invoke(bytecode, "stopMe")).toThrow(JsError);
    expect(h.plugin.lastError()).toMatchObject(INTERRUPTED_ERROR);
    h.state.stopAfter = Number.POSITIVE_INFINITY;
    h.plugin.invoke(bytecode, "check");
    h.plugin.invoke(bytecode, "later");
    expect(h.plugin.lastError()).toBeUndefined();
    expect(h.stdout()).toBe('{"leaked":null}\n"async still works"\n');
  });

  it("makes the interruption the invoke's error, even when another was on its way", async () => {
    const h = await stoppable();
    // describeError runs the thrown value's toJSON; the stop lands there, not in the export.
    const { error } = h.attempt("export function f() {\n  throw { toJSON() { for (;;) {} } };\n}\n", "f", 2);
    expect(error).toEqual(interrupted);
    // A module whose top-level code was stopped is evaluated again next time.
    const bytecode = h.plugin.compile(
      "globalThis.runs = (globalThis.runs ?? 0) + 1;\nif (globalThis.runs === 1) for (;;) {}\nexport function f() {\n  console.log('runs', globalThis.runs);\n}\n",
    );
    h.state.calls = 0;
    h.state.stopAfter = 1;
    expect(() => h.plugin.invoke(bytecode, "f")).toThrow(/InternalError in export `f`: interrupted/);
    h.state.stopAfter = Number.POSITIVE_INFINITY;
    h.plugin.invoke(bytecode, "f");
    expect(h.stdout()).toBe("runs 2\n");
  });

  it("is asked once per INSTRUCTIONS_PER_INTERRUPT polls, the same number of times on every run", async () => {
    const source = `export function f() {
  let total = 0;
  for (let i = 0; i < 2e6; i++) total += i % 7;
  return total;
}
export function fib() {
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  return fib(20);
}`;
    const counts: number[][] = [];
    for (let instance = 0; instance < 2; instance++) {
      const h = await stoppable();
      const runs: number[] = [];
      for (let run = 0; run < 2; run++) {
        runs.push(h.attempt(source, "f").calls, h.attempt(source, "fib").calls);
      }
      counts.push(runs);
    }
    expect(counts[1]).toEqual(counts[0]);
    const [loop, fib] = counts[0] as [number, number];
    expect([loop, fib, loop, fib]).toEqual(counts[0]);
    // One poll per loop iteration at least (the back-edge), one per call: 2e6 and fib(20)'s 21,891 calls.
    expect(loop).toBeGreaterThanOrEqual(Math.floor(2e6 / INSTRUCTIONS_PER_INTERRUPT));
    expect(loop).toBeLessThanOrEqual(Math.ceil((4 * 2e6) / INSTRUCTIONS_PER_INTERRUPT));
    expect(fib).toBeGreaterThanOrEqual(Math.floor(21_891 / INSTRUCTIONS_PER_INTERRUPT));
  });

  it("treats an interrupt callback that throws as a stop, without trapping", async () => {
    const h = await harness({
      interrupt: () => {
        throw new Error("the control block is gone");
      },
    });
    const bytecode = h.plugin.compile("export function f() {\n  for (;;) {}\n}\nexport function g() {}\n");
    expect(() => h.plugin.invoke(bytecode, "f")).toThrow(/interrupted/);
    expect(h.plugin.hostFaults).toEqual([
      expect.stringMatching(/interrupt: the callback threw \(the control block is gone\)/),
    ]);
    expect(h.plugin.trapped).toBe(false);
    h.plugin.invoke(bytecode, "g");
  });
});

describe("a linked dynamic module, run as the host runs it", () => {
  it("is stopped, reports through lastError, and the same pair of instances runs the next job", async () => {
    const h = await stoppable();
    const source = "export function spin() {\n  for (;;) {}\n}\nexport function ok() {\n  console.log('ok');\n}\n";
    const bytecode = h.plugin.compile(source);
    const exports = [
      { wasmName: "job-spin", jsName: "spin" },
      { wasmName: "job-ok", jsName: "ok" },
    ];
    const module = new WebAssembly.Module(emitDynamicModule({ bytecode, exports, source }));
    const linked = new WebAssembly.Instance(module, {
      [PLUGIN_NAMESPACE]: h.plugin.exports as WebAssembly.ModuleImports,
    });
    const run = (name: string) => h.plugin.runExport(name, () => (linked.exports[name] as () => void)());
    h.state.calls = 0;
    h.state.stopAfter = 2;
    run("job-spin");
    expect(h.plugin.lastError()).toMatchObject({ ...INTERRUPTED_ERROR, stack: expect.stringMatching(/at spin/) });
    h.state.stopAfter = Number.POSITIVE_INFINITY;
    run("job-ok");
    expect(h.plugin.lastError()).toBeUndefined();
    expect(h.stdout()).toBe("ok\n");
    expect(h.plugin.trapped).toBe(false);
  });
});

describe("a host call answered null", () => {
  it("stops the code uncatchably, and no further host call reaches the host in that invoke", async () => {
    const ops: string[] = [];
    const h = await harness({
      hostCall: (op) => {
        ops.push(op);
        return op === "stop" ? null : JSON.stringify({ ok: true, value: op });
      },
    });
    const bytecode = h.plugin.compile(`${emit}
function ask(op) {
  return JSON.parse(__kiln.call(op, "{}")).value;
}
export function f() {
  emit(ask("first"));
  try {
    ask("stop");
  } catch (e) {
    emit(["caught", String(e)]);
  } finally {
    ask("from finally");
  }
  emit("after");
}
export function g() {
  emit(ask("next invoke"));
}`);
    expect(() => h.plugin.invoke(bytecode, "f")).toThrow(JsError);
    const record = h.plugin.lastError();
    expect(record).toMatchObject(INTERRUPTED_ERROR);
    expect(record?.stack).toMatch(/at ask \(function\.mjs:4\)\n\s+at f \(function\.mjs:9\)/);
    h.plugin.invoke(bytecode, "g");
    expect(ops).toEqual(["first", "stop", "next invoke"]);
    expect(h.stdout()).toBe('"first"\n"next invoke"\n');
  });
});

describe("kiln-set-memory-limit", () => {
  it("turns allocation bombs into catchable out-of-memory errors and keeps memory near the cap", async () => {
    const h = await harness();
    const before = h.plugin.memoryBytes;
    h.plugin.setMemoryLimit(64 * MiB);
    const bytecode = h.plugin.compile(`${emit}
const attempts = {
  strings() {
    let a = [];
    for (;;) a.push("x".repeat(1 << 20) + a.length);
  },
  oneHugeString() {
    "x".repeat(2 ** 29);
  },
  smallObjects() {
    const a = [];
    for (let i = 0; ; i++) a.push({ i });
  },
  growingArray() {
    const a = [];
    for (let i = 0; ; i++) a.push(i);
  },
  doubling() {
    let s = "ab";
    for (;;) s += s;
  },
  buffers() {
    const a = [];
    for (;;) a.push(new Uint8Array(8 << 20));
  },
};
export function bombs() {
  const seen = [];
  for (const [name, attempt] of Object.entries(attempts)) {
    try {
      attempt();
      seen.push([name, "no error"]);
    } catch (e) {
      seen.push([name, e?.name, e?.message]);
    }
  }
  emit(seen);
}
export function uncaught() {
  globalThis.hoard = [];
  for (;;) globalThis.hoard.push("y".repeat(1 << 20));
}
export function release() {
  globalThis.hoard = undefined;
}
export function normal() {
  const a = [];
  for (let i = 0; i < 10000; i++) a.push({ i, s: "ok" + i });
  emit(a.length);
}`);
    h.plugin.invoke(bytecode, "bombs");
    const oom = ["InternalError", "out of memory"];
    expect(JSON.parse(h.stdout())).toEqual(
      ["strings", "oneHugeString", "smallObjects", "growingArray", "doubling", "buffers"].map((name) => [name, ...oom]),
    );
    // Not caught, and still holding the memory while the plugin records the error.
    expect(() => h.plugin.invoke(bytecode, "uncaught")).toThrow(/InternalError in export `uncaught`: out of memory/);
    h.plugin.invoke(bytecode, "release");
    h.reset();
    h.plugin.invoke(bytecode, "normal");
    expect(h.stdout()).toBe("10000\n");
    expect(h.plugin.trapped).toBe(false);
    // The cap, plus what memory held before, plus the 256 KiB reserve for reporting, plus a page.
    expect(h.plugin.memoryBytes).toBeLessThanOrEqual(before + 64 * MiB + 256 * 1024 + 65536);
  });

  it("can be lowered, raised and lifted (0)", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
export function big() {
  try {
    emit("x".repeat(24 << 20).length);
  } catch (e) {
    emit(e.message);
  }
}`);
    h.plugin.setMemoryLimit(16 * MiB);
    h.plugin.invoke(bytecode, "big");
    h.plugin.setMemoryLimit(0);
    h.plugin.invoke(bytecode, "big");
    expect(h.stdout()).toBe(`"out of memory"\n${24 * MiB}\n`);
    for (const bad of [-1, 1.5]) {
      expect(() => h.plugin.setMemoryLimit(bad)).toThrow(expect.objectContaining({ code: "KILN_INVALID_OPTION" }));
      expect(() => h.plugin.setMemoryLimit(bad)).toThrow(KilnError);
    }
    h.plugin.setMemoryLimit(2 ** 40); // beyond wasm32: no cap
    h.plugin.invoke(bytecode, "big");
  });

  it("counts host-call replies against the cap", async () => {
    const h = await harness({ hostCall: () => JSON.stringify({ ok: true, value: "z".repeat(8 * MiB) }) });
    h.plugin.setMemoryLimit(4 * MiB);
    h.run(`${emit}
try {
  __kiln.call("big", "{}");
  emit("no error");
} catch (e) {
  emit(e.message);
}`);
    expect(h.stdout()).toBe('"out of memory"\n');
  });
});

/** JS run by deepJson: too deep structures must be JS errors. */
const DEEP_JSON = `
const depth = 100000;
let object = {};
for (let i = 0; i < depth; i++) object = { o: object };
let array = [];
for (let i = 0; i < depth; i++) array = [array];
const attempts = [
  () => JSON.stringify(object),
  () => JSON.stringify(array),
  () => JSON.stringify(object, null, 2),
  () => JSON.stringify(object, ["o"]),
  () => JSON.stringify(object, (key, value) => value),
  () => JSON.parse("[".repeat(depth) + "]".repeat(depth)),
  () => JSON.parse('{"o":'.repeat(depth) + "1" + "}".repeat(depth)),
];
// Also at every tenth level of a JS recursion, up to its own limit, where less stack is left.
// (Every level would be slow: QuickJS's cycle check makes each failing stringify O(levels²).)
const recursive = (n, attempt) => {
  if (n % 10 === 0) {
    try {
      attempt();
    } catch (e) {
      if (e.message !== "stack overflow") throw e;
    }
  }
  return recursive(n + 1, attempt);
};
export function deepJson() {
  const results = attempts.map((attempt) => {
    try {
      attempt();
      return "no error";
    } catch (e) {
      return e.name + ": " + e.message;
    }
  });
  for (const attempt of [attempts[0], attempts[5]]) {
    try {
      recursive(0, attempt);
    } catch (e) {
      results.push("recursive " + e.name + ": " + e.message);
    }
  }
  return results;
}
`;

const EXPECTED_DEEP_JSON = [
  ...Array(5).fill("InternalError: stack overflow"),
  // QuickJS's JSON parser reports its stack check as a SyntaxError, as its JS parser does.
  ...Array(2).fill("SyntaxError: stack overflow"),
  ...Array(2).fill("recursive InternalError: stack overflow"),
];

describe("deeply nested JSON", () => {
  it("is a catchable stack overflow, not a trap, on Node's main thread", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}${DEEP_JSON}
export function main() {
  emit(deepJson());
  emit(JSON.stringify({ a: [1, { b: "c" }], d: new Number(2), e: new String("s") }, ["a", "b", "d", "a"], "\\t"));
  emit(JSON.parse('{"x":[1,2,{"y":null}]}', (k, v) => (k === "y" ? "revived" : v)));
  emit([JSON.stringify.name, JSON.stringify.length, JSON.parse.name, JSON.parse.length]);
}`);
    for (let run = 0; run < 2; run++) h.plugin.invoke(bytecode, "main"); // again once V8 has tiered up
    const [results, filtered, revived, shape] = h
      .stdout()
      .trimEnd()
      .split("\n")
      .slice(0, 4)
      .map((line) => JSON.parse(line));
    expect(results).toEqual(EXPECTED_DEEP_JSON);
    expect(filtered).toBe(JSON.stringify({ a: [1, { b: "c" }], d: 2 }, ["a", "b", "d", "a"], "\t"));
    expect(revived).toEqual({ x: [1, 2, { y: "revived" }] });
    expect(shape).toEqual(["stringify", 3, "parse", 2]);
    // Nesting that real data has still works, well past a hundred levels.
    h.reset();
    h.run(`${emit}
let v = 1;
for (let i = 0; i < 1500; i++) v = [v];
const text = JSON.stringify(v);
emit([text.length, JSON.stringify(JSON.parse(text)) === text]);`);
    expect(h.stdout()).toBe("[3001,true]\n");
  });

  it("is a catchable stack overflow in a worker thread too (the host runs instances there)", async () => {
    // The worker runs the built package (turbo builds it before testing).
    const entry = new URL("../dist/index.js", import.meta.url).href;
    const worker = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
import(workerData.entry).then(async ({ PluginInstance }) => {
  let out = "";
  const plugin = await PluginInstance.create({ onStdout: (b) => (out += Buffer.from(b).toString()) });
  const bytecode = plugin.compile(workerData.source);
  for (let run = 0; run < 2; run++) plugin.invoke(bytecode, "main");
  parentPort.postMessage(out);
}).catch((error) => parentPort.postMessage({ error: String(error) }));`,
      {
        eval: true,
        // No inherited `--conditions=@kiln/source`: it would send the built package's imports of
        // other workspace packages to TypeScript sources, which plain Node cannot load.
        execArgv: [],
        workerData: { entry, source: `${emit}${DEEP_JSON}\nexport function main() { emit(deepJson()); }\n` },
      },
    );
    const out = await new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(typeof out).toBe("string");
    const lines = (out as string).trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toEqual(EXPECTED_DEEP_JSON);
  });
});
