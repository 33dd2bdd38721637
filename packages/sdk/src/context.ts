/**
 * What extension code sees: the context of hooks and jobs, typed host calls and the errors they
 * throw. The built-in operations' types come from their one definition, the table in
 * `@kiln/contracts`; the imports are type-only, so nothing of it reaches the bundle inside QuickJS.
 *
 * @module
 */
import type { BuiltinOperations, FileType } from "@kiln/contracts";
import type { LogLevel } from "./protocol.js";

export type { FileType, LogLevel };

/**
 * Operations an extension may call, by name, with their payload and result types. It holds the
 * operations every host ships, from their table in `@kiln/contracts` (`BuiltinOperations`), each
 * behind its permission: `kv.get`, `kv.list` (`kv.read`), `kv.set`, `kv.delete` (`kv.write`),
 * `files.list`, `files.read`, `files.stat` (`files.read`) and `http.fetch` (`http.fetch`). An
 * application publishes typings for its own by augmenting this interface:
 *
 * ```ts
 * declare module "@kiln/sdk" {
 *   interface Operations { "acme.invoices.get": { input: { id: string }; output: Invoice } }
 * }
 * ```
 */
export interface Operations extends BuiltinOperations {}

/** Payload type of operation `Op`, or `unknown` for an operation without published typings. */
export type OperationInput<Op extends string> = Op extends keyof Operations
  ? Operations[Op] extends { input: infer I }
    ? I
    : unknown
  : unknown;

/** Result type of operation `Op`, or `unknown` for an operation without published typings. */
export type OperationOutput<Op extends string> = Op extends keyof Operations
  ? Operations[Op] extends { output: infer O }
    ? O
    : unknown
  : unknown;

/** What every hook and job gets: logging and host calls. */
export interface ExtensionContext {
  /** The extension's id, from `@extension`. */
  readonly extensionId: string;
  /** Logs at `info`. Arguments are formatted as Node's `console.log` does (`%s` placeholders, `{ a: 1 }`). */
  log(...args: unknown[]): void;
  /** Logs at `debug`. */
  debug(...args: unknown[]): void;
  /** Logs at `warn`. */
  warn(...args: unknown[]): void;
  /** Logs at `error`. */
  error(...args: unknown[]): void;
  /**
   * Calls an operation the host offers. The call is asynchronous: the job goes on (or waits,
   * yielding its worker) while the host serves it, so `await Promise.all([ctx.call(a), ctx.call(b)])`
   * runs both at once. Rejects with a {@link HostCallError} when the host refuses or the operation
   * fails.
   */
  call<Op extends keyof Operations | (string & {})>(
    operation: Op,
    payload?: OperationInput<Op>,
  ): Promise<OperationOutput<Op>>;
}

/** Running totals a job keeps; sent to the host with every progress report and checkpoint. */
export interface JobCounters {
  /** Items processed so far. */
  items: number;
  /** Bytes processed so far. */
  bytes: number;
}

/** The context a job method receives as its first argument. */
export interface JobContext<Input = unknown> extends ExtensionContext {
  /** The job's id in the host's store (`job_…`), or `""` for a job run without a store. */
  readonly jobId: string;
  /** The job's name, as in the manifest. */
  readonly jobName: string;
  /** The input the job was dispatched with (`kiln run … --input JSON`). */
  readonly input: Input;
  /** 1 on the first run; more when the job resumes after a pause or a host crash. */
  readonly attempt: number;
  /**
   * Counters to add to (`ctx.counters.items++`). They are restored from the last checkpoint on
   * resume and sent with every {@link JobContext.progress} and {@link JobContext.checkpoint}.
   */
  readonly counters: JobCounters;
  /** Reports progress: `done` of `total` units (total unknown if omitted), with a note for people. */
  progress(done: number, total?: number, message?: string): void;
  /**
   * Durably saves `state`: if the host dies, the job resumes with it as its second argument. Resolves
   * once the host has written it. If the app asked the job to pause or cancel, it then rejects with
   * {@link JobInterrupted}: let it propagate (the job stops, its checkpoint kept).
   */
  checkpoint(state: unknown): Promise<void>;
  /** True once the app asked this job to pause or cancel; a long loop without checkpoints polls it. */
  readonly interrupted: boolean;
  /** Throws {@link JobInterrupted} if {@link JobContext.interrupted} is true. */
  stopIfInterrupted(): void;
}

/**
 * Thrown by {@link JobContext.checkpoint} and {@link JobContext.stopIfInterrupted} when the app asked
 * the job to pause or cancel. The runtime recognises it: the job ends paused or cancelled, not failed.
 */
export class JobInterrupted extends Error {
  override readonly name = "JobInterrupted";
  /** What the app asked for. */
  readonly reason: "pause" | "cancel";
  constructor(reason: "pause" | "cancel") {
    super(`the job was asked to ${reason}`);
    this.reason = reason;
  }
}

/**
 * Thrown inside the extension when a host call fails. `code` is stable
 * (`KILN_PERMISSION_DENIED`, `KILN_UNKNOWN_OPERATION`, …) so code can branch on it.
 */
export class HostCallError extends Error {
  override readonly name = "HostCallError";
  /** Stable error code from the host. */
  readonly code: string;
  /** The operation that failed. */
  readonly operation: string;
  constructor(operation: string, code: string, message: string) {
    // The code leads the message so that it survives wherever only the message travels (logs,
    // a failed job's error).
    super(`${code}: ${message}`);
    this.code = code;
    this.operation = operation;
  }
}
