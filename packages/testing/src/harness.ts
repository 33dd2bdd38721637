/**
 * `testExtension`: the extension under test, built from its sources (cached) and loaded in a real
 * `ExtensionHost`, with fake application operations, and drivers that run a job to its end, or
 * pause, cancel or crash it on the way.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ExtensionHost,
  type ExtensionHostOptions,
  type ExtensionLimits,
  type JobErrorInfo,
  type JobProgress,
  type JobRecord,
  type JobState,
  type LoadedExtension,
  type LoadOptions,
  type LogEntry,
  type Logger,
  type Manifest,
  type OperationDefinition,
  SqliteJobStore,
  TERMINAL_STATES,
} from "@kiln/host";
import { type BuildCacheOptions, type BuildInfo, buildForTest } from "./build-cache.js";
import { crashFirstHost } from "./crash.js";
import type { PortableHostOptions } from "./crash-protocol.js";
import { CheckpointNotReachedError, TestTimeoutError } from "./errors.js";
import {
  type FakeOperation,
  fakeDefinition,
  type OperationCall,
  registerFakes,
  registerRecordedBuiltins,
} from "./operations.js";
import { type JobTrace, Recorder } from "./recorder.js";
import { observeCheckpoints } from "./store.js";

/** How long a driver waits for its job unless told otherwise: well within a test runner's own timeout. */
export const DEFAULT_TEST_TIMEOUT_MS = 30_000;

/** The `ExtensionHost` options a test may set; each is passed to the host as it is. */
export type TestHostOptions = Pick<
  ExtensionHostOptions,
  | "maxConcurrentJobs"
  | "workers"
  | "maxWorkers"
  | "stopGraceMs"
  | "killAfterMs"
  | "recycleMemoryMiB"
  | "progressWriteIntervalMs"
  | "rateLimit"
  | "fetch"
  | "builtins"
  | "plugin"
>;

/** Options of {@link testExtension}. */
export interface TestExtensionOptions extends TestHostOptions {
  /**
   * Permissions granted to the extension. Default: every permission its manifest asks for. `[]`
   * grants none, to test how it takes a refusal.
   */
  readonly grants?: readonly string[] | "*";
  /**
   * The application's operations, faked: name → handler, or `{ handler, input, output, permission }`.
   * The permission defaults to the name. A fake may replace a built-in (`"http.fetch"`, say).
   * Calls are recorded in each run's `calls`.
   */
  readonly operations?: Readonly<Record<string, FakeOperation>>;
  /**
   * Folders the `files.*` operations may read: the name the extension uses → a path, relative to
   * the project folder or absolute (as `kiln run --folder name=path`).
   */
  readonly folders?: Readonly<Record<string, string>>;
  /** The host's job store: the path of a SQLite file. Default: in memory. */
  readonly store?: string;
  /** The extension's limits, as the application would give them to `host.load` (its manifest may lower them). */
  readonly limits?: ExtensionLimits;
  /** How to build it; see {@link BuildCacheOptions}. */
  readonly build?: BuildCacheOptions;
  /** Load this built folder (relative to the project folder, or absolute) instead of building. */
  readonly dist?: string;
  /** Receives every log line too (they are recorded either way). Default: none, the test is quiet. */
  readonly logger?: Logger;
  /** The default `timeoutMs` of every driver. Default {@link DEFAULT_TEST_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/** Options every driver takes. */
export interface TestRunOptions {
  /**
   * How long to wait for the job, in ms, before cancelling it and failing with `KILN_TEST_TIMEOUT`.
   * Default: the extension's `timeoutMs` option, else {@link DEFAULT_TEST_TIMEOUT_MS}.
   */
  readonly timeoutMs?: number;
}

/** Options of {@link TestExtension.pauseAndResume}. */
export interface PauseAndResumeOptions extends TestRunOptions {
  /** Pause the job once it has written this many checkpoints (it stops right after the last one). */
  readonly afterCheckpoints: number;
  /** Called while the job is paused, with its record, before it is resumed: check what it left. */
  readonly whilePaused?: (job: JobRecord) => void | Promise<void>;
}

/** Options of {@link TestExtension.cancel}. */
export interface CancelOptions extends TestRunOptions {
  /** Cancel once the job has written this many checkpoints. */
  readonly afterCheckpoints?: number;
  /** Cancel once this many of the job's operation calls have reached their handler (the last one still runs). */
  readonly afterCalls?: number;
}

/** Options of {@link TestExtension.crashAndResume}. */
export interface CrashAndResumeOptions extends TestRunOptions {
  /** Crash the host once the job's n-th checkpoint is durable, before the job hears of it. */
  readonly afterCheckpoints: number;
}

/** A job run to its end by one of the drivers, and everything it did on the way. */
export interface TestRun<Result = unknown> {
  /** The job's record as it ended (`attempts`, `counters`, `checkpointSeq`, …). */
  readonly job: JobRecord<Result>;
  /** How it ended: `completed`, `failed` or `cancelled`. */
  readonly state: JobState;
  /** What it returned, when it completed. */
  readonly result: Result | undefined;
  /** Why it failed or was cancelled: `{ code, message, stack? }`. */
  readonly error: JobErrorInfo | undefined;
  /** The lines it logged (its `ctx.log`, `console.*`, and the host's warnings about its calls), in order. */
  readonly logs: readonly LogEntry[];
  /** Each progress report, in order. */
  readonly progress: readonly JobProgress[];
  /** The state of each checkpoint it stored, in order, across its attempts. */
  readonly checkpoints: readonly unknown[];
  /** Each operation call that reached a handler, fake or built-in, in the order they started. */
  readonly calls: readonly OperationCall[];
  /** For the resuming drivers: the checkpoint state the job resumed from. */
  readonly resumedFrom?: unknown;
  /** The host that ran it to its end: the extension's, or for `crashAndResume` the one that resumed it. */
  readonly host: ExtensionHost;
}

/** The extension under test, loaded in a real host. Made by {@link testExtension}. */
export interface TestExtension {
  /** The host the extension is loaded in: for anything the drivers do not cover (`host.store.kv`, `host.jobs`). */
  readonly host: ExtensionHost;
  /** Where the build came from, and how long it took. */
  readonly build: BuildInfo;
  /** The project folder. */
  readonly projectDir: string;
  /** The extension's id, from its manifest. */
  readonly id: string;
  /** The manifest the host loaded. */
  readonly manifest: Manifest;
  /** Every line the extension logged so far, from `init` on, jobs' lines included. */
  readonly logs: readonly LogEntry[];
  /**
   * Dispatches job `job` with `input` and waits for its end (`completed`, `failed` or `cancelled`).
   * A job that fails resolves too: look at `run.state` and `run.error`. Throws for a job name or an
   * input the host refuses, and `KILN_TEST_TIMEOUT` when the job runs past `timeoutMs` (it is cancelled).
   */
  run<Result = unknown>(job: string, input?: unknown, options?: TestRunOptions): Promise<TestRun<Result>>;
  /**
   * Runs job `job`, pauses it once it has written `afterCheckpoints` checkpoints (it stops right
   * after the last one), calls `whilePaused`, resumes it and waits for its end. `run.resumedFrom`
   * is the checkpoint it resumed from; `run.job.attempts` is 2. Throws `KILN_TEST_NO_CHECKPOINT`
   * when the job ends before that checkpoint.
   */
  pauseAndResume<Result = unknown>(
    job: string,
    input: unknown,
    options: PauseAndResumeOptions,
  ): Promise<TestRun<Result>>;
  /**
   * Runs job `job` and cancels it: once it has written `afterCheckpoints` checkpoints, once
   * `afterCalls` of its operation calls reached their handler, or else as soon as it runs. Resolves
   * with the run as it ended (`state: "cancelled"`, `error.code: "KILN_CANCELLED"`). Throws
   * `KILN_TEST_NO_CHECKPOINT` when the job ends before the checkpoint or call to cancel after.
   */
  cancel<Result = unknown>(job: string, input?: unknown, options?: CancelOptions): Promise<TestRun<Result>>;
  /**
   * Runs job `job` in a host that crashes once the job's `afterCheckpoints`-th checkpoint is
   * durable: a child process on a SQLite file in a temporary folder, killed with SIGKILL before the
   * job hears the checkpoint was stored, so the file holds the job `running`, as a crash leaves it.
   * Then opens a new `ExtensionHost` on that file in this process, loads the extension with the
   * same options, resumes the interrupted job (`host.jobs.resumeAll()`) and waits for its end.
   *
   * `run.resumedFrom` is the checkpoint it resumed from, `run.host` the new host (its `store.kv`
   * holds what the job wrote), and the trace (logs, progress, checkpoints, calls) spans both
   * processes. The fake operations' handlers run in this process throughout. The first host does
   * not get the `fetch` and `plugin` options (they cannot cross to another process). Throws
   * `KILN_TEST_NO_CHECKPOINT` when the job ends before that checkpoint.
   */
  crashAndResume<Result = unknown>(
    job: string,
    input: unknown,
    options: CrashAndResumeOptions,
  ): Promise<TestRun<Result>>;
  /** Closes the host (running jobs pause, `cleanup` runs) and any host a crash driver opened. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the extension in `projectDir` (or reuses the cached build of the same sources), loads it
 * in a new `ExtensionHost` with the given grants, folders and fake operations, and resolves once
 * its `init` has run. Close it with {@link TestExtension.close}.
 *
 * Throws an `ExtensionBuildError` (`KILN_BUILD_FAILED`, the diagnostics as `kiln build` prints
 * them) when it does not build, and the host's errors when it does not load.
 *
 * @param projectDir - the folder with the extension's package.json; a path, or a `file:` URL
 *   (`new URL("..", import.meta.url)` from a file in its `test/`).
 * @example
 * ```ts
 * const ext = await testExtension(new URL("..", import.meta.url));
 * const run = await ext.run("hello", { name: "Kiln" });
 * expect(run.result).toEqual({ greeting: "Hello, Kiln!" });
 * await ext.close();
 * ```
 */
export async function testExtension(
  projectDir: string | URL,
  options: TestExtensionOptions = {},
): Promise<TestExtension> {
  const project = typeof projectDir === "string" ? resolve(projectDir) : fileURLToPath(projectDir);
  const build: BuildInfo = options.dist
    ? { dir: resolve(project, options.dist), source: "dist", ms: 0 }
    : await buildForTest(project, options.build);
  const recorder = new Recorder();
  const host = openHost(options, recorder, options.store ?? ":memory:");
  try {
    const loaded = await host.load(build.dir, loadOptions(project, options));
    return new Harness(project, build, options, recorder, host, loaded);
  } catch (error) {
    await host.close().catch(() => undefined);
    if (isTemporary(build)) await rm(build.dir, { recursive: true, force: true });
    throw error;
  }
}

/** What a driver does to its job, and when. */
interface Trigger {
  readonly when: "running" | { readonly checkpoints: number } | { readonly calls: number };
  readonly act: (host: ExtensionHost, jobId: string) => Promise<unknown>;
}

/** A driver's time budget. */
interface Budget {
  readonly timeoutMs: number;
  readonly deadline: number;
}

class Harness implements TestExtension {
  readonly host: ExtensionHost;
  readonly build: BuildInfo;
  readonly projectDir: string;
  readonly manifest: Manifest;
  /** The permissions the host granted: the fakes' `ctx.grants` while the crash driver's child runs. */
  readonly #granted: readonly string[];
  readonly #options: TestExtensionOptions;
  readonly #recorder: Recorder;
  readonly #fakes: ReadonlyMap<string, OperationDefinition>;
  /** Hosts and folders the crash driver made: closed and removed with the extension. */
  readonly #extraHosts: ExtensionHost[] = [];
  readonly #tempDirs: string[] = [];
  #closed: Promise<void> | undefined;

  constructor(
    projectDir: string,
    build: BuildInfo,
    options: TestExtensionOptions,
    recorder: Recorder,
    host: ExtensionHost,
    loaded: LoadedExtension,
  ) {
    this.projectDir = projectDir;
    this.build = build;
    this.#options = options;
    this.#recorder = recorder;
    this.host = host;
    this.manifest = loaded.manifest;
    this.#granted = loaded.granted;
    this.#fakes = new Map(
      Object.entries(options.operations ?? {}).map(([name, op]) => [name, fakeDefinition(name, op)]),
    );
  }

  get id(): string {
    return this.manifest.id;
  }

  get logs(): readonly LogEntry[] {
    return this.#recorder.logs;
  }

  async run<Result = unknown>(job: string, input?: unknown, options: TestRunOptions = {}): Promise<TestRun<Result>> {
    const budget = this.#budget(options);
    const id = await this.#dispatch(this.host, job, input);
    const done = await this.#wait(this.host, id, job, TERMINAL_STATES, budget);
    return this.#run<Result>(done, this.host);
  }

  async pauseAndResume<Result = unknown>(
    job: string,
    input: unknown,
    options: PauseAndResumeOptions,
  ): Promise<TestRun<Result>> {
    const budget = this.#budget(options);
    const wanted = options.afterCheckpoints;
    const id = await this.#dispatch(this.host, job, input, {
      when: { checkpoints: wanted },
      act: (host, jobId) => host.jobs.pause(jobId),
    });
    const paused = await this.#wait(this.host, id, job, ["paused", ...TERMINAL_STATES], budget);
    if (paused.state !== "paused") throw new CheckpointNotReachedError("pauseAndResume", this.id, job, paused, wanted);
    await options.whilePaused?.(paused);
    await this.host.jobs.resume(id);
    const done = await this.#wait(this.host, id, job, TERMINAL_STATES, budget);
    return this.#run<Result>(done, this.host, paused.checkpoint);
  }

  async cancel<Result = unknown>(job: string, input?: unknown, options: CancelOptions = {}): Promise<TestRun<Result>> {
    const budget = this.#budget(options);
    const when: Trigger["when"] =
      options.afterCheckpoints !== undefined
        ? { checkpoints: options.afterCheckpoints }
        : options.afterCalls !== undefined
          ? { calls: options.afterCalls }
          : "running";
    let fired = false;
    const id = await this.#dispatch(this.host, job, input, {
      when,
      act: (host, jobId) => {
        fired = true;
        return host.jobs.cancel(jobId);
      },
    });
    const done = await this.#wait(this.host, id, job, TERMINAL_STATES, budget);
    if (!fired)
      throw new CheckpointNotReachedError(
        "cancel",
        this.id,
        job,
        done,
        options.afterCheckpoints ?? options.afterCalls ?? 0,
      );
    return this.#run<Result>(done, this.host);
  }

  async crashAndResume<Result = unknown>(
    job: string,
    input: unknown,
    options: CrashAndResumeOptions,
  ): Promise<TestRun<Result>> {
    const budget = this.#budget(options);
    const dir = await mkdtemp(join(tmpdir(), "kiln-testing-crash-"));
    this.#tempDirs.push(dir);
    const store = join(dir, "jobs.db");
    // Created and migrated here, so that the child and the fakes' kv connection never race to do it.
    await SqliteJobStore.open(store).close();
    const load = loadOptions(this.projectDir, this.#options);
    const jobId = await crashFirstHost({
      start: {
        dist: this.build.dir,
        store,
        extensionId: this.id,
        job,
        input: input ?? null,
        afterCheckpoints: options.afterCheckpoints,
        permissions: load.permissions ?? [],
        folders: load.folders ?? {},
        ...(load.limits ? { limits: load.limits } : {}),
        host: portableHostOptions(this.#options),
        operations: [...this.#fakes.values()].map(({ handler: _handler, ...rest }) => rest),
      },
      fakes: this.#fakes,
      manifest: this.manifest,
      grants: { permissions: new Set(this.#granted), folders: load.folders ?? {} },
      recorder: this.#recorder,
      sink: this.#recorder.sink,
      deadline: budget.deadline,
      timeoutMs: budget.timeoutMs,
    });

    const host = openHost(this.#options, this.#recorder, store);
    this.#extraHosts.push(host);
    await host.load(this.build.dir, load);
    const crashed = await host.jobs.get(jobId);
    await host.jobs.resumeAll({ extensions: [this.id] });
    const done = await this.#wait(host, jobId, job, TERMINAL_STATES, budget);
    return this.#run<Result>(done, host, crashed?.checkpoint);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      const closed = await Promise.allSettled([this.host, ...this.#extraHosts].map((h) => h.close()));
      await Promise.all(this.#tempDirs.map((d) => rm(d, { recursive: true, force: true })));
      if (isTemporary(this.build)) await rm(this.build.dir, { recursive: true, force: true });
      const failed = closed.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    })();
    return this.#closed;
  }

  #budget(options: TestRunOptions): Budget {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
    return { timeoutMs, deadline: Date.now() + timeoutMs };
  }

  /**
   * Dispatches the job with `trigger` armed. The trigger acts inside the event that meets its
   * condition: for a checkpoint, before the job hears that it was stored, so a pause stops the job
   * right after that checkpoint rather than some steps later.
   */
  async #dispatch(host: ExtensionHost, job: string, input: unknown, trigger?: Trigger): Promise<string> {
    if (!trigger) return host.jobs.dispatch(this.id, job, input ?? null);
    const when = trigger.when;
    let id: string | undefined;
    let fired = false;
    const unsubscribe: (() => void)[] = [];
    const fire = () => {
      if (fired || id === undefined) return;
      const trace = this.#recorder.trace(id);
      if (when !== "running") {
        const due =
          "checkpoints" in when ? trace.checkpoints.length >= when.checkpoints : trace.calls.length >= when.calls;
        if (!due) return;
      }
      fired = true;
      for (const off of unsubscribe) off();
      trigger.act(host, id).catch(() => undefined);
    };
    if (when === "running")
      unsubscribe.push(host.jobs.on("state", (r) => r.id === id && r.state === "running" && fire()));
    else if ("checkpoints" in when) unsubscribe.push(host.jobs.on("checkpoint", (e) => e.jobId === id && fire()));
    else unsubscribe.push(this.#recorder.onCall((jobId) => jobId === id && fire()));
    // Nothing stays subscribed once the job has ended.
    unsubscribe.push(
      host.jobs.on("state", (r) => {
        if (r.id === id && TERMINAL_STATES.includes(r.state)) for (const off of unsubscribe) off();
      }),
    );
    try {
      id = await host.jobs.dispatch(this.id, job, input ?? null);
    } catch (error) {
      for (const off of unsubscribe) off();
      throw error;
    }
    // What happened before the id was known here: the job may already run.
    if (when !== "running" || (await host.jobs.get(id))?.state === "running") fire();
    return id;
  }

  /** Waits until the job reaches one of `states`; past the deadline, cancels it and throws. */
  async #wait(
    host: ExtensionHost,
    id: string,
    job: string,
    states: readonly JobState[],
    budget: Budget,
  ): Promise<JobRecord> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Symbol("timeout");
    const timeout = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), Math.max(0, budget.deadline - Date.now()));
    });
    try {
      const outcome = await Promise.race([host.jobs.wait(id, states), timeout]);
      if (outcome !== timedOut) return outcome;
    } finally {
      clearTimeout(timer);
    }
    // Described before the cancel, whose own log lines and aborted calls would hide what it waited for.
    const detail = describe(await host.jobs.get(id), this.#recorder.trace(id));
    await host.jobs.cancel(id).catch(() => undefined);
    throw new TestTimeoutError(this.id, job, id, budget.timeoutMs, detail);
  }

  #run<Result>(record: JobRecord, host: ExtensionHost, resumedFrom?: unknown): TestRun<Result> {
    const trace = this.#recorder.trace(record.id);
    return {
      job: record as JobRecord<Result>,
      state: record.state,
      result: record.state === "completed" ? (record.result as Result) : undefined,
      error: record.error ?? undefined,
      logs: [...trace.logs],
      progress: [...trace.progress],
      checkpoints: [...trace.checkpoints],
      calls: trace.calls.map((call) => ({ ...call })),
      ...(resumedFrom !== undefined ? { resumedFrom } : {}),
      host,
    };
  }
}

/**
 * A host as the test asked for, every part of it recorded into `recorder`: its log lines, its
 * checkpoints (through the store), progress, and the calls of every operation, built-in or fake.
 */
function openHost(options: TestExtensionOptions, recorder: Recorder, store: string): ExtensionHost {
  const host = new ExtensionHost({
    ...pickHostOptions(options),
    store: observeCheckpoints(SqliteJobStore.open(store), (jobId, state) => recorder.checkpoint(jobId, state)),
    logger: (entry) => {
      recorder.log(entry);
      options.logger?.(entry);
    },
  });
  const fakes = options.operations ?? {};
  const builtins = { ...options.builtins, ...(options.fetch ? { fetch: options.fetch } : {}) };
  registerRecordedBuiltins(host, builtins, recorder.sink, new Set(Object.keys(fakes)));
  registerFakes(host, fakes, recorder.sink);
  host.jobs.on("progress", (e) => recorder.progress(e.jobId, e.progress));
  return host;
}

/** What `host.load` gets: the grants (all the manifest asks for by default), folders, limits. */
function loadOptions(projectDir: string, options: TestExtensionOptions): LoadOptions {
  const folders = Object.fromEntries(
    Object.entries(options.folders ?? {}).map(([name, path]) => [name, resolve(projectDir, path)]),
  );
  return { permissions: options.grants ?? "*", folders, ...(options.limits ? { limits: options.limits } : {}) };
}

/** The options passed to every host as they are. */
function pickHostOptions(options: TestExtensionOptions): TestHostOptions {
  const keys = [
    "maxConcurrentJobs",
    "workers",
    "maxWorkers",
    "stopGraceMs",
    "killAfterMs",
    "recycleMemoryMiB",
    "progressWriteIntervalMs",
    "rateLimit",
    "fetch",
    "builtins",
    "plugin",
  ] as const satisfies readonly (keyof TestHostOptions)[];
  return Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
}

/** The host options that can cross to the crash driver's child process. */
function portableHostOptions(options: TestExtensionOptions): PortableHostOptions {
  const { fetch: _fetch, plugin: _plugin, ...portable } = pickHostOptions(options);
  return portable;
}

/** A build made for this test alone (`build: { cache: false }`): removed on close. */
function isTemporary(build: BuildInfo): boolean {
  return build.source === "built" && build.key === undefined;
}

/** A timed-out job in a few words: where it is and what it did last. */
function describe(record: JobRecord | undefined, trace: JobTrace): string {
  if (!record) return "it is not in the store";
  const parts = [`it was ${record.state} after ${trace.checkpoints.length} checkpoint(s)`];
  const open = trace.calls.find((c) => !("result" in c) && !("error" in c));
  if (open) parts.push(`waiting in operation "${open.name}"`);
  const last = trace.logs.slice(-3).map((l) => JSON.stringify(l.message));
  if (last.length) parts.push(`its last log lines: ${last.join(", ")}`);
  return parts.join("; ");
}
