/**
 * Errors of the durable store. Each has a stable `code`; callers branch on it, never on the text.
 *
 * @module
 */
import { KilnError } from "../errors.js";
import type { PackageManager, SqliteBindingFailure, SqliteBindingProblem } from "./binding.js";
import type { JobState } from "./types.js";

/** A value to store is not JSON data (or a key/argument is malformed). */
export class StoreValueInvalidError extends KilnError {
  constructor(where: string, reason: string, options: { extensionId?: string | undefined } = {}) {
    super(
      "KILN_STORE_VALUE_INVALID",
      `${where} cannot be stored: ${reason}. Store plain JSON data (objects, arrays, strings, finite numbers, ` +
        "booleans, null); convert dates, maps, class instances and bigints first.",
      options,
    );
  }
}

/** A value is JSON data but larger than the store accepts. */
export class StoreValueTooLargeError extends KilnError {
  /** Size of the value's JSON text, in UTF-8 bytes. */
  readonly bytes: number;
  /** The limit it is over. */
  readonly max: number;
  constructor(where: string, bytes: number, max: number, options: { extensionId?: string | undefined } = {}) {
    super(
      "KILN_VALUE_TOO_LARGE",
      `${where} is ${bytes} bytes of JSON, over the limit of ${max}; split it across several keys or keep large ` +
        "data in files and store their paths.",
      options,
    );
    this.bytes = bytes;
    this.max = max;
  }
}

/** A key-value key is empty, too long, or not well-formed Unicode. */
export class StoreKeyInvalidError extends KilnError {
  constructor(key: string, reason: string, options: { extensionId?: string | undefined } = {}) {
    const shown = key.length > 60 ? `${JSON.stringify(key.slice(0, 60))}…` : JSON.stringify(key);
    super("KILN_STORE_KEY_INVALID", `key-value key ${shown} is invalid: ${reason}`, options);
  }
}

/** No job has this id. */
export class JobUnknownError extends KilnError {
  constructor(id: string, operation: string) {
    super("KILN_JOB_NOT_FOUND", `cannot ${operation}: there is no job "${id}" in the store`);
  }
}

/** A checkpoint or progress report arrived for a job that is not running. */
export class JobNotRunningError extends KilnError {
  /** The state the job was in. */
  readonly state: JobState;
  constructor(id: string, state: JobState, operation: string, extensionId: string) {
    super(
      "KILN_JOB_NOT_RUNNING",
      `cannot ${operation} job "${id}": it is ${state}, not running. Only a running job reports progress or ` +
        "checkpoints; stop reporting once the job is paused, cancelled or finished.",
      { extensionId },
    );
    this.state = state;
  }
}

/** A transition that is never allowed was asked for (a bug in the caller, not a race). */
export class JobTransitionInvalidError extends KilnError {
  constructor(id: string, from: readonly JobState[], to: JobState) {
    super(
      "KILN_STORE_TRANSITION_INVALID",
      `job "${id}" can never move from ${from.join("|") || "(no state)"} to ${to}: terminal states are final, ` +
        "a job cannot move to its own state, and only a running job can become interrupted.",
    );
  }
}

/** The database was written by a newer version of the host than this one. */
export class StoreTooNewError extends KilnError {
  constructor(file: string, found: number, known: number) {
    super(
      "KILN_STORE_TOO_NEW",
      `${file} has store schema version ${found}, but this @kiln/host only knows up to ${known}: it was written ` +
        "by a newer host. Upgrade @kiln/host, or point this host at another store file.",
    );
  }
}

/** The database could not be opened or prepared (missing directory, not a database, no permission…). */
export class StoreOpenError extends KilnError {
  constructor(file: string, reason: string, cause: unknown) {
    super("KILN_STORE_OPEN_FAILED", `cannot open the job store ${file}: ${reason}`, { cause });
  }
}

/** How to get better-sqlite3 built, per package manager: the step that lets its build run, if any, then the rebuild. */
const BINDING_FIXES: { readonly [M in PackageManager]: { readonly allow: string; readonly rebuild: string } } = {
  npm: {
    allow: "install without --ignore-scripts (and without ignore-scripts=true in .npmrc)",
    rebuild: "npm rebuild better-sqlite3",
  },
  pnpm: {
    allow:
      'pnpm 10 runs no dependency\'s build until it is approved: run `pnpm approve-builds` and pick better-sqlite3, or add "pnpm": { "onlyBuiltDependencies": ["better-sqlite3"] } to package.json',
    rebuild: "pnpm rebuild better-sqlite3",
  },
  yarn: {
    allow:
      'let Yarn build it (no enableScripts: false in .yarnrc.yml; "dependenciesMeta": { "better-sqlite3": { "built": true } } in package.json)',
    rebuild: "yarn rebuild better-sqlite3 (Yarn 1: npm rebuild better-sqlite3)",
  },
};

/**
 * better-sqlite3's native binding is missing (its install script never ran), was built for another
 * Node version, or cannot be loaded on this machine. The message names the package manager that
 * installed it when its folder says (else it gives the fix for npm, pnpm and Yarn) and the command
 * that builds it.
 */
export class SqliteBindingMissingError extends KilnError {
  /** Why the binding did not load. */
  readonly failure: SqliteBindingFailure;
  /** The package manager that installed better-sqlite3, when known. */
  readonly packageManager: PackageManager | undefined;
  constructor(file: string, problem: SqliteBindingProblem, cause: unknown) {
    const managers = problem.packageManager ? [problem.packageManager] : (["npm", "pnpm", "yarn"] as const);
    const by = problem.packageManager ? ` (installed by ${problem.packageManager} in ${problem.packageDir})` : "";
    const [what, todo] = {
      missing: [
        "was never built: the package manager skipped its install script",
        "Let its install script run, then build it",
      ],
      abi: [
        `was built for another Node version (NODE_MODULE_VERSION ${problem.builtFor}; this Node, ${process.version}, needs ${problem.required})`,
        "Rebuild it for this Node version, running the command with the Node that runs the application",
      ],
      dlopen: [
        `cannot be loaded on this machine (${problem.detail}): it was built for another platform, CPU or C library, or is damaged`,
        "Rebuild it on this machine",
      ],
    }[problem.failure];
    const fixes = managers.map((m) => {
      const { allow, rebuild } = BINDING_FIXES[m];
      // Only a binding that was never built needs its build allowed; the others just need rebuilding.
      return `  - ${m}: ${problem.failure === "missing" ? `${allow}, then ` : ""}\`${rebuild}\``;
    });
    super(
      "KILN_SQLITE_BINDING_MISSING",
      `cannot open the job store ${file}: better-sqlite3's native binding${by} ${what}. ${todo}:\n` +
        `${fixes.join("\n")}\nSee docs/installation.md.`,
      { cause },
    );
    this.failure = problem.failure;
    this.packageManager = problem.packageManager;
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends KilnError {
  constructor(operation: string) {
    super(
      "KILN_STORE_CLOSED",
      `cannot ${operation}: the job store is closed. Open a new one with SqliteJobStore.open().`,
    );
  }
}

/** The database stayed locked by another connection for longer than the busy timeout. */
export class StoreBusyError extends KilnError {
  constructor(operation: string, timeoutMs: number, cause: unknown) {
    super(
      "KILN_STORE_BUSY",
      `cannot ${operation}: the job store stayed locked by another process for ${timeoutMs} ms. Check for a hung ` +
        "process holding the database, or raise busyTimeoutMs.",
      { cause },
    );
  }
}

/** SQLite failed for another reason (disk full, I/O error, corruption). */
export class StoreFailedError extends KilnError {
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("KILN_STORE_FAILED", `cannot ${operation}: the job store failed: ${reason}`, { cause });
  }
}
