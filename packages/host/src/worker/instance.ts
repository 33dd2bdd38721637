/**
 * The host side of an extension instance running in a worker thread.
 *
 * @module
 */

import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { hostCallErrorReply } from "@kiln/javy-plugin";
import type { LogLevel } from "../logger.js";
import {
  type CallRequest,
  CONTROL_SLOTS,
  Control,
  type FromWorker,
  Interrupt,
  type Outcome,
  type StopKind,
  StopReason,
  type WorkerInit,
} from "./protocol.js";

/**
 * The worker's script, compiled. From `src/` (tests) and from `dist/` (published) this URL is the
 * same file, `dist/worker/entry.js`: Node cannot start a worker from TypeScript.
 */
const ENTRY = new URL("../../dist/worker/entry.js", import.meta.url);

/** What the instance needs from its owner. */
export interface WorkerCallbacks {
  onLog(level: LogLevel, message: string, source: "log" | "stdout" | "stderr"): void;
  onProgress(progress: Extract<FromWorker, { type: "progress" }>): void;
  /** Serves a blocking host call; must always resolve to a reply JSON. */
  onCall(op: string, payload: string): Promise<string>;
}

/** The worker died (crashed, ran out of memory, or was terminated) while an invocation ran. */
export class WorkerExitedError extends Error {
  constructor(
    readonly exitCode: number | undefined,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "WorkerExitedError";
  }
}

/** Per-invocation limits the worker enforces itself. */
export interface InvokeOptions {
  /** `Date.now()` past which the code is stopped (reason `deadline`). */
  readonly deadline?: number;
  /** Interpreter steps allowed (reason `instructions` past them). */
  readonly instructions?: number;
}

/** How an invocation ended, and the instance's memory after it. */
export interface InvokeResult {
  readonly outcome: Outcome;
  readonly memoryBytes: number;
}

/** One extension instance in its own worker thread. One invocation at a time. */
export class ExtensionWorker {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  #seq = 0;
  #pending: { seq: number; resolve(r: InvokeResult): void; reject(e: Error): void } | undefined;
  #exited: WorkerExitedError | undefined;
  #terminating = false;
  /** The last invocation trapped: the instance's memory may be half-updated, so it is never reused. */
  #poisoned = false;

  private constructor(worker: Worker, control: Int32Array) {
    this.#worker = worker;
    this.#control = control;
  }

  /**
   * Starts the worker. Invocations posted before it is ready wait in its queue; one that never
   * becomes ready (a start function that never returns) is the caller's to bound with a deadline
   * and {@link ExtensionWorker.terminate}.
   */
  static start(init: Omit<WorkerInit, "control" | "callPort">, callbacks: WorkerCallbacks): ExtensionWorker {
    const shared = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const control = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    const data: WorkerInit = { ...init, control: shared, callPort: port2 };
    // execArgv: [] so that the worker resolves packages as published (a test runner's
    // `--conditions` would point it at TypeScript sources it cannot run).
    const worker = new Worker(ENTRY, { workerData: data, transferList: [port2], execArgv: [] });
    const self = new ExtensionWorker(worker, control);

    port1.on("message", (request: CallRequest) => {
      callbacks.onCall(request.op, request.payload).then(
        (reply) => self.#answer(port1, request.seq, reply),
        (error: unknown) =>
          self.#answer(port1, request.seq, hostCallErrorReply("KILN_HOST_CALL_FAILED", String(error))),
      );
    });
    worker.on("message", (message: FromWorker) => {
      if (message.type === "log") callbacks.onLog(message.level, message.message, message.source);
      else if (message.type === "progress") callbacks.onProgress(message);
      else if (message.type === "done" && self.#pending?.seq === message.seq) {
        const pending = self.#pending;
        self.#pending = undefined;
        if (message.outcome.kind === "trapped") self.#poisoned = true;
        pending.resolve({ outcome: message.outcome, memoryBytes: message.memoryBytes });
      }
    });
    // A message that cannot be deserialised here would otherwise vanish, and with it the outcome
    // of the invocation that sent it: the instance's state is then unknown, so it goes.
    const unreadable = () => {
      self.#poisoned = true;
      const pending = self.#pending;
      self.#pending = undefined;
      pending?.resolve({
        outcome: { kind: "trapped", message: "a message from the extension's worker could not be read" },
        memoryBytes: 0,
      });
    };
    worker.on("messageerror", unreadable);
    port1.on("messageerror", unreadable);
    worker.on("error", (error) =>
      self.#die(new WorkerExitedError(undefined, `the extension's worker crashed: ${error.message}`)),
    );
    worker.on("exit", (code) => {
      port1.close();
      self.#die(
        new WorkerExitedError(
          code,
          self.#terminating ? "the extension was stopped" : `the extension's worker exited (code ${code})`,
        ),
      );
    });
    // Let the process exit while workers idle: the host keeps them alive only while they work.
    worker.unref();
    port1.unref();
    return self;
  }

  /** Whether the instance must not run anything again: its worker is gone, or it trapped. */
  get unusable(): boolean {
    return this.#exited !== undefined || this.#poisoned;
  }

  /** Calls an export of the module; resolves with how it ended. Rejects if the worker dies meanwhile. */
  invoke(exportName: string, stdin?: Uint8Array, options: InvokeOptions = {}): Promise<InvokeResult> {
    if (this.#exited) return Promise.reject(this.#exited);
    if (this.#pending)
      return Promise.reject(new Error("internal error: an extension instance runs one call at a time"));
    Atomics.store(this.#control, Control.interrupt, Interrupt.none);
    Atomics.store(this.#control, Control.stop, StopReason.none);
    const seq = ++this.#seq;
    return new Promise<InvokeResult>((resolve, reject) => {
      this.#pending = { seq, resolve, reject };
      this.#worker.ref();
      this.#worker.postMessage({
        type: "invoke",
        seq,
        export: exportName,
        ...(stdin ? { stdin } : {}),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
        ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
      });
    }).finally(() => {
      if (!this.#exited) this.#worker.unref();
    });
  }

  /** Tells the running job what the host wants; the job sees it at its next check of `ctx.interrupted`. */
  interrupt(kind: keyof typeof Interrupt): void {
    Atomics.store(this.#control, Control.interrupt, Interrupt[kind]);
  }

  /** Stops the running code at its next interrupt check (within milliseconds), uncatchably. */
  stop(reason: StopKind): void {
    Atomics.store(this.#control, Control.stop, StopReason[reason]);
    // A worker blocked in a host call wakes to see the stop (its slot check loops otherwise).
    Atomics.notify(this.#control, Control.reply);
  }

  /** Stops the worker at once, wherever it is (even in a loop that never checks). */
  async terminate(): Promise<void> {
    if (this.#exited) return;
    this.#terminating = true;
    await this.#worker.terminate();
  }

  #answer(port: MessagePort, seq: number, reply: string): void {
    if (this.#exited) return;
    port.postMessage({ seq, reply });
    Atomics.store(this.#control, Control.reply, seq);
    Atomics.notify(this.#control, Control.reply);
  }

  #die(error: WorkerExitedError): void {
    this.#exited ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(this.#exited);
  }
}
