import { KilnError } from "@kiln/contracts/errors";
import type { LogLevel } from "@kiln/sdk/protocol";

// Severity of a log line, as the extension wrote it (`stdout` lines are `info`, `stderr` lines
// `error`): the runtime protocol's `LogLevel`, defined in @kiln/sdk/protocol.
export type { LogLevel };

/**
 * Where in the extension's code a log line was written: its `ctx.log(…)` (`debug`, `warn`, `error`)
 * or `console.log(…)` (any console method) call. With the source map `kiln build` stores in the
 * module, the author's file, line and column, as mapped stack frames show them; without one (a
 * module built with `sourceMap: false`, or a line the map does not cover), the line of the bundle,
 * `function.mjs`, and no column: QuickJS records a line per bytecode position, not a column.
 */
export interface LogLocation {
  /** `src/report.ts` (relative to the project), `node_modules/<package>/…`, or `function.mjs`. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based: the column of the called method's name (`log` in `ctx.log(…)`). */
  readonly column?: number;
}

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
  /**
   * The call that wrote it, for `ctx.log` and friends and for console methods; absent for lines
   * the host writes itself, for `Javy.IO.writeSync` output, and for plugins that cannot say.
   */
  readonly location?: LogLocation;
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

/** Default for {@link LineSplitterOptions.maxLineBytes}: 64 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/** What {@link LineSplitter} appends to a line it had to cut. */
export const TRUNCATED_MARKER = "…[truncated]";

/** Options of {@link LineSplitter}. */
export interface LineSplitterOptions {
  /**
   * Longest line, in UTF-8 bytes (without its newline). A longer line is emitted as soon as it
   * passes the limit, cut to it (at a character boundary) and marked {@link TRUNCATED_MARKER};
   * the rest, up to the next newline, is dropped. Default {@link DEFAULT_MAX_LINE_BYTES}.
   */
  readonly maxLineBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines and hands each complete line on. Output is buffered until a
 * newline so that a `console.log` written in several `fd_write` calls becomes one log entry.
 *
 * Linear and bounded: each write is scanned once for newlines (the pending part of a line is kept
 * as chunks, never rescanned or re-joined), and a line holds at most `maxLineBytes`, so an
 * extension writing 100 MB without a newline costs one pass and 64 KiB, not quadratic time and
 * 100 MB. Lines are decoded as UTF-8 whole, so a character split across writes comes out intact.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #max: number;
  readonly #decoder = new TextDecoder();
  /** Bytes of the current line so far, as written (copies: the caller may reuse its buffer). */
  #chunks: Uint8Array[] = [];
  #pendingBytes = 0;
  /** The current line was already emitted truncated: drop bytes until the next newline. */
  #dropping = false;

  /** Throws a `KILN_INVALID_OPTION` error for a `maxLineBytes` that is not a whole number ≥ 1. */
  constructor(onLine: (line: string) => void, options: LineSplitterOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(max) || max < 1) {
      throw new KilnError("KILN_INVALID_OPTION", `maxLineBytes must be a whole number ≥ 1, got ${String(max)}`);
    }
    this.#onLine = onLine;
    this.#max = max;
  }

  /** Adds bytes; emits every line they complete, and a line that passes the limit. */
  push(bytes: Uint8Array): void {
    let start = 0;
    while (start < bytes.length) {
      const nl = bytes.indexOf(NEWLINE, start);
      const end = nl === -1 ? bytes.length : nl;
      if (nl !== -1 && !this.#dropping && this.#pendingBytes === 0 && end - start <= this.#max) {
        // The common case, a whole line in one write: no copy.
        this.#onLine(this.#decoder.decode(bytes.subarray(start, end)));
      } else {
        if (!this.#dropping) this.#take(bytes, start, end);
        if (nl === -1) return;
        this.#endLine();
      }
      start = nl + 1;
    }
  }

  /** Emits a final unterminated line, if any, and starts afresh. */
  flush(): void {
    this.#endLine();
  }

  /**
   * Keeps `bytes[start, end)` of the current line, copying at most one byte past the limit; once
   * the line is over it, emits the line truncated and drops the rest.
   */
  #take(bytes: Uint8Array, start: number, end: number): void {
    const take = Math.min(end - start, this.#max + 1 - this.#pendingBytes);
    if (take <= 0) return;
    this.#chunks.push(bytes.slice(start, start + take));
    this.#pendingBytes += take;
    if (this.#pendingBytes <= this.#max) return;
    const line = this.#joined();
    // Cut at most `max` bytes, between two characters: back off while the byte after the cut is
    // a UTF-8 continuation byte (10xxxxxx), at most three (a character has at most four bytes).
    let cut = this.#max;
    while (cut > 0 && this.#max - cut < 3 && ((line[cut] as number) & 0xc0) === 0x80) cut--;
    const text = this.#decoder.decode(line.subarray(0, cut)) + TRUNCATED_MARKER;
    // State first: a throwing `onLine` must not leave the line half-handled.
    this.#reset();
    this.#dropping = true;
    this.#onLine(text);
  }

  /** At a newline (or flush): emits the pending line unless it was already emitted truncated. */
  #endLine(): void {
    const text = !this.#dropping && this.#pendingBytes > 0 ? this.#decoder.decode(this.#joined()) : undefined;
    this.#reset();
    if (text !== undefined) this.#onLine(text);
  }

  /** The pending chunks as one buffer. */
  #joined(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0] as Uint8Array;
    const out = new Uint8Array(this.#pendingBytes);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  #reset(): void {
    this.#chunks = [];
    this.#pendingBytes = 0;
    this.#dropping = false;
  }
}
