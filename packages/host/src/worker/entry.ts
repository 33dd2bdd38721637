/**
 * The worker side of an extension instance: one plugin instance linked to one extension module.
 * Started by {@link ExtensionWorker}; see `protocol.ts` for how it talks to the host.
 *
 * Everything the extension hands the host passes here first, so this is where the wall's own limits
 * are enforced: payload size and nesting depth, the result's size, log volume, the instruction
 * budget and the deadline. A refusal is a host-call error the extension can catch; a stop is not.
 *
 * @module
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { ERRORS, isKilnErrorCode, type KilnErrorCode } from "@kiln/contracts/errors";
import { MAX_OPERATION_NAME_LENGTH } from "@kiln/contracts/limits";
import { hostCallErrorReply, hostCallReply, INSTRUCTIONS_PER_INTERRUPT, PluginInstance } from "@kiln/javy-plugin";
import { type LogPayload, type ProgressPayload, RuntimeOps } from "@kiln/sdk/protocol";
import { jsonTextTooDeep } from "../json-safety.js";
import { LineSplitter, type LogLevel } from "../logger.js";
import {
  type CallReply,
  Control,
  type FromWorker,
  type Outcome,
  readCounters,
  readProgress,
  type StopKind,
  StopReason,
  type ToWorker,
  type WorkerInit,
} from "./protocol.js";

const init = workerData as WorkerInit;
const limits = init.limits;
const port = parentPort as NonNullable<typeof parentPort>;
const control = new Int32Array(init.control);
const post = (message: FromWorker) => port.postMessage(message);
const ok = hostCallReply;
const refuse = hostCallErrorReply;
const LOG_LEVELS = new Set<LogLevel>(["debug", "info", "warn", "error"]);
const INTERRUPTS = ["none", "pause", "cancel"] as const;
const STOP_KINDS = Object.fromEntries(Object.entries(StopReason).map(([k, v]) => [v, k])) as Record<number, StopKind>;
/** Room for a checkpoint's progress and counters beside its state. */
const CHECKPOINT_ENVELOPE_BYTES = 64 * 1024;

/** The state of the invocation running now. */
let reported: Outcome | undefined;
let stopped: StopKind | undefined;
let polls = 0;
let pollBudget = Number.POSITIVE_INFINITY;
let deadline = Number.POSITIVE_INFINITY;
let logBytes = 0;
let logCapped = false;
let callSeq = 0;

/** Counts log output against the invocation's `logBytes`; false once past it (after one warning). */
function spendLog(bytes: number): boolean {
  if (logCapped) return false;
  logBytes += bytes;
  if (logBytes > limits.logBytes) {
    logCapped = true;
    post({
      type: "log",
      level: "warn",
      message: `KILN_LOG_LIMIT: this run wrote more than ${limits.logBytes} bytes of log; later lines are dropped`,
      source: "log",
    });
    return false;
  }
  return true;
}

/** A `ctx.log` line, within the log budget. */
function log(level: LogLevel, message: string, source: "log" | "stdout" | "stderr"): void {
  if (spendLog(message.length)) post({ type: "log", level, message, source });
}

// Console output counts against the budget as written, before lines are split (and long ones cut).
const stdout = new LineSplitter((message) => post({ type: "log", level: "info", message, source: "stdout" }));
const stderr = new LineSplitter((message) => post({ type: "log", level: "error", message, source: "stderr" }));

/**
 * QuickJS's interrupt handler, every {@link INSTRUCTIONS_PER_INTERRUPT} interpreter steps: true
 * stops the running code (uncatchably). Reads one shared slot and compares two numbers.
 */
function interrupt(): boolean {
  if (!stopped) polls++;
  return mustStop(polls > pollBudget);
}

/**
 * Whether the running code must stop now, and why: the host's stop slot first, then the instruction
 * budget (`overBudget`, known only to the interrupt handler), then the deadline. Also checked
 * around host calls.
 */
function mustStop(overBudget = false): boolean {
  if (stopped) return true;
  const stop = Atomics.load(control, Control.stop);
  if (stop !== StopReason.none) stopped = STOP_KINDS[stop] ?? "cancel";
  else if (overBudget) stopped = "instructions";
  else if (deadline !== Number.POSITIVE_INFINITY && Date.now() >= deadline) stopped = "deadline";
  return stopped !== undefined;
}

/** Size and depth, checked on the text before anything parses it. */
function payloadProblem(op: string, payload: string, maxBytes: number): string | undefined {
  // UTF-16 length ≤ UTF-8 bytes ≤ 3 × length: measure exactly only when it could matter.
  if (payload.length > maxBytes || (payload.length * 3 > maxBytes && Buffer.byteLength(payload) > maxBytes)) {
    const code =
      op === RuntimeOps.complete
        ? "KILN_RESULT_TOO_LARGE"
        : op === RuntimeOps.checkpoint
          ? "KILN_CHECKPOINT_TOO_LARGE"
          : "KILN_PAYLOAD_TOO_LARGE";
    return refuse(code, `the payload of "${op}" is larger than the limit of ${maxBytes} bytes`);
  }
  // `{"value": …}` and `{"state": …}` wrap the value itself in one more level.
  const depth = op === RuntimeOps.complete || op === RuntimeOps.checkpoint ? limits.valueDepth + 1 : limits.valueDepth;
  if (jsonTextTooDeep(payload, depth)) {
    return refuse(
      "KILN_VALUE_TOO_DEEP",
      `the payload of "${op}" is nested deeper than the limit of ${limits.valueDepth} levels`,
    );
  }
  return undefined;
}

function parse(op: string, payload: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(payload) };
  } catch {
    return { error: refuse("KILN_INVALID_PAYLOAD", `the payload of "${op}" is not JSON`) };
  }
}

/** Runtime operations are answered here, without a round trip; the rest go to the host and block. */
function hostCall(op: string, payload: string): string | null {
  if (mustStop()) return null;
  if (op.length > MAX_OPERATION_NAME_LENGTH) {
    return refuse(
      "KILN_OPERATION_NAME_TOO_LONG",
      `an operation name of ${op.length} characters: no operation has a name longer than ${MAX_OPERATION_NAME_LENGTH}`,
    );
  }
  const problem = payloadProblem(
    op,
    payload,
    // `{"value":…}` around a result; a checkpoint's state is measured exactly by the host.
    op === RuntimeOps.complete
      ? limits.resultBytes + 16
      : op === RuntimeOps.checkpoint
        ? limits.checkpointBytes + CHECKPOINT_ENVELOPE_BYTES
        : limits.payloadBytes,
  );
  if (problem) {
    if (op === RuntimeOps.complete) reported ??= failure(problem);
    return problem;
  }
  switch (op) {
    case RuntimeOps.log: {
      const parsed = parse(op, payload);
      if ("error" in parsed) return parsed.error;
      // Payloads come from the extension: trust their shape no further than the protocol's types allow.
      const { level, message } = (parsed.value ?? {}) as Partial<LogPayload>;
      log(
        level && LOG_LEVELS.has(level) ? level : "info",
        typeof message === "string" ? message : String(message),
        "log",
      );
      return ok(null);
    }
    case RuntimeOps.complete: {
      if (reported) return refuse("KILN_INVALID_PAYLOAD", "the invocation already reported how it ended");
      const parsed = parse(op, payload);
      if ("error" in parsed) return parsed.error;
      const body = parsed.value;
      if (typeof body !== "object" || body === null) return refuse("KILN_INVALID_PAYLOAD", `"${op}" needs an object`);
      reported =
        "interrupted" in body
          ? { kind: "interrupted" }
          : { kind: "completed", json: JSON.stringify((body as { value?: unknown }).value ?? null) };
      return ok(null);
    }
    case RuntimeOps.interrupted:
      return ok(INTERRUPTS[Atomics.load(control, Control.interrupt)] ?? "none");
    case RuntimeOps.progress: {
      const parsed = parse(op, payload);
      if ("error" in parsed) return parsed.error;
      const progress = readProgress(parsed.value);
      const counters = readCounters((parsed.value as Partial<ProgressPayload> | null)?.counters);
      if (!progress || !counters) {
        return refuse("KILN_INVALID_PAYLOAD", `"${op}" needs finite numbers for done, total (or null) and counters`);
      }
      post({ type: "progress", ...progress, counters });
      return ok(null);
    }
    default: {
      const reply = blockingCall(op, payload);
      return reply === null || mustStop() ? null : reply;
    }
  }
}

/**
 * Posts the call and blocks until the host's answer to *this* call (by sequence number) arrives,
 * or until the deadline passes (null: stop).
 */
function blockingCall(op: string, payload: string): string | null {
  const seq = ++callSeq;
  init.callPort.postMessage({ seq, op, payload });
  for (;;) {
    const answered = Atomics.load(control, Control.reply);
    if (answered === seq) break;
    // Stopped while waiting: the reply no longer matters (it is dropped when it comes).
    if (mustStop()) return null;
    const left = deadline - Date.now();
    // A stale wake-up (meant for an earlier call) just loops; the slot tells the truth.
    Atomics.wait(control, Control.reply, answered, Number.isFinite(left) ? left : undefined);
  }
  for (;;) {
    const received = receiveMessageOnPort(init.callPort as MessagePort);
    if (!received) return refuse("KILN_HOST_CALL_FAILED", `no reply to "${op}"`);
    const reply = received.message as CallReply;
    if (reply.seq === seq) return reply.reply;
    // Older replies (to a call abandoned at its deadline) are dropped.
  }
}

function failure(reply: string): Outcome {
  const { error } = JSON.parse(reply) as { error: { code: string; message: string } };
  const message = `${error.code}: ${error.message}`;
  return {
    kind: "failed",
    ...(isKilnErrorCode(error.code) ? { code: error.code } : {}),
    error: { name: "Error", message },
  };
}

const plugin = await PluginInstance.create({
  module: init.pluginModule,
  onStdout: (b) => spendLog(b.length) && stdout.push(b),
  onStderr: (b) => spendLog(b.length) && stderr.push(b),
  hostCall,
  interrupt,
});
plugin.setMemoryLimit(limits.memoryBytes);
const instance = new WebAssembly.Instance(init.module, {
  [init.namespace]: plugin.exports as WebAssembly.ModuleImports,
});
const exports = instance.exports as Record<string, unknown>;

/** `out of memory` that the job did not catch: its own code, since no fix in the job's logic is implied. */
const OUT_OF_MEMORY = /\bout of memory\b/;

/**
 * The code of the limit an uncaught error reports, if it is one: out of memory, or a host call the
 * wall refused for a limit (the SDK's `HostCallError` leads its message with the code).
 */
function limitCode(error: { name: string; message: string }): { code?: KilnErrorCode } {
  if (error.name === "InternalError" && OUT_OF_MEMORY.test(error.message)) return { code: "KILN_OUT_OF_MEMORY" };
  const code = error.name === "HostCallError" ? /^(KILN_[A-Z0-9_]+):/.exec(error.message)?.[1] : undefined;
  return isKilnErrorCode(code) && ERRORS[code].area === "limits" ? { code } : {};
}

function invoke(message: ToWorker): Outcome {
  reported = undefined;
  stopped = undefined;
  polls = 0;
  logBytes = 0;
  logCapped = false;
  pollBudget =
    message.instructions === undefined
      ? Number.POSITIVE_INFINITY
      : Math.ceil(message.instructions / INSTRUCTIONS_PER_INTERRUPT);
  deadline = message.deadline ?? Number.POSITIVE_INFINITY;
  const name = message.export;
  const fn = exports[name];
  if (typeof fn !== "function") {
    return { kind: "failed", error: { name: "Error", message: `the module has no export "${name}"` } };
  }
  plugin.setStdin(message.stdin ?? new Uint8Array());
  try {
    plugin.runExport(name, fn as () => void);
  } catch (error) {
    return { kind: "trapped", message: error instanceof Error ? error.message : String(error) };
  } finally {
    stdout.flush();
    stderr.flush();
  }
  // Set by host calls during the export (TypeScript cannot see callbacks assign them).
  const ended = reported as Outcome | undefined;
  const stop = stopped as StopKind | undefined;
  if (ended?.kind === "completed") return ended;
  if (stop) return { kind: "stopped", reason: stop };
  if (ended?.kind === "failed") return ended;
  const error = plugin.lastError();
  if (error) {
    return {
      kind: "failed",
      ...limitCode(error),
      error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) },
    };
  }
  return ended ?? { kind: "returned" };
}

port.on("message", (message: ToWorker) => {
  const outcome = invoke(message);
  post({ type: "done", seq: message.seq, outcome, memoryBytes: plugin.memoryBytes });
});
