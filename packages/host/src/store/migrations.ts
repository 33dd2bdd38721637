/**
 * The store's schema, as an ordered list of versioned steps. The database records the last step it
 * ran in `PRAGMA user_version` (0 = empty): it lives in the file header, costs no table, and changes
 * inside the same transaction as the step, so a crash mid-migration leaves the previous version.
 * Steps are append-only: never edit a released one, add the next.
 *
 * @module
 */
import type Database from "better-sqlite3";
import { StoreTooNewError } from "./errors.js";

/** One schema step. */
export interface Migration {
  /** 1, 2, 3…: the `user_version` the database has after this step. */
  readonly version: number;
  /** Why the step exists, for people reading the history. */
  readonly description: string;
  /** SQL run in one transaction. */
  readonly sql: string;
}

/** Every schema step, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "jobs with progress, counters and checkpoints; per-extension key-value store",
    sql: `
      CREATE TABLE jobs (
        id               TEXT    PRIMARY KEY,
        extension_id     TEXT    NOT NULL,
        job_name         TEXT    NOT NULL,
        input            TEXT    NOT NULL,  -- JSON
        state            TEXT    NOT NULL CHECK (state IN
                           ('queued','running','paused','interrupted','completed','failed','cancelled')),
        progress_done    REAL    NOT NULL DEFAULT 0,
        progress_total   REAL,
        progress_message TEXT,
        counter_items    INTEGER NOT NULL DEFAULT 0,
        counter_bytes    INTEGER NOT NULL DEFAULT 0,
        checkpoint       TEXT,              -- JSON, NULL until the first checkpoint
        checkpoint_seq   INTEGER NOT NULL DEFAULT 0,
        -- Counters as of the checkpoint: a resumed job restarts from these, not from the live ones
        -- (which may already count work done after the checkpoint).
        checkpoint_items INTEGER NOT NULL DEFAULT 0,
        checkpoint_bytes INTEGER NOT NULL DEFAULT 0,
        result           TEXT,              -- JSON, NULL until completed
        error            TEXT,              -- JSON JobErrorInfo
        attempts         INTEGER NOT NULL DEFAULT 0,
        requested        TEXT    CHECK (requested IN ('pause','cancel')),
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        started_at       INTEGER,
        finished_at      INTEGER
      ) STRICT;
      -- list() and recoverInterrupted() by state, list() by extension.
      CREATE INDEX jobs_by_state ON jobs (state, created_at, id);
      CREATE INDEX jobs_by_extension ON jobs (extension_id, state, created_at, id);

      -- Keyed by (extension, key) so one extension's range scans can never reach another's keys.
      CREATE TABLE kv (
        extension_id TEXT    NOT NULL,
        key          TEXT    NOT NULL,
        value        TEXT    NOT NULL,      -- JSON
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (extension_id, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

/** The schema version this code writes. */
export const LATEST_VERSION: number = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

/**
 * Brings `db` to {@link LATEST_VERSION}. The version is read inside the write transaction, so two
 * processes opening a fresh file at once cannot both run a step. Throws {@link StoreTooNewError} for a
 * database written by a newer host, before touching it.
 */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  const run = db.transaction(() => {
    const current = userVersion(db);
    if (current > latest) throw new StoreTooNewError(file, current, latest);
    for (const step of migrations) {
      if (step.version <= current) continue;
      db.exec(step.sql);
      // PRAGMA takes no bound parameters; the version is an integer from our own list.
      db.pragma(`user_version = ${Math.trunc(step.version)}`);
    }
    return Math.max(current, latest);
  });
  return run.immediate();
}

/** The schema version recorded in the database file. */
export function userVersion(db: Database.Database): number {
  return Number(db.pragma("user_version", { simple: true }));
}
