/**
 * `ExtensionHost`: loads built extension folders, verifies them, links each to its own plugin
 * instance, and runs their jobs.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import {
  checkLimits,
  checkManifest,
  type ExtensionLimits,
  type Manifest,
  resolveLimits,
  upgradeManifest,
} from "@kiln/contracts";
import {
  type HostCallReply,
  hostCallFailure,
  moduleLinkProblems,
  PLUGIN_NAMESPACE,
  readImportNamespace,
  readPluginBytes,
} from "@kiln/javy-plugin";
import type { CheckpointPayload, JobEnvelope } from "@kiln/sdk/protocol";
import {
  ExtensionAlreadyLoadedError,
  ExtensionFailedError,
  ExtensionNotLoadedError,
  InvalidInputError,
  JobNotFoundError,
  JobOutputInvalidError,
  KilnError,
  ManifestInvalidError,
  ModuleHashMismatchError,
  ModuleInvalidError,
  ModuleLinkError,
} from "./errors.js";
import {
  type CallContext,
  describeFailure,
  ExtensionRuntime,
  type InvocationOutcome,
  type LoadedExtension,
  type RuntimeServices,
  StartFailure,
} from "./extension.js";
import { FileReadError, MAX_MANIFEST_BYTES, MAX_MODULE_BYTES, readRegularFile } from "./fs-safe.js";
import { checkInput, JobManager, type JobManagerPorts, managerPorts, outcomeError } from "./jobs/manager.js";
import {
  type CheckpointVerdict,
  compileJobSchemas,
  describeManifestIssue,
  type JobSchemas,
  refuseCheckpoint,
} from "./jobs/schemas.js";
import type { ExtensionIdArg, JobInputArgs, JobNameOf, JobOutput } from "./known-extensions.js";
import { consoleLogger, type Logger } from "./logger.js";
import { type BuiltinOptions, registerBuiltins } from "./operations/builtins/index.js";
import type { RateLimit } from "./operations/rate-limit.js";
import { OperationRegistry } from "./operations/registry.js";
import { SqliteJobStore } from "./store/sqlite.js";
import type { JobStore } from "./store/types.js";
import { WorkerPool } from "./worker/pool.js";
import { readCounters, readProgress } from "./worker/protocol.js";

export type { LoadedExtension } from "./extension.js";

/** Options of {@link ExtensionHost}. */
export interface ExtensionHostOptions {
  /** Receives every line extensions log. Default: {@link consoleLogger}. */
  readonly logger?: Logger;
  /** The plugin to link extensions against. Default: the `@kiln/javy-plugin` this host ships with. */
  readonly plugin?: Uint8Array | WebAssembly.Module;
  /**
   * Where jobs and the `kv.*` data live: a {@link JobStore}, or the path of a SQLite file (created
   * if missing). Default: an in-memory SQLite database, gone when the process ends.
   */
  readonly store?: JobStore | string;
  /** Jobs running at once in this host, all extensions together. Default 4. */
  readonly maxConcurrentJobs?: number;
  /**
   * Worker threads the host fills before instances share them. Every worker holds many extension
   * instances and runs one invocation at a time. Default: the number of cores.
   */
  readonly workers?: number;
  /**
   * Worker threads at most: when every worker is busy (say, jobs waiting on slow host calls) the
   * pool grows up to this many. Default: {@link ExtensionHostOptions.workers} + `maxConcurrentJobs`.
   */
  readonly maxWorkers?: number;
  /**
   * How long a job asked to pause may take to reach a checkpoint (or check `ctx.interrupted`) before
   * the host stops its code. Default 5000 ms. A cancel stops the code at once.
   */
  readonly stopGraceMs?: number;
  /**
   * After the host stops running code (cancel, deadline, pause after its grace, unload), how long it
   * may take to reach an interrupt check before its worker is terminated. Code in the interpreter
   * stops within milliseconds; only a long native call (a catastrophic regular expression) needs this.
   * Default 1000 ms.
   */
  readonly killAfterMs?: number;
  /**
   * The sandbox's limits for every extension (memory, time, instructions, sizes, rates, concurrent
   * jobs): see {@link ExtensionLimits} and the docs' "Limits" page. An extension may lower them in
   * its manifest, never raise them. Unset limits take their defaults.
   */
  readonly limits?: ExtensionLimits;
  /**
   * An instance whose Wasm memory grew past this many MiB is replaced after its invocation (Wasm
   * memory never shrinks). Default 64.
   */
  readonly recycleMemoryMiB?: number;
  /** How often a running job's progress is written to the store at most. Default 100 ms. */
  readonly progressWriteIntervalMs?: number;
  /** Operation calls each extension may make: a token bucket. Default 100,000/s, burst 100,000 (a tight loop of trivial calls never meets it); `false` for none. */
  readonly rateLimit?: RateLimit | false;
  /** `fetch` used by the built-in `http.fetch` operation (default: the global one). */
  readonly fetch?: typeof fetch;
  /**
   * Limits of the built-in operations: `maxReadBytes` of `files.read`, `maxResponseBytes` and
   * `httpTimeoutMs` of `http.fetch`, `maxKvValueBytes` of `kv.set`. Each has a default.
   */
  readonly builtins?: Omit<BuiltinOptions, "fetch">;
}

/** What {@link ExtensionHost.stats} reports. */
export interface HostStats {
  /** Worker threads running now. */
  readonly workers: number;
  /** Extension instances in them. */
  readonly instances: number;
}

/** What the application grants an extension when it loads it. Nothing is granted by default. */
export interface LoadOptions {
  /**
   * Permissions granted. The extension gets those it both asked for (in its manifest) and is granted
   * here; `"*"` grants everything it asked for.
   */
  readonly permissions?: readonly string[] | "*";
  /** Folders the `files.*` operations may read: name the extension uses → path on this machine. */
  readonly folders?: Readonly<Record<string, string>>;
  /** Overrides the host's rate limit for this extension. */
  readonly rateLimit?: RateLimit | false;
  /** Overrides the host's {@link ExtensionHostOptions.limits} for this extension (its manifest may still lower them). */
  readonly limits?: ExtensionLimits;
}

/** Options of {@link ExtensionHost.run}. */
export interface RunOptions {
  /** Stops the job when aborted; `run` then rejects with `KILN_CANCELLED`. */
  readonly signal?: AbortSignal;
  /** Wall-clock limit of this run, in ms (below the extension's `jobTimeoutMs`, if any); `KILN_JOB_TIMEOUT` past it. */
  readonly timeoutMs?: number;
}

/**
 * Loads, verifies and runs Kiln extensions. Each extension instance has its own plugin instance
 * (its own QuickJS runtime and Wasm memory) in a pool of worker threads, so one extension's
 * globals, memory, crash or endless loop never reach another's, nor block the application.
 *
 * @example
 * ```ts
 * const host = new ExtensionHost({ store: "jobs.db" });
 * await host.load("extensions/test-extension/dist");
 * const id = await host.jobs.dispatch("test-extension", "counter", { to: 5 });
 * const done = await host.jobs.wait(id); // done.result: { count: 5 }
 * await host.close();
 * ```
 */
export class ExtensionHost {
  /** The operations extensions may call; the built-in ones are registered. */
  readonly operations: OperationRegistry;
  /** Durable jobs: dispatch, follow, pause, resume, cancel. */
  readonly jobs: JobManager;
  readonly #jobPorts: JobManagerPorts;
  /** The job and key-value store. */
  readonly store: JobStore;
  readonly #logger: Logger;
  readonly #pluginSource: Uint8Array | WebAssembly.Module | undefined;
  #plugin: Promise<{ pool: WorkerPool; namespace: string }> | undefined;
  #pool: WorkerPool | undefined;
  readonly #poolSize: { readonly size: number; readonly max: number };
  readonly #extensions = new Map<string, ExtensionRuntime>();
  /**
   * Loads under way, by id: a second load of the same id is refused at once. The runtime is there
   * once made, so that its `init` can call operations before jobs may run.
   */
  readonly #loading = new Map<string, ExtensionRuntime | undefined>();
  readonly #limits: ExtensionLimits;
  readonly #killAfterMs: number;
  readonly #recycleMemoryBytes: number;

  constructor(options: ExtensionHostOptions = {}) {
    const problems = checkLimits(options.limits ?? {});
    if (problems.length)
      throw new KilnError("KILN_INVALID_LIMIT", `invalid ExtensionHost limits: ${problems.join("; ")}`);
    // Half the job slots at most for any one extension, unless the application says otherwise.
    const fairShare = Math.max(1, Math.floor((options.maxConcurrentJobs ?? 4) / 2));
    this.#limits = { concurrentJobs: fairShare, ...options.limits };
    this.#killAfterMs = options.killAfterMs ?? 1000;
    const size = options.workers ?? availableParallelism();
    const max = options.maxWorkers ?? size + (options.maxConcurrentJobs ?? 4);
    if (!Number.isInteger(size) || size < 1 || !Number.isInteger(max) || max < size) {
      throw new KilnError(
        "KILN_INVALID_OPTION",
        `workers must be an integer >= 1 and maxWorkers an integer >= workers, got ${size} and ${max}`,
      );
    }
    this.#poolSize = { size, max };
    this.#recycleMemoryBytes = (options.recycleMemoryMiB ?? 64) * 1024 * 1024;
    this.#logger = options.logger ?? consoleLogger;
    this.#pluginSource = options.plugin;
    this.store = typeof options.store === "object" ? options.store : SqliteJobStore.open(options.store ?? ":memory:");
    this.operations = new OperationRegistry(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit });
    registerBuiltins(this.operations, { ...options.builtins, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.jobs = new JobManager(
      this.store,
      { runtime: (id) => this.#extensions.get(id), loaded: () => [...this.#extensions.keys()] },
      {
        ...(options.maxConcurrentJobs !== undefined ? { maxConcurrentJobs: options.maxConcurrentJobs } : {}),
        ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
        ...(options.progressWriteIntervalMs !== undefined
          ? { progressWriteIntervalMs: options.progressWriteIntervalMs }
          : {}),
      },
    );
    this.#jobPorts = managerPorts(this.jobs);
  }

  /**
   * Loads the built extension in `dir` (the folder with `manifest.json` and the module), verifies
   * it, starts an instance and runs its `init`. Throws a {@link KilnError} subclass on any problem;
   * other loaded extensions are unaffected. Queued jobs of this extension start once it is loaded.
   */
  async load(dir: string, options: LoadOptions = {}): Promise<LoadedExtension> {
    // Started first, so that compiling the plugin and booting a worker overlap reading and
    // checking the manifest and the module (a host's first load waits on nothing else).
    this.#loadPlugin().catch(() => undefined);
    const absDir = resolve(dir);
    const manifestFile = join(absDir, "manifest.json");
    const manifest = await readManifest(manifestFile);
    const existing = this.#extensions.get(manifest.id);
    if (existing) throw new ExtensionAlreadyLoadedError(manifest.id, existing.info.dir);
    if (this.#loading.has(manifest.id)) throw new ExtensionAlreadyLoadedError(manifest.id, absDir);
    const loadProblems = checkLimits(options.limits ?? {});
    if (loadProblems.length)
      throw new KilnError("KILN_INVALID_LIMIT", `invalid limits for "${manifest.id}": ${loadProblems.join("; ")}`, {
        extensionId: manifest.id,
      });
    // Compiled before the extension counts as loaded: a schema Ajv refuses fails the load.
    const schemas = compileJobSchemas(manifest, manifestFile);
    // Claimed before the first await below: two loads of one folder must not both succeed.
    this.#loading.set(manifest.id, undefined);
    try {
      return await this.#load(absDir, manifest, schemas, options);
    } finally {
      this.#loading.delete(manifest.id);
    }
  }

  async #load(absDir: string, manifest: Manifest, schemas: JobSchemas, options: LoadOptions): Promise<LoadedExtension> {
    const moduleFile = join(absDir, manifest.module.file);
    let bytes: Uint8Array;
    try {
      bytes = await readRegularFile(moduleFile, { maxBytes: MAX_MODULE_BYTES, what: "module" });
    } catch (cause) {
      const reason =
        cause instanceof FileReadError && cause.reason === "not-regular"
          ? cause.message
          : cause instanceof FileReadError && cause.reason === "too-large"
            ? `it is larger than the ${MAX_MODULE_BYTES}-byte limit`
            : "the file cannot be read";
      throw new ModuleInvalidError(moduleFile, reason, { extensionId: manifest.id, cause });
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== manifest.module.sha256) {
      throw new ModuleHashMismatchError(moduleFile, manifest.module.sha256, sha256, manifest.id);
    }
    let module: WebAssembly.Module;
    try {
      // Small modules (every built extension is tens of KiB) compile on this thread: decoding one
      // takes microseconds, and an asynchronous compile costs a round trip through V8's threads.
      module =
        bytes.length <= SYNC_COMPILE_BYTES
          ? new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)
          : await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (cause) {
      throw new ModuleInvalidError(moduleFile, (cause as Error).message, { extensionId: manifest.id, cause });
    }
    const plugin = await this.#loadPlugin();
    checkLinkage(moduleFile, module, manifest, plugin.namespace);

    const granted =
      options.permissions === "*"
        ? [...manifest.permissions]
        : manifest.permissions.filter((p) => (options.permissions ?? []).includes(p));
    const folders = Object.fromEntries(
      Object.entries(options.folders ?? {}).map(([name, path]) => [name, resolve(path)]),
    );
    const limits = resolveLimits({ ...this.#limits, ...options.limits }, manifest.limits);
    const info: LoadedExtension = { id: manifest.id, manifest, dir: absDir, granted, limits };
    const runtime = new ExtensionRuntime(
      info,
      { permissions: new Set(granted), folders },
      module,
      this.#services(plugin.pool, plugin.namespace),
      schemas,
    );
    if (options.rateLimit !== undefined) this.operations.setRateLimit(manifest.id, options.rateLimit);
    // Its init may call operations already, but jobs wait until it has started.
    this.#loading.set(manifest.id, runtime);
    try {
      await runtime.start();
      this.#extensions.set(manifest.id, runtime);
    } catch (error) {
      this.operations.forgetExtension(manifest.id);
      if (error instanceof StartFailure) {
        if (error.code) {
          throw new KilnError(error.code, `extension "${manifest.id}" failed in ${error.where}: ${error.reason}`, {
            extensionId: manifest.id,
            cause: error,
          });
        }
        throw new ExtensionFailedError(manifest.id, error.where, error.reason, {
          jsStack: error.jsStack,
          rawJsStack: error.rawJsStack,
          cause: error,
        });
      }
      throw error;
    }
    this.#jobPorts.schedule();
    return info;
  }

  /**
   * What the host holds now: worker threads and the extension instances in them (each loaded
   * extension has at least one; busy ones more, up to their `concurrentJobs`).
   */
  stats(): HostStats {
    const pool = this.#pool;
    return { workers: pool?.workers ?? 0, instances: pool?.instances ?? 0 };
  }

  /**
   * Runs the plugin's hot paths once in a worker, so that the first jobs run at full speed: V8
   * compiles Wasm lazily with a fast, slow-running tier first, which makes a process's first
   * instance and first jobs several times slower than later ones (measured: a first instance
   * 423 ms → 20 ms after a warm-up, a first `fib(27)` 658 ms → 52 ms). Call it once at start, off
   * any request's path, in a long-running process; a one-shot process (one job, then exit) gains
   * nothing from it.
   */
  async warmUp(): Promise<void> {
    const { pool } = await this.#loadPlugin();
    await pool.warmUp();
  }

  /** The loaded extensions, in load order. */
  list(): LoadedExtension[] {
    return [...this.#extensions.values()].map((e) => e.info);
  }

  /** The manifest of a loaded extension. */
  manifest(extensionId: string): Manifest {
    return this.#get(extensionId).info.manifest;
  }

  /**
   * Runs job `jobName` of a loaded extension once with `input`, without persisting it, and resolves
   * to its result. For durable jobs with progress, checkpoints and pause/resume, use
   * {@link ExtensionHost.jobs}. Rejects with {@link JobNotFoundError}, {@link InvalidInputError}
   * or {@link JobInputInvalidError} (the same checks as `jobs.dispatch`: JSON data, then the job's
   * input schema; nothing runs), {@link JobOutputInvalidError} (the result fails the job's output
   * schema), {@link ExtensionFailedError} (the job's code failed), or a {@link KilnError} with the
   * code of the limit or stop that ended it (`KILN_JOB_TIMEOUT`, `KILN_CANCELLED`,
   * `KILN_INSTRUCTION_LIMIT`, …) or `KILN_CHECKPOINT_INVALID` (a checkpoint's state failed the
   * job's state schema, even if the job caught that); the extension stays loaded.
   * With the extension's `dist/types.d.ts` in the compilation, its job names, input and result are
   * typed as for `jobs.dispatch`.
   */
  async run<E extends ExtensionIdArg, J extends JobNameOf<E>>(
    extensionId: E,
    jobName: J,
    ...args: [...JobInputArgs<E, J>, options?: RunOptions]
  ): Promise<JobOutput<E, J>> {
    const input: unknown = args[0] ?? null;
    const options: RunOptions = (args[1] as RunOptions | undefined) ?? {};
    const runtime = this.#get(extensionId);
    const job = runtime.info.manifest.jobs.find((j) => j.name === jobName);
    if (!job)
      throw new JobNotFoundError(
        extensionId,
        jobName,
        runtime.info.manifest.jobs.map((j) => j.name),
      );
    checkInput(runtime, jobName, input);
    const envelope = JSON.stringify({ input: input ?? null, state: {} } satisfies JobEnvelope);
    const where = `job "${jobName}"`;
    const limit = runtime.info.limits.jobTimeoutMs;
    const timeoutMs =
      options.timeoutMs === undefined
        ? limit
        : limit === undefined
          ? options.timeoutMs
          : Math.min(limit, options.timeoutMs);
    // Set when a checkpoint breaks the job's state schema: the run fails even if the job caught it.
    const verdict: CheckpointVerdict = {};
    const outcome: InvocationOutcome = await runtime.invoke(
      job.export,
      new TextEncoder().encode(envelope),
      { jobName, signal: options.signal ?? new AbortController().signal, verdict },
      { timeoutMs, instructions: runtime.info.limits.instructions },
    );
    const broken = verdict.error;
    if (broken && (outcome.kind === "completed" || outcomeError(outcome).code !== "KILN_CANCELLED")) {
      throw new KilnError(broken.code, broken.message, { extensionId });
    }
    if (outcome.kind === "completed") {
      const result = JSON.parse(outcome.json);
      const issues = runtime.schemas.issues(jobName, "output", result);
      if (issues) throw new JobOutputInvalidError(extensionId, jobName, issues);
      return result;
    }
    const error = outcomeError(outcome, { timeoutMs, instructions: runtime.info.limits.instructions });
    if (error.code === "KILN_EXTENSION_FAILED" || error.code === "KILN_EXTENSION_CRASHED") {
      const failure = describeFailure(outcome);
      throw new ExtensionFailedError(extensionId, where, failure?.message ?? error.message, {
        jsStack: failure?.stack,
        rawJsStack: failure?.rawStack,
      });
    }
    throw new KilnError(error.code, `extension "${extensionId}" ${where}: ${error.message}`, { extensionId });
  }

  /**
   * Pauses the extension's running jobs (they resume from their last checkpoint once it is loaded
   * again), runs its `cleanup` and stops its instances. A cleanup that fails is logged.
   */
  async unload(extensionId: string): Promise<void> {
    const runtime = this.#get(extensionId);
    await this.jobs.pauseRunning(extensionId);
    this.#extensions.delete(extensionId);
    this.operations.forgetExtension(extensionId);
    await runtime.stop();
  }

  /**
   * Pauses running jobs (they resume from their last checkpoint next time), unloads every
   * extension and closes the store.
   */
  async close(): Promise<void> {
    await this.jobs.close();
    for (const id of [...this.#extensions.keys()]) await this.unload(id);
    await this.#pool?.close();
    await this.store.close();
  }

  #get(extensionId: string): ExtensionRuntime {
    const runtime = this.#extensions.get(extensionId);
    if (!runtime) throw new ExtensionNotLoadedError(extensionId, [...this.#extensions.keys()]);
    return runtime;
  }

  /** What every extension runtime gets from the host: logging, host calls, progress, checkpoints. */
  #services(pool: WorkerPool, namespace: string): RuntimeServices {
    return {
      pool,
      namespace,
      killAfterMs: this.#killAfterMs,
      recycleMemoryBytes: this.#recycleMemoryBytes,
      log: (entry) => {
        this.#logger(entry);
        if (entry.jobId) this.#jobPorts.log({ ...entry, jobId: entry.jobId });
      },
      call: (op, payload, context) => {
        const runtime = this.#extensions.get(context.extensionId) ?? this.#loading.get(context.extensionId);
        if (!runtime) {
          return Promise.resolve(hostCallFailure("KILN_NOT_LOADED", "the extension was unloaded"));
        }
        return this.operations.call(op, payload, {
          extensionId: runtime.info.id,
          manifest: runtime.info.manifest,
          grants: runtime.grants,
          signal: context.signal,
          kv: this.store.kv,
          valueDepth: runtime.info.limits.valueDepth,
          ...(context.jobId ? { jobId: context.jobId } : {}),
          log: (level, message) =>
            this.#logger({ extensionId: runtime.info.id, level, message, source: "log", ...jobTags(context) }),
        });
      },
      checkpoint: async (payload, context) => {
        if (!context.jobId) return this.#runCheckpoint(payload, context);
        const { state, progress, counters } = (payload ?? {}) as Partial<CheckpointPayload>;
        try {
          return {
            ok: true,
            value: await this.#jobPorts.checkpoint(
              context.jobId,
              context.extensionId,
              state ?? null,
              readProgress(progress),
              readCounters(counters),
            ),
          };
        } catch (error) {
          const code = error instanceof KilnError ? error.code : "KILN_CHECKPOINT_FAILED";
          return hostCallFailure(code, `checkpoint failed: ${(error as Error).message}`);
        }
      },
      progress: (p, context) => {
        if (!context.jobId) return;
        void this.#jobPorts
          .progress(
            context.jobId,
            context.extensionId,
            { done: p.done, total: p.total, message: p.message },
            p.counters,
          )
          .catch((error: unknown) =>
            this.#logger({
              extensionId: context.extensionId,
              level: "warn",
              message: `progress not saved: ${String(error)}`,
              source: "log",
            }),
          );
      },
    };
  }

  /**
   * A checkpoint of a job `host.run` runs: nothing to persist to, but its state is checked against
   * the job's state schema as a durable job's is, and a refusal fails the run (see `verdict`).
   */
  #runCheckpoint(payload: unknown, context: CallContext): HostCallReply {
    const runtime = this.#extensions.get(context.extensionId);
    const verdict = context.verdict;
    if (!runtime || !context.jobName || !verdict) return { ok: true, value: 0 };
    const state = (payload as Partial<CheckpointPayload> | null)?.state ?? null;
    const refusal = refuseCheckpoint(verdict, runtime.schemas, runtime.info.id, context.jobName, state);
    if (!refusal) return { ok: true, value: 0 };
    return hostCallFailure(refusal.code, refusal.message);
  }

  /**
   * Compiles the plugin once per host and makes the pool of workers that share it: every instance
   * instantiates the same compiled module, which crosses to each worker without recompiling.
   */
  #loadPlugin(): Promise<{ pool: WorkerPool; namespace: string }> {
    if (!this.#plugin) {
      const module = (async () => {
        const source = this.#pluginSource ?? (await readPluginBytes());
        return source instanceof WebAssembly.Module
          ? source
          : await WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
      })();
      const pool = new WorkerPool({ ...this.#poolSize, plugin: module });
      this.#pool = pool;
      // The first worker boots (~50 ms) while the plugin compiles and the extension's files are read.
      pool.prestart();
      this.#plugin = module.then((m) => ({ pool, namespace: readImportNamespace(m) ?? PLUGIN_NAMESPACE }));
    }
    return this.#plugin;
  }
}

/** The largest module compiled synchronously by `host.load` (V8 compiles lazily: this is decoding). */
const SYNC_COMPILE_BYTES = 1024 * 1024;

function jobTags(context: CallContext): { jobName?: string; jobId?: string } {
  return {
    ...(context.jobName ? { jobName: context.jobName } : {}),
    ...(context.jobId ? { jobId: context.jobId } : {}),
  };
}

async function readManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    // A FIFO or device named manifest.json is refused, never read; so is anything over the cap.
    text = new TextDecoder().decode(await readRegularFile(file, { maxBytes: MAX_MANIFEST_BYTES, what: "manifest" }));
  } catch (cause) {
    const issue =
      cause instanceof FileReadError && cause.reason === "not-regular"
        ? cause.message
        : cause instanceof FileReadError && cause.reason === "too-large"
          ? `larger than ${MAX_MANIFEST_BYTES} bytes; generated manifests are a few KiB`
          : "the file cannot be read: is this a folder written by `kiln build`?";
    throw new ManifestInvalidError(file, [issue], { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ManifestInvalidError(file, [`not JSON: ${(cause as Error).message}`], { cause });
  }
  // A version 1 manifest (an extension built by an older Kiln) loads as version 2 with `{}` job
  // schemas: its jobs' values are not checked.
  const upgraded = upgradeManifest(value);
  const issues = checkManifest(upgraded);
  if (issues.length)
    throw new ManifestInvalidError(
      file,
      issues.map((i) => describeManifestIssue(upgraded, i.path, i.message)),
    );
  return upgraded as Manifest;
}

/** Refuses a module that imports anything but the plugin, or lacks an export the manifest names. */
function checkLinkage(file: string, module: WebAssembly.Module, manifest: Manifest, namespace: string): void {
  const problems = moduleLinkProblems(
    manifest,
    { imports: WebAssembly.Module.imports(module), exports: WebAssembly.Module.exports(module) },
    namespace,
  );
  if (problems.length) throw new ModuleLinkError(basename(file), problems, manifest.id);
}
