// quickjs-emscripten 0.32 (QuickJS 2024 in Emscripten's Wasm, sync release build).
// Usage: node --expose-gc quickjs-emscripten.mjs <scenario> '<json options>'.
import { CPU_PARTS, GUEST, WARM_INPUT } from "../fixtures/guest.mjs";
import { fitIn, loadPeer, median, now, report, settle } from "../lib/common.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const { getQuickJS, newQuickJSWASMModule, shouldInterruptAfterDeadline } = await loadPeer("quickjs-emscripten");

/** A Wasm instance of its own (`own`, the comparator for a Kiln instance) or the process's shared one. */
const module = () => (opts.shared ? getQuickJS() : newQuickJSWASMModule());

/** A context with the guest code evaluated: the equivalent of a loaded extension. */
async function loaded() {
  const vm = (await module()).newContext();
  vm.unwrapResult(vm.evalCode(GUEST)).dispose();
  return vm;
}

function evalValue(vm, code) {
  const handle = vm.unwrapResult(vm.evalCode(code));
  const value = vm.dump(handle);
  handle.dispose();
  return value;
}

const rss = () => process.memoryUsage().rss;

const scenarios = {
  async fresh() {
    await (await module()).newContext().dispose(); // loads the library and, when shared, its instance
    const ms = [];
    const keep = [];
    for (let i = 0; i < opts.count; i++) {
      const t = now();
      const vm = (await module()).newContext();
      evalValue(vm, "1 + 1");
      ms.push(now() - t);
      keep.push(vm);
    }
    return { ms: median(ms) };
  },
  async warm() {
    const vm = await loaded();
    const echo = vm.getProp(vm.global, "echo");
    const call = () => {
      const arg = vm.newString(JSON.stringify(WARM_INPUT));
      const out = vm.unwrapResult(vm.callFunction(echo, vm.undefined, arg));
      arg.dispose();
      const value = JSON.parse(vm.getString(out));
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
      vm.runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + 50));
      const result = vm.evalCode("spin()");
      ms.push(now() - t - 50);
      if (!result.error) throw new Error("spin() returned");
      result.error.dispose();
    }
    return { ms: median(ms) };
  },
};

if (scenario === "cold") {
  // A cold script: load the library, make a context, print the first result; the process then ends by itself.
  const vm = (await getQuickJS()).newContext();
  console.log(JSON.stringify(evalValue(vm, "2")));
  vm.dispose();
} else {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
