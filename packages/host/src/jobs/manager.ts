/**
 * Durable jobs: dispatch, scheduling under concurrency limits, pause/resume/cancel, and recovery
 * after a crash. The store is the source of truth; this class only drives state changes through
 * its compare-and-set transitions, so a job can never be completed twice.
 *
 * @module
 */

import type { KilnErrorCode } from "@kiln/contracts";
import type { JobEnvelope } from "@kiln/sdk/protocol";
import { ExtensionNotLoadedError, InvalidInputError, JobNotFoundError, KilnError } from "../errors.js";
import type { ExtensionRuntime, InvocationOutcome } from "../extension.js";
import { describeFailure } from "../extension.js";
import { jsonValueProblem } from "../json-safety.js";
import { RateLimiter } from "../operations/rate-limit.js";
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
import { type ResumeAllOptions, type ResumeAllResult, resumeAll } from "./resume.js";

/** Options of the job manager (set through `ExtensionHost`). */
export interface JobManagerOptions {
  /** Jobs running at once in this host, all extensions together. Default 4. */
  readonly maxConcurrentJobs?: number;
  /**
   * How long a job asked to pause may take to reach its next checkpoint (or check of
   * `ctx.interrupted`) before its code is stopped. Default 5000 ms. A cancel stops the code at once.
   */
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
      state === undefined ? "KILN_JOB_NOT_FOUND" : "KILN_JOB_STATE",
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
  /** Stops a pausing job's code once its grace is over. */
  graceTimer: NodeJS.Timeout | undefined;
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
  /** Ids of the loaded extensions, for messages. */
  loaded(): string[];
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
  /** Each running job's checkpoint bucket (`limits.checkpointsPerSecond`), keyed by job id. */
  readonly #checkpointRate = new RateLimiter(false);
  /** The extension served last, so the next fill starts with the one after it (round robin). */
  #lastServed: string | undefined;
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
    PORTS.set(this, {
      schedule: () => this.#schedule(),
      progress: (...args) => this.#progress(...args),
      checkpoint: (...args) => this.#checkpoint(...args),
      log: (entry) => this.#log(entry),
    });
  }

  /**
   * Persists a new job (`queued`) and returns its id at once; it starts as soon as the limits allow.
   * The extension must be loaded (so that the job name can be checked).
   */
  async dispatch(extensionId: string, jobName: string, input: unknown = null): Promise<string> {
    const runtime = this.host.runtime(extensionId);
    if (!runtime) throw new ExtensionNotLoadedError(extensionId, this.host.loaded());
    const jobs = runtime.info.manifest.jobs;
    if (!jobs.some((j) => j.name === jobName)) {
      throw new JobNotFoundError(
        extensionId,
        jobName,
        jobs.map((j) => j.name),
      );
    }
    checkInput(runtime, jobName, input);
    const record = await this.store.create({ extensionId, jobName, input: input ?? null });
    this.emit("state", record);
    this.#schedule();
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
    this.#schedule();
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

  /**
   * The resume policy, the one `kiln jobs resume` applies: at start-up, picks up every job a
   * previous process left unfinished.
   *
   * 1. Jobs left `running` by a dead process become `interrupted` (as {@link JobManager.recover}
   *    does, but the jobs this manager runs itself are kept: it may be called after `host.load`
   *    started queued jobs). Only call it when no other live process uses the store: a job still
   *    running there would be run twice.
   * 2. A cancel wins: a job left running, interrupted or paused whose cancel was requested before
   *    it stopped is cancelled, not resumed.
   * 3. Every other `interrupted` job is queued again and continues from its last checkpoint, and
   *    every `queued` job (dispatched, never started) is run; `paused` jobs too with `paused: true`.
   *    A job runs only if its extension is loaded (see `load`); otherwise it is left as it is and
   *    reported in `skipped`, to be resumed by a later call.
   *
   * Resolves once the jobs are queued, not when they finish: follow `resumed` with
   * {@link JobManager.wait}.
   */
  async resumeAll(options: ResumeAllOptions = {}): Promise<ResumeAllResult> {
    const result = await resumeAll(
      {
        recovered: await this.#recoverOthers(),
        list: (filter) => this.store.list(filter),
        loaded: (extensionId) => this.host.runtime(extensionId) !== undefined,
        cancel: (jobId) => this.cancel(jobId),
        resume: (jobId) => this.resume(jobId),
      },
      options,
    );
    this.#schedule();
    return result;
  }

  /**
   * Moves the jobs stored as `running` that this manager is not running to `interrupted` (or,
   * when their cancel was requested, straight to `cancelled`: leaving `running` clears the
   * request). A job this manager starts meanwhile is known once its scheduling pass settles, so
   * the comparison waits for that.
   */
  async #recoverOthers(): Promise<JobRecord[]> {
    const settled = async () => {
      while (this.#scheduling) await this.#scheduling;
    };
    await settled();
    const listed = await this.store.list({ states: ["running"] });
    await settled();
    const recovered: JobRecord[] = [];
    for (const record of listed) {
      if (this.#running.has(record.id)) continue;
      const moved =
        record.requested === "cancel"
          ? await this.store.transition(record.id, ["running"], "cancelled", {
              error: { code: "KILN_CANCELLED", message: "the job was cancelled" },
            })
          : await this.store.transition(record.id, ["running"], "interrupted");
      if (!moved) continue; // It moved on meanwhile.
      this.#changed(moved);
      recovered.push(moved);
    }
    return recovered;
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
  #schedule(): void {
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
          this.#schedule();
        }
      });
  }

  /**
   * Starts queued jobs while the limits allow: oldest first within an extension, round robin
   * between extensions, each within its `concurrentJobs`, so that one extension's backlog never
   * holds every slot.
   */
  async #fill(): Promise<void> {
    if (this.#running.size >= this.#max) return;
    // A bounded page, oldest first: enough to fill every free slot even when the oldest jobs wait
    // on extensions that are busy or not loaded.
    const queued = await this.store.list({ states: ["queued"], limit: 1000 });
    const byExtension = new Map<string, JobRecord[]>();
    for (const record of queued) {
      const list = byExtension.get(record.extensionId);
      if (list) list.push(record);
      else byExtension.set(record.extensionId, [record]);
    }
    const busy = new Map<string, number>();
    for (const r of this.#running.values()) busy.set(r.record.extensionId, (busy.get(r.record.extensionId) ?? 0) + 1);
    // Round robin: start after the extension served last.
    const order = [...byExtension.keys()].sort();
    const after = this.#lastServed === undefined ? -1 : order.findIndex((id) => id > (this.#lastServed as string));
    const rotated = after < 0 ? order : [...order.slice(after), ...order.slice(0, after)];
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const extensionId of rotated) {
        if (this.#running.size >= this.#max || this.#closed) return;
        const runtime = this.host.runtime(extensionId);
        const list = byExtension.get(extensionId);
        if (!runtime || !list?.length) continue;
        if ((busy.get(extensionId) ?? 0) >= runtime.maxInstances) continue;
        const record = list.shift() as JobRecord;
        const started = await this.store.transition(record.id, ["queued"], "running");
        progressed = true;
        if (!started) continue;
        busy.set(extensionId, (busy.get(extensionId) ?? 0) + 1);
        this.#lastServed = extensionId;
        this.#start(started, runtime);
      }
    }
  }

  #start(started: JobRecord, runtime: ExtensionRuntime): void {
    this.#changed(started);
    const perSecond = runtime.info.limits.checkpointsPerSecond;
    this.#checkpointRate.set(started.id, { callsPerSecond: perSecond, burst: perSecond });
    const running: Running = {
      record: started,
      runtime,
      abort: new AbortController(),
      requested: undefined,
      graceTimer: undefined,
      progress: { latest: undefined, timer: undefined, lastWrite: 0 },
    };
    this.#running.set(started.id, running);
    this.#run(running).catch((error: unknown) => {
      // #run records every outcome itself; reaching here means the store failed twice.
      this.#running.delete(started.id);
      process.emitWarning(`Kiln could not record the end of job ${started.id}: ${String(error)}`);
    });
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
          new TextEncoder().encode(JSON.stringify(envelope)),
          { jobId: record.id, jobName: record.jobName, signal: running.abort.signal },
          limits,
        )
        .catch((error: Error) => ({ kind: "exited", message: error.message }) as const);
    }
    clearTimeout(running.graceTimer);
    clearTimeout(running.progress.timer);
    // The last report is saved while the job still counts as running (the store refuses progress
    // of a job in any other state).
    await this.#writeProgress(running).catch(() => undefined);
    let final: JobRecord | undefined;
    try {
      final = await this.#finish(record.id, running.requested, outcome, limits);
    } catch (error) {
      // The store refused the outcome (a result it cannot hold): the job fails with that reason
      // rather than staying `running` for ever.
      final = await this.store.transition(record.id, ["running"], "failed", {
        error: {
          code: error instanceof KilnError ? error.code : "KILN_STORE_FAILED",
          message: `the job's outcome could not be stored: ${(error as Error).message}`,
        },
      });
    } finally {
      this.#running.delete(record.id);
      this.#checkpointRate.forget(record.id);
    }
    if (final) this.#changed(final);
    this.#schedule();
  }

  /** Moves a job that stopped running to where its outcome and any pending request put it. */
  async #finish(
    jobId: string,
    requested: Running["requested"],
    outcome: InvocationOutcome,
    limits: OutcomeLimits,
  ): Promise<JobRecord | undefined> {
    // A cancel wins over whatever the job did after it was asked to stop, even a normal return.
    if (requested === "cancel") {
      return this.store.transition(jobId, ["running"], "cancelled", {
        error: { code: "KILN_CANCELLED", message: "the job was cancelled" },
      });
    }
    if (outcome.kind === "completed") {
      return this.store.transition(jobId, ["running"], "completed", { result: JSON.parse(outcome.json), error: null });
    }
    const stoppedFor =
      outcome.kind === "stopped" ? outcome.reason : outcome.kind === "exited" ? outcome.stopped : undefined;
    if (
      requested === "pause" &&
      (outcome.kind === "interrupted" || stoppedFor === "pause" || outcome.kind === "exited")
    ) {
      return this.store.transition(jobId, ["running"], "paused");
    }
    if (stoppedFor === "shutdown") return this.store.transition(jobId, ["running"], "interrupted");
    return this.store.transition(jobId, ["running"], "failed", { error: outcomeError(outcome, limits) });
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
    if (what === "cancel") {
      // Nothing a cancelled job does next can matter: stop its code now and abandon its host call.
      running.abort.abort();
      running.runtime.stopJob(jobId, "cancel");
    } else {
      // A pausing job gets its grace to reach a checkpoint; then its code is stopped where it is
      // (it resumes from its last checkpoint).
      running.graceTimer ??= setTimeout(() => running.runtime.stopJob(jobId, "pause"), this.#grace);
    }
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
  async #progress(jobId: string, extensionId: string, progress: JobProgress, counters: JobCounters): Promise<void> {
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
  async #checkpoint(
    jobId: string,
    extensionId: string,
    state: unknown,
    progress: JobProgress | undefined,
    counters: JobCounters | undefined,
  ): Promise<number> {
    const running = this.#running.get(jobId);
    if (running) {
      const limits = running.runtime.info.limits;
      if (!this.#checkpointRate.take(jobId).ok) {
        throw new KilnError(
          "KILN_CHECKPOINT_RATE_LIMITED",
          `job "${running.record.jobName}" checkpointed faster than its limit of ${limits.checkpointsPerSecond}/s (limits.checkpointsPerSecond); checkpoint less often`,
          { extensionId },
        );
      }
      const bytes = Buffer.byteLength(JSON.stringify(state ?? null) ?? "null");
      if (bytes > limits.checkpointBytes) {
        throw new KilnError(
          "KILN_CHECKPOINT_TOO_LARGE",
          `a checkpoint state of ${bytes} bytes is larger than the limit of ${limits.checkpointBytes} (limits.checkpointBytes); keep positions in the state, not data`,
          { extensionId },
        );
      }
      // The checkpoint saves progress and counters itself; an older unsaved report must not follow it.
      if (progress) running.progress.latest = undefined;
    }
    const seq = await this.store.checkpoint(jobId, state, progress, counters);
    // No "progress" event here: the SDK reports progress itself before checkpointing; the
    // checkpoint only persists it again, atomically with the state.
    this.emit("checkpoint", { jobId, extensionId, seq });
    return seq;
  }

  /** Forwards a job's log line to subscribers. */
  #log(entry: JobEvents["log"]): void {
    this.emit("log", entry);
  }
}

/**
 * What the host feeds its job manager from running extensions. Kept off the class so that
 * applications, which hold `host.jobs`, cannot report progress or checkpoints for a job, or start
 * the scheduler, themselves; the package index does not export it.
 */
export interface JobManagerPorts {
  /** Starts queued jobs while the limits allow (after a load, for example). */
  schedule(): void;
  /** Progress reported by a running job. */
  progress(jobId: string, extensionId: string, progress: JobProgress, counters: JobCounters): Promise<void>;
  /** A checkpoint of a running job; resolves with its sequence number once durable. */
  checkpoint(
    jobId: string,
    extensionId: string,
    state: unknown,
    progress: JobProgress | undefined,
    counters: JobCounters | undefined,
  ): Promise<number>;
  /** A log line of a job. */
  log(entry: JobEvents["log"]): void;
}

const PORTS = new WeakMap<JobManager, JobManagerPorts>();

/** The host's side door into `manager` (see {@link JobManagerPorts}). */
export function managerPorts(manager: JobManager): JobManagerPorts {
  const ports = PORTS.get(manager);
  if (!ports) throw new Error("internal error: not a JobManager");
  return ports;
}

/**
 * Refuses an input that cannot cross the wall as it is: not JSON data (NaN, functions, Dates,
 * Maps, cycles), nested deeper than `limits.valueDepth`, or larger than `limits.payloadBytes`.
 * The same check for `jobs.dispatch` and `host.run`.
 * @internal
 */
export function checkInput(runtime: ExtensionRuntime, jobName: string, input: unknown): void {
  const { valueDepth, payloadBytes } = runtime.info.limits;
  const problem = jsonValueProblem(input ?? null, { maxDepth: valueDepth, what: "input" });
  if (problem !== undefined) throw new InvalidInputError(runtime.info.id, jobName, problem);
  const bytes = Buffer.byteLength(JSON.stringify(input ?? null));
  if (bytes > payloadBytes) {
    throw new InvalidInputError(
      runtime.info.id,
      jobName,
      `it is ${bytes} bytes of JSON, more than limits.payloadBytes (${payloadBytes}); pass a reference (a key, a path) instead`,
    );
  }
}

/** The limits an outcome is judged against, for messages. */
interface OutcomeLimits {
  readonly timeoutMs?: number | undefined;
  readonly instructions?: number | undefined;
}

/**
 * The error a job's outcome amounts to: its stable code and message (the limit that stopped it,
 * the extension's own error, a crash).
 * @internal
 */
export function outcomeError(
  outcome: InvocationOutcome,
  limits: OutcomeLimits = {},
): JobErrorInfo & { code: KilnErrorCode } {
  const stoppedFor =
    outcome.kind === "stopped" ? outcome.reason : outcome.kind === "exited" ? outcome.stopped : undefined;
  switch (stoppedFor) {
    case "deadline":
      return {
        code: "KILN_JOB_TIMEOUT",
        message: `the job ran longer than ${limits.timeoutMs ?? "its"} ms (limits.jobTimeoutMs) and was stopped`,
      };
    case "instructions":
      return {
        code: "KILN_INSTRUCTION_LIMIT",
        message: `the job took more than ${limits.instructions ?? "its"} interpreter steps (limits.instructions) and was stopped`,
      };
    case "cancel":
      return { code: "KILN_CANCELLED", message: "the job was cancelled" };
    case "pause":
    case "shutdown":
      return { code: "KILN_INTERRUPTED", message: "the job was stopped before it finished" };
    default:
      break;
  }
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
  const code =
    outcome.kind === "failed" && outcome.code
      ? outcome.code
      : outcome.kind === "exited"
        ? "KILN_EXTENSION_CRASHED"
        : "KILN_EXTENSION_FAILED";
  return { code, message: failure.message, ...(failure.stack ? { stack: failure.stack } : {}) };
}
