/**
 * The resume policy, `JobManager.resumeAll`: which jobs a previous process left unfinished to run
 * again, which to leave, and the cancel-wins rule. Kept apart from the manager's scheduling; it
 * reaches the manager only through {@link ResumeJobs}.
 *
 * @module
 */
import type { JobFilter, JobRecord, JobState } from "../store/types.js";

/** Options of `JobManager.resumeAll`. */
export interface ResumeAllOptions {
  /** Resume `paused` jobs too. Default false: a pause is someone's decision, so it stays. */
  readonly paused?: boolean;
  /**
   * Only the jobs of these extensions (by id); the others are left as they are. Default: every
   * extension's. Recovery (running → interrupted) still covers the whole store.
   */
  readonly extensions?: readonly string[];
  /**
   * Called once for each extension that has jobs to resume but is not loaded, before any job is
   * resumed: load it there (with `host.load`). When it throws, or the extension is still not
   * loaded after it, that extension's jobs are left as they are and reported in
   * `skipped`. Without it, only jobs of extensions already loaded run.
   */
  readonly load?: (extensionId: string) => Promise<unknown>;
  /**
   * Stops the call: once aborted, no further extension is loaded and no further job resumed (they
   * are reported as skipped, reason `"aborted"`). Jobs already resumed keep running.
   */
  readonly signal?: AbortSignal;
}

/** Why `JobManager.resumeAll` left a job as it was. */
export type ResumeSkipReason =
  /** Its extension is not loaded (and `load` was not given, or did not load it). */
  | "not-loaded"
  /** `load` threw for its extension; see `error`. */
  | "load-failed"
  /** The job changed state meanwhile (another process got to it); see `error`. */
  | "state-changed"
  /** `signal` was aborted first. */
  | "aborted";

/** What `JobManager.resumeAll` did, job by job. Each list is oldest first. */
export interface ResumeAllResult {
  /**
   * Jobs a dead process had left `running`, as they are now: `interrupted`, or `cancelled` when a
   * cancel was requested (those are in `cancelled` too). Oldest first.
   */
  readonly recovered: readonly JobRecord[];
  /**
   * Jobs that will run: interrupted (and with `paused`, paused) ones now queued again, plus the
   * ones that were queued already. Follow them with `JobManager.wait`.
   */
  readonly resumed: readonly JobRecord[];
  /** Interrupted or paused jobs whose cancel was requested before they stopped: now `cancelled`. */
  readonly cancelled: readonly JobRecord[];
  /** Jobs left in their state, with why. */
  readonly skipped: readonly {
    readonly job: JobRecord;
    readonly reason: ResumeSkipReason;
    /** What went wrong, for `load-failed` and `state-changed`. */
    readonly error?: unknown;
  }[];
  /** Without `paused`: the paused jobs left paused (to tell people they exist). Else empty. */
  readonly paused: readonly JobRecord[];
}

/** What the policy needs of the job manager. */
export interface ResumeJobs {
  /** Jobs a dead process left `running`, already recovered (`interrupted`, or `cancelled`). */
  readonly recovered: readonly JobRecord[];
  list(filter: JobFilter): Promise<JobRecord[]>;
  /** Whether the extension is loaded, so that its jobs can run. */
  loaded(extensionId: string): boolean;
  cancel(jobId: string): Promise<JobRecord>;
  resume(jobId: string): Promise<JobRecord>;
}

/** Applies the resume policy (see `JobManager.resumeAll`). */
export async function resumeAll(jobs: ResumeJobs, options: ResumeAllOptions): Promise<ResumeAllResult> {
  const { recovered } = jobs;
  const wanted = options.extensions ? new Set(options.extensions) : undefined;
  const mine = (r: JobRecord) => wanted === undefined || wanted.has(r.extensionId);
  const states: JobState[] = ["queued", "interrupted", ...(options.paused ? (["paused"] as const) : [])];
  const candidates = (await jobs.list({ states })).filter(mine);
  const paused = options.paused ? [] : (await jobs.list({ states: ["paused"] })).filter(mine);
  const resumed: JobRecord[] = [];
  const cancelled: JobRecord[] = [];
  const skipped: { job: JobRecord; reason: ResumeSkipReason; error?: unknown }[] = [];

  const toResume: JobRecord[] = [];
  cancelled.push(...recovered.filter((r) => r.state === "cancelled" && mine(r)));
  for (const record of candidates) {
    // A cancel asked for before the process died wins over resuming.
    if (record.requested === "cancel" && record.state !== "queued") {
      try {
        cancelled.push(await jobs.cancel(record.id));
      } catch (error) {
        skipped.push({ job: record, reason: "state-changed", error });
      }
      continue;
    }
    toResume.push(record);
  }

  // Each extension the jobs need, loaded once; why it cannot run otherwise.
  const problems = new Map<string, { reason: ResumeSkipReason; error?: unknown }>();
  for (const extensionId of new Set(toResume.map((r) => r.extensionId))) {
    if (options.signal?.aborted) break;
    if (jobs.loaded(extensionId)) continue;
    if (options.load) {
      try {
        await options.load(extensionId);
      } catch (error) {
        problems.set(extensionId, { reason: "load-failed", error });
        continue;
      }
    }
    if (!jobs.loaded(extensionId)) problems.set(extensionId, { reason: "not-loaded" });
  }

  for (const record of toResume) {
    const problem = options.signal?.aborted ? { reason: "aborted" as const } : problems.get(record.extensionId);
    if (problem) {
      skipped.push({ job: record, ...problem });
      continue;
    }
    if (record.state === "queued") {
      resumed.push(record);
      continue;
    }
    try {
      resumed.push(await jobs.resume(record.id));
    } catch (error) {
      // Another process got to it first, or it changed state since the listing.
      skipped.push({ job: record, reason: "state-changed", error });
    }
  }
  return { recovered, resumed, cancelled, skipped, paused };
}
