/**
 * Durable jobs: dispatch, scheduling under concurrency limits, pause/resume/cancel, and recovery
 * after a crash. The store is the source of truth; this class only drives state changes through
 * its compare-and-set transitions, so a job can never be completed twice.
 *
 * @module
 */

import type { JobEnvelope } from "@kiln/sdk/protocol";
import { ExtensionNotLoadedError, InvalidInputError, JobNotFoundError, KilnError } from "../errors.js";
import type { ExtensionRuntime, InvocationOutcome } from "../extension.js";
import { describeFailure } from "../extension.js";
import type {
  JobCounters,
  JobErrorInfo,
  JobFilter,
  JobProgress,
  JobRecord,
  JobState,
  JobStore,
} from "../store/types.js";
import { TERMINAL_STATES } from "../store/types.js";
import { type JobEvents, TypedEmitter } from "./events.js";

/** Options of the job manager (set through `ExtensionHost`). */
export interface JobManagerOptions {
  /** Jobs running at once in this host, all extensions together. Default 4. */
  readonly maxConcurrentJobs?: number;
  /** How long a job asked to pause or cancel may take to stop before its instance is killed. Default 5000 ms. */
  readonly stopGraceMs?: number;
  /**
   * A running job's progress is written to the store at most this often (the latest report wins),
   * and always with each checkpoint and when the job stops. Listeners get every report. Default
   * 100 ms: a job that reports in a tight loop must not cost one disk sync per report.
   */
  readonly progressWriteIntervalMs?: number;
}

/** The job id or state is not one the operation accepts. */
export class JobStateError extends KilnError {
  constructor(jobId: string, operation: string, state: JobState | undefined) {
    super(
      state === undefined ? "KILN_JOB_UNKNOWN" : "KILN_JOB_STATE",
      state === undefined ? `no job "${jobId}" in the store` : `cannot ${operation} job "${jobId}": it is ${state}`,
    );
  }
}

/** A job this host is running now. */
interface Running {
  readonly record: JobRecord;
  readonly runtime: ExtensionRuntime;
  readonly abort: AbortController;
  requested: "pause" | "cancel" | undefined;
  killTimer: NodeJS.Timeout | undefined;
  /** Progress reported but not yet written (see `progressWriteIntervalMs`). */
  progress: {
    latest: { progress: JobProgress; counters: JobCounters } | undefined;
    timer: NodeJS.Timeout | undefined;
    lastWrite: number;
  };
}

/**
 * The host's view the manager needs: which extensions are loaded.
 * @internal
 */
export interface JobHost {
  runtime(extensionId: string): ExtensionRuntime | undefined;
}

/**
 * `host.jobs`: dispatch jobs and follow them. Subscribe with `on("state" | "progress" | "checkpoint"
 * | "log", listener)`.
 */
export class JobManager extends TypedEmitter<JobEvents> {
  readonly #running = new Map<string, Running>();
  /** Per job, the pending `wait` calls: each returns true once it is satisfied (and can go). */
  readonly #waiters = new Map<string, ((r: JobRecord) => boolean)[]>();
  readonly #max: number;
  readonly #grace: number;
  readonly #progressInterval: number;
  #scheduling: Promise<void> | undefined;
  #again = false;
  #closed = false;

  /**
   * Created by `ExtensionHost`; applications use `host.jobs`.
   * @internal
   */
  constructor(
    private readonly store: JobStore,
    private readonly host: JobHost,
    options: JobManagerOptions = {},
  ) {
    super();
    this.#max = options.maxConcurrentJobs ?? 4;
    this.#grace = options.stopGraceMs ?? 5000;
    this.#progressInterval = options.progressWriteIntervalMs ?? 100;
  }

  /**
   * Persists a new job (`queued`) and returns its id at once; it starts as soon as the limits allow.
   * The extension must be loaded (so that the job name can be checked).
   */
  async dispatch(extensionId: string, jobName: string, input: unknown = null): Promise<string> {
    const runtime = this.host.runtime(extensionId);
    if (!runtime) throw new ExtensionNotLoadedError(extensionId, []);
    const jobs = runtime.info.manifest.jobs;
    if (!jobs.some((j) => j.name === jobName)) {
      throw new JobNotFoundError(
        extensionId,
        jobName,
        jobs.map((j) => j.name),
      );
    }
    try {
      JSON.stringify(input);
    } catch (error) {
      throw new InvalidInputError(extensionId, jobName, (error as Error).message);
    }
    const record = await this.store.create({ extensionId, jobName, input: input ?? null });
    this.emit("state", record);
    this.schedule();
    return record.id;
  }

  /** A job's record, or undefined. */
  get(jobId: string): Promise<JobRecord | undefined> {
    return this.store.get(jobId);
  }

  /** Jobs in the store, oldest first. */
  list(filter?: JobFilter): Promise<JobRecord[]> {
    return this.store.list(filter);
  }

  /**
   * Resolves with the job's record once it reaches one of `states` (default: completed, failed or
   * cancelled). Rejects for an unknown id.
   */
  async wait(jobId: string, states: readonly JobState[] = TERMINAL_STATES): Promise<JobRecord> {
    const current = await this.store.get(jobId);
    if (!current) throw new JobStateError(jobId, "wait for", undefined);
    if (states.includes(current.state)) return current;
    return new Promise((resolve) => {
      const list = this.#waiters.get(jobId) ?? [];
      let done = false;
      const check = (r: JobRecord) => {
        if (!done && states.includes(r.state)) {
          done = true;
          resolve(r);
        }
        return done;
      };
      list.push(check);
      this.#waiters.set(jobId, list);
      // The state may have changed while we subscribed.
      void this.store.get(jobId).then((r) => r && check(r));
    });
  }

  /**
   * Pauses a job: a queued one at once; a running one at its next checkpoint or check of
   * `ctx.interrupted` (its last checkpoint is kept, and `resume` continues from it).
   */
  async pause(jobId: string): Promise<JobRecord> {
    return this.#stop(jobId, "pause", "paused");
  }

  /** Cancels a job: queued, paused or interrupted ones at once; a running one at its next check, or
   * when its current host call is aborted; one that ignores both is stopped after the grace period. */
  async cancel(jobId: string): Promise<JobRecord> {
    return this.#stop(jobId, "cancel", "cancelled");
  }

  /** Puts a paused or interrupted job back in the queue; it resumes from its last checkpoint. */
  async resume(jobId: string): Promise<JobRecord> {
    const record = await this.store.transition(jobId, ["paused", "interrupted"], "queued");
    if (!record) throw new JobStateError(jobId, "resume", (await this.store.get(jobId))?.state);
    this.#changed(record);
    this.schedule();
    return record;
  }

  /**
   * Call once at start-up: every job a previous process left `running` (it died) becomes
   * `interrupted`. With `resume: true` they are queued again at once. Returns those jobs.
   */
  async recover(options: { resume?: boolean } = {}): Promise<JobRecord[]> {
    const interrupted = await this.store.recoverInterrupted();
    for (const record of interrupted) this.#changed(record);
    if (options.resume) {
      for (const record of interrupted) await this.resume(record.id);
    }
    return interrupted;
  }

  /** Jobs running in this host now. */
  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Pauses the running jobs (of one extension, or all), waiting until they stopped: at their next
   * check, or when the grace period ends and their instance is stopped. They resume from their last
   * checkpoint.
   */
  async pauseRunning(extensionId?: string): Promise<void> {
    const ids = [...this.#running.values()]
      .filter((r) => extensionId === undefined || r.record.extensionId === extensionId)
      .map((r) => r.record.id);
    await Promise.all(ids.map((id) => this.pause(id).catch(() => undefined)));
    const settled: JobState[] = ["paused", "completed", "failed", "cancelled", "interrupted"];
    await Promise.all(ids.map((id) => this.wait(id, settled).catch(() => undefined)));
  }

  /** Stops scheduling and pauses every running job (see {@link JobManager.pauseRunning}). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.pauseRunning();
  }

  /** Starts queued jobs while the limits allow. Coalesces concurrent requests. */
  schedule(): void {
    if (this.#closed) return;
    if (this.#scheduling) {
      this.#again = true;
      return;
    }
    this.#scheduling = this.#fill()
      .catch((error: unknown) => process.emitWarning(`Kiln job scheduling failed: ${String(error)}`))
      .finally(() => {
        this.#scheduling = undefined;
        if (this.#again) {
          this.#again = false;
          this.schedule();
        }
      });
  }

  async #fill(): Promise<void> {
    if (this.#running.size >= this.#max) return;
    // A bounded page, oldest first: enough to fill every free slot even when the oldest jobs wait
    // on extensions that are busy or not loaded.
    const queued = await this.store.list({ states: ["queued"], limit: 1000 });
    for (const record of queued) {
      if (this.#running.size >= this.#max || this.#closed) return;
      const runtime = this.host.runtime(record.extensionId);
      if (!runtime) continue;
      const busy = [...this.#running.values()].filter((r) => r.record.extensionId === record.extensionId).length;
      if (busy >= runtime.maxInstances) continue;
      const started = await this.store.transition(record.id, ["queued"], "running");
      if (!started) continue;
      this.#changed(started);
      const running: Running = {
        record: started,
        runtime,
        abort: new AbortController(),
        requested: undefined,
        killTimer: undefined,
        progress: { latest: undefined, timer: undefined, lastWrite: 0 },
      };
      this.#running.set(started.id, running);
      this.#run(running).catch((error: unknown) => {
        // Only the store can fail here (e.g. closed under a running job): never crash the app.
        this.#running.delete(started.id);
        process.emitWarning(`Kiln could not record the end of job ${started.id}: ${String(error)}`);
      });
    }
  }

  async #run(running: Running): Promise<void> {
    const { record, runtime } = running;
    const job = runtime.info.manifest.jobs.find((j) => j.name === record.jobName);
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
        .invoke(job.export, new TextEncoder().encode(JSON.stringify(envelope)), {
          jobId: record.id,
          jobName: record.jobName,
          signal: running.abort.signal,
        })
        .catch((error: Error) => ({ kind: "exited", message: error.message }) as const);
    }
    clearTimeout(running.killTimer);
    clearTimeout(running.progress.timer);
    // The last report is saved while the job still counts as running (the store refuses progress
    // of a job in any other state).
    await this.#writeProgress(running).catch(() => undefined);
    this.#running.delete(record.id);
    const final = await this.#finish(record.id, running.requested, outcome);
    if (final) this.#changed(final);
    this.schedule();
  }

  /** Moves a job that stopped running to where its outcome and any pending request put it. */
  async #finish(
    jobId: string,
    requested: Running["requested"],
    outcome: InvocationOutcome,
  ): Promise<JobRecord | undefined> {
    if (outcome.kind === "completed") {
      return this.store.transition(jobId, ["running"], "completed", { result: outcome.value, error: null });
    }
    if (requested === "cancel") {
      return this.store.transition(jobId, ["running"], "cancelled", {
        error: { code: "KILN_CANCELLED", message: "the job was cancelled" },
      });
    }
    if (requested === "pause" && (outcome.kind === "interrupted" || outcome.kind === "exited")) {
      return this.store.transition(jobId, ["running"], "paused");
    }
    return this.store.transition(jobId, ["running"], "failed", { error: errorInfo(outcome) });
  }

  async #stop(jobId: string, what: "pause" | "cancel", to: "paused" | "cancelled"): Promise<JobRecord> {
    const running = this.#running.get(jobId);
    if (!running) {
      const from: JobState[] = what === "pause" ? ["queued"] : ["queued", "paused", "interrupted"];
      const record = await this.store.transition(
        jobId,
        from,
        to,
        what === "cancel" ? { error: { code: "KILN_CANCELLED", message: "the job was cancelled" } } : undefined,
      );
      if (!record) {
        const current = await this.store.get(jobId);
        // Pausing a paused job, cancelling a cancelled one: already done.
        if (current?.state === to) return current;
        throw new JobStateError(jobId, what, current?.state);
      }
      this.#changed(record);
      return record;
    }
    if (running.requested !== "cancel") running.requested = what;
    const record = (await this.store.request(jobId, what)) ?? running.record;
    running.runtime.interrupt(jobId, what);
    // A cancel also abandons the host call the job is blocked in, so it notices at once.
    if (what === "cancel") running.abort.abort();
    running.killTimer ??= setTimeout(() => void running.runtime.kill(jobId), this.#grace);
    return record;
  }

  /** Emits a state change and wakes whoever waits for it. */
  #changed(record: JobRecord): void {
    this.emit("state", record);
    const waiters = this.#waiters.get(record.id);
    if (!waiters) return;
    const pending = waiters.filter((satisfied) => !satisfied(record));
    if (pending.length && !TERMINAL_STATES.includes(record.state)) this.#waiters.set(record.id, pending);
    else this.#waiters.delete(record.id);
  }

  /** Persists progress reported by a running job and tells listeners. */
  async progress(jobId: string, extensionId: string, progress: JobProgress, counters: JobCounters): Promise<void> {
    const running = this.#running.get(jobId);
    if (!running) return;
    this.emit("progress", { jobId, extensionId, progress, counters });
    const throttle = running.progress;
    throttle.latest = { progress, counters };
    if (throttle.timer) return;
    const wait = throttle.lastWrite + this.#progressInterval - Date.now();
    if (wait <= 0) return this.#writeProgress(running);
    throttle.timer = setTimeout(() => {
      throttle.timer = undefined;
      this.#writeProgress(running).catch((error: unknown) =>
        process.emitWarning(`Kiln could not save the progress of job ${jobId}: ${String(error)}`),
      );
    }, wait);
  }

  /** Writes the latest unsaved progress of a running job, if any. */
  async #writeProgress(running: Running): Promise<void> {
    const throttle = running.progress;
    const latest = throttle.latest;
    if (!latest) return;
    throttle.latest = undefined;
    throttle.lastWrite = Date.now();
    await this.store.progress(running.record.id, latest.progress, latest.counters);
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
    // The checkpoint saves progress and counters itself; an older unsaved report must not follow it.
    if (running && progress) running.progress.latest = undefined;
    const seq = await this.store.checkpoint(jobId, state, progress, counters);
    // No "progress" event here: the SDK reports progress itself before checkpointing; the
    // checkpoint only persists it again, atomically with the state.
    this.emit("checkpoint", { jobId, extensionId, seq });
    return seq;
  }

  /** Forwards a job's log line to subscribers. */
  log(entry: JobEvents["log"]): void {
    this.emit("log", entry);
  }
}

function errorInfo(outcome: InvocationOutcome): JobErrorInfo {
  if (outcome.kind === "returned" || outcome.kind === "interrupted") {
    return {
      code: "KILN_EXTENSION_FAILED",
      message:
        outcome.kind === "returned"
          ? "the job ended without reporting a result"
          : "the job stopped for an interruption nobody requested",
    };
  }
  const failure = describeFailure(outcome) ?? { message: "unknown failure" };
  const code = outcome.kind === "exited" ? "KILN_EXTENSION_CRASHED" : "KILN_EXTENSION_FAILED";
  return { code, message: failure.message, ...(failure.stack ? { stack: failure.stack } : {}) };
}
