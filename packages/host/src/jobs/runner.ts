/**
 * The job runner: runs a started job in its extension, carries its progress and checkpoints to the
 * store, stops it when asked, and records how it ended. The scheduler (`JobManager`) decides what
 * starts; the runner owns a job from its start to its final state.
 *
 * @module
 */
import type { JobEnvelope } from "@kiln/sdk/protocol";
import { KilnError } from "../errors.js";
import type { ExtensionRuntime, InvocationOutcome } from "../extension.js";
import { RateLimiter } from "../operations/rate-limit.js";
import { StoreValueTooLargeError } from "../store/errors.js";
import type { JobCounters, JobProgress, JobRecord, JobStore } from "../store/types.js";
import type { JobEvents } from "./events.js";
import { finalMove } from "./outcome.js";
import { type CheckpointRefusal, type CheckpointVerdict, outputRefusal, refuseCheckpoint } from "./schemas.js";

/** A job this host is running now. */
interface Running {
  readonly record: JobRecord;
  readonly runtime: ExtensionRuntime;
  readonly abort: AbortController;
  requested: "pause" | "cancel" | undefined;
  /** Stops a pausing job's code once its grace is over. */
  graceTimer: NodeJS.Timeout | undefined;
  /**
   * The refusal of a checkpoint whose state broke the job's state schema, once there is one: the
   * job fails with it however its code ends (it may catch the refusal), and no later checkpoint is saved.
   */
  verdict: CheckpointVerdict;
  /** Progress reported but not yet written (see `progressWriteIntervalMs`). */
  progress: {
    latest: { progress: JobProgress; counters: JobCounters } | undefined;
    timer: NodeJS.Timeout | undefined;
    lastWrite: number;
  };
}

/** What the runner tells the manager. */
export interface RunnerHooks {
  /** A job's state changed (durably): tell listeners and waiters. */
  changed(record: JobRecord): void;
  /** A job no longer holds its slot (its end is recorded, maybe not yet durable): start others. */
  freed(): void;
  /** Progress and checkpoint events. */
  progress(event: JobEvents["progress"]): void;
  checkpoint(event: JobEvents["checkpoint"]): void;
}

/** Options of the runner; see `JobManagerOptions`. */
export interface RunnerOptions {
  readonly stopGraceMs: number;
  readonly progressWriteIntervalMs: number;
}

const encoder = new TextEncoder();

/** Runs started jobs to their end. @internal */
export class JobRunner {
  readonly #running = new Map<string, Running>();
  /** Running jobs per extension. */
  readonly #busy = new Map<string, number>();
  /** Each running job's checkpoint bucket (`limits.checkpointsPerSecond`), keyed by job id. */
  readonly #checkpointRate = new RateLimiter(false);
  readonly #store: JobStore;
  readonly #hooks: RunnerHooks;
  readonly #options: RunnerOptions;

  constructor(store: JobStore, hooks: RunnerHooks, options: RunnerOptions) {
    this.#store = store;
    this.#hooks = hooks;
    this.#options = options;
  }

  /** Jobs running now. */
  get size(): number {
    return this.#running.size;
  }

  /** Jobs of one extension running now. */
  busy(extensionId: string): number {
    return this.#busy.get(extensionId) ?? 0;
  }

  /** Whether this runner runs the job. */
  has(jobId: string): boolean {
    return this.#running.has(jobId);
  }

  /** Ids of the running jobs, of one extension or all. */
  ids(extensionId?: string): string[] {
    return [...this.#running.values()]
      .filter((r) => extensionId === undefined || r.record.extensionId === extensionId)
      .map((r) => r.record.id);
  }

  /** Runs a job whose start the store has applied. */
  launch(started: JobRecord, runtime: ExtensionRuntime): void {
    const perSecond = runtime.info.limits.checkpointsPerSecond;
    this.#checkpointRate.set(started.id, { callsPerSecond: perSecond, burst: perSecond });
    const running: Running = {
      record: started,
      runtime,
      abort: new AbortController(),
      requested: undefined,
      graceTimer: undefined,
      verdict: {},
      progress: { latest: undefined, timer: undefined, lastWrite: 0 },
    };
    this.#running.set(started.id, running);
    this.#busy.set(started.extensionId, this.busy(started.extensionId) + 1);
    this.#run(running).catch((error: unknown) => {
      // #run records every outcome itself; reaching here is a bug, but the slot must not leak.
      this.#release(running);
      process.emitWarning(`Kiln could not run job ${started.id}: ${String(error)}`);
    });
  }

  /**
   * Asks a running job to pause or cancel; undefined when this runner does not run it. Resolves with
   * the record once the request is durable; the job is told at once.
   */
  stop(jobId: string, what: "pause" | "cancel"): Promise<JobRecord> | undefined {
    const running = this.#running.get(jobId);
    if (!running) return undefined;
    if (running.requested !== "cancel") running.requested = what;
    // Recorded for a restart (a cancel wins over resuming); the job need not wait for the disk.
    const recorded = this.#store.request(jobId, what);
    running.runtime.interrupt(jobId, what);
    if (what === "cancel") {
      // Nothing a cancelled job does next can matter: stop its code now and abandon its host call.
      running.abort.abort();
      running.runtime.stopJob(jobId, "cancel");
    } else {
      // A pausing job gets its grace to reach a checkpoint; then its code is stopped where it is
      // (it resumes from its last checkpoint).
      running.graceTimer ??= setTimeout(() => running.runtime.stopJob(jobId, "pause"), this.#options.stopGraceMs);
    }
    return recorded.then((record) => record ?? running.record);
  }

  /** Progress reported by a running job: told to listeners at once, written at most every interval. */
  async progress(jobId: string, extensionId: string, progress: JobProgress, counters: JobCounters): Promise<void> {
    const running = this.#running.get(jobId);
    if (!running) return;
    this.#hooks.progress({ jobId, extensionId, progress, counters });
    const throttle = running.progress;
    throttle.latest = { progress, counters };
    if (throttle.timer) return;
    const wait = throttle.lastWrite + this.#options.progressWriteIntervalMs - Date.now();
    if (wait <= 0) return this.#writeProgress(running);
    throttle.timer = setTimeout(() => {
      throttle.timer = undefined;
      this.#writeProgress(running)?.catch((error: unknown) =>
        process.emitWarning(`Kiln could not save the progress of job ${jobId}: ${String(error)}`),
      );
    }, wait);
  }

  /** Persists a checkpoint of a running job; resolves with its sequence number once durable. */
  async checkpoint(
    jobId: string,
    extensionId: string,
    state: unknown,
    progress: JobProgress | undefined,
    counters: JobCounters | undefined,
  ): Promise<number> {
    const running = this.#running.get(jobId);
    let maxStateBytes: number | undefined;
    let unsaved: Running["progress"]["latest"];
    if (running) {
      const limits = running.runtime.info.limits;
      if (!this.#checkpointRate.take(jobId).ok) {
        throw new KilnError(
          "KILN_CHECKPOINT_RATE_LIMITED",
          `job "${running.record.jobName}" checkpointed faster than its limit of ${limits.checkpointsPerSecond}/s (limits.checkpointsPerSecond); checkpoint less often`,
          { extensionId },
        );
      }
      // Checked before it is stored: a state the job's schema refuses is never saved, the last good
      // checkpoint stays, and the job fails (see `verdict`).
      const { schemas } = running.runtime;
      const refusal = refuseCheckpoint(running.verdict, schemas, extensionId, running.record.jobName, state);
      if (refusal) throw refusalError(refusal, extensionId);
      maxStateBytes = limits.checkpointBytes;
      // The checkpoint saves progress and counters itself; an older unsaved report must not follow it.
      if (progress) {
        unsaved = running.progress.latest;
        running.progress.latest = undefined;
      }
    }
    let seq: number;
    try {
      // The store measures the state on the text it writes: serialised once.
      seq = await this.#store.checkpoint(
        jobId,
        state,
        progress,
        counters,
        maxStateBytes === undefined ? undefined : { maxStateBytes },
      );
    } catch (error) {
      if (running && unsaved && running.progress.latest === undefined) running.progress.latest = unsaved;
      if (error instanceof StoreValueTooLargeError && maxStateBytes !== undefined && error.max === maxStateBytes) {
        throw new KilnError(
          "KILN_CHECKPOINT_TOO_LARGE",
          `a checkpoint state of ${error.bytes} bytes is larger than the limit of ${maxStateBytes} (limits.checkpointBytes); keep positions in the state, not data`,
          { extensionId },
        );
      }
      throw error;
    }
    // No "progress" event here: the SDK reports progress itself before checkpointing; the
    // checkpoint only persists it again, atomically with the state.
    this.#hooks.checkpoint({ jobId, extensionId, seq });
    return seq;
  }

  async #run(running: Running): Promise<void> {
    const { record, runtime } = running;
    const job = runtime.info.manifest.jobs.find((j) => j.name === record.jobName);
    const limits = { timeoutMs: runtime.info.limits.jobTimeoutMs, instructions: runtime.info.limits.instructions };
    let outcome: InvocationOutcome;
    if (!job) {
      outcome = {
        kind: "failed",
        error: { name: "Error", message: `the extension has no job "${record.jobName}" any more` },
      };
    } else {
      const envelope: JobEnvelope = {
        input: record.input,
        state: record.checkpoint ?? {},
        jobId: record.id,
        attempt: record.attempts,
        // The checkpoint's counters, not the live ones: work after the checkpoint is redone.
        counters: record.checkpointSeq === 0 ? { items: 0, bytes: 0 } : record.checkpointCounters,
      };
      outcome = await runtime
        .invoke(
          job.export,
          encoder.encode(JSON.stringify(envelope)),
          { jobId: record.id, jobName: record.jobName, signal: running.abort.signal },
          limits,
        )
        .catch((error: Error) => ({ kind: "exited", message: error.message }) as const);
    }
    clearTimeout(running.graceTimer);
    clearTimeout(running.progress.timer);
    // The last report is saved while the job still counts as running (the store refuses progress of
    // a job in any other state). The store applies calls in order, so the final move below need not
    // wait for it.
    this.#writeProgress(running)?.catch(() => undefined);
    // The slot is free once the end is applied: the next job may start while this one's end is
    // made durable, and its own start is reported after this end (the store answers in order).
    const free = () => this.#release(running);
    const settled = (final: JobRecord | undefined) => {
      free();
      if (final) this.#hooks.changed(final);
    };
    let move: ReturnType<typeof finalMove>;
    try {
      move = finalMove(running.requested, outcome, limits, {
        broken: running.verdict.error,
        checkResult: (result) => outputRefusal(runtime.schemas, record.extensionId, record.jobName, result),
      });
    } catch (error) {
      move = { to: "failed", patch: { error: refused(error) } };
    }
    this.#store.transition(record.id, ["running"], move.to, move.patch, { onApplied: free }).then(settled, (error) =>
      // The store refused the outcome (a result it cannot hold): the job fails with that reason
      // rather than staying `running` for ever.
      this.#store
        .transition(record.id, ["running"], "failed", { error: refused(error) }, { onApplied: free })
        .then(settled, (again: unknown) => {
          free();
          process.emitWarning(`Kiln could not record the end of job ${record.id}: ${String(again)}`);
        }),
    );
  }

  /** Gives a job's slot back (once). */
  #release(running: Running): void {
    const { id, extensionId } = running.record;
    if (this.#running.get(id) !== running) return;
    this.#running.delete(id);
    this.#checkpointRate.forget(id);
    const busy = this.busy(extensionId) - 1;
    if (busy > 0) this.#busy.set(extensionId, busy);
    else this.#busy.delete(extensionId);
    this.#hooks.freed();
  }

  /** Writes the latest unsaved progress of a running job, if any. */
  #writeProgress(running: Running): Promise<void> | undefined {
    const throttle = running.progress;
    const latest = throttle.latest;
    if (!latest) return undefined;
    throttle.latest = undefined;
    throttle.lastWrite = Date.now();
    return this.#store.progress(running.record.id, latest.progress, latest.counters);
  }
}

function refusalError(refusal: CheckpointRefusal, extensionId: string): KilnError {
  return new KilnError(refusal.code, refusal.message, { extensionId });
}

/** The error of a job whose outcome the store refused. */
function refused(error: unknown): { code: string; message: string } {
  return {
    code: error instanceof KilnError ? error.code : "KILN_STORE_FAILED",
    message: `the job's outcome could not be stored: ${(error as Error).message}`,
  };
}
