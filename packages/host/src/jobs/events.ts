import { EventEmitter } from "node:events";
import type { LogEntry } from "../logger.js";
import type { JobCounters, JobProgress, JobRecord } from "../store/types.js";

/** Events of {@link JobManager}, by name, with their payloads. */
export interface JobEvents {
  /** A job changed state (dispatched, started, paused, resumed, completed, failed, cancelled, …). */
  state: JobRecord;
  /** A running job reported progress (already persisted). */
  progress: {
    readonly jobId: string;
    readonly extensionId: string;
    readonly progress: JobProgress;
    readonly counters: JobCounters;
  };
  /** A running job wrote a checkpoint (durable when this fires). */
  checkpoint: { readonly jobId: string; readonly extensionId: string; readonly seq: number };
  /** A job logged a line. */
  log: LogEntry & { readonly jobId: string };
}

/** A typed event emitter: `on` returns the function that unsubscribes. */
export class TypedEmitter<Events extends object> {
  readonly #emitter = new EventEmitter();
  constructor() {
    // Apps may attach one listener per job they render.
    this.#emitter.setMaxListeners(0);
  }
  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }
  /** Emits to every listener; a listener that throws is the app's bug and must not stop a job. */
  protected emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    for (const listener of this.#emitter.listeners(event)) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (error) {
        process.emitWarning(`a listener of job event "${event}" threw: ${String(error)}`, "KilnListenerWarning");
      }
    }
  }
}
