/**
 * The worker side of an extension instance: one plugin instance linked to one extension module.
 * Started by {@link ExtensionWorker}; see `protocol.ts` for how it talks to the host.
 *
 * @module
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { PluginInstance } from "@kiln/javy-plugin";
import { type CompletePayload, type LogPayload, type ProgressPayload, RuntimeOps } from "@kiln/sdk/protocol";
import { LineSplitter, type LogLevel } from "../logger.js";
import { type CallReply, Control, type FromWorker, type Outcome, type ToWorker, type WorkerInit } from "./protocol.js";

const init = workerData as WorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const control = new Int32Array(init.control);
const post = (message: FromWorker) => port.postMessage(message);
const ok = (value: unknown) => JSON.stringify({ ok: true, value });
const LOG_LEVELS = new Set<LogLevel>(["debug", "info", "warn", "error"]);
const INTERRUPTS = ["none", "pause", "cancel"] as const;

/** What the current invocation reported through `$complete`. */
let reported: Outcome | undefined;

const stdout = new LineSplitter((message) => post({ type: "log", level: "info", message, source: "stdout" }));
const stderr = new LineSplitter((message) => post({ type: "log", level: "error", message, source: "stderr" }));

/** Runtime operations are answered here, without a round trip; the rest go to the host and block. */
function hostCall(op: string, payload: string): string {
  switch (op) {
    case RuntimeOps.log: {
      // Payloads come from the extension: trust their shape no further than the protocol's types allow.
      const { level, message } = JSON.parse(payload) as Partial<LogPayload>;
      post({
        type: "log",
        level: level && LOG_LEVELS.has(level) ? level : "info",
        message: String(message),
        source: "log",
      });
      return ok(null);
    }
    case RuntimeOps.complete: {
      const body = (JSON.parse(payload) ?? {}) as CompletePayload;
      reported = "interrupted" in body ? { kind: "interrupted" } : { kind: "completed", value: body.value ?? null };
      return ok(null);
    }
    case RuntimeOps.interrupted:
      return ok(INTERRUPTS[Atomics.load(control, Control.interrupt)] ?? "none");
    case RuntimeOps.progress: {
      const p = JSON.parse(payload) as ProgressPayload;
      post({
        type: "progress",
        done: p.done,
        total: p.total,
        message: p.message,
        counters: p.counters,
      } satisfies FromWorker);
      return ok(null);
    }
    default:
      return blockingCall(op, payload);
  }
}

function blockingCall(op: string, payload: string): string {
  Atomics.store(control, Control.reply, 0);
  init.callPort.postMessage({ op, payload });
  Atomics.wait(control, Control.reply, 0);
  const received = receiveMessageOnPort(init.callPort as MessagePort);
  if (!received) {
    return JSON.stringify({ ok: false, error: { code: "KILN_HOST_CALL_FAILED", message: `no reply to "${op}"` } });
  }
  return (received.message as CallReply).reply;
}

const plugin = await PluginInstance.create({
  module: init.pluginModule,
  onStdout: (b) => stdout.push(b),
  onStderr: (b) => stderr.push(b),
  hostCall,
});
const instance = new WebAssembly.Instance(init.module, {
  [init.namespace]: plugin.exports as WebAssembly.ModuleImports,
});
const exports = instance.exports as Record<string, (() => void) | undefined>;

function invoke(name: string, stdin: Uint8Array | undefined): Outcome {
  reported = undefined;
  plugin.setStdin(stdin ?? new Uint8Array());
  const fn = exports[name];
  if (typeof fn !== "function") {
    return { kind: "failed", error: { name: "Error", message: `the module has no export "${name}"` } };
  }
  try {
    fn();
  } catch (error) {
    return { kind: "trapped", message: error instanceof Error ? error.message : String(error) };
  } finally {
    stdout.flush();
    stderr.flush();
  }
  const error = plugin.lastError();
  if (error)
    return {
      kind: "failed",
      error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) },
    };
  return reported ?? { kind: "returned" };
}

port.on("message", (message: ToWorker) => {
  post({ type: "done", seq: message.seq, outcome: invoke(message.export, message.stdin) });
});
