// Extism JS SDK 1.0.3 around a hand-written minimal plugin (fixtures/extism-plugin.wat): what the
// SDK costs around trivial Wasm, with no JavaScript engine inside. `worker: true` runs the plugin
// in the SDK's worker thread (`runInWorker`). Usage: node --expose-gc extism.mjs <scenario> '<json>'.
import { readFileSync } from "node:fs";
import { WARM_INPUT } from "../fixtures/guest.mjs";
import { BENCH, fitIn, loadPeer, median, now, report, settle, WARM_MS, warmFor } from "../lib/common.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const extism = await loadPeer("extism", "@extism/extism");
const createPlugin = extism.createPlugin ?? extism.default;
const wabt = await (await loadPeer("extism", "wabt")).default();
const wasm = new Uint8Array(
  wabt.parseWat("extism-plugin.wat", readFileSync(`${BENCH}/fixtures/extism-plugin.wat`, "utf8")).toBinary({}).buffer,
);

const plugin = () =>
  createPlugin(
    { wasm: [{ data: wasm }] },
    {
      useWasi: false,
      runInWorker: Boolean(opts.worker),
      functions: { "extism:host/user": { host_noop: (_ctx, x) => x } },
    },
  );

const rss = () => process.memoryUsage().rss;
const u64 = (n) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};

const scenarios = {
  async fresh() {
    await (await plugin()).call("noop");
    const ms = [];
    const keep = [];
    for (let i = 0; i < opts.count; i++) {
      const t = now();
      const p = await plugin();
      (await p.call("noop")).text();
      ms.push(now() - t);
      keep.push(p);
    }
    return { ms: median(ms) };
  },
  async warm() {
    const p = await plugin();
    const call = async () => (await p.call("echo", JSON.stringify(WARM_INPUT))).json();
    // At most 2,000: the kernel's allocator of Extism JS 1.0.3 runs out of blocks after some
    // tens of thousands of in-thread calls ("cannot assign to this block").
    await warmFor(WARM_MS, call, { maxRuns: 2000 });
    const t = now();
    for (let i = 0; i < opts.calls; i++) await call();
    return { us: ((now() - t) * 1000) / opts.calls };
  },
  async hostcall() {
    const p = await plugin();
    await warmFor(WARM_MS, () => p.call("calls", u64(opts.n)));
    const t0 = now();
    await p.call("calls", u64(0));
    const empty = now() - t0;
    const t = now();
    await p.call("calls", u64(opts.n));
    return { us: ((now() - t - empty) * 1000) / opts.n };
  },
  async memory() {
    const keep = [await plugin()];
    await keep[0].call("noop");
    await settle();
    const before = rss();
    for (let i = 0; i < opts.count; i++) {
      const p = await plugin();
      await p.call("noop");
      keep.push(p);
    }
    await settle();
    const per = (rss() - before) / opts.count;
    return fitIn(opts.limitBytes, before, per);
  },
};

if (scenario === "cold") {
  const p = await plugin();
  console.log((await p.call("noop")).text());
  await p.close();
} else {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
