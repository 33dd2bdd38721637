/**
 * What one analysis may hand to the next in the same process (`kiln dev` rebuilding on every
 * save): the ts-morph project, with the parsed and bound library files, the SDK's declarations and
 * every dependency. The next analysis drops and re-reads the author's own files, re-reads the
 * others only when they changed on disk, and TypeScript builds the new program from the old one
 * (`oldProgram`), reusing every file that did not change.
 *
 * @module
 */
import path from "node:path";
import { Project, type ts } from "ts-morph";

/** Projects kept at once: one per set of compiler options, and at most two sets per project folder. */
const MAX_PROJECTS = 2;

/**
 * A cache for repeated analyses and builds in one process: pass the same instance as
 * `AnalyzeOptions.cache` / `BuildOptions.cache` to each. It holds the last TypeScript project of
 * each set of compiler options (the project's own and, if they lack `strictNullChecks`, the
 * analysis' own), so the next analysis parses and binds only what changed: the author's files
 * always, a dependency's file when its text changed on disk. A change of the tsconfig.json or of
 * the project folder starts a new project. Results are the same as without a cache; dependencies
 * no longer imported stay loaded until then. Not for concurrent use: an analysis is synchronous,
 * so builds in one process never share it at the same time.
 */
export class AnalysisCache {
  private readonly projects = new Map<string, Project>();

  /**
   * The project for `projectDir` with `options`, ready for the roots to be added: the cached one
   * with the folder's own files removed and the others refreshed from disk, else a new one.
   * @internal
   */
  project(projectDir: string, options: ts.CompilerOptions): Project {
    const key = cacheKey(projectDir, options);
    const cached = this.projects.get(key);
    if (cached === undefined) {
      const project = newProject(options);
      this.projects.set(key, project);
      while (this.projects.size > MAX_PROJECTS) this.projects.delete(this.projects.keys().next().value as string);
      return project;
    }
    // Most recently used last, so the oldest goes first.
    this.projects.delete(key);
    this.projects.set(key, cached);
    for (const file of cached.getSourceFiles()) {
      if (isOwnFile(projectDir, file.getFilePath())) cached.removeSourceFile(file);
      else file.refreshFromFileSystemSync();
    }
    return cached;
  }
}

/** A project with `options` and no files: the caller adds the roots and resolves their imports. */
export function newProject(options: ts.CompilerOptions): Project {
  return new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: options });
}

/** True for a file of the project folder (not of its node_modules): re-read by every analysis. */
export function isOwnFile(projectDir: string, file: string): boolean {
  const relative = path.relative(projectDir, file);
  return (
    relative !== "" &&
    !relative.startsWith("..") &&
    !path.isAbsolute(relative) &&
    !relative.split(/[\\/]/).includes("node_modules")
  );
}

function cacheKey(projectDir: string, options: ts.CompilerOptions): string {
  // `configFile` is the parsed tsconfig.json (a syntax tree, with cycles); its options are here anyway.
  const { configFile: _configFile, ...rest } = options;
  return JSON.stringify([projectDir, rest]);
}
