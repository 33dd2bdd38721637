/**
 * The event loop across the wall: jobs that wait on timers and asynchronous host calls yield
 * their worker, run host calls at once, and stay under the host's limits and stops while they
 * wait. Real host, real plugin, real workers.
 */
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ExtensionHost, type LogEntry } from "../src/index.js";
import { makeExtension } from "./fixtures.js";

const dirs: string[] = [];
const hosts: ExtensionHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Jobs that wait: `acall` is the SDK's `ctx.call` reduced to the plugin's `__kiln.callAsync`. */
const WAITERS = `
const acall = async (op, payload) => {
  const reply = JSON.parse(await __kiln.callAsync(op, JSON.stringify(payload)));
  if (!reply.ok) { const e = new Error(reply.error.code + ": " + reply.error.message); e.code = reply.error.code; throw e; }
  return reply.value;
};
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
export function kilnInit() {} export function kilnCleanup() {}
export async function jobSleep() { const { input } = readInput(); const t0 = Date.now(); await pause(input.ms); complete(Date.now() - t0); }
export async function jobSlowAll() {
  const { input } = readInput();
  const t0 = Date.now();
  const replies = await Promise.all(Array.from({ length: input.n }, (_, i) => acall("fixture.slow", i)));
  complete({ replies, ms: Date.now() - t0 });
}
export async function jobSlowSequence() {
  const { input } = readInput();
  const t0 = Date.now();
  for (let i = 0; i < input.n; i++) await acall("fixture.slow", i);
  complete(Date.now() - t0);
}
export async function jobEchoes() { const { input } = readInput(); let s = 0; for (let i = 0; i < input.n; i++) s += await acall("fixture.echo", i); complete(s); }
export async function jobFlood() {
  const { input } = readInput();
  const settled = await Promise.allSettled(Array.from({ length: input.n }, (_, i) => acall("fixture.echo", i)));
  const codes = {};
  for (const s of settled) { const k = s.status === "fulfilled" ? "ok" : s.reason.code; codes[k] = (codes[k] ?? 0) + 1; }
  const again = await acall("fixture.echo", "after");
  complete({ codes, again });
}
export async function jobRefused() { try { await acall("fixture.unknown", {}); } catch (e) { complete(e.code); } }
export async function jobLeaves() { setTimeout(() => {}, 60000); setInterval(() => {}, 1000); acall("fixture.slow", 1); complete("left"); }
export async function jobNever() { await new Promise(() => {}); }
export async function jobThrowsLater() { setTimeout(() => { throw new RangeError("from a timer"); }, 5); await pause(1000); complete("unreachable"); }
export async function jobTicks() {
  const { input } = readInput(); const seen = []; let n = 0;
  await new Promise((done) => { const id = setInterval(() => { seen.push(n); if (++n === input.n) { clearInterval(id); done(); } }, 2); });
  complete(seen.length);
}
`;
const JOBS = [
  "flood",
  "sleep",
  "slow-all",
  "slow-sequence",
  "echoes",
  "refused",
  "leaves",
  "never",
  "throws-later",
  "ticks",
];
const PING = `export function kilnInit() {} export function kilnCleanup() {} export function jobPing() { complete("pong"); }`;

async function setup(options: ConstructorParameters<typeof ExtensionHost>[0] = {}) {
  const logs: LogEntry[] = [];
  const host = new ExtensionHost({ logger: (e) => logs.push(e), ...options });
  hosts.push(host);
  host.operations.register({
    name: "fixture.slow",
    permission: "fixture.slow",
    handler: (x: unknown, ctx) =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve(x), 100);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          resolve(null);
        });
      }),
  });
  host.operations.register({ name: "fixture.echo", permission: "fixture.echo", handler: async (x: unknown) => x });
  const waiters = await makeExtension({
    id: "waiters",
    source: WAITERS,
    jobs: JOBS,
    manifest: (m) => ({ ...m, permissions: ["fixture.slow", "fixture.echo"], limits: { concurrentJobs: 8 } }),
  });
  const ping = await makeExtension({ id: "ping", source: PING, jobs: ["ping"] });
  dirs.push(waiters, ping);
  await host.load(waiters, { permissions: "*" });
  await host.load(ping);
  return { host, logs };
}

describe("timers", () => {
  it("a job waits on a timer, and the host answers after it", async () => {
    const { host } = await setup();
    const waited = (await host.run("waiters", "sleep", { ms: 50 })) as number;
    expect(waited).toBeGreaterThanOrEqual(49);
    expect(waited).toBeLessThan(1000);
    expect(await host.run("waiters", "ticks", { n: 20 })).toBe(20);
  });

  it("a waiting job leaves its worker to others: one worker runs a ping while a job sleeps", async () => {
    const { host } = await setup({ workers: 1, maxWorkers: 1 });
    const sleeping = host.run("waiters", "sleep", { ms: 400 });
    const t0 = Date.now();
    expect(await host.run("ping", "ping")).toBe("pong");
    const pingMs = Date.now() - t0;
    expect(pingMs).toBeLessThan(400);
    expect(await sleeping).toBeGreaterThanOrEqual(399);
  });

  it("a timer's throw fails the job with that error", async () => {
    const { host } = await setup();
    await expect(host.run("waiters", "throws-later")).rejects.toThrow(/from a timer/);
  });

  it("a promise nothing can settle fails at once instead of hanging", async () => {
    const { host } = await setup();
    await expect(host.run("waiters", "never")).rejects.toThrow(/never settled/);
  });

  it("timers and calls left at completion are cancelled and logged", async () => {
    const { host, logs } = await setup();
    expect(await host.run("waiters", "leaves")).toBe("left");
    const warning = logs.find((l) => l.level === "warn" && /still pending/.test(l.message));
    expect(warning?.message).toMatch(/2 timers and 1 host call still pending when the invocation ended were cancelled/);
  });
});

describe("asynchronous host calls", () => {
  it("Promise.all of ten 100 ms operations takes about 100 ms, not 1 s", async () => {
    const { host } = await setup();
    const all = (await host.run("waiters", "slow-all", { n: 10 })) as { replies: number[]; ms: number };
    expect(all.replies).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sequence = (await host.run("waiters", "slow-sequence", { n: 3 })) as number;
    console.log(`10 concurrent 100 ms calls: ${all.ms} ms; 3 in sequence: ${sequence} ms`);
    expect(sequence).toBeGreaterThanOrEqual(299);
    expect(all.ms).toBeLessThan(600);
  });

  it("many calls in sequence all get their own replies", async () => {
    const { host } = await setup();
    expect(await host.run("waiters", "echoes", { n: 2000 })).toBe((1999 * 2000) / 2);
  });

  it("at most 256 calls of a job are in flight: the rest are refused, and the job goes on", async () => {
    const { host } = await setup();
    expect(await host.run("waiters", "flood", { n: 300 })).toEqual({
      codes: { ok: 256, KILN_TOO_MANY_CALLS: 44 },
      again: "after",
    });
  });

  it("a refused call rejects with the host's code", async () => {
    const { host } = await setup();
    expect(await host.run("waiters", "refused")).toBe("KILN_UNKNOWN_OPERATION");
  });
});

describe("limits and stops apply while a job waits", () => {
  it("the job's time limit stops a job waiting on a long timer", async () => {
    const { host } = await setup();
    const t0 = Date.now();
    await expect(host.run("waiters", "sleep", { ms: 60_000 }, { timeoutMs: 200 })).rejects.toMatchObject({
      code: "KILN_JOB_TIMEOUT",
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("cancel stops a job waiting on a timer (after the grace), and the instance serves the next job", async () => {
    const { host } = await setup({ stopGraceMs: 100 });
    const id = await host.jobs.dispatch("waiters", "sleep", { ms: 60_000 });
    for (let i = 0; i < 100 && (await host.jobs.get(id))?.state !== "running"; i++) await sleep(10);
    const t0 = Date.now();
    await host.jobs.cancel(id);
    const ended = await host.jobs.wait(id);
    expect(ended.state).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await host.run("waiters", "sleep", { ms: 1 })).toBeGreaterThanOrEqual(0);
  });

  it("unloading ends a waiting job at once", async () => {
    const { host } = await setup();
    const running = host.run("waiters", "sleep", { ms: 60_000 });
    running.catch(() => undefined);
    await sleep(100);
    const t0 = Date.now();
    await host.unload("waiters");
    await expect(running).rejects.toBeDefined();
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
