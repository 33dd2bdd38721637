// The rows both QuickJS peers (quickjs-emscripten, quickjs-wasi) measure the same way: their APIs
// differ only in how a context is made, evaluated and called, which each scenario file passes in.
import { CPU_PARTS, GUEST } from "../fixtures/guest.mjs";
import { cpuMix, fitIn, median, now, settle, WARM_MS, warmFor } from "./common.mjs";

const rss = () => process.memoryUsage().rss;

/**
 * Scenarios for a QuickJS binding. `vm.create()` makes a fresh context (async), `vm.evalCode(ctx,
 * code)` evaluates and returns a handle to dispose, `vm.evalValue(ctx, code)` evaluates and dumps,
 * `vm.call(ctx, fn, arg)` calls and returns the result's text, `vm.spin(ctx)` runs `spin()` under
 * a 50 ms deadline and says whether it was stopped.
 */
export function quickjsScenarios(vm, opts) {
  /** A context with the guest code evaluated: the equivalent of a loaded extension. */
  const loaded = async () => {
    const ctx = await vm.create();
    vm.evalCode(ctx, GUEST).dispose();
    return ctx;
  };
  return {
    async fresh() {
      (await vm.create()).dispose(); // loads the library (and a shared instance, where there is one)
      const ms = [];
      const keep = [];
      for (let i = 0; i < opts.count; i++) {
        const t = now();
        const ctx = await vm.create();
        vm.evalValue(ctx, "1 + 1");
        ms.push(now() - t);
        keep.push(ctx);
      }
      return { ms: median(ms) };
    },
    async warm() {
      const ctx = await loaded();
      const echo = vm.getGlobal(ctx, "echo");
      const call = () => JSON.parse(vm.call(ctx, echo, JSON.stringify(opts.input)));
      await warmFor(WARM_MS, call);
      const t = now();
      for (let i = 0; i < opts.calls; i++) call();
      return { us: ((now() - t) * 1000) / opts.calls };
    },
    async hostcall() {
      const ctx = await loaded();
      const fn = ctx.newFunction("hostNoop", () => ctx.null);
      ctx.setProp(ctx.global, "hostNoop", fn);
      fn.dispose();
      await warmFor(WARM_MS, () => vm.evalValue(ctx, `for (let i = 0; i < ${opts.n}; i++) hostNoop(); 0`));
      const t0 = now();
      vm.evalValue(ctx, "for (let i = 0; i < 0; i++) hostNoop(); 0");
      const empty = now() - t0;
      const t = now();
      vm.evalValue(ctx, `for (let i = 0; i < ${opts.n}; i++) hostNoop(); 0`);
      return { us: ((now() - t - empty) * 1000) / opts.n };
    },
    async cpu() {
      const ctx = await loaded();
      return cpuMix(CPU_PARTS, opts.reps, (part) => vm.evalValue(ctx, `cpu("${part}")`));
    },
    async firstcall() {
      const ctx = await loaded();
      const t = now();
      vm.evalValue(ctx, "mixed()");
      const first = now() - t;
      const ms = [];
      for (let i = 0; i < opts.steady; i++) {
        const s = now();
        vm.evalValue(ctx, "mixed()");
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
      const ctx = await loaded();
      const ms = [];
      for (let i = 0; i < opts.samples; i++) {
        const t = now();
        const stopped = vm.spin(ctx);
        ms.push(now() - t - 50);
        if (!stopped) throw new Error("spin() returned");
      }
      return { ms: median(ms) };
    },
  };
}
