/**
 * A pool worker: holds many extension instances (each one plugin instance linked to one extension
 * module) and runs one invocation at a time. Started by {@link WorkerPool}; see `protocol.ts` for how
 * it talks to the host.
 *
 * Everything an extension hands the host passes here first, so this is where the wall's own limits
 * are enforced: payload size and nesting depth, the result's size, log volume, the instruction
 * budget and the deadline. A refusal is a host-call error the extension can catch; a stop is not.
 *
 * @module
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { ERRORS, isKilnErrorCode, type KilnErrorCode } from "@kiln/contracts/errors";
import { MAX_CALLS_IN_FLIGHT, MAX_OPERATION_NAME_LENGTH } from "@kiln/contracts/limits";
import {
  type CallSite,
  hostCallErrorReply,
  hostCallReply,
  INSTRUCTIONS_PER_INTERRUPT,
  PluginInstance,
  warmUp,
} from "@kiln/javy-plugin";
import { LogMethods, type LogPayload, type ProgressPayload, RuntimeOps } from "@kiln/sdk/protocol";
import { jsonTextTooDeep } from "../json-safety.js";
import { LineSplitter, type LogLevel } from "../logger.js";
import {
  CALL_AREA_BYTES,
  CALL_HEADER_BYTES,
  Call,
  Control,
  type FromWorker,
  ON_PORT,
  type Outcome,
  type PortCall,
  type PortReply,
  type ReportMessage,
  readCounters,
  readProgress,
  type StopKind,
  StopReason,
  type ToWorker,
  type WorkerInit,
  type WorkerLimits,
} from "./protocol.js";

const init = workerData as WorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const calls = new Int32Array(init.calls, 0, CALL_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
const requestArea = Buffer.from(init.calls, CALL_HEADER_BYTES, CALL_AREA_BYTES);
const replyArea = Buffer.from(init.calls, CALL_HEADER_BYTES + CALL_AREA_BYTES, CALL_AREA_BYTES);
/**
 * Log lines and progress reports not posted yet. A message per report cost a `$progress` call
 * 12 µs; they go together instead, in one `batch`, before any other message (so the order holds),
 * before a blocking host call, when {@link OUTBOX_MS} has passed since the first (checked at every
 * interrupt check and host call), or at {@link OUTBOX_MAX} of them. Listeners still get every one.
 */
let outbox: ReportMessage[] = [];
let outboxSince = 0;
/** The longest a report waits in {@link outbox} while the code runs. */
const OUTBOX_MS = 1;
const OUTBOX_MAX = 256;

/** Queues a log line or progress report (see {@link outbox}). */
function report(message: ReportMessage): void {
  if (outbox.length === 0) outboxSince = performance.now();
  outbox.push(message);
  if (outbox.length >= OUTBOX_MAX) flush();
}

/** Posts what {@link outbox} holds. */
function flush(): void {
  if (outbox.length === 0) return;
  const messages = outbox;
  outbox = [];
  port.postMessage(messages.length === 1 ? messages[0] : ({ type: "batch", messages } satisfies FromWorker));
}

/** Flushes {@link outbox} if its first report has waited {@link OUTBOX_MS}. */
function flushIfDue(): void {
  if (outbox.length > 0 && performance.now() - outboxSince >= OUTBOX_MS) flush();
}

/** Posts a message, after the reports queued before it. */
const post = (message: FromWorker) => {
  flush();
  port.postMessage(message);
};
const ok = hostCallReply;
/** The reply of every runtime operation that answers nothing, serialised once. */
const OK_NULL = hostCallReply(null);
const refuse = hostCallErrorReply;
const LOG_LEVELS = new Set<LogLevel>(["debug", "info", "warn", "error"]);
const INTERRUPTS = ["none", "pause", "cancel"] as const;
const STOP_KINDS = Object.fromEntries(Object.entries(StopReason).map(([k, v]) => [v, k])) as Record<number, StopKind>;
/** How long a blocked host call polls for its reply before it sleeps (see `blockingCall`). */
const SPIN_MS = 0.05;
/**
 * How long the worker waits for the reply to an invocation's only asynchronous call before it
 * lets the invocation wait and serves others: a fast operation's reply comes well within it, so
 * a loop of `await ctx.call(…)` costs what a blocking call costs; a slow one holds the worker no
 * longer than this.
 */
const QUICK_REPLY_MS = 1;
/**
 * How long the worker polls its port for the next message after an invocation ends, when the last
 * one came that soon after its predecessor ended (see {@link linger}).
 */
const LINGER_MS = 0.3;
/** The longest the worker keeps to lingering before its event loop (promises, timers) gets a turn. */
const LINGER_BURST_MS = 2;
/** Room for a checkpoint's progress and counters beside its state. */
const CHECKPOINT_ENVELOPE_BYTES = 64 * 1024;

/** One extension instance of this worker. */
interface Instance {
  readonly id: number;
  readonly plugin: PluginInstance;
  readonly exports: Record<string, unknown>;
  readonly control: Int32Array;
  readonly limits: WorkerLimits;
  readonly stdout: LineSplitter;
  readonly stderr: LineSplitter;
}

let pluginModule: WebAssembly.Module | undefined;
const instances = new Map<number, Instance>();

/**
 * One invocation, from its `invoke` to its end: it may wait (for timers, asynchronous host calls)
 * between steps, with other instances' steps running meanwhile, so its limits and what it
 * reported live here rather than in the worker's globals.
 */
interface Invocation {
  readonly self: Instance;
  readonly seq: number;
  readonly pollBudget: number;
  readonly deadline: number;
  reported: Outcome | undefined;
  stopped: StopKind | undefined;
  polls: number;
  logBytes: number;
  logCapped: boolean;
  /** Asynchronous calls the host serves that have not been answered yet. */
  inFlight: number;
  /** Asynchronous calls started in the current step: sent when the step's JS has run. */
  readonly started: { readonly id: number; readonly op: string; readonly payload: string; readonly reply?: string }[];
}

/** When the worker last reported an invocation's end, and whether to linger after the next one. */
let endedAt = Number.NEGATIVE_INFINITY;
let lingerAfterEnd = false;

/** Open invocations, by instance (one each at most). */
const invocations = new Map<number, Invocation>();
/** The invocation whose step runs now (one at a time per worker). */
let current: Invocation | undefined;
let callSeq = 0;

/** Counts log output against the invocation's `logBytes`; false once past it (after one warning). */
function spendLog(self: Instance, bytes: number): boolean {
  const run = current;
  if (!run) return true;
  if (run.logCapped) return false;
  run.logBytes += bytes;
  if (run.logBytes > self.limits.logBytes) {
    run.logCapped = true;
    report({
      type: "log",
      instance: self.id,
      level: "warn",
      message: `KILN_LOG_LIMIT: this run wrote more than ${self.limits.logBytes} bytes of log; later lines are dropped`,
      source: "log",
    });
    return false;
  }
  return true;
}

/**
 * QuickJS's interrupt handler, every {@link INSTRUCTIONS_PER_INTERRUPT} interpreter steps: true
 * stops the running code (uncatchably). Reads one shared slot and compares two numbers.
 */
function interrupt(): boolean {
  const run = current;
  if (!run) return false;
  flushIfDue();
  if (!run.stopped) run.polls++;
  return mustStop(run.polls > run.pollBudget);
}

/**
 * Whether the running code must stop now, and why: the host's stop slot first, then the instruction
 * budget (`overBudget`, known only to the interrupt handler), then the deadline. Also checked
 * around host calls and before each step of a waiting invocation.
 */
function mustStop(overBudget = false, run: Invocation | undefined = current): boolean {
  if (!run) return false;
  if (run.stopped) return true;
  const stop = Atomics.load(run.self.control, Control.stop);
  if (stop !== StopReason.none) run.stopped = STOP_KINDS[stop] ?? "cancel";
  else if (overBudget) run.stopped = "instructions";
  else if (run.deadline !== Number.POSITIVE_INFINITY && Date.now() >= run.deadline) run.stopped = "deadline";
  return run.stopped !== undefined;
}

/** Size and depth, checked on the text before anything parses it. */
function payloadProblem(limits: WorkerLimits, op: string, payload: string, maxBytes: number): string | undefined {
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

/** The wall's checks on a call, on the text: a refusal reply, or undefined to go on. */
function refusal(self: Instance, op: string, payload: string): string | undefined {
  if (op.length > MAX_OPERATION_NAME_LENGTH) {
    return refuse(
      "KILN_OPERATION_NAME_TOO_LONG",
      `an operation name of ${op.length} characters: no operation has a name longer than ${MAX_OPERATION_NAME_LENGTH}`,
    );
  }
  const { limits } = self;
  const problem = payloadProblem(
    limits,
    op,
    payload,
    // `{"value":…}` around a result; a checkpoint's state is measured exactly by the host.
    op === RuntimeOps.complete
      ? limits.resultBytes + 16
      : op === RuntimeOps.checkpoint
        ? limits.checkpointBytes + CHECKPOINT_ENVELOPE_BYTES
        : limits.payloadBytes,
  );
  if (problem && op === RuntimeOps.complete && current) current.reported ??= failure(problem);
  return problem;
}

/**
 * Answers the runtime operations the worker serves itself (logging, progress, completion, the
 * interrupt question); undefined for the rest, which the host serves.
 */
function answerHere(self: Instance, op: string, payload: string): string | undefined {
  switch (op) {
    case RuntimeOps.log: {
      const parsed = parse(op, payload);
      if ("error" in parsed) return parsed.error;
      // Payloads come from the extension: trust their shape no further than the protocol's types allow.
      const { level, message, line } = (parsed.value ?? {}) as Partial<LogPayload>;
      const text = typeof message === "string" ? message : String(message);
      if (spendLog(self, text.length)) {
        const known = level && LOG_LEVELS.has(level) ? level : "info";
        report({
          type: "log",
          instance: self.id,
          level: known,
          message: text,
          source: "log",
          // The method called at that line is the one of the level: its name picks the call's column.
          ...(Number.isSafeInteger(line) && (line as number) > 0 ? { line, callee: LogMethods[known] } : {}),
        });
      }
      return OK_NULL;
    }
    case RuntimeOps.complete: {
      const run = current;
      if (!run) return refuse("KILN_INVALID_PAYLOAD", `"${op}" outside an invocation`);
      if (run.reported) return refuse("KILN_INVALID_PAYLOAD", "the invocation already reported how it ended");
      const parsed = parse(op, payload);
      if ("error" in parsed) return parsed.error;
      const body = parsed.value;
      if (typeof body !== "object" || body === null) return refuse("KILN_INVALID_PAYLOAD", `"${op}" needs an object`);
      run.reported =
        "interrupted" in body
          ? { kind: "interrupted" }
          : { kind: "completed", json: JSON.stringify((body as { value?: unknown }).value ?? null) };
      return OK_NULL;
    }
    case RuntimeOps.interrupted:
      return ok(INTERRUPTS[Atomics.load(self.control, Control.interrupt)] ?? "none");
    case RuntimeOps.progress: {
      const parsed = parse(op, payload);
      if ("error" in parsed) return parsed.error;
      const progress = readProgress(parsed.value);
      const counters = readCounters((parsed.value as Partial<ProgressPayload> | null)?.counters);
      if (!progress || !counters) {
        return refuse("KILN_INVALID_PAYLOAD", `"${op}" needs finite numbers for done, total (or null) and counters`);
      }
      report({
        type: "progress",
        instance: self.id,
        done: progress.done,
        total: progress.total,
        message: progress.message,
        counters,
      });
      return OK_NULL;
    }
    default:
      return undefined;
  }
}

/** `__kiln.call`: runtime operations are answered here, without a round trip; the rest block on the host. */
function hostCall(self: Instance, op: string, payload: string): string | null {
  flushIfDue();
  if (mustStop()) return null;
  const answer = refusal(self, op, payload) ?? answerHere(self, op, payload);
  if (answer !== undefined) return answer;
  const reply = blockingCall(self, op, payload);
  return typeof reply !== "string" || mustStop() ? null : reply;
}

/**
 * `__kiln.callAsync` (the SDK's `ctx.call`): the host serves the call while the invocation goes
 * on or waits; its reply comes back in a `resume`. What the worker answers itself goes the same
 * way, so that a promise never settles before the step that made it ends.
 */
function startCall(self: Instance, id: number, op: string, payload: string): boolean {
  const run = current;
  if (!run || mustStop()) return false;
  const reply =
    refusal(self, op, payload) ??
    answerHere(self, op, payload) ??
    (run.inFlight >= MAX_CALLS_IN_FLIGHT
      ? refuse("KILN_TOO_MANY_CALLS", `"${op}" would be the job's ${MAX_CALLS_IN_FLIGHT + 1}th host call in flight`)
      : undefined);
  if (reply === undefined) run.inFlight++;
  run.started.push(reply === undefined ? { id, op, payload } : { id, op, payload, reply });
  return true;
}

/**
 * Sends the calls the step started, once its JS has run. Replies the worker made itself are
 * delivered at once. A lone call with nothing else in flight (a loop of `await ctx.call(…)`) goes
 * through the call block and is waited for up to {@link QUICK_REPLY_MS}, so that a fast operation
 * costs what a blocking call costs; several at once (`Promise.all`) go to the host together as
 * messages, and the invocation waits for them without holding the worker.
 */
function sendStarted(run: Invocation): void {
  const { plugin } = run.self;
  for (;;) {
    const started = run.started.splice(0);
    if (started.length === 0) return;
    const remote = started.filter((c) => c.reply === undefined);
    for (const c of started) if (c.reply !== undefined) plugin.settle(c.id, c.reply);
    const [only] = remote;
    if (remote.length === 1 && only && plugin.loopState().calls === 1) {
      const reply = blockingCall(run.self, only.op, only.payload, { id: only.id, seq: run.seq });
      // null: stopped (the host sees it when the step ends); undefined: it became a message.
      if (typeof reply === "string") {
        run.inFlight--;
        plugin.settle(only.id, reply);
      }
      continue;
    }
    for (const c of remote)
      post({ type: "call", instance: run.self.id, seq: run.seq, id: c.id, op: c.op, payload: c.payload });
  }
}

/**
 * Hands the call to the host through the call block and blocks until the host's answer to *this*
 * call (by sequence number) is there, or until the code must stop (null). With `quick` (an
 * asynchronous call), it waits at most {@link QUICK_REPLY_MS}: then, by the hand-over that
 * {@link Call.claim} describes, the call either goes to the host as a message or its reply comes
 * in a later `resume` (undefined: the invocation now waits for it).
 */
function blockingCall(
  self: Instance,
  op: string,
  payload: string,
  quick?: { readonly id: number; readonly seq: number },
): string | null | undefined {
  const seq = ++callSeq;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: measure exactly only when it could matter.
  const room = CALL_AREA_BYTES;
  const fits = (op.length + payload.length) * 3 <= room || Buffer.byteLength(op) + Buffer.byteLength(payload) <= room;
  if (quick && !fits) {
    post({ type: "call", instance: self.id, seq: quick.seq, id: quick.id, op, payload });
    return undefined;
  }
  // What the code reported before this call reaches the host before the call does.
  flush();
  if (fits) {
    const opBytes = requestArea.write(op, 0);
    calls[Call.opBytes] = opBytes;
    calls[Call.payloadBytes] = requestArea.write(payload, opBytes);
  } else {
    calls[Call.opBytes] = 0;
    calls[Call.payloadBytes] = ON_PORT;
    init.callPort.postMessage({ seq, op, payload } satisfies PortCall);
  }
  calls[Call.instance] = self.id;
  calls[Call.asyncId] = quick ? quick.id : 0;
  calls[Call.invocation] = quick ? quick.seq : 0;
  Atomics.store(calls, Call.claim, quick ? seq : 0);
  Atomics.store(calls, Call.request, seq);
  Atomics.notify(calls, Call.request);
  // Most replies come within microseconds: waiting for one in a short spin first spares both
  // threads the cost of a sleeping waiter (a notify that must wake a thread costs the host ~20 µs).
  const started = performance.now();
  const spinUntil = started + SPIN_MS;
  const giveUpAt = quick ? started + QUICK_REPLY_MS : Number.POSITIVE_INFINITY;
  while (Atomics.load(calls, Call.reply) !== seq && performance.now() < spinUntil);
  for (;;) {
    const answered = Atomics.load(calls, Call.reply);
    if (answered === seq) break;
    const stop = mustStop();
    if (stop || performance.now() >= giveUpAt) {
      // Stopped while waiting: the reply no longer matters (the host drops it).
      if (!quick) return null;
      if (Atomics.compareExchange(calls, Call.claim, seq, 0) === seq) {
        // The host had not taken it: it goes as a message instead (unless the code stops anyway).
        if (!stop) post({ type: "call", instance: self.id, seq: quick.seq, id: quick.id, op, payload });
        return stop ? null : undefined;
      }
      // Taken: the host sends the reply in a resume. Already answered (claim 0): it is on its way.
      if (Atomics.compareExchange(calls, Call.claim, -seq, 0) === -seq) return stop ? null : undefined;
    }
    const wakeAt = Math.min(
      current?.deadline ?? Number.POSITIVE_INFINITY,
      quick ? Date.now() + QUICK_REPLY_MS : Number.POSITIVE_INFINITY,
    );
    const left = wakeAt - Date.now();
    // A stale wake-up (meant for an earlier call) just loops; the slot tells the truth.
    Atomics.wait(calls, Call.reply, answered, Number.isFinite(left) ? Math.max(0, left) : undefined);
  }
  const length = Atomics.load(calls, Call.replyBytes);
  if (length !== ON_PORT) return replyArea.toString("utf8", 0, length);
  for (;;) {
    const received = receiveMessageOnPort(init.callPort as MessagePort);
    if (!received) return refuse("KILN_HOST_CALL_FAILED", `no reply to "${op}"`);
    const reply = received.message as PortReply;
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

/** Instantiates the plugin for a new instance and links the extension's module to it. */
async function create(message: Extract<ToWorker, { type: "create" }>): Promise<void> {
  if (!pluginModule) throw new Error("internal error: the worker has no plugin yet");
  let self: Instance | undefined;
  const instance = () => self as Instance;
  // The console call that made the write being split: the lines it ends are its lines.
  let stdoutSite: CallSite | undefined;
  let stderrSite: CallSite | undefined;
  const plugin = await PluginInstance.create({
    module: pluginModule,
    onStdout: (b) => {
      if (!spendLog(instance(), b.length)) return;
      stdoutSite = instance().plugin.outputSite();
      instance().stdout.push(b);
    },
    onStderr: (b) => {
      if (!spendLog(instance(), b.length)) return;
      stderrSite = instance().plugin.outputSite();
      instance().stderr.push(b);
    },
    hostCall: (op, payload) => hostCall(instance(), op, payload),
    hostCallStart: (id, op, payload) => startCall(instance(), id, op, payload),
    interrupt,
  });
  plugin.setMemoryLimit(message.limits.memoryBytes);
  const linked = new WebAssembly.Instance(message.module, {
    [message.namespace]: plugin.exports as WebAssembly.ModuleImports,
  });
  const id = message.instance;
  // Console output counts against the budget as written, before lines are split (and long ones cut).
  self = {
    id,
    plugin,
    exports: linked.exports as Record<string, unknown>,
    control: new Int32Array(message.control),
    limits: message.limits,
    stdout: new LineSplitter((text) =>
      report({
        type: "log",
        instance: id,
        level: "info",
        message: text,
        source: "stdout",
        ...stdoutSite,
      }),
    ),
    stderr: new LineSplitter((text) =>
      report({
        type: "log",
        instance: id,
        level: "error",
        message: text,
        source: "stderr",
        ...stderrSite,
      }),
    ),
  };
  instances.set(id, self);
}

/** Runs one step of an invocation (`body`: a call into the instance) and reports where it left it. */
function step(run: Invocation, body: () => void): void {
  const { self } = run;
  current = run;
  let trapped: string | undefined;
  try {
    body();
  } catch (error) {
    trapped = error instanceof Error ? error.message : String(error);
  } finally {
    self.stdout.flush();
    self.stderr.flush();
    current = undefined;
  }
  const state = trapped === undefined ? self.plugin.loopState() : undefined;
  if (state?.waiting) {
    post({ type: "waiting", instance: self.id, seq: run.seq, timerMs: state.nextTimerMs });
    return;
  }
  invocations.delete(self.id);
  const outcome: Outcome = trapped !== undefined ? { kind: "trapped", message: trapped } : outcomeOf(run);
  const left = state ? state.cancelledTimers + state.cancelledCalls : 0;
  if (state && left > 0) {
    const what = [
      state.cancelledTimers ? `${state.cancelledTimers} timer${state.cancelledTimers === 1 ? "" : "s"}` : "",
      state.cancelledCalls ? `${state.cancelledCalls} host call${state.cancelledCalls === 1 ? "" : "s"}` : "",
    ].filter(Boolean);
    report({
      type: "log",
      instance: self.id,
      level: "warn",
      message: `${what.join(" and ")} still pending when the invocation ended ${left === 1 ? "was" : "were"} cancelled: timers and calls cannot outlive the job that made them`,
      source: "log",
    });
  }
  post({ type: "done", instance: self.id, seq: run.seq, outcome, memoryBytes: self.plugin.memoryBytes });
  endedAt = performance.now();
}

/** How an ended invocation went, from what it reported, why it was stopped and its error record. */
function outcomeOf(run: Invocation): Outcome {
  const ended = run.reported;
  const stop = run.stopped;
  if (ended?.kind === "completed") return ended;
  if (stop) return { kind: "stopped", reason: stop };
  if (ended?.kind === "failed") return ended;
  const error = run.self.plugin.lastError();
  if (error) {
    return {
      kind: "failed",
      ...limitCode(error),
      error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) },
    };
  }
  return ended ?? { kind: "returned" };
}

function invoke(self: Instance, message: Extract<ToWorker, { type: "invoke" }>): void {
  const run: Invocation = {
    self,
    seq: message.seq,
    reported: undefined,
    stopped: undefined,
    polls: 0,
    logBytes: 0,
    logCapped: false,
    pollBudget:
      message.instructions === undefined
        ? Number.POSITIVE_INFINITY
        : Math.ceil(message.instructions / INSTRUCTIONS_PER_INTERRUPT),
    deadline: message.deadline ?? Number.POSITIVE_INFINITY,
    started: [],
    inFlight: 0,
  };
  const name = message.export;
  const fn = self.exports[name];
  if (typeof fn !== "function") {
    const outcome: Outcome = {
      kind: "failed",
      error: { name: "Error", message: `the module has no export "${name}"` },
    };
    post({ type: "done", instance: self.id, seq: message.seq, outcome, memoryBytes: self.plugin.memoryBytes });
    return;
  }
  invocations.set(self.id, run);
  self.plugin.setStdin(message.stdin ?? new Uint8Array());
  step(run, () => {
    self.plugin.runExport(name, fn as () => void);
    sendStarted(run);
  });
}

function resume(message: Extract<ToWorker, { type: "resume" }>): void {
  const run = invocations.get(message.instance);
  if (!run || run.seq !== message.seq) {
    const outcome: Outcome = { kind: "trapped", message: `internal error: invocation ${message.seq} is not open` };
    post({ type: "done", instance: message.instance, seq: message.seq, outcome, memoryBytes: 0 });
    return;
  }
  const { plugin } = run.self;
  step(run, () => {
    if (mustStop(false, run)) {
      plugin.tick(true);
      return;
    }
    for (const [id, reply] of message.replies) {
      run.inFlight--;
      plugin.settle(id, reply);
      sendStarted(run);
      if (!plugin.loopState().waiting) return;
    }
    plugin.tick(false);
    sendStarted(run);
  });
}

port.on("message", (message: ToWorker) => {
  if (message.type === "invoke") lingerAfterEnd = performance.now() - endedAt < LINGER_MS;
  const before = endedAt;
  handle(message);
  if (endedAt !== before) linger();
});

/**
 * After an invocation ends, polls the port for up to {@link LINGER_MS} while invocations come back
 * to back (the last one came within that time of its predecessor's end: a loop of jobs or of
 * `host.run`). Waking a worker asleep in its event loop cost the sender of a message ~30 µs on a
 * virtual machine (5 µs when the worker is awake), and the invocation as much again in latency: a
 * warm no-op job went from 210 to 145 µs. A poll that times out stops the lingering until
 * invocations come back to back again, so a worker whose jobs come seldom never spins; and the
 * worker's event loop gets its turn at least every {@link LINGER_BURST_MS}.
 */
function linger(): void {
  const burstEnd = performance.now() + LINGER_BURST_MS;
  while (lingerAfterEnd) {
    const until = Math.min(endedAt + LINGER_MS, burstEnd);
    let received: { message: unknown } | undefined;
    while (!received && performance.now() < until) received = receiveMessageOnPort(port);
    if (!received) {
      // Out of time for this burst only: the next message starts another.
      if (performance.now() < endedAt + LINGER_MS) return;
      lingerAfterEnd = false;
      return;
    }
    const before = endedAt;
    handle(received.message as ToWorker);
    // A message that ended no invocation (one that now waits, a create, …): back to the event loop.
    if (endedAt === before) return;
  }
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case "plugin":
      pluginModule = message.module;
      return;
    case "create":
      create(message).then(
        () => {
          post({ type: "created", instance: message.instance });
          // Its top-level code runs next, as soon as the host hears of it: wait for that here.
          endedAt = performance.now();
          lingerAfterEnd = true;
          linger();
        },
        (error: unknown) =>
          post({
            type: "created",
            instance: message.instance,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    case "invoke": {
      const self = instances.get(message.instance);
      if (self) invoke(self, message);
      else {
        const outcome: Outcome = {
          kind: "trapped",
          message: `internal error: instance ${message.instance} is not in this worker`,
        };
        post({ type: "done", instance: message.instance, seq: message.seq, outcome, memoryBytes: 0 });
      }
      return;
    }
    case "resume":
      resume(message);
      return;
    case "drop":
      instances.delete(message.instance);
      invocations.delete(message.instance);
      return;
    case "warm":
      warmUp(pluginModule ? { module: pluginModule } : {}).then(
        () => post({ type: "warmed" }),
        (error: unknown) => post({ type: "warmed", error: error instanceof Error ? error.message : String(error) }),
      );
      return;
  }
}
