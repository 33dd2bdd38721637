/**
 * The `events` group in the sandbox: `Event`, `EventTarget`, `AbortController` and `AbortSignal`
 * run inside a real plugin instance. Most scenarios run twice, in the sandbox and in this Node
 * process on Node's own classes, and must print the same lines; the rest pin where the sandbox
 * follows the DOM standard and Node 20 does not, and what only the sandbox has (its timers, its
 * stderr).
 */
import { describe, expect, it } from "vitest";
import { emit, harness } from "./helpers.js";

/**
 * Scripts that print values with `emit(value)`, one JSON line each; run as a module in the sandbox
 * and as a function body in Node.
 */
const SAME_AS_NODE: Record<string, string> = {
  "an Event's flags and defaults": `
const e = new Event("ping", { bubbles: true, cancelable: 1, composed: "yes" });
emit([e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.isTrusted, e.target, e.currentTarget,
  e.srcElement, e.eventPhase, e.returnValue, e.cancelBubble, typeof e.timeStamp, e.composedPath(), String(e)]);
emit([Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE]);
e.preventDefault();
emit([e.defaultPrevented, e.returnValue]);
const plain = new Event(42);
plain.preventDefault();
plain.returnValue = false;
emit([plain.type, plain.bubbles, plain.cancelable, plain.defaultPrevented, plain.returnValue]);
plain.cancelBubble = true;
emit(plain.cancelBubble);
const legacy = new Event("a");
legacy.initEvent("b", true, true);
emit([legacy.type, legacy.bubbles, legacy.cancelable]);
`,
  "bad arguments throw TypeErrors": `
// Node adds what it received to its messages; the sandbox does not.
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return e.name + ": " + e.message.replace(/. Received .*$/, ""); } };
const t = new EventTarget();
emit([
  attempt(() => new Event()),
  attempt(() => new Event("x", 5)),
  attempt(() => new Event("x", null)),
  attempt(() => t.addEventListener("x")),
  attempt(() => t.addEventListener("x", 5)),
  attempt(() => t.addEventListener("x", () => {}, 5)),
  attempt(() => t.addEventListener("x", () => {}, { signal: {} })),
  attempt(() => t.addEventListener("x", null)),
  attempt(() => t.dispatchEvent({ type: "x" })),
  attempt(() => new AbortSignal()),
  attempt(() => AbortSignal.timeout("5")),
  attempt(() => AbortSignal.timeout(1.5)),
  attempt(() => AbortSignal.timeout(-1)),
  attempt(() => AbortSignal.any("x")),
  attempt(() => AbortSignal.any([{}])),
  attempt(() => Event.prototype.preventDefault.call({})).split(":")[0],
]);
`,
  "dispatch: order, this, duplicates, capture, once": `
const t = new EventTarget();
const log = [];
const a = function (e) { log.push(["a", this === t, e.target === t, e.currentTarget === t, e.eventPhase]); };
const b = () => log.push("b");
t.addEventListener("go", a);
t.addEventListener("go", a);
t.addEventListener("go", b, true);
t.addEventListener("go", b, { capture: false });
t.addEventListener("go", () => log.push("once"), { once: true });
t.addEventListener("other", () => log.push("other"));
const e = new Event("go");
emit([t.dispatchEvent(e), e.target === t, e.currentTarget, e.eventPhase]);
t.dispatchEvent(new Event("go"));
t.removeEventListener("go", b);
t.dispatchEvent(new Event("go"));
t.removeEventListener("go", b, { capture: true });
t.removeEventListener("go", a, { capture: true });
t.dispatchEvent(new Event("go"));
t.removeEventListener("go", a);
t.dispatchEvent(new Event("go"));
emit(log);
`,
  "changes during a dispatch": `
const t = new EventTarget();
const log = [];
const late = () => log.push("late");
const second = () => log.push("second");
t.addEventListener("go", () => { log.push("first"); t.removeEventListener("go", second); t.addEventListener("go", late); });
t.addEventListener("go", second);
t.dispatchEvent(new Event("go"));
t.dispatchEvent(new Event("go"));
emit(log);
const e = new Event("again");
t.addEventListener("again", () => log.push("again"));
t.dispatchEvent(e);
t.dispatchEvent(e);
emit(log.filter((x) => x === "again").length);
`,
  "stopImmediatePropagation, stopPropagation, preventDefault and passive": `
const t = new EventTarget();
const log = [];
t.addEventListener("go", (e) => { log.push(1); e.stopPropagation(); });
t.addEventListener("go", (e) => { log.push(2); e.stopImmediatePropagation(); });
t.addEventListener("go", () => log.push(3));
const e = new Event("go", { cancelable: true });
emit(t.dispatchEvent(e));
emit(log);
const p = new EventTarget();
p.addEventListener("go", (e) => e.preventDefault());
const active = new Event("go", { cancelable: true });
emit([p.dispatchEvent(active), active.defaultPrevented]);
const notCancelable = new Event("go");
emit([p.dispatchEvent(notCancelable), notCancelable.defaultPrevented]);
`,
  "listener objects with handleEvent": `
const t = new EventTarget();
const log = [];
const listener = { handleEvent(e) { log.push([this === listener, e.type]); } };
t.addEventListener("go", listener);
t.addEventListener("go", listener);
t.dispatchEvent(new Event("go"));
listener.handleEvent = function (e) { log.push("swapped " + e.type); };
t.dispatchEvent(new Event("go"));
t.removeEventListener("go", listener);
t.dispatchEvent(new Event("go"));
emit(log);
`,
  "subclasses of EventTarget and Event": `
class Emitter extends EventTarget { fire(n) { return this.dispatchEvent(new Ping(n)); } }
class Ping extends Event { constructor(n) { super("ping"); this.n = n; } }
const emitter = new Emitter();
const seen = [];
emitter.addEventListener("ping", (e) => seen.push([e.n, e instanceof Ping, e instanceof Event, e.target === emitter]));
emitter.fire(1);
emitter.fire(2);
emit([seen, emitter instanceof EventTarget, Object.prototype.toString.call(emitter)]);
`,
  "the signal option": `
const t = new EventTarget();
const c = new AbortController();
const log = [];
t.addEventListener("go", () => log.push("with signal"), { signal: c.signal });
t.addEventListener("go", () => log.push("plain"));
t.dispatchEvent(new Event("go"));
c.abort();
t.dispatchEvent(new Event("go"));
t.addEventListener("go", () => log.push("never"), { signal: c.signal });
t.dispatchEvent(new Event("go"));
emit(log);
`,
  "AbortController and the abort event": `
const c = new AbortController();
const s = c.signal;
const log = [];
emit([s.aborted, s.reason, c.signal === s, String(s), String(c), s instanceof EventTarget, s.onabort]);
s.addEventListener("abort", (e) => log.push(["listener", e.type, e.isTrusted, e.target === s, s.aborted, e.cancelable]));
s.onabort = (e) => log.push(["onabort", e.type]);
s.onabort = function (e) { log.push(["onabort replaced", this === s]); };
s.addEventListener("abort", () => log.push("after"));
emit([typeof s.onabort, s.onabort.name]);
let thrown;
try { s.throwIfAborted(); } catch (e) { thrown = e; }
c.abort();
c.abort("again");
emit(log);
emit([s.aborted, s.reason instanceof DOMException, s.reason.name, s.reason.message, s.reason.code, thrown]);
try { s.throwIfAborted(); } catch (e) { emit(["thrown", e === s.reason]); }
const d = new AbortController();
d.signal.onabort = () => log.push("cleared handler ran");
d.signal.onabort = null;
d.abort({ why: "mine" });
emit([d.signal.reason, d.signal.onabort, log.includes("cleared handler ran")]);
const e = new AbortController();
e.abort(0);
emit(e.signal.reason);
`,
  "AbortSignal.abort and AbortSignal.any": `
const a = AbortSignal.abort();
const b = AbortSignal.abort("custom");
emit([a.aborted, a.reason.name, a.reason.message, b.reason]);
const c1 = new AbortController();
const c2 = new AbortController();
const any = AbortSignal.any([c1.signal, c2.signal]);
const nested = AbortSignal.any([any]);
const log = [];
any.addEventListener("abort", () => log.push(["any", any.reason]));
nested.addEventListener("abort", () => log.push(["nested", nested.reason]));
emit([any.aborted, nested.aborted]);
c2.abort("second");
c1.abort("first");
emit([any.aborted, any.reason, nested.aborted, nested.reason, log]);
const already = AbortSignal.any([new AbortController().signal, b, a]);
emit([already.aborted, already.reason]);
const none = AbortSignal.any([]);
emit(none.aborted);
`,
};

const lines = (text: string) => text.trimEnd().split("\n");

/** What `source` prints on Node's own classes. */
function inNode(source: string): string[] {
  const out: string[] = [];
  new Function("emit", source)((value: unknown) => out.push(JSON.stringify(value)));
  return out;
}

describe("the events group behaves as Node 20's classes do", () => {
  it.each(Object.entries(SAME_AS_NODE))("%s", async (_, source) => {
    const h = await harness();
    h.run(`${emit}${source}`);
    expect(h.stderr()).toBe("");
    const expected = inNode(source);
    expect(expected.length).toBeGreaterThan(0);
    expect(lines(h.stdout())).toEqual(expected);
  });
});

describe("where the sandbox follows the DOM standard rather than Node 20", () => {
  it("preventDefault in a passive listener does nothing (Node 20 marks the event anyway)", async () => {
    const h = await harness();
    h.run(`${emit}
const t = new EventTarget();
t.addEventListener("go", (e) => e.preventDefault(), { passive: true });
const e = new Event("go", { cancelable: true });
emit([t.dispatchEvent(e), e.defaultPrevented]);`);
    expect(lines(h.stdout())).toEqual(["[true,false]"]);
  });

  it("removeEventListener(type, listener, true) removes the capture listener only (Node 20 reads it as false)", async () => {
    const h = await harness();
    h.run(`${emit}
const t = new EventTarget();
const log = [];
const listener = (e) => log.push(e.eventPhase);
t.addEventListener("go", listener);
t.removeEventListener("go", listener, true);
t.dispatchEvent(new Event("go"));
t.addEventListener("go", listener, true);
t.removeEventListener("go", listener, true);
t.dispatchEvent(new Event("go"));
emit(log);`);
    expect(lines(h.stdout())).toEqual(["[2,2]"]);
  });

  it("a dispatch clears the stop flags, so an event can be dispatched again (Node 20 keeps them)", async () => {
    const h = await harness();
    h.run(`${emit}
const t = new EventTarget();
let calls = 0;
t.addEventListener("go", (e) => { calls++; e.stopImmediatePropagation(); });
const e = new Event("go");
t.dispatchEvent(e);
emit([e.cancelBubble, e.target === t, e.currentTarget, e.eventPhase]);
t.dispatchEvent(e);
emit(calls);`);
    expect(lines(h.stdout())).toEqual(["[false,true,null,0]", "2"]);
  });

  it("dispatching an event that is being dispatched throws an InvalidStateError DOMException", async () => {
    const h = await harness();
    h.run(`${emit}
const t = new EventTarget();
const e = new Event("go");
t.addEventListener("go", () => {
  try { t.dispatchEvent(e); emit("no error"); }
  catch (error) { emit([error instanceof DOMException, error.name, error.message]); }
});
emit(t.dispatchEvent(e));`);
    expect(lines(h.stdout())).toEqual([
      '[true,"InvalidStateError","The event \\"go\\" is already being dispatched"]',
      "true",
    ]);
  });

  it("AbortSignal.any: every following signal has its reason before the first abort event fires", async () => {
    const h = await harness();
    h.run(`${emit}
const c = new AbortController();
const any = AbortSignal.any([c.signal]);
const log = [];
c.signal.addEventListener("abort", () => log.push(["source", any.aborted, any.reason]));
any.addEventListener("abort", () => log.push(["any", c.signal.reason]));
c.abort("why");
emit(log);`);
    expect(lines(h.stdout())).toEqual(['[["source",true,"why"],["any","why"]]']);
  });
});

describe("what only the sandbox has", () => {
  it("reports a listener's error on stderr, runs the next listeners, and returns from dispatchEvent", async () => {
    const h = await harness();
    h.run(`${emit}
const t = new EventTarget();
const log = [];
t.addEventListener("go", () => { throw new RangeError("listener one broke"); });
t.addEventListener("go", { handleEvent: "not a function" });
t.addEventListener("go", async () => { throw new Error("async listener broke"); });
t.addEventListener("go", () => log.push("last ran"));
emit([t.dispatchEvent(new Event("go")), log]);`);
    expect(lines(h.stdout())).toEqual(['[true,["last ran"]]']);
    const stderr = h.stderr();
    expect(stderr).toMatch(/Uncaught RangeError: listener one broke/);
    expect(stderr).toMatch(/Uncaught TypeError: .*handleEvent/);
    expect(stderr).toMatch(/Uncaught Error: async listener broke/);
  });

  it("stamps events with the instance's monotonic clock, as performance.now() reads it", async () => {
    const h = await harness();
    h.run(`${emit}
const before = performance.now();
const e = new Event("x");
const after = performance.now();
emit([e.timeStamp >= before, e.timeStamp <= after, new Event("y").timeStamp >= e.timeStamp]);`);
    expect(lines(h.stdout())).toEqual(["[true,true,true]"]);
  });

  it("AbortSignal.timeout aborts with a TimeoutError DOMException once its timer is due", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
export async function wait() {
  const started = performance.now();
  const signal = AbortSignal.timeout(60);
  const events = [];
  signal.onabort = (e) => events.push(e.type);
  const aborted = signal.aborted;
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
  const reason = signal.reason;
  emit({ aborted, after: signal.aborted, events, waited: performance.now() - started,
    reason: [reason instanceof DOMException, reason.name, reason.message, reason.code] });
}`);
    h.plugin.invoke(bytecode, "wait");
    const result = JSON.parse(h.stdout());
    expect(result).toMatchObject({
      aborted: false,
      after: true,
      events: ["abort"],
      reason: [true, "TimeoutError", "The operation was aborted due to timeout", 23],
    });
    expect(result.waited).toBeGreaterThanOrEqual(59);
  });

  it("a pending AbortSignal.timeout does not keep an invocation open: its timer is cancelled with it", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
export async function quick() {
  const signal = AbortSignal.timeout(60_000);
  await null;
  emit(signal.aborted);
}`);
    const started = performance.now();
    h.plugin.invoke(bytecode, "quick");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(lines(h.stdout())).toEqual(["false"]);
    expect(h.plugin.loopState()).toMatchObject({ waiting: false, cancelledTimers: 1 });
  });

  it("AbortSignal.any follows a timeout signal and a controller, whichever aborts first", async () => {
    const h = await harness();
    const bytecode = h.plugin.compile(`${emit}
export async function race() {
  const c = new AbortController();
  const any = AbortSignal.any([c.signal, AbortSignal.timeout(20)]);
  await new Promise((resolve) => { any.onabort = resolve; });
  c.abort("too late");
  emit([any.reason.name, c.signal.reason]);
}`);
    h.plugin.invoke(bytecode, "race");
    expect(lines(h.stdout())).toEqual(['["TimeoutError","too late"]']);
  });
});
