/**
 * The durable store's contract: jobs (state machine, progress, checkpoints) and a per-extension
 * key-value store. Every method returns a promise so that a deployment that outgrows one machine can
 * put the same interface on PostgreSQL (pg-boss, graphile-worker) or Redis (BullMQ) without changing
 * callers; the embedded SQLite implementation answers with already-resolved promises.
 *
 * @module
 */

import type { KvListOptions, KvListPage } from "@kiln/contracts";

/** Where a job is in its life. */
export type JobState = "queued" | "running" | "paused" | "interrupted" | "completed" | "failed" | "cancelled";

/** Every {@link JobState}, in life-cycle order. */
export const JOB_STATES: readonly JobState[] = [
  "queued",
  "running",
  "paused",
  "interrupted",
  "completed",
  "failed",
  "cancelled",
];

/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ["completed", "failed", "cancelled"];

/** Whether `state` is one a job never leaves. */
export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/**
 * Whether the store lets a job move from `from` to `to`. Deliberately permissive (the job runner owns
 * the policy); it only refuses moves that can never be right: leaving a terminal state, staying in
 * the same state, and entering `interrupted` from anywhere but `running` (it means "the host died
 * while this ran").
 */
export function isAllowedTransition(from: JobState, to: JobState): boolean {
  if (isTerminal(from) || from === to) return false;
  return to !== "interrupted" || from === "running";
}

/** How far a job has come, as it last reported. */
export interface JobProgress {
  /** Units done. */
  done: number;
  /** Units in all, when known. */
  total: number | null;
  /** What it is doing now, for people. */
  message: string | null;
}

/** Running totals a job reports, for limits and accounting. */
export interface JobCounters {
  /** Items processed. */
  items: number;
  /** Bytes processed. */
  bytes: number;
}

/** Why a job failed, in a form that survives JSON. */
export interface JobErrorInfo {
  /** Stable error code (`KILN_…`). */
  code: string;
  /** What went wrong, for people. */
  message: string;
  /**
   * Stack trace, when one is known: for a JS error, its frames in the author's files
   * (`src/deep.ts:7:19`) when the module carries a source map.
   */
  stack?: string;
  /** The JS stack as QuickJS reported it (bundle lines, `function.mjs:12`), when `stack` was mapped. */
  rawStack?: string;
}

/**
 * A job as stored. Values (`input`, `checkpoint`, `result`) are JSON data. `Output` is the job's
 * result type when the application knows it (see `KilnExtensions`), `unknown` otherwise.
 */
export interface JobRecord<Output = unknown> {
  /** `job_` followed by 16 lowercase base32 characters. */
  id: string;
  /** The extension whose job this is. */
  extensionId: string;
  /** The job's name in the extension's manifest. */
  jobName: string;
  /** What the job was dispatched with. */
  input: unknown;
  /** Where the job is in its life. */
  state: JobState;
  /** The last progress reported. */
  progress: JobProgress;
  /** The last counters reported. */
  counters: JobCounters;
  /** Last checkpointed state, null if none. */
  checkpoint: unknown;
  /** Number of checkpoints written so far (0 = none). */
  checkpointSeq: number;
  /**
   * The counters saved with the last checkpoint: a resumed job starts from these. `counters` is the
   * live value, which may already include work done after the checkpoint.
   */
  checkpointCounters: JobCounters;
  /** What the job returned; null until completed. */
  result: Output | null;
  /** Why the job failed, null unless it did. */
  error: JobErrorInfo | null;
  /** Times the job was started (entered `running`): 1 on first run, +1 on each resume. */
  attempts: number;
  /** A pending pause/cancel request, for a running job to act on. */
  requested: "pause" | "cancel" | null;
  /** When it was created (ms since the epoch). */
  createdAt: number;
  /** When it last changed (ms since the epoch). */
  updatedAt: number;
  /** When it last entered `running` (ms since the epoch), null if never. */
  startedAt: number | null;
  /** When it entered a terminal state (ms since the epoch), null until then. */
  finishedAt: number | null;
}

/** What {@link JobStore.create} needs. */
export interface NewJob {
  /** The extension whose job this is. */
  extensionId: string;
  /** The job's name in the extension's manifest. */
  jobName: string;
  /** JSON data; `undefined` is stored as null (a job without input). */
  input: unknown;
}

/** Which jobs {@link JobStore.list} returns. */
export interface JobFilter {
  /** Only jobs in one of these states. */
  states?: readonly JobState[];
  /** Only this extension's jobs. */
  extensionId?: string;
  /** At most this many (the oldest first). */
  limit?: number;
}

/** What a transition may write besides the state. */
export interface TransitionPatch {
  /** The job's result (JSON data; `undefined` is stored as null). */
  result?: unknown;
  /** Why it failed, or null to clear an earlier error. */
  error?: JobErrorInfo | null;
}

/** Options of {@link JobStore.transition}. */
export interface TransitionOptions {
  /**
   * Told the outcome (the updated record, or undefined when the job was not in one of `from`) as
   * soon as the store knows it, possibly before it is durable; the returned promise still settles
   * only once it is. A store that cannot tell earlier may call it when it settles, or never.
   */
  readonly onApplied?: (record: JobRecord | undefined) => void;
  /**
   * Nothing waits on the answer soon: a store that groups its disk syncs may settle it with a later
   * sync instead of starting one for it (a job's start, made durable with the job's next write).
   * The answer still comes only once the transition is durable.
   */
  readonly lazy?: boolean;
}

/** Options of {@link JobStore.checkpoint}. */
export interface CheckpointOptions {
  /**
   * Refuse a state whose JSON text is larger than this many UTF-8 bytes, with
   * `KILN_VALUE_TOO_LARGE` (a `StoreValueTooLargeError`), measured on the text the store writes.
   */
  readonly maxStateBytes?: number;
}

/**
 * Durable jobs: a state machine with progress and checkpoints, plus the extensions' key-value store.
 *
 * A store applies calls in the order they are made, and a call made after another one (even before
 * that one's promise settles) sees its effect. Each promise settles only once what it reports, and
 * every change it could have seen, is as durable as the store promises: a caller never learns of a
 * change that could still be lost.
 */
export interface JobStore {
  /** Persists a new job as `queued` before resolving. */
  create(job: NewJob): Promise<JobRecord>;
  /** The job, or undefined if there is none with this id. */
  get(id: string): Promise<JobRecord | undefined>;
  /** Jobs matching `filter`, ordered by createdAt, then id. */
  list(filter?: JobFilter): Promise<JobRecord[]>;
  /**
   * Atomic compare-and-set of the state: succeeds only if the current state is in `from`; returns the
   * updated record, or undefined if the job was not in one of `from` (or does not exist), so two
   * hosts/workers can never both start or complete a job. Sets startedAt and attempts+1 when entering
   * `running`, finishedAt when entering a terminal state, clears `requested` on leaving `running` or
   * entering a terminal state. Rejects with `KILN_STORE_TRANSITION_INVALID` when a `from` → `to` move
   * is never allowed (see {@link isAllowedTransition}): that is a bug in the caller, not a race.
   */
  transition(
    id: string,
    from: readonly JobState[],
    to: JobState,
    patch?: TransitionPatch,
    options?: TransitionOptions,
  ): Promise<JobRecord | undefined>;
  /** Progress and counters of a running job (one transaction); rejects with `KILN_JOB_NOT_RUNNING` otherwise. */
  progress(id: string, progress: JobProgress, counters?: JobCounters): Promise<void>;
  /**
   * Persists a checkpoint of a RUNNING job (and optionally progress/counters) in one transaction;
   * resolves to the new checkpointSeq once it is durable. Rejects with `KILN_JOB_NOT_RUNNING` if the
   * job is not running, `KILN_JOB_NOT_FOUND` if there is no such job.
   */
  checkpoint(
    id: string,
    state: unknown,
    progress?: JobProgress,
    counters?: JobCounters,
    options?: CheckpointOptions,
  ): Promise<number>;
  /**
   * Records a pause/cancel request (or clears it with null) and returns the record; undefined if
   * there is no such job. A finished job is returned unchanged (nothing left to pause or cancel). A
   * request made while the job is not running is kept, so one that races the job's start still
   * reaches it.
   */
  request(id: string, what: "pause" | "cancel" | null): Promise<JobRecord | undefined>;
  /**
   * At start-up: every job left `running` by a host that died becomes `interrupted`; returns them,
   * ordered by createdAt, then id. Their `requested` is kept: a cancel asked for before the crash
   * should still win over resuming. Only call it when no other live host shares the store.
   */
  recoverInterrupted(): Promise<JobRecord[]>;
  /** Each extension's own key-value store. */
  readonly kv: KvStore;
  /** Releases the store; later calls reject with `KILN_STORE_CLOSED`. Closing twice is harmless. */
  close(): Promise<void>;
}

// Options and pages of `kv.list`, and the kv limits: the `kv.*` operations' contract, in @kiln/contracts.
export type { KvListOptions, KvListPage };

/**
 * A key-value store scoped by extension id: extensions never see each other's keys. Keys are
 * non-empty strings of at most `KV_MAX_KEY_BYTES` (512) UTF-8 bytes; values are JSON data of at
 * most `maxValueBytes` bytes once serialised (`KV_DEFAULT_MAX_VALUE_BYTES`, 1 MiB, unless the call
 * says otherwise), else `set` rejects with `KILN_VALUE_TOO_LARGE`. The limits are in `@kiln/contracts`.
 */
export interface KvStore {
  /** The value, or undefined when the key is missing. */
  get(extensionId: string, key: string): Promise<unknown>;
  /** Stores a JSON value, replacing any earlier one; `maxValueBytes` defaults to `KV_DEFAULT_MAX_VALUE_BYTES`. */
  set(extensionId: string, key: string, value: unknown, options?: { readonly maxValueBytes?: number }): Promise<void>;
  /** Removes the key; true if it existed. */
  delete(extensionId: string, key: string): Promise<boolean>;
  /** Sorted keys, one page at a time. */
  list(extensionId: string, options?: KvListOptions): Promise<KvListPage>;
}
