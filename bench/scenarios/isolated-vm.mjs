// isolated-vm 5.0 (V8 isolates in the same process, a native addon built from source).
// Usage: node --expose-gc isolated-vm.mjs <scenario> '<json options>'.
import { CPU_PARTS, GUEST, WARM_INPUT } from "../fixtures/guest.mjs";
import { cpuMix, fitIn, loadPeer, median, now, report, settle, WARM_MS, warmFor } from "../lib/common.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const ivm = (await loadPeer("isolated-vm")).default;

function newVm() {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  return { isolate, context: isolate.createContextSync() };
}

function loaded() {
  const vm = newVm();
  vm.context.evalSync(GUEST);
  return vm;
}

const rss = () => process.memoryUsage().rss;

const scenarios = {
  async fresh() {
    newVm().context.evalSync("1 + 1");
    const ms = [];
    const keep = [];
    for (let i = 0; i < opts.count; i++) {
      const t = now();
      const vm = newVm();
      vm.context.evalSync("1 + 1");
      ms.push(now() - t);
      keep.push(vm);
    }
    return { ms: median(ms) };
  },
  async warm() {
    const { context } = loaded();
    const echo = context.global.getSync("echo", { reference: true });
    const call = () => JSON.parse(echo.applySync(undefined, [JSON.stringify(WARM_INPUT)]));
    await warmFor(WARM_MS, call);
    const t = now();
    for (let i = 0; i < opts.calls; i++) call();
    return { us: ((now() - t) * 1000) / opts.calls };
  },
  async hostcall() {
    const { context } = loaded();
    context.global.setSync("hostNoop", new ivm.Callback(() => null));
    await warmFor(WARM_MS, () => context.evalSync(`for (let i = 0; i < ${opts.n}; i++) hostNoop(); 0`));
    const t0 = now();
    context.evalSync("for (let i = 0; i < 0; i++) hostNoop(); 0");
    const empty = now() - t0;
    const t = now();
    context.evalSync(`for (let i = 0; i < ${opts.n}; i++) hostNoop(); 0`);
    return { us: ((now() - t - empty) * 1000) / opts.n };
  },
  async cpu() {
    const { context } = loaded();
    return cpuMix(CPU_PARTS, opts.reps, (part) => context.evalSync(`cpu("${part}")`));
  },
  async firstcall() {
    const { context } = loaded();
    const t = now();
    context.evalSync("mixed()");
    const first = now() - t;
    const ms = [];
    for (let i = 0; i < opts.steady; i++) {
      const s = now();
      context.evalSync("mixed()");
      ms.push(now() - s);
    }
    return { first, steady: median(ms.slice(Math.floor(ms.length / 2))) };
  },
  async memory() {
    const keep = [loaded()];
    await settle();
    const before = rss();
    for (let i = 0; i < opts.count; i++) keep.push(loaded());
    await settle();
    const per = (rss() - before) / opts.count;
    return fitIn(opts.limitBytes, before, per);
  },
  async runaway() {
    const { context } = loaded();
    const ms = [];
    for (let i = 0; i < opts.samples; i++) {
      const t = now();
      let stopped = false;
      try {
        context.evalSync("spin()", { timeout: 50 });
      } catch {
        stopped = true;
      }
      ms.push(now() - t - 50);
      if (!stopped) throw new Error("spin() returned");
    }
    return { ms: median(ms) };
  },
};

if (scenario === "cold") {
  const { isolate, context } = newVm();
  console.log(JSON.stringify(context.evalSync("2")));
  isolate.dispose();
} else {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
