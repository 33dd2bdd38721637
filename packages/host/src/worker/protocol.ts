/**
 * Messages between the host (main thread) and an extension's worker thread. Each extension instance
 * runs in a worker so that a long or runaway job never blocks the application's event loop, and so
 * that it can be stopped (V8 cannot interrupt Wasm on the main thread).
 *
 * Host calls are synchronous inside QuickJS but may be asynchronous in the application (a database
 * query, an HTTP request): the worker posts the call on a dedicated port and blocks on
 * `Atomics.wait`; the host answers on the port and wakes it with `Atomics.notify`; the worker reads
 * the answer with `receiveMessageOnPort`.
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import type { ProgressPayload } from "@kiln/sdk/protocol";
import type { LogLevel } from "../logger.js";

/** Slots of the shared `Int32Array` both sides see. */
export const Control = {
  /** 0 while a host call is pending, 1 once its reply was posted. */
  reply: 0,
  /** What the host asks of the running job: {@link Interrupt}. Read by `ctx.interrupted` with no round trip. */
  interrupt: 1,
} as const;

/** Values of the `interrupt` slot. */
export const Interrupt = { none: 0, pause: 1, cancel: 2 } as const;

/** `workerData` of an extension worker. */
export interface WorkerInit {
  readonly extensionId: string;
  readonly pluginModule: WebAssembly.Module;
  readonly module: WebAssembly.Module;
  readonly namespace: string;
  readonly control: SharedArrayBuffer;
  readonly callPort: MessagePort;
}

/** Host → worker. */
export type ToWorker = {
  readonly type: "invoke";
  readonly seq: number;
  readonly export: string;
  readonly stdin?: Uint8Array;
};

/** How an invocation ended, as the worker saw it. */
export type Outcome =
  | { readonly kind: "completed"; readonly value: unknown }
  | { readonly kind: "interrupted" }
  | { readonly kind: "returned" }
  | {
      readonly kind: "failed";
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string };
    }
  | { readonly kind: "trapped"; readonly message: string };

/** Worker → host, on `parentPort` (never blocking). */
export type FromWorker =
  | { readonly type: "done"; readonly seq: number; readonly outcome: Outcome }
  | {
      readonly type: "log";
      readonly level: LogLevel;
      readonly message: string;
      readonly source: "log" | "stdout" | "stderr";
    }
  | ({ readonly type: "progress" } & ProgressPayload);

/** Worker → host on the call port: a host call the worker is blocked on. */
export interface CallRequest {
  readonly op: string;
  readonly payload: string;
}

/** Host → worker on the call port: the reply JSON (a `HostCallReply`). */
export interface CallReply {
  readonly reply: string;
}
