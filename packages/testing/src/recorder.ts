/**
 * What the harness writes down while jobs run, kept per job id from the moment the extension is
 * loaded: a listener attached after a job started could miss its first events, a record kept from
 * the start cannot. Every host of one test extension (the crashed one's child included) feeds the
 * same recorder, so a resumed job's trace continues its first attempt's.
 *
 * @module
 */
import type { JobProgress, LogEntry } from "@kiln/host";
import type { CallError, CallOutcome, CallSink, OperationCall } from "./operations.js";

/** One job's trace. */
export interface JobTrace {
  readonly logs: LogEntry[];
  readonly progress: JobProgress[];
  readonly checkpoints: unknown[];
  readonly calls: OperationCall[];
}

/** Listens for calls reaching their handlers (the `cancel` driver's `afterCalls`). */
type CallListener = (jobId: string) => void;

/** The traces of every job, and every log line. */
export class Recorder {
  /** Every line logged, by jobs, `init` and `cleanup` alike, in order. */
  readonly logs: LogEntry[] = [];
  /** Calls made outside any job (from `init`). */
  readonly calls: OperationCall[] = [];
  readonly #jobs = new Map<string, JobTrace>();
  readonly #callListeners = new Set<CallListener>();

  /** The trace of `jobId` (empty until it does something). */
  trace(jobId: string): JobTrace {
    let trace = this.#jobs.get(jobId);
    if (!trace) {
      trace = { logs: [], progress: [], checkpoints: [], calls: [] };
      this.#jobs.set(jobId, trace);
    }
    return trace;
  }

  log(entry: LogEntry): void {
    this.logs.push(entry);
    if (entry.jobId) this.trace(entry.jobId).logs.push(entry);
  }

  progress(jobId: string, progress: JobProgress): void {
    this.trace(jobId).progress.push({ done: progress.done, total: progress.total, message: progress.message });
  }

  checkpoint(jobId: string, state: unknown): void {
    this.trace(jobId).checkpoints.push(state);
  }

  /** Subscribes to calls reaching their handlers; returns the unsubscribe function. */
  onCall(listener: CallListener): () => void {
    this.#callListeners.add(listener);
    return () => this.#callListeners.delete(listener);
  }

  /** The sink the recorded operations write into. */
  readonly sink: CallSink = {
    begin: (name, input, jobId) => {
      const call: { name: string; input: unknown; result?: unknown; error?: CallError } = { name, input };
      (jobId ? this.trace(jobId).calls : this.calls).push(call);
      return (outcome: CallOutcome) => {
        if ("result" in outcome) call.result = outcome.result;
        else call.error = outcome.error;
      };
    },
    running: (jobId) => {
      if (jobId) for (const listener of this.#callListeners) listener(jobId);
    },
  };
}
