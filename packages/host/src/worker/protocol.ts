/**
 * Messages between the host (main thread) and an extension's worker thread. Each extension instance
 * runs in a worker so that a long or runaway job never blocks the application's event loop, and so
 * that it can be stopped even when its code never returns to the interpreter (V8 cannot interrupt
 * Wasm on the main thread).
 *
 * Host calls are synchronous inside QuickJS but may be asynchronous in the application (a database
 * query, an HTTP request): the worker posts the call, with a sequence number, on a dedicated port
 * and blocks on `Atomics.wait`; the host answers on the port, then stores the call's sequence
 * number in the shared `reply` slot and wakes the worker. The worker waits until that slot holds
 * *its* call's number, so a late wake-up meant for an earlier call is never taken for a reply.
 *
 * Stops (cancel, pause after its grace, deadline) are a value the host stores in the shared `stop`
 * slot; QuickJS's interrupt handler reads it every 10,000 interpreter steps, so running code stops
 * within milliseconds and the instance stays usable.
 *
 * @module
 */

import type { MessagePort } from "node:worker_threads";
import type { KilnErrorCode } from "@kiln/contracts/errors";
import type { ProgressPayload } from "@kiln/sdk/protocol";
import type { LogLevel } from "../logger.js";

/** Slots of the shared `Int32Array` both sides see. */
export const Control = {
  /** Sequence number of the last host call the host answered. */
  reply: 0,
  /** What the host asks of the running job: {@link Interrupt}. Read by `ctx.interrupted` with no round trip. */
  interrupt: 1,
  /** Why the host stops the running code now: {@link StopReason}; 0 to let it run. */
  stop: 2,
} as const;

/** Number of `Int32` slots in the control block. */
export const CONTROL_SLOTS = 4;

/** Values of the `interrupt` slot. */
export const Interrupt = { none: 0, pause: 1, cancel: 2 } as const;

/** Values of the `stop` slot, and why an invocation was stopped. */
export const StopReason = { none: 0, pause: 1, cancel: 2, deadline: 3, instructions: 4, shutdown: 5 } as const;

/** Why a running invocation was stopped by the host. */
export type StopKind = Exclude<keyof typeof StopReason, "none">;

/** The limits the worker itself enforces on what crosses the wall; fixed for an instance. */
export interface WorkerLimits {
  readonly memoryBytes: number;
  readonly payloadBytes: number;
  readonly valueDepth: number;
  readonly resultBytes: number;
  readonly checkpointBytes: number;
  readonly logBytes: number;
}

/** `workerData` of an extension worker. */
export interface WorkerInit {
  readonly extensionId: string;
  readonly pluginModule: WebAssembly.Module;
  readonly module: WebAssembly.Module;
  readonly namespace: string;
  readonly control: SharedArrayBuffer;
  readonly callPort: MessagePort;
  readonly limits: WorkerLimits;
}

/** Host → worker. */
export type ToWorker = {
  readonly type: "invoke";
  readonly seq: number;
  readonly export: string;
  readonly stdin?: Uint8Array;
  /** `Date.now()` past which the invocation is stopped (reason `deadline`). */
  readonly deadline?: number;
  /** Interpreter steps the invocation may take (reason `instructions` past it). */
  readonly instructions?: number;
};

/** How an invocation ended, as the worker saw it. */
export type Outcome =
  /** The job reported its result, as JSON text (parsed by the host: deep values never cross as objects). */
  | { readonly kind: "completed"; readonly json: string }
  | { readonly kind: "interrupted" }
  | { readonly kind: "returned" }
  | {
      readonly kind: "failed";
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string };
      /** A stable code when the worker knows better than "the extension failed" (a limit it hit). */
      readonly code?: KilnErrorCode;
    }
  | { readonly kind: "trapped"; readonly message: string }
  | { readonly kind: "stopped"; readonly reason: StopKind };

/** Worker → host, on `parentPort` (never blocking). */
export type FromWorker =
  | {
      readonly type: "done";
      readonly seq: number;
      readonly outcome: Outcome;
      /** Size of the instance's linear memory after the invocation, in bytes. */
      readonly memoryBytes: number;
    }
  | {
      readonly type: "log";
      readonly level: LogLevel;
      readonly message: string;
      readonly source: "log" | "stdout" | "stderr";
    }
  | ({ readonly type: "progress" } & ProgressPayload);

/** A progress message is a status line, not a channel for data: longer ones are cut. */
export const MAX_PROGRESS_MESSAGE = 1000;

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);

/**
 * The progress line of a `$progress` or `$checkpoint` payload, if it has the protocol's shape
 * (finite `done`, finite or null `total`); the message is cut to {@link MAX_PROGRESS_MESSAGE}.
 * Payloads come from the extension: nothing is trusted beyond what this checks.
 */
export function readProgress(value: unknown): Omit<ProgressPayload, "counters"> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { done, total, message } = value as Record<string, unknown>;
  if (!isCount(done) || (total !== null && !isCount(total))) return undefined;
  return { done, total, message: typeof message === "string" ? message.slice(0, MAX_PROGRESS_MESSAGE) : null };
}

/** A payload's counters, if both are finite numbers. */
export function readCounters(value: unknown): ProgressPayload["counters"] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { items, bytes } = value as Record<string, unknown>;
  return isCount(items) && isCount(bytes) ? { items, bytes } : undefined;
}

/** Worker → host on the call port: a host call the worker is blocked on. */
export interface CallRequest {
  readonly seq: number;
  readonly op: string;
  readonly payload: string;
}

/** Host → worker on the call port: the reply JSON (a `HostCallReply`) to call `seq`. */
export interface CallReply {
  readonly seq: number;
  readonly reply: string;
}
