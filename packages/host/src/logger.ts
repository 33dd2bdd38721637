/** Severity of a log line, as the extension wrote it (`stdout` lines are `info`, `stderr` lines `error`). */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One line an extension logged, tagged with where it came from. */
export interface LogEntry {
  readonly extensionId: string;
  readonly level: LogLevel;
  readonly message: string;
  /** `ctx.log` and friends, or raw output of `console.log` (stdout) / `console.error` (stderr). */
  readonly source: "log" | "stdout" | "stderr";
  /** The job that was running when the line was written, if any. */
  readonly jobName?: string;
  /** Its id in the job store, when it was dispatched through `host.jobs`. */
  readonly jobId?: string;
}

/** Where the host sends extension log lines. */
export type Logger = (entry: LogEntry) => void;

/** Prints `[extension-id] message` lines, warnings and errors to stderr, the rest to stdout. */
export const consoleLogger: Logger = (entry) => {
  const tag = entry.level === "info" ? "" : `${entry.level}: `;
  const line = `[${entry.extensionId}] ${tag}${entry.message}`;
  if (entry.level === "warn" || entry.level === "error") console.error(line);
  else console.log(line);
};

/**
 * Splits a byte stream into lines and hands each complete line on. Output is buffered until a
 * newline so that a `console.log` written in several `fd_write` calls becomes one log entry.
 */
export class LineSplitter {
  #pending = "";
  readonly #decoder = new TextDecoder();
  constructor(private readonly onLine: (line: string) => void) {}
  /** Adds bytes; emits every line they complete. */
  push(bytes: Uint8Array): void {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    let nl = this.#pending.indexOf("\n");
    while (nl >= 0) {
      this.onLine(this.#pending.slice(0, nl));
      this.#pending = this.#pending.slice(nl + 1);
      nl = this.#pending.indexOf("\n");
    }
  }
  /** Emits a final unterminated line, if any. */
  flush(): void {
    if (this.#pending) this.onLine(this.#pending);
    this.#pending = "";
  }
}
