/**
 * The one metadata model that codegen builds from an author's project. Analysis writes it once;
 * every generator (manifest, glue, types, docs) reads only this. It is plain JSON data, versioned
 * by {@link EXTENSION_MODEL_VERSION}, so it can be cached, diffed and shown.
 *
 * @module
 */
import type { JsonSchema, LimitName } from "@kiln/contracts";

/**
 * Bumped whenever the shape of {@link ExtensionModel} changes incompatibly. 2: `limits` holds every
 * limit of the limits table, not only `concurrentJobs`. 3: each job carries the JSON Schemas of its
 * input, output and state.
 */
export const EXTENSION_MODEL_VERSION = 3;

/** A place in the author's source, 1-based, as editors show it. */
export interface SourceLocation {
  /** Path relative to the project root, with `/` separators. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Everything codegen knows about one extension, read statically from its decorators. */
export interface ExtensionModel {
  readonly modelVersion: typeof EXTENSION_MODEL_VERSION;
  /** Unique id, kebab-case (`photo-tagger`). */
  readonly id: string;
  readonly name: string;
  /** Semantic version (`1.2.0`). */
  readonly version: string;
  readonly description?: string;
  /** Operation permissions the extension asks for (`files.read`, …), sorted, unique. */
  readonly permissions: readonly string[];
  /** Hosts `http.fetch` may reach (`example.com`, `localhost:8080`), sorted, unique. */
  readonly allowedHosts: readonly string[];
  /**
   * Limits the extension declares (lowers), only those it sets, in the order of the limits table
   * (`LIMITS` in `@kiln/contracts`); each is within that table's range.
   */
  readonly limits: { readonly [K in LimitName]?: number };
  /** The decorated class. */
  readonly className: string;
  /** Module file that declares the class, relative to the project root. */
  readonly entryFile: string;
  /** `init(ctx)` / `cleanup(ctx)` lifecycle methods present on the class. */
  readonly hooks: { readonly init: boolean; readonly cleanup: boolean };
  readonly jobs: readonly JobModel[];
  readonly location: SourceLocation;
}

/** One `@job` method. */
export interface JobModel {
  /** Job name, kebab-case; defaults to the method name in kebab-case. */
  readonly name: string;
  /** The method that implements it. */
  readonly methodName: string;
  readonly description?: string;
  /**
   * JSON Schema (draft 2020-12) of the input, from the type argument of the method's
   * `JobContext<Input>` parameter; `{}` (any JSON value) when it has none.
   */
  readonly input: JsonSchema;
  /** JSON Schema of the result, from the method's return type (`Promise` unwrapped; `void` is `null`). */
  readonly output: JsonSchema;
  /** JSON Schema of the checkpoint state, from the type of the method's `state` parameter; `{}` without one. */
  readonly state: JsonSchema;
  readonly location: SourceLocation;
}
