/**
 * Per-extension token buckets. An extension's synchronous host calls cost the host real work
 * (disk, network, SQLite), so a loop of `ctx.call` in a runaway extension must not starve the
 * others; a bucket allows short bursts and a steady rate.
 *
 * @module
 */
import { KilnError } from "@kiln/contracts/errors";

/** A token bucket's shape: `burst` calls at once, refilled at `callsPerSecond`. */
export interface RateLimit {
  /** Steady rate; must be > 0. */
  readonly callsPerSecond: number;
  /** Bucket size: how many calls may happen back to back after a quiet period; must be >= 1. */
  readonly burst: number;
}

/**
 * The default: above what one job can call in a tight loop of trivial operations (each call blocks
 * its job, so one job makes some tens of thousands a second), so only an application that wants a
 * lower ceiling for costly operations ever sets one.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { callsPerSecond: 100_000, burst: 100_000 };

/** Outcome of {@link RateLimiter.take}. */
export type TakeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryAfterMs: number; readonly limit: RateLimit };

interface Bucket {
  tokens: number;
  /** Clock reading (ms) at the last refill. */
  at: number;
}

/**
 * Throws a `KILN_INVALID_OPTION` {@link KilnError} naming the bad field, so a misconfiguration fails
 * where it is made.
 */
export function checkRateLimit(limit: RateLimit): void {
  if (!(Number.isFinite(limit.callsPerSecond) && limit.callsPerSecond > 0)) {
    throw new KilnError(
      "KILN_INVALID_OPTION",
      `rate limit callsPerSecond must be a finite number > 0, got ${limit.callsPerSecond}`,
    );
  }
  if (!(Number.isFinite(limit.burst) && limit.burst >= 1)) {
    throw new KilnError("KILN_INVALID_OPTION", `rate limit burst must be a finite number >= 1, got ${limit.burst}`);
  }
}

/**
 * Token buckets keyed by extension id. `false` as a limit means unlimited. The clock is injectable
 * so that tests can step time instead of sleeping.
 */
export class RateLimiter {
  readonly #default: RateLimit | false;
  readonly #overrides = new Map<string, RateLimit | false>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(defaultLimit: RateLimit | false, now: () => number = performance.now.bind(performance)) {
    if (defaultLimit) checkRateLimit(defaultLimit);
    this.#default = defaultLimit;
    this.#now = now;
  }

  /** Sets `key`'s own limit (`false`: unlimited); `null` returns it to the default. Resets its bucket. */
  set(key: string, limit: RateLimit | false | null): void {
    if (limit) checkRateLimit(limit);
    if (limit === null) this.#overrides.delete(key);
    else this.#overrides.set(key, limit);
    this.#buckets.delete(key);
  }

  /** Forgets `key`'s bucket and override, e.g. when its extension is unloaded. */
  forget(key: string): void {
    this.#overrides.delete(key);
    this.#buckets.delete(key);
  }

  /** Takes one token for `key` if there is one. */
  take(key: string): TakeResult {
    const limit = this.#overrides.get(key) ?? this.#default;
    if (limit === false) return { ok: true };
    const bucket = this.#refill(key, limit);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / limit.callsPerSecond) * 1000), limit };
  }

  #refill(key: string, limit: RateLimit): Bucket {
    const now = this.#now();
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const fresh = { tokens: limit.burst, at: now };
      this.#buckets.set(key, fresh);
      return fresh;
    }
    // A clock that goes backwards (injected, or adjusted) must not mint negative time.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed / 1000) * limit.callsPerSecond);
    bucket.at = now;
    return bucket;
  }
}
