/**
 * What the plugin hands each group of sandbox globals when it installs them: the few things that
 * need C (bytes from the host's randomness, digests, the clock) or the host (asynchronous calls).
 * Nothing here is reachable from extension code: a group keeps what it needs in its closure.
 *
 * @module
 */

/** The digests `crypto.subtle.digest` offers, computed in C (`c/digest.c`). */
export type DigestAlgorithm = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** The plugin's internals, passed to every group's `install`. */
export interface KilnInternals {
  /** Fills `view` with cryptographically strong random bytes (WASI `random_get`, any length). */
  random(view: Uint8Array): void;
  /** The digest of `bytes`, computed in C. */
  digest(algorithm: DigestAlgorithm, bytes: Uint8Array): ArrayBuffer;
  /** Milliseconds since the instance started, monotonic, with sub-millisecond precision. */
  now(): number;
  /** When the instance started, in milliseconds since the epoch. */
  readonly timeOrigin: number;
  /**
   * Starts the host operation `operation` with a JSON payload and settles with the host's reply,
   * JSON text of `{"ok":true,"value":…}` or `{"ok":false,"error":{"code","message"}}`. Several calls
   * may be in flight at once; the invocation waits for them (see the plugin README, "The event loop").
   */
  callAsync(operation: string, payloadJson: string): Promise<string>;
  /**
   * A promise's state without waiting for it: `[0]` pending, `[1, value]` fulfilled, `[2, reason]`
   * rejected; undefined for anything that is not a native promise. For printing it, as Node does.
   */
  promiseState(promise: object): readonly [state: 0 | 1 | 2, result: unknown] | undefined;
  /** Loads another group (cached), e.g. `inspect` for its formatter. */
  group(name: string): Record<string, unknown>;
}

/**
 * A group of globals: `install` runs once per instance, the first time one of the group's globals
 * is touched, and returns the group's values by global name (see `groups.ts`).
 */
export type Install = (kiln: KilnInternals) => Record<string, unknown>;
