/**
 * The scheduler's queue: this host's queued jobs, per extension, oldest first, kept in memory so that
 * starting a job costs no read of the store. The store stays the source of truth: the queue is fed
 * by dispatch, resume and reads of the store when an extension is loaded, and a job it names may
 * have moved on meanwhile (another host started or cancelled it); the start's compare-and-set
 * settles that.
 *
 * @module
 */

/** What the queue keeps of a queued job. */
export interface QueuedJob {
  readonly id: string;
  readonly extensionId: string;
  /** Orders the queue: by creation, then id, as the store lists jobs. */
  readonly createdAt: number;
}

/** How many more jobs of an extension may start now (0 when it is busy or not loaded). */
export type Room = (extensionId: string) => number;

/** Queued jobs per extension, and round robin between extensions. */
export class JobQueue {
  readonly #byExtension = new Map<string, QueuedJob[]>();
  readonly #byId = new Map<string, QueuedJob>();
  /** Ids of the extensions with queued jobs, sorted, for the round robin. */
  #order: string[] = [];
  /** The extension served last: the next pick starts with the one after it. */
  #lastServed: string | undefined;

  /** Queues a job (once: a job already queued is left where it is). */
  add(job: QueuedJob): void {
    if (this.#byId.has(job.id)) return;
    const entry: QueuedJob = { id: job.id, extensionId: job.extensionId, createdAt: job.createdAt };
    this.#byId.set(job.id, entry);
    let list = this.#byExtension.get(job.extensionId);
    if (!list) {
      list = [];
      this.#byExtension.set(job.extensionId, list);
      this.#order.splice(lowerBound(this.#order, job.extensionId), 0, job.extensionId);
    }
    // Mostly the newest job: found at the end at once.
    let at = list.length;
    while (at > 0 && compareJobs(list[at - 1] as QueuedJob, entry) > 0) at--;
    list.splice(at, 0, entry);
  }

  /** Takes a job out of the queue (cancelled, paused, started elsewhere); false if it was not in it. */
  remove(id: string): boolean {
    const entry = this.#byId.get(id);
    if (!entry) return false;
    this.#byId.delete(id);
    const list = this.#byExtension.get(entry.extensionId) as QueuedJob[];
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.#forget(entry.extensionId);
    return true;
  }

  /** Whether the job is queued here. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Jobs queued for one extension. */
  size(extensionId: string): number {
    return this.#byExtension.get(extensionId)?.length ?? 0;
  }

  /**
   * Takes up to `slots` jobs to start, oldest first within an extension, round robin between
   * extensions (starting after the one served last), each within its `room`.
   */
  take(slots: number, room: Room): QueuedJob[] {
    const picked: QueuedJob[] = [];
    if (slots <= 0 || this.#order.length === 0) return picked;
    const order = this.#order;
    const start = this.#lastServed === undefined ? 0 : upperBound(order, this.#lastServed);
    // A copy: taking an extension's last job removes it from the order.
    const turn = [...order.slice(start), ...order.slice(0, start)];
    const rooms = new Map<string, number>();
    let progressed = true;
    while (progressed && picked.length < slots) {
      progressed = false;
      for (const extensionId of turn) {
        if (picked.length >= slots) break;
        const free = rooms.get(extensionId) ?? room(extensionId);
        const list = this.#byExtension.get(extensionId);
        if (free <= 0 || !list?.length) {
          rooms.set(extensionId, 0);
          continue;
        }
        rooms.set(extensionId, free - 1);
        const job = list.shift() as QueuedJob;
        this.#byId.delete(job.id);
        if (list.length === 0) this.#forget(extensionId);
        picked.push(job);
        this.#lastServed = extensionId;
        progressed = true;
      }
    }
    return picked;
  }

  #forget(extensionId: string): void {
    this.#byExtension.delete(extensionId);
    const at = this.#order.indexOf(extensionId);
    if (at >= 0) this.#order.splice(at, 1);
  }
}

function compareJobs(a: QueuedJob, b: QueuedJob): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** First index whose item is not less than `key`. */
function lowerBound(items: readonly string[], key: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose item is greater than `key` (the extension after the one served last). */
function upperBound(items: readonly string[], key: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo === items.length ? 0 : lo;
}
