/**
 * Static analysis of an extension project: finds the `@extension` class and its `@job` methods by
 * following imports to `@kiln/sdk`, reads their options as literals and builds the
 * `ExtensionModel`. It never runs the author's code, and it reports every problem it finds
 * in one pass, each at the most precise place.
 *
 * The parts live in `analyze/`: the project's package.json `"kiln"` section (`config`), the
 * diagnostics reporter (`reporter`), SDK symbol resolution (`sdk`), the decorator option reader
 * (`options`), the checks of `@extension` (`extension`) and `@job` (`jobs`), the JSON Schemas of
 * each job's values from the author's types (`schema`), value validators against the manifest
 * contract (`validate`), suggested corrections (`suggest`), the compiler options of the project's
 * tsconfig.json (`tsconfig`), imports of Node built-ins (`imports`), the type checker's errors
 * (`typecheck`) and the projects kept between analyses (`cache`).
 *
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { BUILTIN_PERMISSIONS } from "@kiln/contracts";
import { Analysis } from "./analyze/analysis.js";
import type { AnalysisCache } from "./analyze/cache.js";
import { readKilnConfig } from "./analyze/config.js";
import { type AnalysisResult, Reporter } from "./analyze/reporter.js";
import { readProjectTsconfig } from "./analyze/tsconfig.js";
import { reportExperimentalDecorators } from "./analyze/typecheck.js";

export { AnalysisCache } from "./analyze/cache.js";
export type { AnalysisResult } from "./analyze/reporter.js";
export { toKebabCase } from "./analyze/suggest.js";

/** Where and how to analyze. */
export interface AnalyzeOptions {
  /** The extension project's root: the folder with its package.json. */
  readonly projectDir: string;
  /** Entry file, relative to `projectDir`. Default: package.json `"kiln": { "entry" }`, else `src/index.ts`. */
  readonly entry?: string;
  /** Permission names the target application offers, besides the built-in ones. */
  readonly knownPermissions?: readonly string[];
  /**
   * Refuse `any` in a job's input, result and checkpoint state types (`KILN_TYPE_NOT_JSON`)
   * instead of writing the schema `{}`, which accepts any JSON value. Default false.
   */
  readonly strict?: boolean;
  /**
   * Type-check the author's files (the entry and the local files it imports) with the compiler
   * options of the project's tsconfig.json (the SDK's preset without one), reporting each error as
   * `KILN_TYPE_ERROR` among the other diagnostics. Default true.
   */
  readonly typecheck?: boolean;
  /**
   * Keep the parsed TypeScript project for the next analysis of the same project in this process
   * (`kiln dev`): pass one {@link AnalysisCache} to every call. The next analysis re-reads only the
   * author's files and the dependencies that changed, and TypeScript reuses the old program, so a
   * repeated analysis costs a fraction of the first. Results are the same without it.
   */
  readonly cache?: AnalysisCache;
}

const DEFAULT_ENTRY = "src/index.ts";

/**
 * Analyzes the project at `options.projectDir` starting from its entry file. Never throws for
 * problems in the author's project: they come back as diagnostics.
 */
export function analyzeProject(options: AnalyzeOptions): AnalysisResult {
  const projectDir = path.resolve(options.projectDir);
  const report = new Reporter(projectDir);
  const config = readKilnConfig(projectDir, report);
  const entryPath = path.resolve(projectDir, options.entry ?? config.entry ?? DEFAULT_ENTRY);
  if (!existsSync(entryPath)) {
    report.atFile(entryPath, "KILN_ENTRY_NOT_FOUND", `entry file ${report.relative(entryPath)} does not exist`);
    return report.result(undefined);
  }
  const known = [...BUILTIN_PERMISSIONS, ...(options.knownPermissions ?? []), ...config.permissions];
  const tsconfig = readProjectTsconfig(projectDir);
  // Whether or not types are checked: with it, esbuild would compile the decorators as legacy ones.
  reportExperimentalDecorators(tsconfig, report);
  const analysis = new Analysis(projectDir, report, {
    knownPermissions: new Set(known),
    strict: options.strict ?? false,
    tsconfig,
    typecheck: options.typecheck ?? true,
    cache: options.cache,
  });
  return report.result(analysis.run(entryPath));
}
