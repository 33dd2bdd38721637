// quickjs-emscripten 0.32 (QuickJS 2024 in Emscripten's Wasm, sync release build).
// Usage: node --expose-gc quickjs-emscripten.mjs <scenario> '<json options>'.
import { WARM_INPUT } from "../fixtures/guest.mjs";
import { loadPeer, report } from "../lib/common.mjs";
import { quickjsScenarios } from "../lib/quickjs-scenarios.mjs";

const [scenario, raw = "{}"] = process.argv.slice(2);
const opts = JSON.parse(raw);
const { getQuickJS, newQuickJSWASMModule, shouldInterruptAfterDeadline } = await loadPeer("quickjs-emscripten");

/** A Wasm instance of its own (`own`, the comparator for a Kiln instance) or the process's shared one. */
const module = () => (opts.shared ? getQuickJS() : newQuickJSWASMModule());

const vm = {
  create: async () => (await module()).newContext(),
  evalCode: (ctx, code) => ctx.unwrapResult(ctx.evalCode(code)),
  evalValue(ctx, code) {
    const handle = ctx.unwrapResult(ctx.evalCode(code));
    const value = ctx.dump(handle);
    handle.dispose();
    return value;
  },
  getGlobal: (ctx, name) => ctx.getProp(ctx.global, name),
  call(ctx, fn, text) {
    const arg = ctx.newString(text);
    const out = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, arg));
    arg.dispose();
    const result = ctx.getString(out);
    out.dispose();
    return result;
  },
  spin(ctx) {
    ctx.runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + 50));
    const result = ctx.evalCode("spin()");
    if (!result.error) return false;
    result.error.dispose();
    return true;
  },
};

if (scenario === "cold") {
  // A cold script: load the library, make a context, print the first result; the process then ends by itself.
  const ctx = (await getQuickJS()).newContext();
  console.log(JSON.stringify(vm.evalValue(ctx, "2")));
  ctx.dispose();
} else {
  const run = quickjsScenarios(vm, { ...opts, input: WARM_INPUT })[scenario];
  if (!run) throw new Error(`unknown scenario "${scenario}"`);
  report(await run());
}
