/** Options of {@link extension}. Codegen reads them statically: every value must be a literal. */
export interface ExtensionOptions {
  /** Unique id, kebab-case (`photo-tagger`). Also the prefix of every log line the host prints. */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  /** Semantic version (`1.2.0`). */
  readonly version: string;
  readonly description?: string;
  /**
   * Operation permissions the extension asks for (`files.read`, `kv.write`, …). The application
   * decides which of them it grants; calling an operation without its permission fails.
   */
  readonly permissions?: readonly string[];
  /**
   * Hosts `http.fetch` may reach: `"example.com"` (any port) or `"localhost:8080"` (that port only).
   * Requests to any other host are refused.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Limits the extension asks for. It may lower any of the host's limits, never raise them: the
   * host runs it under the smaller of its own value and this one. Each is a positive number, a
   * whole one except `memoryMiB`; `kiln build` checks each against the host's range. The keys are
   * exactly the host's sandbox limits (`LIMITS` in `@kiln/host`); a test in `@kiln/codegen` keeps
   * the two lists equal.
   */
  readonly limits?: {
    /** Jobs of this extension running at once; more wait in the queue. Default 1 (opt in to more). */
    readonly concurrentJobs?: number;
    /** QuickJS heap per instance, in MiB (may be a fraction); past it, allocations throw `out of memory`. */
    readonly memoryMiB?: number;
    /** Wall-clock time one run of a job may take, in milliseconds (a resumed job starts a new run). */
    readonly jobTimeoutMs?: number;
    /** Wall-clock time of the module's top-level code plus `init`, in milliseconds. */
    readonly startTimeoutMs?: number;
    /** Wall-clock time of `cleanup`, in milliseconds. */
    readonly cleanupTimeoutMs?: number;
    /** Interpreter steps (function calls and loop iterations) one job run may take: a deterministic CPU budget. */
    readonly instructions?: number;
    /** Size of one host call's payload (operation input, log line, progress, result), in bytes of JSON. */
    readonly payloadBytes?: number;
    /** Nesting depth of any value crossing the sandbox wall (input, payload, result, state), in levels. */
    readonly valueDepth?: number;
    /** Size of a job's result, in bytes of JSON. */
    readonly resultBytes?: number;
    /** Size of one checkpoint's state, in bytes of JSON. */
    readonly checkpointBytes?: number;
    /** Checkpoints a job may write per second (with a burst of the same size). */
    readonly checkpointsPerSecond?: number;
    /** Log text one job run (or one `init`/`cleanup`) may write, in bytes; later lines are dropped. */
    readonly logBytes?: number;
  };
}

/** Options of {@link job}. */
export interface JobOptions {
  /** Job name, kebab-case. Defaults to the method name in kebab-case (`tagFolder` → `tag-folder`). */
  readonly name?: string;
  readonly description?: string;
}

import type { JobContext } from "./context.js";

/** Any class: what {@link extension} decorates. */
export type ExtensionClass = abstract new (...args: never[]) => unknown;

/**
 * The parameters a job method may declare: the context, then the state it resumes from. Typing
 * them here makes a method with the wrong parameters a type error at the decorator.
 */
// biome-ignore lint/suspicious/noExplicitAny: the input and state types are the author's to choose.
export type JobParameters = [ctx: JobContext<any>, state?: any] | [];

/**
 * Marks the class that is the extension. Exactly one per extension project.
 *
 * Codegen reads the options statically and writes them into `manifest.json`; at run time the
 * decorator does nothing, which is why every option must be a literal.
 *
 * @example
 * ```ts
 * @extension({ id: "photo-tagger", name: "Photo Tagger", version: "1.2.0", permissions: ["files.read"] })
 * export class PhotoTagger { … }
 * ```
 */
export function extension(options: ExtensionOptions) {
  void options;
  return <T extends ExtensionClass>(target: T, context: ClassDecoratorContext<T>): void => {
    void target;
    void context;
  };
}

/**
 * Marks a method as a job the host can run. The method receives the {@link JobContext} and the
 * job's state (`{}` on a first run), and what it returns (or resolves to) is the job's result.
 * Like {@link extension}, it is read statically by codegen and does nothing at run time.
 *
 * @example
 * ```ts
 * @job({ name: "counter" })
 * async counter(ctx: JobContext<{ to: number }>) { … }
 * ```
 */
export function job(options: JobOptions = {}) {
  void options;
  return <This, Args extends JobParameters, Return>(
    method: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): void => {
    void method;
    void context;
  };
}
