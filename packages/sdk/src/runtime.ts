/**
 * The half of the SDK that runs inside QuickJS. Only the glue that `kiln build` generates imports
 * it (`@kiln/sdk/runtime`); authors never do. It owns the one door to the host, the `__kiln`
 * global the Kiln plugin installs.
 *
 * @module
 */
import type { HostCallReply } from "@kiln/javy-plugin";
import {
  type ExtensionContext,
  HostCallError,
  type JobContext,
  type JobCounters,
  JobInterrupted,
  type LogLevel,
} from "./context.js";
import {
  type CheckpointPayload,
  type CompletePayload,
  type InterruptRequest,
  type JobEnvelope,
  type LogPayload,
  type ProgressPayload,
  RuntimeOps,
} from "./protocol.js";

interface KilnGlobal {
  call(operation: string, payloadJson: string): string;
  /** Absent from plugins before the event loop: then `ctx.call` blocks as `call` does. */
  callAsync?(operation: string, payloadJson: string): Promise<string>;
  /** Node's `util.format`, as the sandbox's `console` prints. */
  format?(...args: unknown[]): string;
  /**
   * The bundle line of the call `skip` JS frames above the function that calls it (native frames
   * not counted), 0 if none; absent from plugins before log locations.
   */
  callSite?(skip: number): number;
}
interface JavyGlobal {
  IO: { readSync(fd: number, buffer: Uint8Array): number };
}
declare const __kiln: KilnGlobal | undefined;
declare const Javy: JavyGlobal | undefined;

function hostCall(operation: string, payload: unknown): unknown {
  return hostCallText(operation, payloadText(operation, payload));
}

/** A host call whose payload is JSON text already. */
function hostCallText(operation: string, json: string): unknown {
  return readReply(operation, kiln(operation).call(operation, json));
}

/**
 * The JSON text of a {@link LogPayload}, written out rather than stringified from an object: the
 * sandbox's `JSON.stringify` costs about 0.4 µs per value it visits (it checks the stack and polls
 * for interrupts at each), and of a log line's values only the message is free-form text. `line`
 * is left out when it is 0 (no call site).
 */
function logPayloadText(level: LogLevel, message: string, line: number): string {
  const where = line > 0 ? `,"line":${line}` : "";
  return `{"level":"${level}","message":${payloadText(RuntimeOps.log, message)}${where}}`;
}

/**
 * Starts the call without waiting for it: the invocation goes on, and waits for the reply only
 * where the code awaits it, so `Promise.all` of several calls runs them at once.
 */
async function hostCallAsync(operation: string, payload: unknown): Promise<unknown> {
  const door = kiln(operation);
  const json = payloadText(operation, payload);
  if (!door.callAsync) return readReply(operation, door.call(operation, json));
  return readReply(operation, await door.callAsync(operation, json));
}

function kiln(operation: string): KilnGlobal {
  if (typeof __kiln === "undefined") {
    throw new HostCallError(operation, "KILN_NOT_IN_HOST", "this code runs outside a Kiln host: no host calls");
  }
  return __kiln;
}

function payloadText(operation: string, payload: unknown): string {
  try {
    return JSON.stringify(payload ?? null);
  } catch (error) {
    // A value too deep for the engine's own serialiser is too deep for the host too: say so with
    // the host's code, not an engine error from inside the SDK.
    if (isStackOverflow(error)) {
      throw new HostCallError(operation, "KILN_VALUE_TOO_DEEP", "the payload is nested too deep to send to the host");
    }
    throw error;
  }
}

function readReply(operation: string, text: string): unknown {
  const reply = JSON.parse(text) as HostCallReply;
  if (reply.ok) return reply.value;
  throw new HostCallError(operation, reply.error.code, reply.error.message);
}

/** QuickJS's `InternalError: stack overflow` (or V8's `RangeError`, when the runtime is tested in Node). */
function isStackOverflow(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "InternalError" || error.name === "RangeError") &&
    /stack overflow|call stack size/i.test(error.message)
  );
}

function format(args: readonly unknown[]): string {
  // The sandbox's console formatting (Node's), when the plugin has it.
  if (typeof __kiln !== "undefined" && __kiln.format) return __kiln.format(...args);
  return args
    .map((a) => {
      if (typeof a === "string") return a;
      if (a instanceof Error) return a.stack ? `${a.name}: ${a.message}\n${a.stack}` : `${a.name}: ${a.message}`;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(" ");
}

/** Reads the whole of fd 0, where the host puts each invocation's input envelope. */
function readStdin(): string {
  if (typeof Javy === "undefined") return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const buffer = new Uint8Array(4096);
    const n = Javy.IO.readSync(0, buffer);
    if (n <= 0) break;
    chunks.push(buffer.subarray(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(all);
}

/** Frames between `log` (in `createRuntime`) and the extension's call: `log` itself and the context's method. */
const LOG_CALL_DEPTH = 2;

type Method = (ctx: unknown, state?: unknown) => unknown;
type Instance = Record<string, Method | undefined>;

/** The object the generated glue drives; one per extension module instance. */
export interface ExtensionRuntime {
  /** Runs the class's `init(ctx)`, if any. */
  init(): Promise<void>;
  /** Runs the class's `cleanup(ctx)`, if any. */
  cleanup(): Promise<void>;
  /** Runs the job `jobName`, implemented by `methodName`, with the envelope on stdin. */
  job(jobName: string, methodName: string): Promise<void>;
}

/**
 * Creates the runtime for the extension class. The class is instantiated once, on first use, so
 * fields set in `init` are there for every job that instance runs.
 */
export function createRuntime(extensionClass: new () => unknown, meta: { readonly id: string }): ExtensionRuntime {
  let instance: Instance | undefined;
  const get = (): Instance => {
    instance ??= new extensionClass() as Instance;
    return instance;
  };
  // Called only by the context's methods below, right from the extension's code: the call site
  // is two frames up (this function, then the method), so neither may be wrapped.
  const log = (level: LogLevel, args: readonly unknown[]): void => {
    const line = typeof __kiln === "undefined" ? 0 : (__kiln.callSite?.(LOG_CALL_DEPTH) ?? 0);
    hostCallText(RuntimeOps.log, logPayloadText(level, format(args), line));
  };
  const context = (): ExtensionContext => ({
    extensionId: meta.id,
    log: (...args) => log("info", args),
    debug: (...args) => log("debug", args),
    warn: (...args) => log("warn", args),
    error: (...args) => log("error", args),
    call: (operation, payload) => hostCallAsync(operation, payload) as never,
  });
  const hook = async (name: "init" | "cleanup"): Promise<void> => {
    const inst = get();
    const fn = inst[name];
    if (typeof fn === "function") await fn.call(inst, context());
  };
  return {
    init: () => hook("init"),
    cleanup: () => hook("cleanup"),
    async job(jobName, methodName) {
      const text = readStdin();
      const envelope = (text ? JSON.parse(text) : {}) as JobEnvelope;
      const inst = get();
      const method = inst[methodName];
      if (typeof method !== "function") throw new TypeError(`job "${jobName}": method ${methodName} is missing`);
      const ctx = jobContext(context(), jobName, envelope);
      let result: unknown;
      try {
        result = await method.call(inst, ctx, envelope.state ?? {});
      } catch (error) {
        if (error instanceof JobInterrupted) {
          hostCall(RuntimeOps.complete, { interrupted: true } satisfies CompletePayload);
          return;
        }
        throw error;
      }
      hostCall(RuntimeOps.complete, { value: result === undefined ? null : result } satisfies CompletePayload);
    },
  };
}

function jobContext(base: ExtensionContext, jobName: string, envelope: JobEnvelope): JobContext {
  const counters: JobCounters = { items: envelope.counters?.items ?? 0, bytes: envelope.counters?.bytes ?? 0 };
  let last = { done: 0, total: null as number | null, message: null as string | null };
  const requested = (): InterruptRequest => hostCall(RuntimeOps.interrupted, null) as InterruptRequest;
  const stopIfInterrupted = (): void => {
    const what = requested();
    if (what !== "none") throw new JobInterrupted(what);
  };
  return {
    ...base,
    jobId: envelope.jobId ?? "",
    jobName,
    input: envelope.input ?? null,
    attempt: envelope.attempt ?? 1,
    counters,
    progress(done, total, message) {
      last = { done, total: total ?? null, message: message ?? null };
      hostCall(RuntimeOps.progress, { ...last, counters } satisfies ProgressPayload);
    },
    async checkpoint(state) {
      hostCall(RuntimeOps.checkpoint, { state: state ?? null, progress: last, counters } satisfies CheckpointPayload);
      stopIfInterrupted();
    },
    get interrupted() {
      return requested() !== "none";
    },
    stopIfInterrupted,
  };
}
