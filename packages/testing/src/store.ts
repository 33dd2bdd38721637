/**
 * The job store the harness hands its hosts: the host's own SQLite store, observed. Every call goes
 * to it unchanged; a checkpoint is reported once it is durable, with the state the job stored,
 * which no host event carries.
 *
 * @module
 */
import type {
  CheckpointOptions,
  JobCounters,
  JobFilter,
  JobProgress,
  JobRecord,
  JobState,
  JobStore,
  KvStore,
  NewJob,
  TransitionOptions,
  TransitionPatch,
} from "@kiln/host";

/**
 * Told of each durable checkpoint before the job hears that it was stored. What it returns is
 * awaited first: the crashing host returns a promise that never settles, so its job never goes on.
 */
export type CheckpointObserver = (jobId: string, state: unknown, seq: number) => void | Promise<void>;

/** A {@link JobStore} that reports checkpoints to an observer and is otherwise `inner` itself. */
export class ObservedStore implements JobStore {
  readonly #inner: JobStore;
  readonly #checkpointed: CheckpointObserver;

  constructor(inner: JobStore, checkpointed: CheckpointObserver) {
    this.#inner = inner;
    this.#checkpointed = checkpointed;
  }

  get kv(): KvStore {
    return this.#inner.kv;
  }

  create(job: NewJob): Promise<JobRecord> {
    return this.#inner.create(job);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.#inner.get(id);
  }

  list(filter?: JobFilter): Promise<JobRecord[]> {
    return this.#inner.list(filter);
  }

  transition(
    id: string,
    from: readonly JobState[],
    to: JobState,
    patch?: TransitionPatch,
    options?: TransitionOptions,
  ): Promise<JobRecord | undefined> {
    return this.#inner.transition(id, from, to, patch, options);
  }

  progress(id: string, progress: JobProgress, counters?: JobCounters): Promise<void> {
    return this.#inner.progress(id, progress, counters);
  }

  async checkpoint(
    id: string,
    state: unknown,
    progress?: JobProgress,
    counters?: JobCounters,
    options?: CheckpointOptions,
  ): Promise<number> {
    const seq = await this.#inner.checkpoint(id, state, progress, counters, options);
    await this.#checkpointed(id, state, seq);
    return seq;
  }

  request(id: string, what: "pause" | "cancel" | null): Promise<JobRecord | undefined> {
    return this.#inner.request(id, what);
  }

  recoverInterrupted(): Promise<JobRecord[]> {
    return this.#inner.recoverInterrupted();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
