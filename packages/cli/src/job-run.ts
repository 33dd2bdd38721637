/**
 * One job of a loaded extension, followed to its end with its progress on the terminal: what
 * `kiln run` and `kiln dev` share. Types only from `@kiln/host` at load; the host itself is the
 * caller's (and already imported when these run).
 *
 * @module
 */
import { didYouMean } from "@kiln/contracts";
import type { ExtensionHost, JobRecord } from "@kiln/host";
import { UsageError } from "./errors.js";
import type { ProgressView } from "./progress.js";

/** `--input <json>` as a value: null when absent; a `KILN_USAGE` error pointing at `command`'s help when not JSON. */
export function parseInput(command: string, text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--input is not JSON: ${(error as Error).message}`, command);
  }
}

/**
 * The `KILN_USAGE` error for a job the extension does not have: `unknown job "cuonter" (did you
 * mean "counter"?); extension "x" in dist has the jobs counter, steps`.
 */
export function unknownJob(
  jobName: string,
  extension: { id: string; jobs: readonly string[] },
  dir: string,
): UsageError {
  const { id, jobs } = extension;
  return new UsageError(
    `unknown job "${jobName}"${didYouMean(jobName, jobs)}; ` +
      `extension "${id}" in ${dir} has ${jobs.length ? `the jobs ${jobs.join(", ")}` : "no jobs"}`,
    false,
  );
}

/**
 * Dispatches job `jobName` of the loaded extension `extensionId` and follows it until it ends or
 * pauses, its progress in `view`; resolves to its last record. `dispatched` learns the job's id as
 * soon as it has one (to cancel or pause it). Rejects as `host.jobs.dispatch` does (an input the
 * job's schema refuses, say); the job's own failure is in the record, not a rejection.
 */
export async function followJob(
  host: ExtensionHost,
  view: ProgressView,
  job: { readonly extensionId: string; readonly jobName: string; readonly input: unknown },
  dispatched?: (jobId: string) => void,
): Promise<JobRecord> {
  const { TERMINAL_STATES } = await import("@kiln/host");
  let jobId: string | undefined;
  // The view follows only the jobs it was told about: other jobs' progress is dropped there.
  const off = host.jobs.on("progress", (e) => view.update(e.jobId, e.progress));
  try {
    jobId = await host.jobs.dispatch(job.extensionId, job.jobName, job.input);
    view.start(jobId, job.jobName);
    dispatched?.(jobId);
    return await host.jobs.wait(jobId, [...TERMINAL_STATES, "paused"]);
  } finally {
    if (jobId) view.finish(jobId);
    off();
  }
}
