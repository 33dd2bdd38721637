/**
 * What the hostile corpus and the fuzzer share: building the cases with the real pipeline, a host
 * with the application operation the cases call, bounded waits, and checks that nothing was left
 * running (threads and CPU of this process).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { buildExtension } from "@kiln/codegen";
import { ExtensionHost, type ExtensionHostOptions, KilnError, type LogEntry } from "@kiln/host";

/** Where the cases live: `cases/<name>/src/index.ts`. */
export const CASES_DIR = new URL("../cases/", import.meta.url).pathname;

/** The application permission the cases may ask for, published at build time. */
export const APP_PERMISSION = "hostile.echo";

/** Builds `names` with `buildExtension`, a few at a time; returns name → dist folder. */
export async function buildCases(names: readonly string[], outRoot: string, batch = 4): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < names.length; i += batch) {
    await Promise.all(
      names.slice(i, i + batch).map(async (name) => {
        const outDir = join(outRoot, name);
        await buildExtension({ projectDir: join(CASES_DIR, name), outDir, knownPermissions: [APP_PERMISSION] });
        out.set(name, outDir);
      }),
    );
  }
  return out;
}

/** A log line as kept by the test logger: long messages cut, their length kept. */
export interface KeptLog extends LogEntry {
  readonly length: number;
}

/** Log lines the host gave the application, bounded so a flood cannot exhaust the test's memory. */
export class LogSink {
  readonly entries: KeptLog[] = [];
  /** Bytes of message text per extension id, all lines counted. */
  readonly bytes = new Map<string, number>();
  /** Lines per extension id, all lines counted. */
  readonly lines = new Map<string, number>();
  readonly #max: number;
  constructor(max = 20_000) {
    this.#max = max;
  }
  readonly logger = (entry: LogEntry): void => {
    const length = entry.message.length;
    this.bytes.set(entry.extensionId, (this.bytes.get(entry.extensionId) ?? 0) + length);
    this.lines.set(entry.extensionId, (this.lines.get(entry.extensionId) ?? 0) + 1);
    // Lines that carry a code are always kept: they are what the tests look for.
    if (this.entries.length >= this.#max && !/KILN_/.test(entry.message.slice(0, 4096))) return;
    this.entries.push({
      ...entry,
      message: length > 4096 ? `${entry.message.slice(0, 4096)}…` : entry.message,
      length,
    });
  };
  /** Kept lines of one extension (and one job, if given) that mention `code`. */
  mentioning(code: string, extensionId: string, jobId?: string): KeptLog[] {
    return this.entries.filter(
      (e) =>
        e.extensionId === extensionId && (jobId === undefined || e.jobId === jobId) && JSON.stringify(e).includes(code),
    );
  }
}

/**
 * A host with an in-file store, the test logger and the application operation `hostile.echo`
 * (`handler: async (x) => x`, any JSON input).
 */
export function openHost(store: string, options: Omit<ExtensionHostOptions, "store" | "logger"> = {}) {
  const logs = new LogSink();
  const host = new ExtensionHost({ ...options, store, logger: logs.logger });
  host.operations.register({
    name: "hostile.echo",
    permission: APP_PERMISSION,
    handler: async (x: unknown) => x,
  });
  return { host, logs };
}

/** Whether `error` is what the host may throw: a `KilnError`, or at least an error with a `KILN_` code. */
export function isKilnError(error: unknown): error is { code: string; message: string } {
  if (error instanceof KilnError) return true;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    /^KILN_[A-Z0-9_]+$/.test((error as { code: string }).code)
  );
}

/** The code of a rejection, or a description of what was thrown instead (which fails a `toBe`). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return isKilnError(error) ? error.code : `not a KilnError: ${String(error)}`;
  }
}

/** Thrown by {@link withTimeout}. */
export class TimedOut extends Error {
  override readonly name = "TimedOut";
}

/** `promise`, or a {@link TimedOut} rejection after `ms`: no wait in these tests is unbounded. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Threads of this process (Linux), or undefined elsewhere: the host's pool workers among them. */
export function threadCount(): number | undefined {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return undefined;
  }
}

/**
 * Waits until this process has at most `atMost` threads: every worker the case started is gone.
 * Resolves with the last count seen (compare it to `atMost`).
 */
export async function threadsSettle(atMost: number | undefined, ms = 10_000): Promise<number | undefined> {
  if (atMost === undefined) return undefined;
  const until = Date.now() + ms;
  let count = threadCount();
  while (count !== undefined && count > atMost && Date.now() < until) {
    await sleep(50);
    count = threadCount();
  }
  return count;
}

/**
 * CPU time this process uses per wall-clock second over `ms`, the smallest of a few windows: close
 * to 0 when idle, 1 or more while some thread (a worker nobody stopped) spins.
 */
export async function idleCpu(ms = 300, windows = 4): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < windows; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await sleep(ms);
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (used.user + used.system) / 1000 / (performance.now() - start));
    if (best < 0.2) break;
  }
  return best;
}

/** `[[[…0…]]]`, `depth` arrays deep. */
export function deep(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

export const MiB = 1024 * 1024;
