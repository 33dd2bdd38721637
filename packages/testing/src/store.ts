/**
 * The job store the harness hands its hosts: the host's own SQLite store, with its `checkpoint`
 * observed. A checkpoint is reported once it is durable, with the state the job stored, which no
 * host event carries; everything else is the store itself.
 *
 * @module
 */
import type { JobStore } from "@kiln/host";

/**
 * Told of each durable checkpoint before the job hears that it was stored. What it returns is
 * awaited first: the crashing host returns a promise that never settles, so its job never goes on.
 */
export type CheckpointObserver = (jobId: string, state: unknown, seq: number) => void | Promise<void>;

/** `store`, its `checkpoint` reporting to `observer` once durable; returned for chaining. */
export function observeCheckpoints<S extends JobStore>(store: S, observer: CheckpointObserver): S {
  const write = store.checkpoint.bind(store);
  store.checkpoint = async (id, state, ...rest) => {
    const seq = await write(id, state, ...rest);
    await observer(id, state, seq);
    return seq;
  };
  return store;
}
