/**
 * The plugin's event loop against Node as the oracle: each scenario is the body of an async
 * function that records events with `log(…)`; it runs once in Node (real Node timers) and once in
 * a real plugin instance, and the two logs must be equal. Scenarios are chosen so that Node's own
 * order is fixed by its semantics (expiry time, then creation order; microtasks after each
 * callback), not by how fast the machine is.
 */
import { describe, expect, it } from "vitest";
import { PluginInstance } from "../src/plugin.js";
import { emit, harness } from "./helpers.js";

const SCENARIOS: Record<string, string> = {
  "zero, one and zero: a delay below 1 ms is 1 ms, so creation order decides": `
    setTimeout(() => log("a0"), 0);
    setTimeout(() => log("b1"), 1);
    setTimeout(() => log("c0"), 0);
    await sleep(20);`,
  "microtasks run after each timer callback, before the next timer": `
    setTimeout(() => { log("t1"); Promise.resolve().then(() => log("t1 micro")); queueMicrotask(() => log("t1 queued")); }, 1);
    setTimeout(() => { log("t2"); }, 1);
    queueMicrotask(() => log("micro"));
    Promise.resolve().then(() => log("then"));
    log("sync");
    await sleep(20);`,
  "later expiry fires later, whatever the creation order": `
    setTimeout(() => log("30"), 30);
    setTimeout(() => log("10"), 10);
    setTimeout(() => log("20"), 20);
    await sleep(60);`,
  "a timer set inside a callback waits for the next pass": `
    setTimeout(() => { log("outer"); setTimeout(() => log("inner"), 0); }, 1);
    setTimeout(() => log("sibling"), 1);
    await sleep(30);`,
  "clearTimeout before it fires, inside another callback, twice, and of nonsense": `
    const a = setTimeout(() => log("a"), 5);
    const b = setTimeout(() => log("b"), 10);
    setTimeout(() => { log("clearer"); clearTimeout(b); clearTimeout(b); clearTimeout(undefined); clearTimeout("x"); }, 1);
    clearTimeout(a);
    await sleep(30);`,
  "setInterval repeats until cleared, also from inside itself": `
    let n = 0;
    const id = setInterval(() => { log("tick " + n); if (++n === 5) clearInterval(id); }, 2);
    await sleep(60);`,
  "arguments reach the callback": `
    setTimeout((a, b, c) => log([a, b, c]), 1, 1, "two", { three: 3 });
    const id = setInterval((x) => { log(x); clearInterval(id); }, 1, "once");
    await sleep(20);`,
  "odd delays: negative, NaN, strings, fractions": `
    setTimeout(() => log("neg"), -5);
    setTimeout(() => log("nan"), NaN);
    setTimeout(() => log("str 3"), "3");
    setTimeout(() => log("frac"), 0.5);
    setTimeout(() => log("undefined"));
    await sleep(20);`,
  "promise chains interleave with awaits as in Node": `
    const p = (name) => new Promise((r) => setTimeout(() => { log(name); r(name); }, 1));
    const [x, y] = await Promise.all([p("x"), p("y")]);
    log(x + y);
    await null;
    log("after await");
    const winner = await Promise.race([new Promise((r) => setTimeout(() => r("slow"), 20)), new Promise((r) => setTimeout(() => r("fast"), 2))]);
    log(winner);`,
  "callbacks must be functions": `
    for (const bad of [undefined, null, "code", 1, {}]) {
      try { setTimeout(bad, 1); log("accepted"); } catch (e) { log(e.name); }
      try { queueMicrotask(bad); log("accepted"); } catch (e) { log(e.name); }
    }`,
};

async function inNode(body: string): Promise<unknown[]> {
  const events: unknown[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const run = new Function("log", "sleep", `return (async () => {${body}\n})();`) as (
    log: (v: unknown) => void,
    sleep: (ms: number) => Promise<unknown>,
  ) => Promise<void>;
  await run((v) => events.push(v), sleep);
  return events;
}

async function inSandbox(body: string): Promise<unknown[]> {
  const h = await harness();
  h.run(
    `${emit}
    const events = [];
    const log = (v) => events.push(v);
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    export async function run() { ${body}
      emit(events); }`,
    "run",
  );
  return JSON.parse(h.stdout()) as unknown[];
}

describe("timers and microtasks run in Node's order", () => {
  it.each(Object.entries(SCENARIOS))("%s", async (_name, body) => {
    const expected = await inNode(body);
    expect(expected.length).toBeGreaterThan(0);
    expect(await inSandbox(body)).toEqual(expected);
  });
});

describe("the invocation waits, and ends, as promised", () => {
  it("an export waits for its timers and then returns; one left waiting is cancelled and counted", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
      export async function wait() { await new Promise((r) => setTimeout(r, 10)); emit("waited"); }
      export function leave() { setTimeout(() => emit("never"), 10); setInterval(() => {}, 5); emit("left"); }`);
    h.plugin.invoke(bytecode, "wait");
    h.plugin.invoke(bytecode, "leave");
    expect(h.stdout()).toBe('"waited"\n"left"\n');
    expect(h.plugin.loopState()).toMatchObject({ waiting: false, cancelledTimers: 2, cancelledCalls: 0 });
  });

  it("module code without an export runs until nothing is pending, as a Node script does", async () => {
    const h = await harness();
    h.run(`${emit} let n = 0; const id = setInterval(() => { emit(++n); if (n === 3) clearInterval(id); }, 1);`);
    expect(h.stdout()).toBe("1\n2\n3\n");
  });

  it("a promise that nothing can settle is an error, not a hang", async () => {
    const h = await harness();
    expect(() => h.run("export async function run() { await new Promise(() => {}); }", "run")).toThrow(/never settled/);
  });

  it("an error thrown by a timer ends the invocation with it", async () => {
    const h = await harness();
    expect(() =>
      h.run(
        "export async function run() { setTimeout(() => { throw new RangeError('late'); }, 1); await new Promise((r) => setTimeout(r, 50)); }",
        "run",
      ),
    ).toThrow(/RangeError in export `run`: late/);
  });

  it("a stop asked for while the invocation sleeps ends it without running its timers", async () => {
    let polls = 0;
    const h = await harness({ interrupt: () => ++polls > 1 });
    expect(() =>
      h.run(
        "export async function run() { await new Promise((r) => setTimeout(r, 5)); await new Promise((r) => setTimeout(r, 60000)); }",
        "run",
      ),
    ).toThrow(/interrupted/);
  });

  it("asynchronous host calls are answered by the bare driver, in order, and may run at once", async () => {
    const seen: string[] = [];
    const plugin = await PluginInstance.create({
      hostCall: (op, payload) => {
        seen.push(`${op} ${payload}`);
        return JSON.stringify({ ok: true, value: Number(payload) * 2 });
      },
    });
    const bytecode = plugin.compile(`
      export async function run() {
        const replies = await Promise.all([1, 2, 3].map((n) => __kiln.callAsync("double", String(n))));
        if (replies.map((r) => JSON.parse(r).value).join() !== "2,4,6") throw new Error(replies.join());
      }`);
    plugin.invoke(bytecode, "run");
    expect(seen).toEqual(["double 1", "double 2", "double 3"]);
  });
});
