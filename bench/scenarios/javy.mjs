// Javy, the stock way: a fresh plugin instance per invocation, the program's bytecode evaluated by
// the plugin's `invoke` (what a dynamic module's export does), input in, output out. The plugin is
// the one Javy plugin wasm that npm ships (@chainlink/cre-sdk-javy-plugin: Javy's runtime through
// javy-plugin-api 6, plus host functions of its own, of which `log` serves the guest → host row).
// npm ships it uninitialised; `javy init-plugin` would run `initialize-runtime` under Wizer. The
// suite does the same once per process: it runs `initialize-runtime` and snapshots the memory, and
// every new instance starts from that snapshot, as a Wizer-initialised plugin starts from its data
// segments. Usage: node --expose-gc javy.mjs <scenario> '<json options>'.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WASI } from "node:wasi";
import { CPU_PARTS, GUEST, WARM_INPUT } from "../fixtures/guest.mjs";
import { cpuMix, fitIn, median, now, PEERS, report, settle, WARM_MS, warmFor } from "../lib/common.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);

const SOURCE = `${GUEST}
const input = () => JSON.parse(JSON.parse(getWasiArgs())[1] ?? "null");
const out = (text) => sendResponse(new TextEncoder().encode(text));
export function runNoop() { out(JSON.stringify(noop())); }
export function runEcho() { out(echo(JSON.parse(getWasiArgs())[1])); }
export function runCalls() { const n = input(); for (let i = 0; i < n; i++) log(""); out(String(n)); }
export function runCpu() { out(JSON.stringify(cpu(input()))); }
export function runMixed() { out(JSON.stringify(mixed())); }
export function runSpin() { spin(); }
`;

const plugin = await WebAssembly.compile(
  readFileSync(join(PEERS, "javy", "node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm")),
);

/** One plugin instance; `input` (JSON text) reaches the guest as argv[1]. */
function instantiate(input = "null") {
  let output = null;
  const wasi = new WASI({ version: "preview1", args: ["bench", input], env: {}, returnOnExit: true });
  let memory;
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
  const env = {
    log: () => {},
    send_response: (ptr, len) => {
      output = new TextDecoder().decode(bytes(ptr, len));
      return 1; // not 0: the plugin exits the process after a 0
    },
    now: (ptr) => {
      new DataView(memory.buffer).setBigInt64(ptr, BigInt(Date.now()) * 1_000_000n, true);
      return 0;
    },
    random_seed: () => 42n,
    switch_modes: () => {},
    version_v2_typescript: () => {},
    call_capability: () => -1n,
    await_capabilities: () => -1n,
    get_secrets: () => -1n,
    await_secrets: () => -1n,
  };
  const instance = new WebAssembly.Instance(plugin, { wasi_snapshot_preview1: wasi.wasiImport, env });
  memory = instance.exports.memory;
  wasi.initialize(instance);
  return { exports: instance.exports, memory, output: () => output };
}

/** Copies `data` into the instance's memory (through its allocator); returns the address. */
function put(vm, data) {
  const ptr = vm.exports.cabi_realloc(0, 0, 1, data.length);
  new Uint8Array(vm.memory.buffer, ptr, data.length).set(data);
  return ptr;
}

// The Wizer step, once per process: initialise a runtime, keep the non-zero parts of its memory
// as the starting image (a fresh memory is zeros; Wizer's data segments hold the rest).
const CHUNK = 4096;
const image = (() => {
  const vm = instantiate();
  vm.exports["initialize-runtime"]();
  const all = new Uint8Array(vm.memory.buffer);
  const chunks = [];
  for (let at = 0; at < all.length; at += CHUNK) {
    const part = all.subarray(at, at + CHUNK);
    if (part.some((b) => b !== 0)) chunks.push([at, part.slice()]);
  }
  return { pages: all.length / 65536, chunks };
})();

function fresh(input) {
  const vm = instantiate(input);
  const grow = image.pages - vm.memory.buffer.byteLength / 65536;
  if (grow > 0) vm.memory.grow(grow);
  const all = new Uint8Array(vm.memory.buffer);
  for (const [at, part] of image.chunks) all.set(part, at);
  return vm;
}

const bytecode = (() => {
  const vm = fresh();
  const src = new TextEncoder().encode(SOURCE);
  const ret = vm.exports["compile-src"](put(vm, src), src.length);
  const view = new DataView(vm.memory.buffer);
  const [status, ptr, len] = [view.getUint8(ret), view.getUint32(ret + 4, true), view.getUint32(ret + 8, true)];
  const body = new Uint8Array(vm.memory.buffer, ptr, len).slice();
  if (status !== 0) throw new Error(`compile-src failed: ${new TextDecoder().decode(body)}`);
  return body;
})();

/** A fresh instance runs export `name` of the program (or only its top level): one Javy invocation. */
function invoke(name, input, vm = fresh(input)) {
  const bc = put(vm, bytecode);
  if (name) {
    const n = new TextEncoder().encode(name);
    vm.exports.invoke(bc, bytecode.length, 1, put(vm, n), n.length);
  } else vm.exports.invoke(bc, bytecode.length, 0, 0, 0);
  return { vm, output: vm.output() };
}

const rss = () => process.memoryUsage().rss;

const scenarios = {
  async fresh() {
    invoke("runNoop");
    const ms = [];
    for (let i = 0; i < opts.count; i++) {
      const t = now();
      JSON.parse(invoke("runNoop").output);
      ms.push(now() - t);
    }
    return { ms: median(ms) };
  },
  async warm() {
    const text = JSON.stringify(WARM_INPUT);
    const call = () => JSON.parse(invoke("runEcho", text).output);
    await warmFor(WARM_MS, call);
    const t = now();
    for (let i = 0; i < opts.calls; i++) call();
    return { us: ((now() - t) * 1000) / opts.calls };
  },
  async hostcall() {
    // Every invocation starts a fresh instance, whose cost varies more than N calls take: the
    // medians of several invocations with and without the calls.
    const time = (n) => {
      const ms = [];
      for (let i = 0; i < 5; i++) {
        const t = now();
        invoke("runCalls", String(n));
        ms.push(now() - t);
      }
      return median(ms);
    };
    // Ten times the calls of the other engines: the loop must outweigh an instance's start.
    const n = opts.n * 10;
    await warmFor(WARM_MS, () => time(n));
    const empty = time(0);
    return { us: ((time(n) - empty) * 1000) / n };
  },
  async cpu() {
    return cpuMix(CPU_PARTS, opts.reps, (part) => invoke("runCpu", JSON.stringify(part)));
  },
  async firstcall() {
    const t = now();
    invoke("runMixed");
    const first = now() - t;
    const ms = [];
    for (let i = 0; i < opts.steady; i++) {
      const s = now();
      invoke("runMixed");
      ms.push(now() - s);
    }
    return { first, steady: median(ms.slice(Math.floor(ms.length / 2))) };
  },
  async memory() {
    // An idle loaded program: an instance that has evaluated the program's top level.
    const keep = [invoke(null).vm];
    await settle();
    const before = rss();
    for (let i = 0; i < opts.count; i++) keep.push(invoke(null).vm);
    await settle();
    const per = (rss() - before) / opts.count;
    return fitIn(opts.limitBytes, before, per);
  },
};

if (scenario === "cold") {
  console.log(invoke("runNoop").output);
} else {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
