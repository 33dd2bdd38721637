/**
 * `performance`: `now()` and `timeOrigin`, from the monotonic clock the host hands the plugin
 * (WASI `clock_time_get`). Nothing else of the Performance API exists in the sandbox.
 *
 * @module
 */
import type { Install } from "./internals.js";

export const install: Install = (kiln) => {
  class Performance {
    get timeOrigin(): number {
      return kiln.timeOrigin;
    }
    now(): number {
      return kiln.now();
    }
    toJSON(): { timeOrigin: number } {
      return { timeOrigin: kiln.timeOrigin };
    }
    get [Symbol.toStringTag](): string {
      return "Performance";
    }
  }
  return { performance: new Performance() };
};
