/**
 * The protocol between the SDK runtime (inside QuickJS) and the host, defined once: the runtime
 * operations it sends through `__kiln.call` and the payloads both sides exchange. The host imports
 * this module (`@kiln/sdk/protocol`); extension authors never need it.
 *
 * @module
 */
import type { ExtensionContext, JobCounters } from "./context.js";

/** Log levels an extension can write at; the host tags every line with the level and the extension id. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Operations the SDK runtime itself sends through the plugin's host call. They start with `$` so
 * that no application operation (`files.read`, `kv.get`, …) can collide with them.
 */
export const RuntimeOps = {
  /** {@link LogPayload}: a log line from `ctx.log/warn/error`. */
  log: "$log",
  /** {@link CompletePayload}: how the current export ended. */
  complete: "$complete",
  /** {@link ProgressPayload}: a job's progress report. */
  progress: "$progress",
  /** {@link CheckpointPayload}: persist a job checkpoint; replies once it is durable. */
  checkpoint: "$checkpoint",
  /** `null`: replies `"none"`, `"pause"` or `"cancel"`, what the host asks of the running job. */
  interrupted: "$interrupted",
} as const;

/** What the host writes on fd 0 before invoking a job export. */
export interface JobEnvelope {
  readonly input?: unknown;
  /** `{}` on a first run, else the last checkpointed state. */
  readonly state?: unknown;
  /** The job's id in the store; absent for a job run without one. */
  readonly jobId?: string;
  /** 1 on the first run. */
  readonly attempt?: number;
  /** The counters saved with the checkpoint the job resumes from. */
  readonly counters?: Partial<JobCounters>;
}

/**
 * The `ExtensionContext` method that logs at each level: the name of the function called at a log
 * call's site, by which the host finds the call's column in the source map (see {@link LogPayload}).
 */
export const LogMethods = {
  debug: "debug",
  info: "log",
  warn: "warn",
  error: "error",
} as const satisfies Record<LogLevel, keyof ExtensionContext>;

/** Payload of `$log`. */
export interface LogPayload {
  readonly level: LogLevel;
  readonly message: string;
  /**
   * The line of the bundle (`function.mjs`, 1-based) on which the extension called the
   * {@link LogMethods} method of `level`, as the plugin's `__kiln.callSite` reports it; absent when
   * the plugin cannot say. The host maps it to the author's file, line and column.
   */
  readonly line?: number;
}

/** Payload of `$complete`: the export's result, or a job that stopped for a pause or cancel. */
export type CompletePayload = { readonly value: unknown } | { readonly interrupted: true };

/** Payload of `$progress`. */
export interface ProgressPayload {
  readonly done: number;
  readonly total: number | null;
  readonly message: string | null;
  readonly counters: JobCounters;
}

/** Payload of `$checkpoint`: the state, with the progress and counters it goes with. */
export interface CheckpointPayload {
  readonly state: unknown;
  readonly progress: Omit<ProgressPayload, "counters">;
  readonly counters: JobCounters;
}

/** What `$interrupted` replies. */
export type InterruptRequest = "none" | "pause" | "cancel";
