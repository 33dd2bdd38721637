/**
 * Compile-time types of the extensions an application knows. `kiln build` writes
 * `dist/types.d.ts` beside each extension's manifest; with it in the application's compilation,
 * the extension's id is a key of {@link KilnExtensions}, and `host.jobs.dispatch`, `host.run`,
 * `host.jobs.wait` and `host.jobs.get` type its jobs' names, inputs and results. Without it, or
 * for an id it does not name, every job is untyped (`unknown`), as before.
 *
 * @module
 */

/**
 * The extensions the application's compilation knows, by id. Empty here: each extension's
 * generated `dist/types.d.ts` adds itself by module augmentation:
 *
 * ```ts
 * declare module "@kiln/host" {
 *   interface KilnExtensions {
 *     "test-extension": { jobs: { counter: { input: { to: number }; output: { count: number }; state: unknown } } };
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by module augmentation.
export interface KilnExtensions {}

/** What an entry of {@link KilnExtensions} holds: its jobs by name. */
export interface ExtensionTypes {
  readonly jobs: { readonly [job: string]: JobTypes };
}

/** The types of one job: what it is dispatched with, what it returns, what it checkpoints. */
export interface JobTypes {
  readonly input: unknown;
  readonly output: unknown;
  readonly state: unknown;
}

/** The ids of the extensions {@link KilnExtensions} knows. */
export type KnownExtensionId = keyof KilnExtensions & string;

/** An extension id: one {@link KilnExtensions} knows (offered first by editors), or any other string. */
export type ExtensionIdArg = KnownExtensionId | (string & {});

/** The jobs of extension `E`, by name, when {@link KilnExtensions} knows it; `never` otherwise. */
export type JobsOf<E extends string> = E extends KnownExtensionId
  ? KilnExtensions[E] extends { readonly jobs: infer Jobs }
    ? Jobs
    : never
  : never;

/** The types of job `J` of extension `E`, or {@link JobTypes} (all `unknown`) for an unknown pair. */
export type JobTypesOf<E extends string, J extends string> = [JobsOf<E>] extends [never]
  ? JobTypes
  : J extends keyof JobsOf<E>
    ? JobsOf<E>[J] extends JobTypes
      ? JobsOf<E>[J]
      : JobTypes
    : JobTypes;

/** A job name of extension `E`: one of its jobs when {@link KilnExtensions} knows it, else any string. */
export type JobNameOf<E extends string> = [JobsOf<E>] extends [never] ? string : keyof JobsOf<E> & string;

/** What job `J` of extension `E` is dispatched with (`unknown` when untyped). */
export type JobInput<E extends string, J extends string> = JobTypesOf<E, J>["input"];

/** What job `J` of extension `E` returns (`unknown` when untyped). */
export type JobOutput<E extends string, J extends string> = JobTypesOf<E, J>["output"];

/** What job `J` of extension `E` checkpoints (`unknown` when untyped). */
export type JobCheckpoint<E extends string, J extends string> = JobTypesOf<E, J>["state"];

/**
 * The input argument of a dispatch: required when the job's input type does not admit `null`
 * (what an omitted input is), optional otherwise.
 */
export type JobInputArgs<E extends string, J extends string> =
  null extends JobInput<E, J> ? [input?: JobInput<E, J>] : [input: JobInput<E, J>];

declare const resultType: unique symbol;

/**
 * A job's id (`job_…`), a string that remembers at compile time what the job returns, so that
 * `host.jobs.wait(id)` types its `result`. Any string is a `JobId` (of `unknown` output).
 */
export type JobId<Output = unknown> = string & { readonly [resultType]?: Output };
