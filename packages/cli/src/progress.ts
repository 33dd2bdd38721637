/**
 * Progress rendering for the `kiln` CLI, without dependencies.
 *
 * - On a terminal (`tty: true`): one line per running job, redrawn in place on stderr:
 *   `steps [███████░░░░░] 60% 6/10 step 6` (or `steps ⠹ 6 done …` when the job gave no total).
 *   Log lines still go to stdout: the bars are cleared before a line is written and redrawn after,
 *   so they never interleave.
 * - Otherwise (piped, CI): plain lines on stdout, `progress 6/10 60% step 6`, at most one every
 *   `throttleMs` per job, plus always the last one when the job finishes.
 *
 * @module
 */
import type { JobProgress } from "@kiln/host";

/** Where the renderer writes: `process.stdout`/`process.stderr` or anything with `write`. */
export interface ProgressStream {
  write(text: string): unknown;
  /** Terminal width, when the stream is a terminal. */
  readonly columns?: number | undefined;
}

/** Options of {@link ProgressView}. */
export interface ProgressViewOptions {
  /** Redraw bars on `err` (true) or print plain `progress` lines on `out` (false). */
  readonly tty: boolean;
  /** Logs, plain progress lines and results. */
  readonly out: ProgressStream;
  /** The redrawn bars. */
  readonly err: ProgressStream;
  /** Plain lines: at most one per job this often, in ms (the final one is always printed). Default 200. */
  readonly throttleMs?: number;
  /** Bars: redraw at most this often, in ms. Default 80. */
  readonly redrawMs?: number;
  /** Name each job in plain lines too (`progress <label> 6/10 …`): for commands that follow several jobs. */
  readonly labelPlainLines?: boolean;
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface Tracked {
  label: string;
  progress: JobProgress | undefined;
  /** Plain mode: when the last line was printed, and whether the latest progress is printed yet. */
  printedAt: number;
  pending: boolean;
  /** Plain mode: the last line printed, not to print the same one twice. */
  printed: string | undefined;
}

const BAR_WIDTH = 20;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** `60%` for 6 of 10; null when the total is unknown. */
export function percent(p: JobProgress): number | null {
  if (p.total === null || p.total === undefined || p.total <= 0) return null;
  return Math.max(0, Math.min(100, Math.floor((p.done / p.total) * 100)));
}

/** `6/10 60%`, `6 done` without a total: the progress column of `kiln jobs list` and plain lines. */
export function formatCount(p: JobProgress): string {
  const pct = percent(p);
  return pct === null ? `${p.done} done` : `${p.done}/${p.total} ${pct}%`;
}

/** `progress 6/10 60% message`: the line printed when stderr is not a terminal. */
export function formatPlainLine(p: JobProgress, label?: string): string {
  return ["progress", ...(label ? [label] : []), formatCount(p), ...(p.message ? [oneLine(p.message)] : [])].join(" ");
}

/** `label [██████░░░░] 60% 6/10 message`, cut to `width` characters. */
export function formatBar(label: string, p: JobProgress | undefined, frame = 0, width = 80): string {
  let line: string;
  const pct = p ? percent(p) : null;
  if (!p) {
    line = `${label} ${SPINNER[frame % SPINNER.length]} starting`;
  } else if (pct === null) {
    line = `${label} ${SPINNER[frame % SPINNER.length]} ${p.done} done`;
  } else {
    const filled = Math.round((pct / 100) * BAR_WIDTH);
    line = `${label} [${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}] ${pct}% ${p.done}/${p.total}`;
  }
  if (p?.message) line += ` ${oneLine(p.message)}`;
  // Never wrap: a wrapped line cannot be redrawn in place. Code points, so a bar char is not split.
  const chars = [...line];
  return chars.length > width - 1 ? `${chars.slice(0, Math.max(1, width - 2)).join("")}…` : line;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Renders the progress of one or more jobs; see the module comment. */
export class ProgressView {
  readonly #options: ProgressViewOptions;
  readonly #jobs = new Map<string, Tracked>();
  readonly #now: () => number;
  /** Bar lines on screen now (tty mode). */
  #drawn = 0;
  #lastDraw = 0;
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Keeps the spinner turning while bars are shown, even when no progress arrives. */
  #ticker: NodeJS.Timeout | undefined;

  constructor(options: ProgressViewOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts following a job, optionally with the progress it already had (a resumed job). */
  start(jobId: string, label: string, progress?: JobProgress): void {
    const hasProgress = progress !== undefined && (progress.done > 0 || progress.total !== null);
    this.#jobs.set(jobId, {
      label,
      progress: hasProgress ? progress : undefined,
      printedAt: 0,
      pending: false,
      printed: undefined,
    });
    if (!this.#options.tty) return;
    this.#redraw(true);
    if (!this.#ticker) {
      this.#ticker = setInterval(() => this.#redraw(false), 120);
      this.#ticker.unref?.();
    }
  }

  /** New progress of a followed job (others are ignored). */
  update(jobId: string, progress: JobProgress): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    job.progress = { done: progress.done, total: progress.total ?? null, message: progress.message ?? null };
    if (this.#options.tty) {
      this.#redraw(false);
      return;
    }
    job.pending = true;
    const now = this.#now();
    if (now - job.printedAt >= (this.#options.throttleMs ?? 200)) this.#printPlain(job, now);
  }

  /** Writes a line on stdout (a log line, a result), keeping the bars below it. */
  line(text: string): void {
    if (!this.#options.tty) {
      this.#options.out.write(`${text}\n`);
      return;
    }
    this.#clear();
    this.#options.out.write(`${text}\n`);
    this.#redraw(true);
  }

  /** Writes a line on stderr (a notice for people), keeping the bars below it. */
  note(text: string): void {
    this.#clear();
    this.#options.err.write(`${text}\n`);
    if (this.#options.tty) this.#redraw(true);
  }

  /**
   * Stops following a job. Plain mode prints its last progress if it was held back by the
   * throttle; tty mode removes its bar.
   */
  finish(jobId: string): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    if (!this.#options.tty) {
      if (job.pending && job.progress) this.#printPlain(job, this.#now());
      this.#jobs.delete(jobId);
      return;
    }
    this.#clear();
    this.#jobs.delete(jobId);
    if (this.#jobs.size > 0) this.#redraw(true);
    else this.#stopTicker();
  }

  /** Removes every bar from the screen and stops the spinner; the view may not be used after. */
  close(): void {
    for (const id of [...this.#jobs.keys()]) this.finish(id);
    this.#clear();
    this.#stopTicker();
  }

  #stopTicker(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #printPlain(job: Tracked, now: number): void {
    if (!job.progress) return;
    const line = formatPlainLine(job.progress, this.#options.labelPlainLines ? job.label : undefined);
    job.pending = false;
    if (line === job.printed) return;
    this.#options.out.write(`${line}\n`);
    job.printedAt = now;
    job.printed = line;
  }

  /** Redraws the bars, at most every `redrawMs` unless forced; a held-back redraw happens later. */
  #redraw(force: boolean): void {
    const now = this.#now();
    const every = this.#options.redrawMs ?? 80;
    if (!force && now - this.#lastDraw < every) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#redraw(true);
      }, every);
      this.#timer.unref?.();
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastDraw = now;
    this.#frame++;
    const width = this.#options.err.columns || 80;
    const lines = [...this.#jobs.values()].map((j) => formatBar(j.label, j.progress, this.#frame, width));
    // Go back to the first bar line, clear to the end of the screen, write the bars.
    if (lines.length === 0 && this.#drawn === 0) return;
    this.#options.err.write(`${this.#up()}\r\x1b[J${lines.join("\n")}`);
    this.#drawn = lines.length;
  }

  #clear(): void {
    if (!this.#options.tty || this.#drawn === 0) return;
    this.#options.err.write(`${this.#up()}\r\x1b[J`);
    this.#drawn = 0;
  }

  #up(): string {
    return this.#drawn > 1 ? `\x1b[${this.#drawn - 1}A` : "";
  }
}
