/**
 * Durable jobs: dispatch, scheduling under concurrency limits, pause/resume/cancel, and recovery
 * after a crash. The store is the source of truth; this class only drives state changes through
 * its compare-and-set transitions, so a job can never be completed twice. What starts next comes
 * from an in-memory queue (`queue.ts`); a started job belongs to the runner (`runner.ts`).
 *
 * @module
 */

import {
  ExtensionNotLoadedError,
  InvalidInputError,
  JobInputInvalidError,
  JobNotFoundError,
  KilnError,
} from "../errors.js";
import type { ExtensionRuntime } from "../extension.js";
import { jsonValueProblem } from "../json-safety.js";
import type { ExtensionIdArg, JobId, JobInputArgs, JobNameOf, JobOutput } from "../known-extensions.js";
import type { JobCounters, JobFilter, JobProgress, JobRecord, JobState, JobStore } from "../store/types.js";
import { TERMINAL_STATES } from "../store/types.js";
import { type JobEvents, TypedEmitter } from "./events.js";
import { CANCELLED } from "./outcome.js";
import { JobQueue, type QueuedJob } from "./queue.js";
import { type ResumeAllOptions, type ResumeAllResult, resumeAll } from "./resume.js";
import { JobRunner } from "./runner.js";

export { outcomeError } from "./outcome.js";

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

/**
 * The host's view the manager needs: which extensions are loaded.
 * @internal
 */
export interface JobHost {
  runtime(extensionId: string): ExtensionRuntime | undefined;
  /** Ids of the loaded extensions, for messages. */
  loaded(): string[];
}

/** The key of `pauseRunning()` for every extension (no extension id is empty). */
const ALL = "";

/** Queued jobs read from the store at a time, per extension (when it is loaded, and as they run out). */
const SYNC_PAGE = 1000;

/**
 * `host.jobs`: dispatch jobs and follow them. Subscribe with `on("state" | "progress" | "checkpoint"
 * | "log", listener)`.
 */
export class JobManager extends TypedEmitter<JobEvents> {
  readonly #queue = new JobQueue();
  readonly #runner: JobRunner;
  /** Jobs picked to start whose start the store has not answered yet, by id: they hold a slot. */
  readonly #starting = new Map<string, string>();
  readonly #startingBusy = new Map<string, number>();
  /** Runtimes whose extension's queued jobs were read from the store. */
  readonly #synced = new WeakSet<ExtensionRuntime>();
  /** Extensions whose last read of the store was a full page: more may be queued there. */
  readonly #more = new Set<string>();
  /** Reads of the store and starts under way, so `resumeAll` can wait for them to settle. */
  readonly #pending = new Set<Promise<unknown>>();
  readonly #syncing = new Set<string>();
  /**
   * Extensions whose running jobs `pauseRunning` is stopping (`ALL` for every one), with how many
   * calls are under way: none of their queued jobs starts meanwhile.
   */
  readonly #draining = new Map<string, number>();
  /** Per job, the pending `wait` calls: each returns true once it is satisfied (and can go). */
  readonly #waiters = new Map<string, ((r: JobRecord) => boolean)[]>();
  readonly #max: number;
  #closed = false;
  /** A pass of `#schedule` is under way (a start it makes may ask for another): one at a time. */
  #scheduling = false;
  #scheduleAgain = false;

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
    this.#runner = new JobRunner(
      store,
      {
        changed: (record) => this.#changed(record),
        freed: () => this.#schedule(),
        progress: (event) => this.emit("progress", event),
        checkpoint: (event) => this.emit("checkpoint", event),
      },
      { stopGraceMs: options.stopGraceMs ?? 5000, progressWriteIntervalMs: options.progressWriteIntervalMs ?? 100 },
    );
    PORTS.set(this, {
      schedule: () => {
        this.#noticeLoads();
        this.#schedule();
      },
      progress: (...args) => this.#runner.progress(...args),
      checkpoint: (...args) => this.#runner.checkpoint(...args),
      log: (entry) => this.emit("log", entry),
    });
  }

  /**
   * Persists a new job (`queued`) and returns its id at once; it starts as soon as the limits allow.
   * The extension must be loaded (so that the job name can be checked).
   *
   * With the extension's `dist/types.d.ts` in the compilation (see `KilnExtensions`), the job name
   * must be one of its jobs, the input must have the job's input type (it may be omitted only if
   * that type admits `null`), and the id remembers the job's result type for {@link JobManager.wait}.
   */
  async dispatch<E extends ExtensionIdArg, J extends JobNameOf<E>>(
    extensionId: E,
    jobName: J,
    ...[input = null]: JobInputArgs<E, J>
  ): Promise<JobId<JobOutput<E, J>>> {
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
    if (!this.#synced.has(runtime)) this.#sync(extensionId, runtime);
    const record = await this.store.create({ extensionId, jobName, input: input ?? null });
    this.emit("state", record);
    this.#queue.add(record);
    this.#schedule();
    return record.id;
  }

  /** A job's record, or undefined. */
  get<Output = unknown>(jobId: JobId<Output>): Promise<JobRecord<Output> | undefined> {
    return this.store.get(jobId) as Promise<JobRecord<Output> | undefined>;
  }

  /** Jobs in the store, oldest first. */
  list(filter?: JobFilter): Promise<JobRecord[]> {
    return this.store.list(filter);
  }

  /**
   * Resolves with the job's record once it reaches one of `states` (default: completed, failed or
   * cancelled). Rejects for an unknown id.
   */
  async wait<Output = unknown>(
    jobId: JobId<Output>,
    states: readonly JobState[] = TERMINAL_STATES,
  ): Promise<JobRecord<Output>> {
    const current = (await this.store.get(jobId)) as JobRecord<Output> | undefined;
    if (!current) throw new JobStateError(jobId, "wait for", undefined);
    if (states.includes(current.state)) return current;
    return new Promise((resolve) => {
      const list = this.#waiters.get(jobId) ?? [];
      let done = false;
      const check = (r: JobRecord) => {
        if (!done && states.includes(r.state)) {
          done = true;
          resolve(r as JobRecord<Output>);
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
    this.#queue.add(record);
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
    // Queued jobs another process dispatched are run here too.
    for (const record of result.resumed) {
      if (record.state === "queued" && !this.#mine(record.id)) this.#queue.add(record);
    }
    this.#schedule();
    return result;
  }

  /**
   * Moves the jobs stored as `running` that this manager is not running to `interrupted` (or,
   * when their cancel was requested, straight to `cancelled`: leaving `running` clears the
   * request). A job this manager starts meanwhile is known once the starts and reads under way
   * settle, so the comparison waits for those.
   */
  async #recoverOthers(): Promise<JobRecord[]> {
    await this.#settled();
    const listed = await this.store.list({ states: ["running"] });
    await this.#settled();
    const recovered: JobRecord[] = [];
    for (const record of listed) {
      if (this.#mine(record.id)) continue;
      const moved =
        record.requested === "cancel"
          ? await this.store.transition(record.id, ["running"], "cancelled", { error: CANCELLED })
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
    const key = extensionId ?? ALL;
    this.#draining.set(key, (this.#draining.get(key) ?? 0) + 1);
    try {
      const ids = this.#runner.ids(extensionId);
      await Promise.all(ids.map((id) => this.pause(id).catch(() => undefined)));
      const settled: JobState[] = ["paused", "completed", "failed", "cancelled", "interrupted"];
      await Promise.all(ids.map((id) => this.wait(id, settled).catch(() => undefined)));
    } finally {
      const left = (this.#draining.get(key) ?? 1) - 1;
      if (left > 0) this.#draining.set(key, left);
      else this.#draining.delete(key);
      // Next turn: an unload that follows this call takes the extension away first, rather than
      // have a queued job start only to be stopped again.
      setImmediate(() => this.#schedule());
    }
  }

  /** Stops scheduling and pauses every running job (see {@link JobManager.pauseRunning}). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.pauseRunning();
  }

  /** Whether this manager runs the job or is starting it. */
  #mine(jobId: string): boolean {
    return this.#runner.has(jobId) || this.#starting.has(jobId);
  }

  async #settled(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  #track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise)).catch(() => undefined);
  }

  /** Reads the queued jobs of every newly loaded extension (a load, or a reload, since the last look). */
  #noticeLoads(): void {
    for (const extensionId of this.host.loaded()) {
      const runtime = this.host.runtime(extensionId);
      if (runtime && !this.#synced.has(runtime)) this.#sync(extensionId, runtime);
    }
  }

  /**
   * Reads an extension's oldest queued jobs from the store into the queue: the ones dispatched
   * before this host started, through another host, or while the extension was not loaded.
   */
  #sync(extensionId: string, runtime?: ExtensionRuntime): void {
    if (runtime) this.#synced.add(runtime);
    if (this.#syncing.has(extensionId)) return;
    this.#syncing.add(extensionId);
    this.#more.delete(extensionId);
    const read = this.store.list({ states: ["queued"], extensionId, limit: SYNC_PAGE }).then(
      (records) => {
        this.#syncing.delete(extensionId);
        for (const record of records) if (!this.#mine(record.id)) this.#queue.add(record);
        if (records.length === SYNC_PAGE) this.#more.add(extensionId);
        this.#schedule();
      },
      (error: unknown) => {
        this.#syncing.delete(extensionId);
        if (!this.#closed) {
          process.emitWarning(`Kiln could not read the queued jobs of "${extensionId}": ${String(error)}`);
        }
      },
    );
    this.#track(read);
  }

  /**
   * Starts queued jobs while the limits allow: oldest first within an extension, round robin
   * between extensions, each within its `concurrentJobs`, so that one extension's backlog never
   * holds every slot. Synchronous: the queue is in memory; each start is the store's
   * compare-and-set, and a job that moved on meanwhile gives its slot back.
   */
  #schedule(): void {
    if (this.#closed) return;
    if (this.#scheduling) {
      this.#scheduleAgain = true;
      return;
    }
    this.#scheduling = true;
    try {
      do {
        this.#scheduleAgain = false;
        const free = this.#max - this.#runner.size - this.#starting.size;
        if (free <= 0) break;
        const picked = this.#queue.take(free, (extensionId) => this.#room(extensionId));
        for (const job of picked) {
          this.#start(job);
          if (this.#more.has(job.extensionId) && this.#queue.size(job.extensionId) === 0) this.#sync(job.extensionId);
        }
      } while (this.#scheduleAgain && !this.#closed);
    } finally {
      this.#scheduling = false;
    }
  }

  /** How many more jobs of an extension may start now. */
  #room(extensionId: string): number {
    const runtime = this.host.runtime(extensionId);
    if (!runtime || this.#draining.has(extensionId) || this.#draining.has(ALL)) return 0;
    return runtime.maxInstances - this.#runner.busy(extensionId) - (this.#startingBusy.get(extensionId) ?? 0);
  }

  #start(job: QueuedJob): void {
    const runtime = this.host.runtime(job.extensionId) as ExtensionRuntime;
    this.#starting.set(job.id, job.extensionId);
    this.#startingBusy.set(job.extensionId, (this.#startingBusy.get(job.extensionId) ?? 0) + 1);
    // The job runs as soon as the store has applied its start; listeners hear of it once durable,
    // which may wait for the job's next write (lazy): its completion's sync covers its start.
    const started = this.store.transition(job.id, ["queued"], "running", undefined, {
      onApplied: (record) => this.#started(job, runtime, record),
      lazy: true,
    });
    const settled = started.then(
      (record) => {
        this.#started(job, runtime, record);
        if (record) this.#changed(record);
      },
      (error: unknown) => {
        this.#started(job, runtime, undefined);
        process.emitWarning(`Kiln could not start job ${job.id}: ${String(error)}`);
      },
    );
    this.#track(settled);
  }

  /** The store answered a start (at once, or when it settled): run the job, or give the slot back. */
  #started(job: QueuedJob, runtime: ExtensionRuntime, record: JobRecord | undefined): void {
    if (!this.#starting.delete(job.id)) return;
    const busy = (this.#startingBusy.get(job.extensionId) ?? 1) - 1;
    if (busy > 0) this.#startingBusy.set(job.extensionId, busy);
    else this.#startingBusy.delete(job.extensionId);
    if (record) this.#runner.launch(record, runtime);
    else this.#schedule();
  }

  async #stop(jobId: string, what: "pause" | "cancel", to: "paused" | "cancelled"): Promise<JobRecord> {
    const running = this.#runner.stop(jobId, what);
    if (running) return running;
    const from: JobState[] = what === "pause" ? ["queued"] : ["queued", "paused", "interrupted"];
    const moved = this.store.transition(jobId, from, to, what === "cancel" ? { error: CANCELLED } : undefined);
    // Applied now (or refused: then it was not queued here either), so it must not start.
    this.#queue.remove(jobId);
    const record = await moved;
    if (!record) {
      const current = await this.store.get(jobId);
      // Pausing a paused job, cancelling a cancelled one: already done.
      if (current?.state === to) return current;
      throw new JobStateError(jobId, what, current?.state);
    }
    this.#changed(record);
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
 * Maps, cycles), nested deeper than `limits.valueDepth`, or larger than `limits.payloadBytes`
 * ({@link InvalidInputError}); then one that does not match the job's input schema
 * ({@link JobInputInvalidError}; an omitted input is `null`). The same checks for `jobs.dispatch`
 * and `host.run`, before anything is stored or run.
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
  const issues = runtime.schemas.issues(jobName, "input", input ?? null);
  if (issues) throw new JobInputInvalidError(runtime.info.id, jobName, issues);
}
