// quickjs-wasi 3.6 (QuickJS-NG for WASI): every VM is its own Wasm instance of one compiled module.
// Usage: node --expose-gc quickjs-wasi.mjs <scenario> '<json options>'.
import { readFileSync } from "node:fs";
import { WARM_INPUT } from "../fixtures/guest.mjs";
import { loadPeer, peerFile, report } from "../lib/common.mjs";
import { quickjsScenarios } from "../lib/quickjs-scenarios.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const { QuickJS } = await loadPeer("quickjs-wasi");
// Compiled once per process, as its README advises; each VM instantiates it.
const wasm = await WebAssembly.compile(readFileSync(peerFile("quickjs-wasi", "quickjs-wasi/quickjs.wasm")));

let deadline = Number.POSITIVE_INFINITY;

const vm = {
  // Only the runaway row installs an interrupt handler: every other row runs as an application would.
  create: () =>
    QuickJS.create(scenario === "runaway" ? { wasm, interruptHandler: () => Date.now() > deadline } : { wasm }),
  evalCode: (ctx, code) => ctx.evalCode(code),
  evalValue(ctx, code) {
    const handle = ctx.evalCode(code);
    const value = ctx.dump(handle);
    handle.dispose();
    return value;
  },
  getGlobal: (ctx, name) => ctx.getProp(ctx.global, ctx.newString(name)),
  call(ctx, fn, text) {
    const arg = ctx.newString(text);
    const out = ctx.callFunction(fn, ctx.undefined, arg);
    arg.dispose();
    const result = out.toString();
    out.dispose();
    return result;
  },
  spin(ctx) {
    deadline = Date.now() + 50;
    try {
      ctx.evalCode("spin()").dispose();
      return false;
    } catch {
      return true;
    } finally {
      deadline = Number.POSITIVE_INFINITY;
    }
  },
};

if (scenario === "cold") {
  const ctx = await vm.create();
  console.log(JSON.stringify(vm.evalValue(ctx, "2")));
  ctx.dispose();
} else {
  const run = quickjsScenarios(vm, { ...opts, input: WARM_INPUT })[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
