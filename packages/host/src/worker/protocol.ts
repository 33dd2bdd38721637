/**
 * Messages and shared memory between the host (main thread) and its pool of worker threads. A
 * worker holds many extension instances (each a plugin instance linked to one extension module) and
 * runs one invocation at a time. Instances run in workers, not on the main thread, so that a long
 * or runaway job never blocks the application's event loop, and so that code that never returns to
 * the interpreter can still be ended (V8 cannot interrupt Wasm on the main thread).
 *
 * **Host calls** are synchronous inside QuickJS but may be asynchronous in the application (a
 * database query, an HTTP request). Each worker shares a *call block* with the host: the worker
 * writes the call (operation, payload, instance) into it, bumps the `request` slot and notifies;
 * the host waits for that slot with `Atomics.waitAsync`, serves the call, writes the reply into the
 * block, stores the call's sequence number in the `reply` slot and notifies back. One notify each
 * way and no message on the hot path; a call or reply too large for the block goes on the worker's
 * port instead (its length slot says so). The worker waits until the `reply` slot holds *its*
 * call's number, so a late wake-up meant for an earlier (abandoned) call is never taken for a reply.
 *
 * **Stops** (cancel, pause after its grace, deadline) are a value the host stores in the instance's
 * own control block; QuickJS's interrupt handler reads it every 10,000 interpreter steps, so running
 * code stops within milliseconds and the instance stays usable.
 *
 * @module
 */

import type { MessagePort } from "node:worker_threads";
import type { KilnErrorCode } from "@kiln/contracts/errors";
import type { ProgressPayload } from "@kiln/sdk/protocol";
import type { LogLevel } from "../logger.js";

/** Slots of an instance's control block (an `Int32Array` both sides see). */
export const Control = {
  /** What the host asks of the running job: {@link Interrupt}. Read by `ctx.interrupted` with no round trip. */
  interrupt: 0,
  /** Why the host stops the instance's running code now: {@link StopReason}; 0 to let it run. */
  stop: 1,
} as const;

/** Number of `Int32` slots in an instance's control block. */
export const CONTROL_SLOTS = 2;

/** Values of the `interrupt` slot. */
export const Interrupt = { none: 0, pause: 1, cancel: 2 } as const;

/** Values of the `stop` slot, and why an invocation was stopped. */
export const StopReason = { none: 0, pause: 1, cancel: 2, deadline: 3, instructions: 4, shutdown: 5 } as const;

/** Why a running invocation was stopped by the host. */
export type StopKind = Exclude<keyof typeof StopReason, "none">;

/** `Int32` slots at the start of a worker's call block; the rest holds call and reply bytes. */
export const Call = {
  /** Sequence number of the last call the worker made (worker writes, host waits on it). */
  request: 0,
  /** Sequence number of the last call the host answered (host writes, worker waits on it). */
  reply: 1,
  /** The calling instance's id. */
  instance: 2,
  /** Bytes of the operation name at the start of the request area. */
  opBytes: 3,
  /** Bytes of the payload after the name; {@link ON_PORT} when the call went on the port. */
  payloadBytes: 4,
  /** Bytes of the reply in the reply area; {@link ON_PORT} when the reply went on the port. */
  replyBytes: 5,
  /**
   * 0 for a blocking call. Otherwise the call is an asynchronous one (`__kiln.callAsync`) that the
   * worker waits for only briefly, and this is its id in the invocation: see {@link Call.claim}.
   */
  asyncId: 6,
  /**
   * Who has an asynchronous call in the block (blocking calls leave it 0). The worker writes the
   * call's sequence number `s`; the host takes the call by swapping `s` for `-s`; whoever swaps it
   * to 0 first decides how the reply travels. The host, swapping `-s` → 0 when it has the reply:
   * in the block, as for a blocking call. The worker, giving up on a quick reply: from `s` (not
   * taken), the worker sends the call as a message instead; from `-s` (taken), the host sends the
   * reply in the invocation's next `resume`. One compare-and-swap each, so no reply is lost or doubled.
   */
  claim: 7,
  /** The calling invocation's `seq`, for a reply that goes back in a `resume`. */
  invocation: 8,
} as const;

/** A length slot's value when the bytes did not fit the block and crossed on the worker's port. */
export const ON_PORT = -1;

/** Bytes of the call block's header. */
export const CALL_HEADER_BYTES = 48;

/**
 * Bytes of each of the block's two areas (request, reply). Most calls are far smaller; larger ones
 * cross on the port, which costs a message but has no size limit of its own.
 */
export const CALL_AREA_BYTES = 64 * 1024;

/** Total bytes of a worker's call block. */
export const CALL_BLOCK_BYTES = CALL_HEADER_BYTES + 2 * CALL_AREA_BYTES;

/** The limits the worker enforces on what an instance passes across the wall; fixed for an instance. */
export interface WorkerLimits {
  readonly memoryBytes: number;
  readonly payloadBytes: number;
  readonly valueDepth: number;
  readonly resultBytes: number;
  readonly checkpointBytes: number;
  readonly logBytes: number;
}

/** `workerData` of a pool worker. */
export interface WorkerInit {
  /** The worker's call block ({@link CALL_BLOCK_BYTES}). */
  readonly calls: SharedArrayBuffer;
  /** Carries the calls and replies too large for the call block ({@link PortCall}, {@link PortReply}). */
  readonly callPort: MessagePort;
}

/** Worker → host on the call port: a call that did not fit the call block. */
export interface PortCall {
  readonly seq: number;
  readonly op: string;
  readonly payload: string;
}

/** Host → worker on the call port: the reply to call `seq`, when it did not fit the call block. */
export interface PortReply {
  readonly seq: number;
  readonly reply: string;
}

/** Host → worker, on the worker's port. */
export type ToWorker =
  /** The compiled plugin every instance of this worker links to; sent once, before any `create`. */
  | { readonly type: "plugin"; readonly module: WebAssembly.Module }
  /** Instantiates the plugin and links `module` to it (no code of the extension runs yet). */
  | {
      readonly type: "create";
      readonly instance: number;
      readonly module: WebAssembly.Module;
      readonly namespace: string;
      readonly control: SharedArrayBuffer;
      readonly limits: WorkerLimits;
    }
  /** Calls an export of an instance. */
  | {
      readonly type: "invoke";
      readonly instance: number;
      readonly seq: number;
      readonly export: string;
      readonly stdin?: Uint8Array;
      /** `Date.now()` past which the invocation is stopped (reason `deadline`). */
      readonly deadline?: number;
      /** Interpreter steps the invocation may take (reason `instructions` past it). */
      readonly instructions?: number;
    }
  /**
   * Continues an invocation that waits (it answered `waiting`): delivers host-call replies, then
   * runs its due timers, or stops it if the host asked (its control block says so, or the deadline
   * passed).
   */
  | {
      readonly type: "resume";
      readonly instance: number;
      /** The invocation's `seq`, as in its `invoke`. */
      readonly seq: number;
      /** Replies to asynchronous host calls: `[call id, reply JSON]`. */
      readonly replies: readonly (readonly [number, string])[];
    }
  /** Forgets an instance: its memory goes with it. */
  | { readonly type: "drop"; readonly instance: number }
  /** Runs the plugin's hot paths once on a throwaway instance, so that V8 compiles them fully. */
  | { readonly type: "warm" };

/** How an invocation ended, as the worker saw it. */
export type Outcome =
  /** The job reported its result, as JSON text (parsed by the host: deep values never cross as objects). */
  | { readonly kind: "completed"; readonly json: string }
  | { readonly kind: "interrupted" }
  | { readonly kind: "returned" }
  | {
      readonly kind: "failed";
      readonly error: {
        readonly name: string;
        readonly message: string;
        /** The JS stack; mapped to the author's files by the host when the module has a source map. */
        readonly stack?: string;
        /** QuickJS's stack as the plugin reported it (bundle lines), when `stack` was mapped. */
        readonly rawStack?: string;
      };
      /** A stable code when the worker knows better than "the extension failed" (a limit it hit). */
      readonly code?: KilnErrorCode;
    }
  | { readonly kind: "trapped"; readonly message: string }
  | { readonly kind: "stopped"; readonly reason: StopKind };

/** Worker → host, on the worker's port (never blocking the worker). */
export type FromWorker =
  | { readonly type: "created"; readonly instance: number; readonly error?: string }
  | { readonly type: "warmed"; readonly error?: string }
  | {
      readonly type: "done";
      readonly instance: number;
      readonly seq: number;
      readonly outcome: Outcome;
      /** Size of the instance's linear memory after the invocation, in bytes. */
      readonly memoryBytes: number;
    }
  /**
   * The step (an `invoke` or `resume`) ended with the invocation waiting for a timer or host call:
   * the worker is free for other work; the host sends `resume` when a timer is due (`timerMs`
   * from now; -1: none), a reply arrives or a stop is asked for.
   */
  | { readonly type: "waiting"; readonly instance: number; readonly seq: number; readonly timerMs: number }
  /**
   * An asynchronous host call the invocation started: the host serves `op` and sends the reply
   * back in a `resume`. `reply` is set when the worker answered the call itself (a refusal, or a
   * runtime operation), so the host only passes it back.
   */
  | {
      readonly type: "call";
      readonly instance: number;
      readonly seq: number;
      readonly id: number;
      readonly op: string;
      readonly payload: string;
      readonly reply?: string;
    }
  | {
      readonly type: "log";
      readonly instance: number;
      readonly level: LogLevel;
      readonly message: string;
      readonly source: "log" | "stdout" | "stderr";
      /**
       * The call that wrote it, as a `CallSite` (flat: a nested object costs more to post), the
       * host maps it to the author's file: the bundle line, and the function called there.
       */
      readonly line?: number;
      readonly callee?: string;
    }
  | ({ readonly type: "progress"; readonly instance: number } & ProgressPayload)
  /** Log lines and progress reports posted together, in the order they were made. */
  | { readonly type: "batch"; readonly messages: readonly ReportMessage[] };

/** A log line or a progress report: the messages a worker posts in batches. */
export type ReportMessage = Extract<FromWorker, { readonly type: "log" | "progress" }>;

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
