/**
 * `ExtensionHost`: loads built extension folders, verifies them, links each to its own plugin
 * instance, and runs their jobs.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { PLUGIN_NAMESPACE, readImportNamespace, readPluginBytes } from "@kiln/javy-plugin";
import type { CheckpointPayload, JobEnvelope } from "@kiln/sdk/protocol";
import {
  ExtensionAlreadyLoadedError,
  ExtensionFailedError,
  ExtensionNotLoadedError,
  InvalidInputError,
  JobNotFoundError,
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
  type LoadedExtension,
  type RuntimeServices,
  StartFailure,
} from "./extension.js";
import { JobManager } from "./jobs/manager.js";
import { consoleLogger, type Logger } from "./logger.js";
import { checkManifest, type Manifest } from "./manifest.js";
import { registerBuiltins } from "./operations/builtins/index.js";
import type { RateLimit } from "./operations/rate-limit.js";
import { OperationRegistry } from "./operations/registry.js";
import { SqliteJobStore } from "./store/sqlite.js";
import type { JobStore } from "./store/types.js";

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
  /** How long a job asked to pause or cancel may take to stop before it is killed. Default 5000 ms. */
  readonly stopGraceMs?: number;
  /** How often a running job's progress is written to the store at most. Default 100 ms. */
  readonly progressWriteIntervalMs?: number;
  /** Operation calls each extension may make: a token bucket. Default 1000/s, burst 1000; `false` for none. */
  readonly rateLimit?: RateLimit | false;
  /** `fetch` used by the built-in `http.fetch` operation (default: the global one). */
  readonly fetch?: typeof fetch;
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
}

/** The names a Kiln extension module may import from its plugin. */
const ALLOWED_PLUGIN_IMPORTS = new Set(["cabi_realloc", "invoke", "memory"]);

/**
 * Loads, verifies and runs Kiln extensions. Each extension instance runs in its own worker thread
 * with its own plugin instance, so one extension's globals, memory, crash or endless loop never
 * reach another's, nor block the application.
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
  /** The job and key-value store. */
  readonly store: JobStore;
  readonly #logger: Logger;
  readonly #pluginSource: Uint8Array | WebAssembly.Module | undefined;
  #plugin: Promise<{ module: WebAssembly.Module; namespace: string }> | undefined;
  readonly #extensions = new Map<string, ExtensionRuntime>();

  constructor(options: ExtensionHostOptions = {}) {
    this.#logger = options.logger ?? consoleLogger;
    this.#pluginSource = options.plugin;
    this.store = typeof options.store === "object" ? options.store : SqliteJobStore.open(options.store ?? ":memory:");
    this.operations = new OperationRegistry(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit });
    registerBuiltins(this.operations, options.fetch ? { fetch: options.fetch } : {});
    this.jobs = new JobManager(
      this.store,
      { runtime: (id) => this.#extensions.get(id) },
      {
        ...(options.maxConcurrentJobs !== undefined ? { maxConcurrentJobs: options.maxConcurrentJobs } : {}),
        ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
        ...(options.progressWriteIntervalMs !== undefined
          ? { progressWriteIntervalMs: options.progressWriteIntervalMs }
          : {}),
      },
    );
  }

  /**
   * Loads the built extension in `dir` (the folder with `manifest.json` and the module), verifies
   * it, starts an instance and runs its `init`. Throws a {@link KilnError} subclass on any problem;
   * other loaded extensions are unaffected. Queued jobs of this extension start once it is loaded.
   */
  async load(dir: string, options: LoadOptions = {}): Promise<LoadedExtension> {
    const absDir = resolve(dir);
    const manifestFile = join(absDir, "manifest.json");
    const manifest = await readManifest(manifestFile);
    const existing = this.#extensions.get(manifest.id);
    if (existing) throw new ExtensionAlreadyLoadedError(manifest.id, existing.info.dir);

    const moduleFile = join(absDir, manifest.module.file);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(moduleFile);
    } catch (cause) {
      throw new ModuleInvalidError(moduleFile, "the file cannot be read", { extensionId: manifest.id, cause });
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== manifest.module.sha256) {
      throw new ModuleHashMismatchError(moduleFile, manifest.module.sha256, sha256, manifest.id);
    }
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
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
    const info: LoadedExtension = { id: manifest.id, manifest, dir: absDir, granted };
    const runtime = new ExtensionRuntime(
      info,
      { permissions: new Set(granted), folders },
      module,
      this.#services(plugin.module, plugin.namespace),
      manifest.limits?.concurrentJobs ?? 1,
    );
    if (options.rateLimit !== undefined) this.operations.setRateLimit(manifest.id, options.rateLimit);
    this.#extensions.set(manifest.id, runtime);
    try {
      await runtime.start();
    } catch (error) {
      this.#extensions.delete(manifest.id);
      if (error instanceof StartFailure) {
        throw new ExtensionFailedError(manifest.id, error.where, error.reason, {
          jsStack: error.jsStack,
          cause: error,
        });
      }
      throw error;
    }
    this.jobs.schedule();
    return info;
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
   * {@link ExtensionHost.jobs}. Rejects with {@link JobNotFoundError}, {@link InvalidInputError} or
   * {@link ExtensionFailedError} (the job's code failed); the extension stays loaded either way.
   */
  async run(extensionId: string, jobName: string, input: unknown = null): Promise<unknown> {
    const runtime = this.#get(extensionId);
    const job = runtime.info.manifest.jobs.find((j) => j.name === jobName);
    if (!job)
      throw new JobNotFoundError(
        extensionId,
        jobName,
        runtime.info.manifest.jobs.map((j) => j.name),
      );
    let envelope: string;
    try {
      envelope = JSON.stringify({ input: input ?? null, state: {} } satisfies JobEnvelope);
    } catch (cause) {
      throw new InvalidInputError(extensionId, jobName, (cause as Error).message);
    }
    const where = `job "${jobName}"`;
    const outcome = await runtime.invoke(job.export, new TextEncoder().encode(envelope), {
      jobName,
      signal: new AbortController().signal,
    });
    if (outcome.kind === "completed") return outcome.value;
    const failure = describeFailure(outcome);
    if (failure) throw new ExtensionFailedError(extensionId, where, failure.message, { jsStack: failure.stack });
    throw new ExtensionFailedError(extensionId, where, "the job ended without reporting a result");
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
    await this.store.close();
  }

  #get(extensionId: string): ExtensionRuntime {
    const runtime = this.#extensions.get(extensionId);
    if (!runtime) throw new ExtensionNotLoadedError(extensionId, [...this.#extensions.keys()]);
    return runtime;
  }

  /** What every extension runtime gets from the host: logging, host calls, progress, checkpoints. */
  #services(pluginModule: WebAssembly.Module, namespace: string): RuntimeServices {
    return {
      pluginModule,
      namespace,
      log: (entry) => {
        this.#logger(entry);
        if (entry.jobId) this.jobs.log({ ...entry, jobId: entry.jobId });
      },
      call: (op, payload, context) => {
        const runtime = this.#extensions.get(context.extensionId);
        if (!runtime) {
          return Promise.resolve({
            ok: false,
            error: { code: "KILN_NOT_LOADED", message: "the extension was unloaded" },
          });
        }
        return this.operations.call(op, payload, {
          extensionId: runtime.info.id,
          manifest: runtime.info.manifest,
          grants: runtime.grants,
          signal: context.signal,
          kv: this.store.kv,
          ...(context.jobId ? { jobId: context.jobId } : {}),
          log: (level, message) =>
            this.#logger({ extensionId: runtime.info.id, level, message, source: "log", ...jobTags(context) }),
        });
      },
      checkpoint: async (payload, context) => {
        if (!context.jobId) return { ok: true, value: 0 }; // `host.run`: nothing to persist to.
        const { state, progress, counters } = (payload ?? {}) as Partial<CheckpointPayload>;
        try {
          return {
            ok: true,
            value: await this.jobs.checkpoint(context.jobId, context.extensionId, state ?? null, progress, counters),
          };
        } catch (error) {
          const code = error instanceof KilnError ? error.code : "KILN_CHECKPOINT_FAILED";
          return { ok: false, error: { code, message: `checkpoint failed: ${(error as Error).message}` } };
        }
      },
      progress: (p, context) => {
        if (!context.jobId) return;
        void this.jobs
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

  /** Compiles the plugin once per host; every extension instantiates the same compiled module. */
  #loadPlugin(): Promise<{ module: WebAssembly.Module; namespace: string }> {
    this.#plugin ??= (async () => {
      const source = this.#pluginSource ?? (await readPluginBytes());
      const module =
        source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source as Uint8Array<ArrayBuffer>);
      return { module, namespace: readImportNamespace(module) ?? PLUGIN_NAMESPACE };
    })();
    return this.#plugin;
  }
}

function jobTags(context: CallContext): { jobName?: string; jobId?: string } {
  return {
    ...(context.jobName ? { jobName: context.jobName } : {}),
    ...(context.jobId ? { jobId: context.jobId } : {}),
  };
}

async function readManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ManifestInvalidError(file, ["the file cannot be read: is this a folder written by `kiln build`?"], {
      cause,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ManifestInvalidError(file, [`not JSON: ${(cause as Error).message}`], { cause });
  }
  const issues = checkManifest(value);
  if (issues.length)
    throw new ManifestInvalidError(
      file,
      issues.map((i) => `${i.path || "/"}: ${i.message}`),
    );
  return value as Manifest;
}

/** Refuses a module that imports anything but the plugin, or lacks an export the manifest names. */
function checkLinkage(file: string, module: WebAssembly.Module, manifest: Manifest, namespace: string): void {
  const problems: string[] = [];
  if (manifest.module.plugin !== namespace) {
    problems.push(`it was built for plugin "${manifest.module.plugin}", but this host runs "${namespace}"`);
  }
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== namespace || !ALLOWED_PLUGIN_IMPORTS.has(imp.name)) {
      problems.push(`it imports ${imp.kind} "${imp.module}"."${imp.name}", which the host does not provide`);
    }
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const wanted = [
    ...manifest.jobs.map((j) => j.export),
    ...(manifest.hooks.init ? [manifest.hooks.init] : []),
    ...(manifest.hooks.cleanup ? [manifest.hooks.cleanup] : []),
  ];
  for (const name of wanted)
    if (!exports.has(name)) problems.push(`it does not export "${name}", which its manifest names`);
  if (problems.length) throw new ModuleLinkError(basename(file), problems, manifest.id);
}
