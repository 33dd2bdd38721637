/**
 * The embedded job store: {@link JobStore} on one SQLite file through better-sqlite3. better-sqlite3
 * is synchronous, so every method does its work at once and returns a settled promise; errors still
 * arrive as rejections, as they would from a networked back end.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { KV_DEFAULT_LIST_LIMIT, KV_DEFAULT_MAX_VALUE_BYTES, KV_MAX_LIST_LIMIT } from "@kiln/contracts";
import Database from "better-sqlite3";
import { KilnError } from "../errors.js";
import { sqliteBindingProblem } from "./binding.js";
import {
  JobNotRunningError,
  JobTransitionInvalidError,
  JobUnknownError,
  SqliteBindingMissingError,
  StoreBusyError,
  StoreClosedError,
  StoreFailedError,
  StoreOpenError,
  StoreValueInvalidError,
} from "./errors.js";
import { GroupCommit } from "./group-commit.js";
import { migrate } from "./migrations.js";
import {
  type CheckpointOptions,
  isAllowedTransition,
  type JobCounters,
  type JobErrorInfo,
  type JobFilter,
  type JobProgress,
  type JobRecord,
  type JobState,
  type JobStore,
  type KvListOptions,
  type KvListPage,
  type KvStore,
  type NewJob,
  TERMINAL_STATES,
  type TransitionOptions,
  type TransitionPatch,
} from "./types.js";
import {
  checkCounters,
  checkKey,
  checkName,
  checkProgress,
  checkSize,
  checkState,
  compareUtf8,
  decodeJson,
  encodeErrorInfo,
  encodeJson,
  prefixUpperBound,
} from "./values.js";

/** Options of {@link SqliteJobStore.open}. */
export interface SqliteJobStoreOptions {
  /** How long to wait for another connection's write lock before failing with `KILN_STORE_BUSY`. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default): a change is on disk before any call that saw it resolves, so a checkpoint
   * survives even a power cut. `normal`: a change survives the process being killed, but the last
   * ones may be lost if the machine itself goes down. See {@link SqliteJobStore.open}.
   */
  readonly durability?: "full" | "normal";
}

/** A row of `jobs`, as SQLite returns it. */
interface JobRow {
  id: string;
  extension_id: string;
  job_name: string;
  input: string;
  state: JobState;
  progress_done: number;
  progress_total: number | null;
  progress_message: string | null;
  counter_items: number;
  counter_bytes: number;
  checkpoint_items: number;
  checkpoint_bytes: number;
  checkpoint: string | null;
  checkpoint_seq: number;
  result: string | null;
  error: string | null;
  attempts: number;
  requested: "pause" | "cancel" | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

type Stmt<R = unknown> = Database.Statement<unknown[], R>;

interface RequestParams {
  id: string;
  what: "pause" | "cancel" | null;
  now: number;
}

/** Named parameters of the `report` statement; the `set…` flags are 0/1 (SQLite has no booleans). */
interface ReportParams {
  id: string;
  now: number;
  setCheckpoint: 0 | 1;
  checkpoint: string | null;
  setProgress: 0 | 1;
  done: number;
  total: number | null;
  message: string | null;
  setCounters: 0 | 1;
  items: number;
  bytes: number;
}

const TERMINAL_SQL = TERMINAL_STATES.map((s) => `'${s}'`).join(",");

/** The fixed statements, prepared once when the store opens. */
const SQL = {
  insertJob: `INSERT INTO jobs (id, extension_id, job_name, input, state, created_at, updated_at)
              VALUES (@id, @extensionId, @jobName, @input, 'queued', @now, @now) RETURNING *`,
  getJob: "SELECT * FROM jobs WHERE id = ?",
  // One statement, so the check of the current state and the write are a single atomic step.
  transition: `UPDATE jobs SET
      state       = @to,
      updated_at  = @now,
      attempts    = attempts + (@to = 'running'),
      started_at  = CASE WHEN @to = 'running' THEN @now ELSE started_at END,
      finished_at = CASE WHEN @to IN (${TERMINAL_SQL}) THEN @now ELSE finished_at END,
      requested   = CASE WHEN state = 'running' OR @to IN (${TERMINAL_SQL}) THEN NULL ELSE requested END,
      result      = CASE WHEN @setResult THEN @result ELSE result END,
      error       = CASE WHEN @setError THEN @error ELSE error END
    WHERE id = @id AND state IN (SELECT value FROM json_each(@from))
    RETURNING *`,
  report: `UPDATE jobs SET
      updated_at       = @now,
      checkpoint       = CASE WHEN @setCheckpoint THEN @checkpoint ELSE checkpoint END,
      checkpoint_seq   = checkpoint_seq + @setCheckpoint,
      progress_done    = CASE WHEN @setProgress THEN @done ELSE progress_done END,
      progress_total   = CASE WHEN @setProgress THEN @total ELSE progress_total END,
      progress_message = CASE WHEN @setProgress THEN @message ELSE progress_message END,
      counter_items    = CASE WHEN @setCounters THEN @items ELSE counter_items END,
      counter_bytes    = CASE WHEN @setCounters THEN @bytes ELSE counter_bytes END,
      checkpoint_items = CASE WHEN @setCheckpoint AND @setCounters THEN @items ELSE checkpoint_items END,
      checkpoint_bytes = CASE WHEN @setCheckpoint AND @setCounters THEN @bytes ELSE checkpoint_bytes END
    WHERE id = @id AND state = 'running'
    RETURNING checkpoint_seq`,
  request: `UPDATE jobs SET requested = @what, updated_at = @now
            WHERE id = @id AND state NOT IN (${TERMINAL_SQL}) RETURNING *`,
  recover: "UPDATE jobs SET state = 'interrupted', updated_at = @now WHERE state = 'running' RETURNING *",
  kvGet: "SELECT value FROM kv WHERE extension_id = ? AND key = ?",
  kvSet: `INSERT INTO kv (extension_id, key, value, updated_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (extension_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  kvDelete: "DELETE FROM kv WHERE extension_id = ? AND key = ?",
} as const;

/**
 * {@link JobStore} on a SQLite file. Several handles (in one process or several) may share a file:
 * state changes are compare-and-set, and writers queue on SQLite's lock for up to `busyTimeoutMs`.
 */
export class SqliteJobStore implements JobStore {
  /** Each extension's key-value store, in the same file. */
  readonly kv: KvStore;
  readonly #db: Database.Database;
  readonly #commits: GroupCommit;
  readonly #stmts: { [K in keyof typeof SQL]: Stmt };
  // Statements whose text depends on which filters a call uses: prepared on first use, then reused.
  readonly #dynamic = new Map<string, Stmt>();
  // Multi-statement steps, built once; run with BEGIN IMMEDIATE so they take the write lock up front
  // instead of failing to upgrade a read lock when another connection wrote in between.
  readonly #requestTx: Database.Transaction<(params: RequestParams) => JobRecord | undefined>;
  readonly #reportTx: Database.Transaction<(params: ReportParams, operation: string) => number>;
  #closed = false;

  private constructor(db: Database.Database, commits: GroupCommit) {
    this.#db = db;
    this.#commits = commits;
    this.#stmts = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as {
      [K in keyof typeof SQL]: Stmt;
    };
    this.#requestTx = db.transaction((params: RequestParams) => {
      const row = this.#stmts.request.get(params) as JobRow | undefined;
      return row ? toRecord(row) : this.#row(params.id);
    });
    this.#reportTx = db.transaction((params: ReportParams, operation: string) => {
      const seq = this.#stmts.report.pluck().get(params) as number | undefined;
      if (seq !== undefined) return seq;
      const row = this.#stmts.getJob.get(params.id) as JobRow | undefined;
      if (!row) throw new JobUnknownError(params.id, operation);
      throw new JobNotRunningError(params.id, row.state, operation, row.extension_id);
    });
    this.kv = new SqliteKvStore((operation, write, work) =>
      this.#do(operation, write, () => work((sql) => this.#prepared(sql))),
    );
  }

  /**
   * Opens (creating it and its directory if needed) the store at `file`, or an in-memory one for
   * `":memory:"`, and brings its schema up to date.
   *
   * Writes are grouped: every change made during one turn of the event loop goes into one
   * transaction, committed at the end of that turn, and each call resolves (or rejects) only once
   * that commit is as durable as `durability` asks. Each call still gets its own answer: a
   * compare-and-set sees every change made before it.
   *
   * Durability: WAL journal. In WAL mode a commit appends to the log; written but not synced, that
   * survives SIGKILL of this process (the kernel still holds and flushes the pages) but not a power
   * cut or kernel panic, after which the last commits can vanish. That is `normal`. With `full` (the
   * default) the log is synced to disk before any call that saw a change resolves, so once
   * `checkpoint()` resolves the checkpoint is on disk: "kill at any point, nothing checkpointed lost"
   * then holds for the machine too, not only for the process. The syncs are grouped: one sync at a
   * time, run off the main thread, covers every commit made before it started, so many jobs share
   * one sync. (Another process reading the file may see a commit a few milliseconds before its sync
   * ends.)
   *
   * Throws `KILN_STORE_TOO_NEW` for a file written by a newer host, `KILN_STORE_OPEN_FAILED` when the
   * file cannot be opened or is not a SQLite database, `KILN_SQLITE_BINDING_MISSING` when
   * better-sqlite3's native binding cannot be loaded (never built, built for another Node version or
   * machine).
   */
  static open(file: string, options: SqliteJobStoreOptions = {}): SqliteJobStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const db = connect(file);
    try {
      const durability = options.durability ?? "full";
      configure(db, busyTimeoutMs, durability);
      migrate(db, file);
      const commits = new GroupCommit(db, {
        file,
        fsync: durability === "full",
        failure: (operation, error) => storeError(operation, error, busyTimeoutMs),
      });
      return new SqliteJobStore(db, commits);
    } catch (error) {
      db.close();
      if (error instanceof KilnError) throw error;
      throw new StoreOpenError(file, error instanceof Error ? error.message : String(error), error);
    }
  }

  /** See {@link JobStore.create}. */
  async create(job: NewJob): Promise<JobRecord> {
    checkName(job.extensionId, "job.extensionId");
    checkName(job.jobName, "job.jobName");
    const input = encodeJson(job.input, { where: `input of job "${job.jobName}"`, extensionId: job.extensionId }, true);
    const params = { id: newJobId(), extensionId: job.extensionId, jobName: job.jobName, input, now: Date.now() };
    return this.#do("create a job", true, () => toRecord(this.#stmts.insertJob.get(params) as JobRow));
  }

  /** See {@link JobStore.get}. */
  async get(id: string): Promise<JobRecord | undefined> {
    return this.#do("read a job", false, () => this.#row(id));
  }

  /** See {@link JobStore.list}. */
  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    const { states, extensionId, limit } = filter;
    for (const s of states ?? []) checkState(s, "filter.states");
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
      throw new StoreValueInvalidError("filter.limit", "it must be a whole number ≥ 0");
    }
    const where: string[] = [];
    if (extensionId !== undefined) where.push("extension_id = @extensionId");
    if (states !== undefined) where.push("state IN (SELECT value FROM json_each(@states))");
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                 ORDER BY created_at, id LIMIT @limit`;
    const params = { extensionId, states: states && JSON.stringify(states), limit: limit ?? -1 };
    return this.#do("list jobs", false, () => (this.#prepared(sql).all(definedOnly(params)) as JobRow[]).map(toRecord));
  }

  /** See {@link JobStore.transition}. */
  async transition(
    id: string,
    from: readonly JobState[],
    to: JobState,
    patch: TransitionPatch = {},
    options: TransitionOptions = {},
  ): Promise<JobRecord | undefined> {
    checkState(to, "transition target");
    for (const f of from) {
      checkState(f, "transition source");
      if (!isAllowedTransition(f, to)) throw new JobTransitionInvalidError(id, from, to);
    }
    const hasResult = "result" in patch;
    const hasError = "error" in patch;
    const params = {
      id,
      to,
      from: JSON.stringify(from),
      now: Date.now(),
      setResult: hasResult ? 1 : 0,
      result: hasResult ? encodeJson(patch.result, { where: `result of job "${id}"` }, true) : null,
      setError: hasError ? 1 : 0,
      error: patch.error ? encodeErrorInfo(patch.error, `error of job "${id}"`) : null,
    };
    let applied: { record: JobRecord | undefined } | undefined;
    const answer = this.#do(
      `move job "${id}" to ${to}`,
      true,
      () => {
        const row = this.#stmts.transition.get(params) as JobRow | undefined;
        applied = { record: row && toRecord(row) };
        return applied.record;
      },
      options.lazy === true,
    );
    if (applied && options.onApplied) {
      try {
        options.onApplied(applied.record);
      } catch (error) {
        process.emitWarning(`a transition's onApplied callback threw: ${String(error)}`);
      }
    }
    return answer;
  }

  /** See {@link JobStore.progress}. */
  async progress(id: string, progress: JobProgress, counters?: JobCounters): Promise<void> {
    await this.#report(id, "report progress of", undefined, progress, counters);
  }

  /** See {@link JobStore.checkpoint}. */
  async checkpoint(
    id: string,
    state: unknown,
    progress?: JobProgress,
    counters?: JobCounters,
    options: CheckpointOptions = {},
  ): Promise<number> {
    const site = { where: `checkpoint of job "${id}"` };
    const json = encodeJson(state, site);
    if (options.maxStateBytes !== undefined) checkSize(json, options.maxStateBytes, site);
    return this.#report(id, "checkpoint", json, progress, counters);
  }

  /** See {@link JobStore.request}. */
  async request(id: string, what: "pause" | "cancel" | null): Promise<JobRecord | undefined> {
    if (what !== null && what !== "pause" && what !== "cancel") {
      throw new StoreValueInvalidError("request", `${JSON.stringify(what)} is not "pause", "cancel" or null`);
    }
    return this.#do(`record a ${what ?? "cleared"} request for job "${id}"`, true, () =>
      this.#requestTx.immediate({ id, what, now: Date.now() }),
    );
  }

  /** See {@link JobStore.recoverInterrupted}. */
  async recoverInterrupted(): Promise<JobRecord[]> {
    return this.#do("recover interrupted jobs", true, () =>
      (this.#stmts.recover.all({ now: Date.now() }) as JobRow[]).map(toRecord).sort(byCreation),
    );
  }

  /** See {@link JobStore.close}. Calls made before it still get their answers, once durable. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#commits.flush();
    } finally {
      this.#db.close();
      this.#commits.dispose();
    }
  }

  /**
   * Runs `work` on the open database now (a `write` in the current batch) and answers once what it
   * saw is durable, turning SQLite's errors into the store's own.
   */
  #do<T>(operation: string, write: boolean, work: () => T, lazy = false): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreClosedError(operation));
    return this.#commits.run(operation, write, work, lazy);
  }

  #prepared(sql: string): Stmt {
    let stmt = this.#dynamic.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      this.#dynamic.set(sql, stmt);
    }
    return stmt;
  }

  #row(id: string): JobRecord | undefined {
    const row = this.#stmts.getJob.get(id) as JobRow | undefined;
    return row && toRecord(row);
  }

  /** Progress, counters and/or a checkpoint of a running job, in one statement. */
  async #report(
    id: string,
    operation: string,
    checkpoint: string | undefined,
    progress: JobProgress | undefined,
    counters: JobCounters | undefined,
  ): Promise<number> {
    if (progress) checkProgress(progress, "progress");
    if (counters) checkCounters(counters, "counters");
    const params: ReportParams = {
      id,
      now: Date.now(),
      setCheckpoint: checkpoint === undefined ? 0 : 1,
      checkpoint: checkpoint ?? null,
      setProgress: progress ? 1 : 0,
      done: progress?.done ?? 0,
      total: progress?.total ?? null,
      message: progress?.message ?? null,
      setCounters: counters ? 1 : 0,
      items: counters?.items ?? 0,
      bytes: counters?.bytes ?? 0,
    };
    return this.#do(`${operation} job "${id}"`, true, () => this.#reportTx.immediate(params, operation));
  }
}

/** Runs `work` with the store's statement cache and error handling. */
type KvRunner = <T>(operation: string, write: boolean, work: (stmt: (sql: string) => Stmt) => T) => Promise<T>;

/** {@link KvStore} over the store's `kv` table. */
class SqliteKvStore implements KvStore {
  readonly #run: KvRunner;

  constructor(run: KvRunner) {
    this.#run = run;
  }

  async get(extensionId: string, key: string): Promise<unknown> {
    checkName(extensionId, "extensionId");
    checkKey(key, extensionId);
    return this.#run(`read key "${key}" of "${extensionId}"`, false, (stmt) => {
      const text = stmt(SQL.kvGet).pluck().get(extensionId, key) as string | undefined;
      return text === undefined ? undefined : decodeJson(text, { where: `value of key "${key}"`, extensionId });
    });
  }

  async set(
    extensionId: string,
    key: string,
    value: unknown,
    options: { readonly maxValueBytes?: number } = {},
  ): Promise<void> {
    checkName(extensionId, "extensionId");
    checkKey(key, extensionId);
    const site = { where: `value of key "${key}"`, extensionId };
    const json = encodeJson(value, site);
    checkSize(json, options.maxValueBytes ?? KV_DEFAULT_MAX_VALUE_BYTES, site);
    await this.#run(`write key "${key}" of "${extensionId}"`, true, (stmt) => {
      stmt(SQL.kvSet).run(extensionId, key, json, Date.now());
    });
  }

  async delete(extensionId: string, key: string): Promise<boolean> {
    checkName(extensionId, "extensionId");
    checkKey(key, extensionId);
    return this.#run(
      `delete key "${key}" of "${extensionId}"`,
      true,
      (stmt) => stmt(SQL.kvDelete).run(extensionId, key).changes > 0,
    );
  }

  async list(extensionId: string, options: KvListOptions = {}): Promise<KvListPage> {
    checkName(extensionId, "extensionId");
    const { prefix = "", after, limit = KV_DEFAULT_LIST_LIMIT } = options;
    checkKey(prefix, extensionId, true);
    if (after !== undefined) checkKey(after, extensionId);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > KV_MAX_LIST_LIMIT) {
      throw new StoreValueInvalidError("list limit", `it must be a whole number from 1 to ${KV_MAX_LIST_LIMIT}`, {
        extensionId,
      });
    }
    const query = rangeQuery(prefix, after);
    return this.#run(`list keys of "${extensionId}"`, false, (stmt) => {
      const keys = stmt(query.sql)
        .pluck()
        .all({ ...query.params, extensionId, limit: limit + 1 }) as string[];
      if (keys.length <= limit) return { keys };
      keys.length = limit;
      return { keys, next: keys[limit - 1] as string };
    });
  }
}

/**
 * SQL and parameters listing one extension's keys in [lower, upper), with both bounds on the
 * primary key so a page costs an index range, not a scan of everything after the prefix.
 */
function rangeQuery(prefix: string, after: string | undefined): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const where = ["extension_id = @extensionId"];
  if (after !== undefined && compareUtf8(after, prefix) >= 0) {
    where.push("key > @after");
    params.after = after;
  } else {
    where.push("key >= @prefix");
    params.prefix = prefix;
  }
  const upper = prefix === "" ? null : prefixUpperBound(prefix);
  if (upper !== null) {
    where.push("key < @upper");
    params.upper = upper;
  }
  return { sql: `SELECT key FROM kv WHERE ${where.join(" AND ")} ORDER BY key LIMIT @limit`, params };
}

/** Opens the file, creating its directory, with a typed error when that fails. */
function connect(file: string): Database.Database {
  try {
    if (file !== ":memory:" && file !== "") mkdirSync(dirname(resolve(file)), { recursive: true });
    return new Database(file);
  } catch (error) {
    // The native binding loads on the first `new Database()`: a missing one is an install problem.
    const binding = sqliteBindingProblem(error);
    if (binding) throw new SqliteBindingMissingError(file, binding, error);
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreOpenError(file, `${reason}; check that the path is writable`, error);
  }
}

/** Connection settings; see {@link SqliteJobStore.open} for the durability choice. */
function configure(db: Database.Database, busyTimeoutMs: number, durability: "full" | "normal"): void {
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new StoreValueInvalidError("busyTimeoutMs", "it must be a whole number of milliseconds ≥ 0");
  }
  // First, so that even switching to WAL waits for a lock another process holds.
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${durability === "full" ? "FULL" : "NORMAL"}`);
  db.pragma("foreign_keys = ON");
}

/** SQLite's errors (and a failed sync) as the store's own; a store error passes through. */
function storeError(operation: string, error: unknown, busyTimeoutMs: number): unknown {
  if (error instanceof KilnError) return error;
  if (error instanceof Database.SqliteError && error.code.startsWith("SQLITE_BUSY")) {
    return new StoreBusyError(operation, busyTimeoutMs, error);
  }
  return new StoreFailedError(operation, error);
}

/** Random bytes drawn for many ids at once: one `randomBytes` call costs ~20 µs, an id needs 10. */
let entropy = Buffer.alloc(0);
let entropyAt = 0;

/** A fresh job id: `job_` + 80 random bits in lowercase base32. */
function newJobId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  if (entropyAt + 10 > entropy.length) {
    entropy = randomBytes(10 * 256);
    entropyAt = 0;
  }
  const bytes = entropy.subarray(entropyAt, entropyAt + 10);
  entropyAt += 10;
  let bits = 0;
  let acc = 0;
  let out = "job_";
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(acc >> bits) & 31];
    }
  }
  return out;
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    extensionId: row.extension_id,
    jobName: row.job_name,
    input: decodeJson(row.input, { where: `input of job "${row.id}"`, extensionId: row.extension_id }),
    state: row.state,
    progress: { done: row.progress_done, total: row.progress_total, message: row.progress_message },
    counters: { items: row.counter_items, bytes: row.counter_bytes },
    checkpoint: decodeJson(row.checkpoint, { where: `checkpoint of job "${row.id}"`, extensionId: row.extension_id }),
    checkpointSeq: row.checkpoint_seq,
    checkpointCounters: { items: row.checkpoint_items, bytes: row.checkpoint_bytes },
    result: decodeJson(row.result, { where: `result of job "${row.id}"`, extensionId: row.extension_id }),
    error: decodeJson(row.error) as JobErrorInfo | null,
    attempts: row.attempts,
    requested: row.requested,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function byCreation(a: JobRecord, b: JobRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** better-sqlite3 refuses named parameters the SQL does not use; drop the undefined ones. */
function definedOnly(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
}
