import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.js";

describe("RateLimiter", () => {
  it("refills at the steady rate and never beyond the burst", () => {
    let clock = 0;
    const limiter = new RateLimiter({ callsPerSecond: 10, burst: 2 }, () => clock);
    expect([limiter.take("a").ok, limiter.take("a").ok, limiter.take("a").ok]).toEqual([true, true, false]);
    clock += 60_000; // a long quiet period still only buys `burst` calls
    expect([limiter.take("a").ok, limiter.take("a").ok, limiter.take("a").ok]).toEqual([true, true, false]);
    clock += 100;
    expect(limiter.take("a").ok).toBe(true);
  });

  it("says how long until the next token", () => {
    let clock = 0;
    const limiter = new RateLimiter({ callsPerSecond: 4, burst: 1 }, () => clock);
    limiter.take("a");
    clock += 100;
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterMs: 150, limit: { callsPerSecond: 4, burst: 1 } });
  });

  it("does not mint tokens when the clock goes backwards", () => {
    let clock = 1000;
    const limiter = new RateLimiter({ callsPerSecond: 1, burst: 1 }, () => clock);
    expect(limiter.take("a").ok).toBe(true);
    clock = 0;
    expect(limiter.take("a").ok).toBe(false);
    clock = 999;
    expect(limiter.take("a").ok).toBe(false);
    clock = 1999;
    expect(limiter.take("a").ok).toBe(true);
  });

  it("forgets a key's bucket and override", () => {
    const limiter = new RateLimiter({ callsPerSecond: 1, burst: 1 }, () => 0);
    limiter.set("a", { callsPerSecond: 1, burst: 3 });
    limiter.take("a");
    limiter.forget("a");
    expect([limiter.take("a").ok, limiter.take("a").ok]).toEqual([true, false]);
  });

  it.each([
    [{ callsPerSecond: 0, burst: 1 }, /callsPerSecond/],
    [{ callsPerSecond: Number.NaN, burst: 1 }, /callsPerSecond/],
    [{ callsPerSecond: Number.POSITIVE_INFINITY, burst: 1 }, /callsPerSecond/],
    [{ callsPerSecond: 1, burst: 0 }, /burst/],
  ])("refuses %o", (limit, message) => {
    expect(() => new RateLimiter(limit)).toThrow(message);
    expect(() => new RateLimiter(false).set("a", limit)).toThrow(message);
    expect(() => new RateLimiter(limit)).toThrow(expect.objectContaining({ code: "KILN_INVALID_OPTION" }));
  });
});
