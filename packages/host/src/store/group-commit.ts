/**
 * Group commit for one better-sqlite3 connection. Every write made during one turn of the event
 * loop goes into one transaction, committed from `setImmediate`; with `fsync` on, commits are made
 * durable by one `fdatasync` of the WAL file at a time, run in libuv's pool, each covering every
 * commit made before it started. So a burst of state changes costs one commit and one disk sync,
 * not one of each per change.
 *
 * A call's answer is computed at once, in the open transaction (a compare-and-set sees every write
 * made before it, so each call still gets its own result), but it is handed to the caller only once
 * everything that call could have seen is durable: no caller ever learns of a write that a power cut
 * could still undo.
 *
 * A call may be *lazy*: its answer can wait for a later sync (a job's start, whose record nobody
 * waits on: the job's completion, a few hundred microseconds later, is synced anyway). Commits that
 * only lazy calls wait for start no sync of their own; the next urgent call's sync covers them, or
 * one starts {@link LAZY_SYNC_MS} later. Without this, a no-op job's start took a sync that its
 * completion then had to wait behind (one sync at a time): 1.5 syncs of waiting per job, not 1.
 *
 * @module
 */
import { closeSync, fdatasync, fsyncSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";

/** The longest a commit that only lazy calls wait for stays unsynced. */
export const LAZY_SYNC_MS = 5;

/** A call whose answer waits for batch `seq` to be durable. */
interface Waiter {
  readonly seq: number;
  readonly ok: boolean;
  readonly value: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The open batches of every handle in this process, by database file. A handle holding a write
 * transaction across a turn of the event loop would make another handle on the same file in this
 * thread wait on SQLite's lock, which only that turn can release: the other handle commits them
 * first instead.
 */
const OPEN_BY_FILE = new Map<string, Set<GroupCommit>>();

/** How {@link GroupCommit} makes commits durable. */
export interface GroupCommitOptions {
  /** The database file (`":memory:"` or `""` for none). */
  readonly file: string;
  /**
   * Sync the WAL file after commits (the connection then runs `synchronous=NORMAL`, which writes
   * commits without syncing them). When the WAL file cannot be opened, the connection falls back to
   * `synchronous=FULL`, a sync inside every commit.
   */
  readonly fsync: boolean;
  /** Turns an error of SQLite or of the sync into the store's own. */
  readonly failure: (operation: string, error: unknown) => unknown;
}

/** One connection's batching of writes and grouping of syncs. */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #stmts: { begin: Database.Statement; commit: Database.Statement; rollback: Database.Statement };
  readonly #failure: GroupCommitOptions["failure"];
  readonly #fileKey: string | undefined;
  readonly #walFd: number | undefined;
  /** Sequence number of the open batch (its write transaction), if any. */
  #open: number | undefined;
  #timer: NodeJS.Immediate | undefined;
  #last = 0;
  #committed = 0;
  #durable = 0;
  #syncing = false;
  /** The newest batch an urgent (not lazy) call waits for: a sync starts at once up to it. */
  #urgent = 0;
  #lazyTimer: NodeJS.Timeout | undefined;
  /** In sequence order (sequence numbers only grow), from `#head` on. */
  #waiting: Waiter[] = [];
  #head = 0;

  constructor(db: Database.Database, options: GroupCommitOptions) {
    this.#db = db;
    this.#failure = options.failure;
    this.#stmts = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
    };
    const onDisk = options.file !== ":memory:" && options.file !== "";
    this.#fileKey = onDisk ? fileKey(options.file) : undefined;
    this.#walFd = onDisk && options.fsync ? openWal(options.file) : undefined;
    if (onDisk && options.fsync) db.pragma(`synchronous = ${this.#walFd === undefined ? "FULL" : "NORMAL"}`);
  }

  /**
   * Runs `work` now (a `write` inside the batch's transaction) and answers with its value or error
   * once everything it could see is durable. `operation` names the call in errors. A `lazy` call's
   * answer starts no sync of its own (see the module's notes).
   */
  run<T>(operation: string, write: boolean, work: () => T, lazy = false): Promise<T> {
    let ok = true;
    let value: unknown;
    try {
      if (write) this.#begin();
      value = work();
    } catch (error) {
      ok = false;
      value = this.#failure(operation, error);
      // SQLite rolls the whole transaction back on some errors (disk full, I/O): the batch is gone.
      if (this.#open !== undefined && !this.#db.inTransaction) this.#lose(this.#open, value);
    }
    const seq = this.#open ?? this.#committed;
    if (seq <= this.#durable) return ok ? Promise.resolve(value as T) : Promise.reject(value);
    const answer = new Promise<T>((resolve, reject) => {
      this.#waiting.push({ seq, ok, value, resolve: resolve as (value: unknown) => void, reject });
    });
    if (!lazy && seq > this.#urgent) {
      this.#urgent = seq;
      // Already committed (a read of a batch whose sync was left for later): sync it now.
      if (seq <= this.#committed) this.#sync();
    }
    return answer;
  }

  /** Commits the open batch now and resolves once every commit is durable. Then nothing is pending. */
  flush(): Promise<void> {
    this.#commitOpen();
    if (this.#committed <= this.#durable) return Promise.resolve();
    const seq = this.#committed;
    const done = new Promise<void>((resolve, reject) => {
      this.#waiting.push({ seq, ok: true, value: undefined, resolve: () => resolve(), reject });
    });
    this.#urgent = Math.max(this.#urgent, seq);
    this.#sync();
    return done;
  }

  /** Releases the WAL file; call after {@link GroupCommit.flush} and closing the connection. */
  dispose(): void {
    clearTimeout(this.#lazyTimer);
    if (this.#walFd !== undefined) closeSync(this.#walFd);
  }

  #begin(): void {
    if (this.#open !== undefined) return;
    if (this.#fileKey !== undefined) {
      const others = OPEN_BY_FILE.get(this.#fileKey);
      if (others) for (const other of [...others]) other.#commitOpen();
    }
    this.#stmts.begin.run();
    this.#open = ++this.#last;
    this.#timer = setImmediate(() => this.#commitOpen());
    if (this.#fileKey !== undefined) {
      const set = OPEN_BY_FILE.get(this.#fileKey);
      if (set) set.add(this);
      else OPEN_BY_FILE.set(this.#fileKey, new Set([this]));
    }
  }

  #close(): number | undefined {
    const seq = this.#open;
    if (seq === undefined) return undefined;
    this.#open = undefined;
    clearImmediate(this.#timer);
    this.#timer = undefined;
    if (this.#fileKey !== undefined) {
      const set = OPEN_BY_FILE.get(this.#fileKey);
      set?.delete(this);
      if (set?.size === 0) OPEN_BY_FILE.delete(this.#fileKey);
    }
    return seq;
  }

  #commitOpen(): void {
    const seq = this.#close();
    if (seq === undefined) return;
    try {
      this.#stmts.commit.run();
    } catch (error) {
      if (this.#db.inTransaction) {
        try {
          this.#stmts.rollback.run();
        } catch {
          // Nothing more to undo: the connection reports the first error.
        }
      }
      this.#lose(seq, this.#failure("commit", error));
      return;
    }
    this.#committed = seq;
    if (this.#walFd === undefined) {
      this.#durable = seq;
      this.#release();
    } else {
      this.#sync();
    }
  }

  /**
   * One sync at a time; the next covers every commit made while this one ran. Commits that only lazy
   * calls wait for are synced {@link LAZY_SYNC_MS} later, unless an urgent call's sync comes first.
   */
  #sync(): void {
    if (this.#syncing || this.#walFd === undefined || this.#committed <= this.#durable) return;
    if (this.#urgent <= this.#durable) {
      this.#lazyTimer ??= setTimeout(() => {
        this.#lazyTimer = undefined;
        this.#urgent = Math.max(this.#urgent, this.#committed);
        this.#sync();
      }, LAZY_SYNC_MS);
      return;
    }
    clearTimeout(this.#lazyTimer);
    this.#lazyTimer = undefined;
    this.#syncing = true;
    const upTo = this.#committed;
    fdatasync(this.#walFd, (error) => {
      this.#syncing = false;
      if (error) this.#failUpTo(upTo, this.#failure("sync the journal to disk", error));
      this.#durable = Math.max(this.#durable, upTo);
      this.#release();
      this.#sync();
    });
  }

  /** Answers every call whose batch is durable. */
  #release(): void {
    const waiting = this.#waiting;
    let head = this.#head;
    while (head < waiting.length && (waiting[head] as Waiter).seq <= this.#durable) {
      const w = waiting[head++] as Waiter;
      if (w.ok) w.resolve(w.value);
      else w.reject(w.value);
    }
    if (head === waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (head > 1024 && head * 2 > waiting.length) {
      this.#waiting = waiting.slice(head);
      this.#head = 0;
    } else {
      this.#head = head;
    }
  }

  /** The batch `seq` was rolled back: every call that saw it fails with `error`. */
  #lose(seq: number, error: unknown): void {
    if (this.#open === seq) this.#close();
    this.#rejectWhere((w) => w.seq === seq, error);
  }

  /** A sync failed: nothing it covered can be called durable. */
  #failUpTo(seq: number, error: unknown): void {
    this.#rejectWhere((w) => w.seq <= seq, error);
  }

  #rejectWhere(match: (w: Waiter) => boolean, error: unknown): void {
    const kept: Waiter[] = [];
    for (let i = this.#head; i < this.#waiting.length; i++) {
      const w = this.#waiting[i] as Waiter;
      if (match(w)) w.reject(error);
      else kept.push(w);
    }
    this.#waiting = kept;
    this.#head = 0;
  }
}

/** The file's identity (device and inode), so two paths to one file share an entry. */
function fileKey(file: string): string | undefined {
  try {
    const { dev, ino } = statSync(file);
    return `${dev}:${ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Opens the WAL file for syncing, and syncs the directory once so that the entries of the database
 * and its WAL file survive a power cut too. Undefined when the WAL file cannot be opened.
 */
function openWal(file: string): number | undefined {
  let fd: number;
  try {
    // Write access because some systems sync only files opened for writing; nothing is written.
    fd = openSync(`${file}-wal`, "r+");
  } catch {
    return undefined;
  }
  try {
    const dir = openSync(dirname(file), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some systems cannot open or sync a directory; their file systems keep entries another way.
  }
  return fd;
}
