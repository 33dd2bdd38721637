import type { ExtensionLimits } from "@kiln/contracts";
import type { JobContext } from "./context.js";

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
   * whole one except `memoryMiB`; `kiln build` checks each against its range. `concurrentJobs`
   * defaults to 1 here: an extension opts in to running jobs at once.
   */
  readonly limits?: ExtensionLimits;
}

/** Options of {@link job}. */
export interface JobOptions {
  /** Job name, kebab-case. Defaults to the method name in kebab-case (`tagFolder` → `tag-folder`). */
  readonly name?: string;
  readonly description?: string;
}

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
