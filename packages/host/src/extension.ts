/**
 * One loaded extension: its verified manifest and module, the permissions the app granted, and the
 * instances (each in its own worker thread) that run its code.
 *
 * @module
 */
import type { HostCallReply } from "@kiln/javy-plugin";
import { RuntimeOps } from "@kiln/sdk/protocol";
import type { LogEntry, LogLevel } from "./logger.js";
import type { Manifest } from "./manifest.js";
import type { ExtensionGrants } from "./operations/types.js";
import { ExtensionWorker, WorkerExitedError } from "./worker/instance.js";
import type { FromWorker, Outcome } from "./worker/protocol.js";

/** What the host knows of a loaded extension. */
export interface LoadedExtension {
  readonly id: string;
  readonly manifest: Manifest;
  /** Absolute path of the folder it was loaded from. */
  readonly dir: string;
  /** Permissions the extension both asked for and was granted. */
  readonly granted: readonly string[];
}

/** The job an instance is running, for routing its host calls, progress and logs. */
export interface InvocationContext {
  readonly jobId?: string;
  readonly jobName?: string;
  readonly signal: AbortSignal;
}

/** An {@link InvocationContext} with the extension it belongs to, as services see it. */
export interface CallContext extends InvocationContext {
  readonly extensionId: string;
}

/** What an {@link ExtensionRuntime} needs from the host. */
export interface RuntimeServices {
  readonly pluginModule: WebAssembly.Module;
  readonly namespace: string;
  log(entry: LogEntry): void;
  /** Serves a host call made by `context`'s invocation. Always resolves to a reply. */
  call(op: string, payload: unknown, context: CallContext): Promise<HostCallReply>;
  /** A `$checkpoint` from `context`'s invocation; resolves once durable. */
  checkpoint(payload: unknown, context: CallContext): Promise<HostCallReply>;
  progress(progress: Extract<FromWorker, { type: "progress" }>, context: CallContext): void;
}

/** An instance with what it is running now. */
interface Slot {
  readonly worker: ExtensionWorker;
  context: InvocationContext | undefined;
}

/** An invocation failed before the extension's code could say anything (trap, crash, stop). */
export type InvocationOutcome = Outcome | { readonly kind: "exited"; readonly message: string };

/**
 * Manages one extension's instances: at most `maxInstances` (its `limits.concurrentJobs`), each
 * running one invocation at a time. An instance that trapped or crashed is replaced by a fresh one.
 */
export class ExtensionRuntime {
  readonly #slots: Slot[] = [];
  readonly #idle: Slot[] = [];
  readonly #waiters: ((slot: Slot) => void)[] = [];
  #starting = 0;
  #stopped = false;

  constructor(
    readonly info: LoadedExtension,
    readonly grants: ExtensionGrants,
    private readonly module: WebAssembly.Module,
    private readonly services: RuntimeServices,
    readonly maxInstances: number,
  ) {}

  /** Starts the first instance (running the extension's init), so that a broken one fails at load. */
  async start(): Promise<void> {
    this.#release(await this.#spawn());
  }

  /**
   * Runs `exportName` on a free instance (waiting for one if all are busy), with `stdin` as its
   * input. Never rejects for the extension's own failures: they are outcomes.
   */
  async invoke(
    exportName: string,
    stdin: Uint8Array | undefined,
    context: InvocationContext,
  ): Promise<InvocationOutcome> {
    const slot = await this.#acquire();
    slot.context = context;
    try {
      return await slot.worker.invoke(exportName, stdin);
    } catch (error) {
      if (error instanceof WorkerExitedError) return { kind: "exited", message: error.message };
      throw error;
    } finally {
      slot.context = undefined;
      this.#release(slot);
    }
  }

  /** Asks the instance running job `jobId` to pause or cancel at its next check. */
  interrupt(jobId: string, kind: "pause" | "cancel"): void {
    this.#slots.find((s) => s.context?.jobId === jobId)?.worker.interrupt(kind);
  }

  /** Stops the instance running job `jobId` at once (a job that ignored its interrupt). */
  async kill(jobId: string): Promise<void> {
    await this.#slots.find((s) => s.context?.jobId === jobId)?.worker.terminate();
  }

  /** Runs cleanup on every idle instance and stops them all. Errors in cleanup are logged, not thrown. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const cleanup = this.info.manifest.hooks.cleanup;
    for (const slot of [...this.#slots]) {
      if (cleanup && this.#idle.includes(slot)) {
        const outcome = await slot.worker
          .invoke(cleanup)
          .catch((e: Error) => ({ kind: "exited", message: e.message }) as const);
        this.#logOutcome("cleanup", outcome);
      }
      await slot.worker.terminate();
    }
    this.#slots.length = 0;
    this.#idle.length = 0;
  }

  async #acquire(): Promise<Slot> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#slots.length + this.#starting < this.maxInstances) return this.#spawn();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(slot: Slot): void {
    if (slot.worker.exited || this.#stopped) {
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      // Replace a dead instance for whoever waits; otherwise start afresh on demand.
      const waiter = this.#waiters.shift();
      if (waiter && !this.#stopped) {
        this.#spawn().then(waiter, () => this.#waiters.unshift(waiter));
      }
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter(slot);
    else this.#idle.push(slot);
  }

  /** A new instance: worker, link, `_start` (top-level code), then `init`. */
  async #spawn(): Promise<Slot> {
    this.#starting++;
    try {
      let slot: Slot | undefined;
      const context = (): InvocationContext => slot?.context ?? { signal: new AbortController().signal };
      const worker = await ExtensionWorker.start(
        {
          extensionId: this.info.id,
          pluginModule: this.services.pluginModule,
          module: this.module,
          namespace: this.services.namespace,
        },
        {
          onLog: (level, message, source) => this.#log(level, message, source, context()),
          onProgress: (progress) => this.services.progress(progress, { ...context(), extensionId: this.info.id }),
          onCall: async (op, payload) => JSON.stringify(await this.#serve(op, payload, context())),
        },
      );
      slot = { worker, context: undefined };
      for (const [name, where] of [
        ["_start", "start-up"],
        [this.info.manifest.hooks.init, "init"],
      ] as const) {
        if (!name) continue;
        const outcome = await worker
          .invoke(name)
          .catch((e: Error) => ({ kind: "exited", message: e.message }) as const);
        const failure = describeFailure(outcome);
        if (failure) {
          await worker.terminate();
          throw new StartFailure(where, failure.message, failure.stack);
        }
      }
      this.#slots.push(slot);
      return slot;
    } finally {
      this.#starting--;
    }
  }

  async #serve(op: string, payloadJson: string, context: InvocationContext): Promise<HostCallReply> {
    let payload: unknown;
    try {
      payload = JSON.parse(payloadJson);
    } catch {
      return { ok: false, error: { code: "KILN_INVALID_PAYLOAD", message: `the payload of "${op}" is not JSON` } };
    }
    const full: CallContext = { ...context, extensionId: this.info.id };
    if (op === RuntimeOps.checkpoint) return this.services.checkpoint(payload, full);
    return this.services.call(op, payload, full);
  }

  #log(level: LogLevel, message: string, source: LogEntry["source"], context: InvocationContext): void {
    this.services.log({
      extensionId: this.info.id,
      level,
      message,
      source,
      ...(context.jobName ? { jobName: context.jobName } : {}),
      ...(context.jobId ? { jobId: context.jobId } : {}),
    });
  }

  #logOutcome(where: string, outcome: InvocationOutcome): void {
    const failure = describeFailure(outcome);
    if (failure)
      this.#log("error", `${where} failed: ${failure.message}`, "log", { signal: new AbortController().signal });
  }
}

/** The extension's start-up (`_start` or `init`) failed: the host refuses to load it. */
export class StartFailure extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
    readonly jsStack: string | undefined,
  ) {
    super(reason);
  }
}

/** A failed outcome as one message (and the JS stack, if any); undefined for success. */
export function describeFailure(outcome: InvocationOutcome): { message: string; stack?: string } | undefined {
  switch (outcome.kind) {
    case "failed":
      return {
        message: `${outcome.error.name}: ${outcome.error.message}`,
        ...(outcome.error.stack ? { stack: outcome.error.stack } : {}),
      };
    case "trapped":
      return { message: `the module trapped (${outcome.message})` };
    case "exited":
      return { message: outcome.message };
    default:
      return undefined;
  }
}
