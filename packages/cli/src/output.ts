/**
 * What `run` and `jobs resume` print: extension log lines, why a job did not complete, the command
 * that resumes a paused job, and the progress display. No dependency beyond types.
 *
 * @module
 */
import type { JobRecord, LogEntry } from "@kiln/host";
import { errorLine, oneLine } from "./errors.js";
import { ProgressView } from "./progress.js";

/** An extension's log line as the CLI prints it: `[extension-id] message`. */
export function formatLog(entry: LogEntry): string {
  return `[${entry.extensionId}] ${entry.level === "info" ? "" : `${entry.level}: `}${entry.message}`;
}

/** `job_… extension/job`: how `jobs resume` names a job. */
export function jobLabel(record: JobRecord): string {
  return `${record.id} ${record.extensionId}/${record.jobName}`;
}

/** Why a job did not complete, in one line: `CODE: message`. */
export function jobReason(record: JobRecord): string {
  const code = record.error?.code ?? (record.state === "cancelled" ? "KILN_CANCELLED" : "KILN_JOB_STATE");
  return `${code}: ${oneLine(record.error?.message ?? `the job is ${record.state}`)}`;
}

/** `CODE: job "steps" of "test-extension" (job_…) failed: message`: what `run` prints for a job that did not complete. */
export function jobFailure(record: JobRecord): string {
  const [code, ...rest] = jobReason(record).split(": ");
  return `${code}: job "${record.jobName}" of "${record.extensionId}" (${record.id}) ${record.state}: ${rest.join(": ")}`;
}

/** Quotes a word for a POSIX shell when it needs it, for the commands the CLI suggests. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `kiln jobs resume` command that picks up where an interrupted command stopped. */
export function resumeHint(
  store: string,
  extensions: string,
  grants: readonly string[] | undefined,
  folders: readonly string[] | undefined,
): string {
  return [
    "kiln jobs resume --store",
    shellWord(store),
    "--extensions",
    shellWord(extensions),
    "--paused",
    ...(grants ?? []).flatMap((g) => ["--grant", shellWord(g)]),
    ...(folders ?? []).flatMap((f) => ["--folder", shellWord(f)]),
  ].join(" ");
}

/** The progress display on this process's streams: bars on a terminal, plain lines otherwise. */
export function progressView(labelPlainLines = false): ProgressView {
  return new ProgressView({
    tty: Boolean(process.stderr.isTTY),
    out: process.stdout,
    err: process.stderr,
    labelPlainLines,
  });
}

export { errorLine };
