/**
 * Ctrl-C (and SIGTERM) while jobs run: the first asks the command to stop them gracefully; a second
 * one exits at once (a job left running in a store file is recovered by `kiln jobs resume`).
 *
 * @module
 */

/** Listens for SIGINT and SIGTERM until {@link Interrupts.dispose}. */
export class Interrupts {
  /** The first signal received, if any. */
  signal: NodeJS.Signals | undefined;
  readonly #onFirst: () => void;
  readonly #handler = (signal: NodeJS.Signals) => {
    if (this.signal) {
      process.stderr.write(`\nkiln: ${signal} again: exiting now\n`);
      process.exit(exitCodeOf(signal));
    }
    this.signal = signal;
    this.#onFirst();
  };

  /** @param onFirst called on the first signal: stop the jobs gracefully. */
  constructor(onFirst: () => void) {
    this.#onFirst = onFirst;
    process.on("SIGINT", this.#handler);
    process.on("SIGTERM", this.#handler);
  }

  /** The exit code for the signal received: 130 for SIGINT, 143 for SIGTERM. */
  get exitCode(): number {
    return exitCodeOf(this.signal ?? "SIGINT");
  }

  /** Stops listening. */
  dispose(): void {
    process.off("SIGINT", this.#handler);
    process.off("SIGTERM", this.#handler);
  }
}

function exitCodeOf(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? 143 : 130;
}
