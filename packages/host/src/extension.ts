/**
 * One loaded extension: its verified manifest and module, the permissions the app granted, the
 * limits it runs under, and its instances (in the host's pool of worker threads) that run its code.
 *
 * @module
 */

import { setMaxListeners } from "node:events";
import { KilnError, type KilnErrorCode, type Manifest, type ResolvedLimits } from "@kiln/contracts";
import { BUNDLE_FILE, type CallSite, type HostCallReply, hostCallFailure } from "@kiln/javy-plugin";
import { RuntimeOps } from "@kiln/sdk/protocol";
import { type CheckpointVerdict, JobSchemas } from "./jobs/schemas.js";
import type { LogEntry, LogLevel, LogLocation } from "./logger.js";
import type { ExtensionGrants } from "./operations/types.js";
import { SourceMapper } from "./source-map.js";
import { type ExtensionInstance, WorkerExitedError, type WorkerPool } from "./worker/pool.js";
import type { FromWorker, Outcome, StopKind } from "./worker/protocol.js";

/** What the host knows of a loaded extension. */
export interface LoadedExtension {
  readonly id: string;
  readonly manifest: Manifest;
  /** Absolute path of the folder it was loaded from. */
  readonly dir: string;
  /** Permissions the extension both asked for and was granted. */
  readonly granted: readonly string[];
  /** The limits it runs under: the application's, lowered where its manifest asks. */
  readonly limits: ResolvedLimits;
}

/** The job an instance is running, for routing its host calls, progress and logs. */
export interface InvocationContext {
  readonly jobId?: string;
  readonly jobName?: string;
  /** Aborted when the invocation's host calls must give up (cancel, deadline, stop). */
  readonly signal: AbortSignal;
  /**
   * Where the host records that the invocation broke its job's contract in a way its code may
   * catch (a checkpoint whose state fails the job's schema): whatever the code does next, the
   * invocation has failed with this error. `host.run` reads it; durable jobs keep theirs in the runner.
   */
  readonly verdict?: CheckpointVerdict;
}

/** An {@link InvocationContext} with the extension it belongs to, as services see it. */
export interface CallContext extends InvocationContext {
  readonly extensionId: string;
}

/** What an {@link ExtensionRuntime} needs from the host. */
export interface RuntimeServices {
  /** Where instances live. */
  readonly pool: WorkerPool;
  readonly namespace: string;
  /** After a stop, how long running code may take to reach an interrupt check before its worker is terminated. */
  readonly killAfterMs: number;
  /** An instance whose linear memory grew past this many bytes is replaced after its invocation. */
  readonly recycleMemoryBytes: number;
  log(entry: LogEntry): void;
  /** Serves a host call made by `context`'s invocation. Always resolves to a reply. */
  call(op: string, payload: unknown, context: CallContext): Promise<HostCallReply>;
  /** A `$checkpoint` from `context`'s invocation; resolves once durable. */
  checkpoint(payload: unknown, context: CallContext): Promise<HostCallReply>;
  progress(progress: Extract<FromWorker, { type: "progress" }>, context: CallContext): void;
}

/** An instance with what it is running now. */
interface Slot {
  readonly instance: ExtensionInstance;
  context: InvocationContext | undefined;
  /** Aborts the current invocation's host calls. */
  abort: LazyAbort | undefined;
  /** Why the current invocation is being stopped, once it is. */
  stopping: StopKind | undefined;
  killTimer: NodeJS.Timeout | undefined;
  /** The invocation running now, if any: settles when it ends, however it ends. */
  running: Promise<unknown> | undefined;
  memoryBytes: number;
}

/** The context of what an instance reports between invocations: nothing to abort. */
const OUTSIDE_INVOCATIONS: InvocationContext = { signal: new AbortController().signal };

/**
 * An invocation's abort signal, made on its first use: most invocations (a job that calls no
 * operation) never hand it out, and an AbortController with its listener settings cost ~8 µs of
 * every no-op job.
 */
class LazyAbort {
  #controller: AbortController | undefined;
  #reason: { readonly value: unknown } | undefined;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // Every host call the invocation has in flight listens on it: Promise.all of many is normal.
      setMaxListeners(0, this.#controller.signal);
      if (this.#reason) this.#controller.abort(this.#reason.value);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#reason) return;
    this.#reason = { value: reason };
    this.#controller?.abort(reason);
  }
}

/**
 * How an invocation ended: the worker's {@link Outcome}, or the worker died first (`stopped` says
 * why, when the host terminated it for not stopping in time).
 */
export type InvocationOutcome =
  | Outcome
  | {
      readonly kind: "exited";
      readonly message: string;
      readonly stopped?: StopKind | undefined;
      /** The call never started (its worker went down first): it may run again elsewhere. */
      readonly lost?: boolean;
    };

/** Per-invocation limits. */
export interface InvokeLimits {
  /** Wall-clock time the invocation may take, in ms. */
  readonly timeoutMs?: number | undefined;
  /** Interpreter steps it may take. */
  readonly instructions?: number | undefined;
}

/** How often a call lost to a neighbour's dying worker is tried again before it counts as failed. */
const MAX_LOST_ATTEMPTS = 3;

/** The extension's start-up (top-level code or `init`) failed: the host refuses to load it. */
export class StartFailure extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
    readonly jsStack: string | undefined,
    /** Set when a limit, not the extension's own error, ended the start. */
    readonly code?: KilnErrorCode,
    /** The stack as QuickJS reported it, when `jsStack` was mapped to the author's files. */
    readonly rawJsStack?: string,
  ) {
    super(reason);
  }
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(error: Error): void;
}

/**
 * Manages one extension's instances: at most `limits.concurrentJobs`, each running one
 * invocation at a time. An instance that trapped, crashed or grew too large is replaced by a
 * fresh one; one that was stopped (cancel, deadline) stays in service.
 */
export class ExtensionRuntime {
  readonly #slots: Slot[] = [];
  readonly #idle: Slot[] = [];
  readonly #waiters: Waiter[] = [];
  /** Instances being made or started (top-level code, `init`): unload must reach them too. */
  #startingCount = 0;
  readonly #starting = new Set<ExtensionInstance>();
  #stopped = false;
  /** The module's source map, read on the first stack or log location that needs it; null: it has none. */
  #sourceMap: SourceMapper | null | undefined;

  constructor(
    readonly info: LoadedExtension,
    readonly grants: ExtensionGrants,
    private readonly module: WebAssembly.Module,
    private readonly services: RuntimeServices,
    /** Its jobs' input, output and state schemas, compiled at load (see `jobs/schemas.ts`). */
    readonly schemas: JobSchemas = JobSchemas.none,
  ) {}

  /** At most this many instances (and so jobs) at once. */
  get maxInstances(): number {
    return this.info.limits.concurrentJobs;
  }

  /** Starts the first instance (running the extension's init), so that a broken one fails at load. */
  async start(): Promise<void> {
    this.#release(await this.#spawn());
  }

  /**
   * Runs `exportName` on a free instance (waiting for one if all are busy), with `stdin` as its
   * input. Never rejects for the extension's own failures: they are outcomes. Rejects when the
   * extension is being unloaded, or a replacement instance failed to start.
   */
  async invoke(
    exportName: string,
    stdin: Uint8Array | undefined,
    context: InvocationContext,
    limits: InvokeLimits = {},
  ): Promise<InvocationOutcome> {
    // A call that never started because a neighbour's worker went down runs on a fresh instance.
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#invokeOnce(exportName, stdin, context, limits);
      if (outcome.kind !== "exited" || !outcome.lost || attempt >= MAX_LOST_ATTEMPTS) return outcome;
    }
  }

  async #invokeOnce(
    exportName: string,
    stdin: Uint8Array | undefined,
    context: InvocationContext,
    limits: InvokeLimits,
  ): Promise<InvocationOutcome> {
    // Taken without a pause when one is free, so the next caller in this tick sees its worker busy.
    const acquired = this.#acquire();
    const slot = acquired instanceof Promise ? await acquired : acquired;
    const abort = new LazyAbort();
    slot.abort = abort;
    slot.stopping = undefined;
    // The caller's signal reaches this one through `onAbort` below (AbortSignal.any costs ~20 µs).
    slot.context = {
      ...context,
      get signal() {
        return abort.signal;
      },
    };
    const { timeoutMs, instructions } = limits;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    // The worker checks the deadline itself; this timer covers code that never reaches a check.
    const deadlineTimer =
      timeoutMs === undefined ? undefined : setTimeout(() => this.#hardStop(slot, "deadline"), timeoutMs);
    const onAbort = () => this.#hardStop(slot, "cancel");
    context.signal.addEventListener("abort", onAbort, { once: true });
    if (context.signal.aborted) onAbort();
    try {
      const invocation = slot.instance.invoke(exportName, stdin, {
        ...(deadline !== undefined ? { deadline } : {}),
        ...(instructions !== undefined ? { instructions } : {}),
      });
      slot.running = invocation;
      const { outcome, memoryBytes } = await invocation;
      slot.memoryBytes = memoryBytes;
      return this.#mapStack(outcome);
    } catch (error) {
      if (error instanceof WorkerExitedError) {
        return { kind: "exited", message: error.message, stopped: slot.stopping, lost: error.lost };
      }
      throw error;
    } finally {
      clearTimeout(deadlineTimer);
      clearTimeout(slot.killTimer);
      slot.killTimer = undefined;
      context.signal.removeEventListener("abort", onAbort);
      slot.context = undefined;
      slot.abort = undefined;
      slot.running = undefined;
      this.#release(slot);
    }
  }

  /** Asks the instance running job `jobId` to pause or cancel at its next check of `ctx.interrupted`. */
  interrupt(jobId: string, kind: "pause" | "cancel"): void {
    this.#slotOf(jobId)?.instance.interrupt(kind);
  }

  /**
   * Stops the code running job `jobId` at its next interrupt check (milliseconds), and abandons its
   * host calls; terminates its worker if it has not stopped `killAfterMs` later.
   */
  stopJob(jobId: string, reason: "pause" | "cancel"): void {
    const slot = this.#slotOf(jobId);
    if (slot) this.#hardStop(slot, reason);
  }

  /**
   * Runs cleanup on every idle instance (within `limits.cleanupTimeoutMs`), stops running ones and
   * instances still starting, and ends every worker. Errors in cleanup are logged, not thrown.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#unloaded());
    const starting = [...this.#starting].map((instance) => instance.terminate());
    const cleanup = this.info.manifest.hooks.cleanup;
    const slots = [...this.#slots];
    this.#slots.length = 0;
    const idle = new Set(this.#idle.splice(0));
    await Promise.all([
      ...starting,
      ...slots.map(async (slot) => {
        if (!idle.has(slot)) {
          // Stopped at its next interrupt check; its worker (and the neighbours in it) is
          // terminated only if it does not stop within killAfterMs.
          this.#hardStop(slot, "shutdown");
          await slot.running?.catch(() => undefined);
        } else if (cleanup && !slot.instance.unusable) {
          await this.#runCleanup(slot, cleanup);
        }
        await slot.instance.terminate();
      }),
    ]);
  }

  async #runCleanup(slot: Slot, cleanup: string): Promise<void> {
    const timeoutMs = this.info.limits.cleanupTimeoutMs;
    const { outcome, timedOut } = await this.#runBounded(slot.instance, cleanup, Date.now() + timeoutMs);
    if (timedOut) {
      this.#log(
        "error",
        `cleanup failed: KILN_CLEANUP_TIMEOUT: cleanup ran longer than ${timeoutMs} ms (limits.cleanupTimeoutMs) and was stopped`,
        "log",
        undefined,
      );
    } else this.#logOutcome("cleanup", outcome);
  }

  /**
   * Runs a lifecycle export (top-level code, `init`, `cleanup`) that must end by `deadline`: the
   * worker stops it at an interrupt check, and ends the instance `killAfterMs` later for code that
   * never reaches one (or a start function that never returns).
   */
  async #runBounded(
    instance: ExtensionInstance,
    name: string,
    deadline: number,
  ): Promise<{ outcome: InvocationOutcome; timedOut: boolean }> {
    let killed = false;
    const kill = setTimeout(
      () => {
        killed = true;
        void instance.terminate();
      },
      Math.max(0, deadline - Date.now()) + this.services.killAfterMs,
    );
    try {
      const outcome: InvocationOutcome = await instance.invoke(name, undefined, { deadline }).then(
        (r) => this.#mapStack(r.outcome),
        (e: Error) =>
          ({
            kind: "exited",
            message: e.message,
            stopped: killed ? "deadline" : undefined,
            lost: e instanceof WorkerExitedError && e.lost,
          }) as const,
      );
      return { outcome, timedOut: killed || (outcome.kind === "stopped" && outcome.reason === "deadline") };
    } finally {
      clearTimeout(kill);
    }
  }

  #slotOf(jobId: string): Slot | undefined {
    return this.#slots.find((s) => s.context?.jobId === jobId);
  }

  #hardStop(slot: Slot, reason: StopKind): void {
    if (slot.stopping || !slot.context) return;
    slot.stopping = reason;
    slot.abort?.abort(new Error(`the invocation was stopped (${reason})`));
    slot.instance.stop(reason);
    slot.killTimer = setTimeout(() => void slot.instance.terminate(), this.services.killAfterMs);
  }

  #unloaded(): KilnError {
    const id = this.info.manifest.id;
    return new KilnError("KILN_NOT_LOADED", `extension "${id}" was unloaded while the call waited`, {
      extensionId: id,
    });
  }

  /**
   * An instance for the next invocation: an idle one whose worker is free; else a new one where
   * it can start at once (another worker), in place of an idle one if the extension is at its
   * cap; else an idle one (its worker runs it next); else the first to be released.
   */
  #acquire(): Slot | Promise<Slot> {
    if (this.#stopped) return Promise.reject(this.#unloaded());
    this.#dropUnusable();
    const ready = this.#idle.findIndex((s) => s.instance.ready);
    if (ready >= 0) return this.#idle.splice(ready, 1)[0] as Slot;
    const canGrow = this.#slots.length + this.#startingCount < this.maxInstances;
    if (canGrow && (this.#idle.length === 0 || this.services.pool.hasRoom)) return this.#spawn();
    if (this.#idle.length > 0 && this.services.pool.hasRoom) {
      // At its cap, with every idle instance in a worker busy with someone else's job (perhaps one
      // waiting on a slow host call): a fresh instance in a free worker starts now; waiting could
      // take as long as that job does. Module-level state starts over, as on any replacement.
      this.#forget(this.#idle.pop() as Slot);
      return this.#spawn();
    }
    const idle = this.#idle.pop();
    if (idle) return idle;
    return new Promise<Slot>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Idle instances whose worker went down (a neighbour's runaway) are forgotten. */
  #dropUnusable(): void {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const slot = this.#idle[i] as Slot;
      if (!slot.instance.unusable) continue;
      this.#idle.splice(i, 1);
      this.#forget(slot);
    }
  }

  #forget(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    void slot.instance.terminate();
  }

  #release(slot: Slot): void {
    if (this.#stopped) return; // stop() ends every instance
    const retire = slot.instance.unusable || slot.memoryBytes > this.services.recycleMemoryBytes;
    if (retire) {
      this.#forget(slot);
      // Replace it for whoever waits; otherwise start afresh on demand.
      const waiter = this.#waiters.shift();
      if (waiter) this.#spawn().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(slot);
    else this.#idle.push(slot);
  }

  /**
   * A new instance: plugin instance and link in a pool worker, `_start` (top-level code), then
   * `init`, all within `startTimeoutMs`. A creation or start whose worker went down before it ran
   * (a neighbour's runaway took the worker) is tried again on a fresh instance, a few times (a
   * worker that cannot start at all must not be started for ever).
   */
  async #spawn(): Promise<Slot> {
    this.#startingCount++;
    try {
      for (let attempt = 1; ; attempt++) {
        const started = await this.#startInstance(attempt < MAX_LOST_ATTEMPTS);
        if (started) return started;
      }
    } finally {
      this.#startingCount--;
    }
  }

  /** One try of {@link ExtensionRuntime.#spawn}: undefined if it was lost and `retry` allows another. */
  async #startInstance(retry: boolean): Promise<Slot | undefined> {
    const limits = this.info.limits;
    let slot: Slot | undefined;
    const context = (): InvocationContext => slot?.context ?? OUTSIDE_INVOCATIONS;
    const deadline = Date.now() + limits.startTimeoutMs;
    const created = this.services.pool.create(
      {
        module: this.module,
        namespace: this.services.namespace,
        limits: {
          memoryBytes: Math.floor(limits.memoryMiB * 1024 * 1024),
          payloadBytes: limits.payloadBytes,
          valueDepth: limits.valueDepth,
          resultBytes: limits.resultBytes,
          checkpointBytes: limits.checkpointBytes,
          logBytes: limits.logBytes,
        },
      },
      {
        onLog: (level, message, source, site) => this.#log(level, message, source, context(), site),
        onProgress: (progress) => this.services.progress(progress, { ...context(), extensionId: this.info.id }),
        onCall: async (op, payload) => JSON.stringify(await this.#serve(op, payload, context())),
      },
    );
    let instance: ExtensionInstance;
    try {
      instance = await created;
    } catch (error) {
      // Its worker went down before it got to this instance (a neighbour's runaway): try again.
      if (error instanceof WorkerExitedError && error.lost && retry) return undefined;
      throw error;
    }
    slot = {
      instance,
      context: undefined,
      abort: undefined,
      stopping: undefined,
      killTimer: undefined,
      running: undefined,
      memoryBytes: 0,
    };
    const started = slot;
    this.#starting.add(instance);
    try {
      if (this.#stopped) throw new StartFailure("start-up", "the extension was unloaded while it started", undefined);
      for (const [name, where] of [
        ["_start", "start-up"],
        [this.info.manifest.hooks.init, "init"],
      ] as const) {
        if (!name) continue;
        const { outcome, timedOut } = await this.#runBounded(instance, name, deadline);
        if (this.#stopped) throw new StartFailure(where, "the extension was unloaded while it started", undefined);
        if (outcome.kind === "exited" && outcome.lost && retry) {
          await instance.terminate();
          return undefined;
        }
        if (timedOut) {
          throw new StartFailure(
            where,
            `its top-level code and init ran longer than ${limits.startTimeoutMs} ms (limits.startTimeoutMs) and were stopped`,
            undefined,
            "KILN_START_TIMEOUT",
          );
        }
        const failure = describeFailure(outcome);
        if (failure) throw new StartFailure(where, failure.message, failure.stack, undefined, failure.rawStack);
      }
      this.#slots.push(started);
      return started;
    } catch (error) {
      await instance.terminate();
      throw error;
    } finally {
      this.#starting.delete(instance);
    }
  }

  async #serve(op: string, payloadJson: string, context: InvocationContext): Promise<HostCallReply> {
    let payload: unknown;
    try {
      payload = JSON.parse(payloadJson);
    } catch {
      return hostCallFailure("KILN_INVALID_PAYLOAD", `the payload of "${op}" is not JSON`);
    }
    const full: CallContext = { ...context, extensionId: this.info.id };
    if (op === RuntimeOps.checkpoint) return this.services.checkpoint(payload, full);
    return this.services.call(op, payload, full);
  }

  #log(
    level: LogLevel,
    message: string,
    source: LogEntry["source"],
    context: InvocationContext | undefined,
    site?: CallSite,
  ): void {
    this.services.log({
      extensionId: this.info.id,
      level,
      message,
      source,
      ...(context?.jobName ? { jobName: context.jobName } : {}),
      ...(context?.jobId ? { jobId: context.jobId } : {}),
      ...(site ? { location: this.#locate(site) } : {}),
    });
  }

  /** A call site of the bundle in the author's file, or the bundle's line where the map has none. */
  #locate(site: CallSite): LogLocation {
    const position = this.#mapper()?.position(site.line, site.callee);
    if (!position) return { file: BUNDLE_FILE, line: site.line };
    return { file: position.source, line: position.line, column: position.column };
  }

  /**
   * The module's source map, decoded on first use and kept while the extension is loaded; a
   * corrupted map is reported once, as a warning, and stacks and log locations stay raw.
   */
  #mapper(): SourceMapper | undefined {
    if (this.#sourceMap === undefined) {
      try {
        this.#sourceMap = SourceMapper.fromModule(this.module) ?? null;
      } catch (error) {
        this.#sourceMap = null;
        this.#log("warn", (error as Error).message, "log", undefined);
      }
    }
    return this.#sourceMap ?? undefined;
  }

  #logOutcome(where: string, outcome: InvocationOutcome): void {
    const failure = describeFailure(outcome);
    const stack = failure?.stack ? `\n${failure.stack.trimEnd()}` : "";
    if (failure) this.#log("error", `${where} failed: ${failure.message}${stack}`, "log", undefined);
  }

  /** `outcome` with its JS stack mapped to the author's files (the raw one kept as `rawStack`). */
  #mapStack(outcome: InvocationOutcome): InvocationOutcome {
    if (outcome.kind !== "failed" || !outcome.error.stack) return outcome;
    const mapper = this.#mapper();
    if (!mapper) return outcome;
    const raw = outcome.error.stack;
    const stack = mapper.mapStack(raw, outcome.error.name);
    return stack === raw ? outcome : { ...outcome, error: { ...outcome.error, stack, rawStack: raw } };
  }
}

/**
 * A failed outcome as one message (and the JS stack, if any, with QuickJS's own when it was
 * mapped); undefined for success.
 */
export function describeFailure(
  outcome: InvocationOutcome,
): { message: string; stack?: string; rawStack?: string } | undefined {
  switch (outcome.kind) {
    case "failed":
      return {
        message: `${outcome.error.name}: ${outcome.error.message}`,
        ...(outcome.error.stack ? { stack: outcome.error.stack } : {}),
        ...(outcome.error.rawStack ? { rawStack: outcome.error.rawStack } : {}),
      };
    case "trapped":
      return { message: `the module trapped (${outcome.message})` };
    case "exited":
      return { message: outcome.message };
    case "stopped":
      return { message: `the host stopped it (${outcome.reason})` };
    default:
      return undefined;
  }
}
