// quickjs-wasi 3.6 (QuickJS-NG for WASI): every VM is its own Wasm instance of one compiled module.
// Usage: node --expose-gc quickjs-wasi.mjs <scenario> '<json options>'.
import { readFileSync } from "node:fs";
import { CPU_PARTS, GUEST, WARM_INPUT } from "../fixtures/guest.mjs";
import { fitIn, loadPeer, median, now, peerFile, report, settle } from "../lib/common.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const { QuickJS } = await loadPeer("quickjs-wasi");
// Compiled once per process, as its README advises; each VM instantiates it.
const wasm = await WebAssembly.compile(readFileSync(peerFile("quickjs-wasi", "quickjs-wasi/quickjs.wasm")));

let deadline = Number.POSITIVE_INFINITY;
// Only the runaway row installs an interrupt handler: every other row runs as an application would.
const create = () =>
  QuickJS.create(scenario === "runaway" ? { wasm, interruptHandler: () => Date.now() > deadline } : { wasm });

async function loaded() {
  const vm = await create();
  vm.evalCode(GUEST).dispose();
  return vm;
}

function evalValue(vm, code) {
  const handle = vm.evalCode(code);
  const value = vm.dump(handle);
  handle.dispose();
  return value;
}

const rss = () => process.memoryUsage().rss;

const scenarios = {
  async fresh() {
    (await create()).dispose();
    const ms = [];
    const keep = [];
    for (let i = 0; i < opts.count; i++) {
      const t = now();
      const vm = await create();
      evalValue(vm, "1 + 1");
      ms.push(now() - t);
      keep.push(vm);
    }
    return { ms: median(ms) };
  },
  async warm() {
    const vm = await loaded();
    const echo = vm.getProp(vm.global, vm.newString("echo"));
    const call = () => {
      const arg = vm.newString(JSON.stringify(WARM_INPUT));
      const out = vm.callFunction(echo, vm.undefined, arg);
      arg.dispose();
      const value = JSON.parse(out.toString());
      out.dispose();
      return value;
    };
    for (let i = 0; i < 50; i++) call();
    const t = now();
    for (let i = 0; i < opts.calls; i++) call();
    return { us: ((now() - t) * 1000) / opts.calls };
  },
  async hostcall() {
    const vm = await loaded();
    const fn = vm.newFunction("hostNoop", () => vm.null);
    vm.setProp(vm.global, "hostNoop", fn);
    fn.dispose();
    evalValue(vm, `for (let i = 0; i < ${opts.n}; i++) hostNoop(); 0`);
    const t0 = now();
    evalValue(vm, "for (let i = 0; i < 0; i++) hostNoop(); 0");
    const empty = now() - t0;
    const t = now();
    evalValue(vm, `for (let i = 0; i < ${opts.n}; i++) hostNoop(); 0`);
    return { us: ((now() - t - empty) * 1000) / opts.n };
  },
  async cpu() {
    const vm = await loaded();
    const metrics = {};
    for (const part of CPU_PARTS) {
      evalValue(vm, `cpu("${part}")`);
      const ms = [];
      for (let i = 0; i < opts.reps; i++) {
        const t = now();
        evalValue(vm, `cpu("${part}")`);
        ms.push(now() - t);
      }
      metrics[part] = median(ms);
    }
    return metrics;
  },
  async firstcall() {
    const vm = await loaded();
    const t = now();
    evalValue(vm, "mixed()");
    const first = now() - t;
    const ms = [];
    for (let i = 0; i < opts.steady; i++) {
      const s = now();
      evalValue(vm, "mixed()");
      ms.push(now() - s);
    }
    return { first, steady: median(ms.slice(Math.floor(ms.length / 2))) };
  },
  async memory() {
    const keep = [await loaded()];
    await settle();
    const before = rss();
    for (let i = 0; i < opts.count; i++) keep.push(await loaded());
    await settle();
    const per = (rss() - before) / opts.count;
    return fitIn(opts.limitBytes, before, per);
  },
  async runaway() {
    const vm = await loaded();
    const ms = [];
    for (let i = 0; i < opts.samples; i++) {
      const t = now();
      deadline = Date.now() + 50;
      let stopped = false;
      try {
        vm.evalCode("spin()").dispose();
      } catch {
        stopped = true;
      }
      ms.push(now() - t - 50);
      deadline = Number.POSITIVE_INFINITY;
      if (!stopped) throw new Error("spin() returned");
    }
    return { ms: median(ms) };
  },
};

if (scenario === "cold") {
  const vm = await create();
  console.log(JSON.stringify(evalValue(vm, "2")));
  vm.dispose();
} else {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
