/**
 * Building an extension, once or on every change: what `kiln build`, `kiln build --watch` and
 * `kiln dev` share. Imports nothing heavy at load: the compiler comes in with the first build.
 *
 * @module
 */
import { type Dirent, type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import type { BuildOptions, BuildResult, Diagnostic } from "@kiln/codegen";
import { errorLine, UsageError } from "./errors.js";
import { Interrupts } from "./interrupts.js";

/** Quiet time after a change before a rebuild starts: an editor's save is a burst of events. */
export const DEBOUNCE_MS = 50;

/** The files whose changes can change a build: sources, and JSON (package.json, tsconfig.json, data). */
const SOURCE_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"]);

/** `built test-extension 0.1.0 → dist/ (3 jobs, extension.wasm 5.2 KiB) in 812 ms`: a build's one line. */
export function builtLine(result: BuildResult, ms: number): string {
  const where = shown(result.outDir);
  const jobs = result.manifest.jobs.length;
  return (
    `built ${result.manifest.id} ${result.manifest.version} → ${where}/ ` +
    `(${jobs} job${jobs === 1 ? "" : "s"}, extension.wasm ${(result.sizes.module / 1024).toFixed(1)} KiB) in ${Math.round(ms)} ms`
  );
}

/**
 * Builds once and says how it went: the {@link builtLine} on stdout, or every diagnostic with its
 * code frame and then the summary line on stderr. Resolves to the result, or undefined after
 * diagnostics; any other error is thrown. The time printed runs from `started` (default: now), so
 * a process's first build can count importing the compiler, as a cold `kiln build` does.
 */
export async function buildAndReport(
  build: (codegen: typeof import("@kiln/codegen")) => Promise<BuildResult>,
  started = performance.now(),
): Promise<BuildResult | undefined> {
  // The compiler (ts-morph, esbuild, Binaryen) takes most of a second to import: only here.
  const codegen = await import("@kiln/codegen");
  let result: BuildResult;
  try {
    result = await build(codegen);
  } catch (error) {
    if (!(error instanceof codegen.DiagnosticsError)) throw error;
    reportDiagnostics(codegen, error.diagnostics);
    return undefined;
  }
  console.log(builtLine(result, performance.now() - started));
  return result;
}

/** Writes every diagnostic with its code frame, then the summary line, to stderr. */
export function reportDiagnostics(codegen: typeof import("@kiln/codegen"), diagnostics: readonly Diagnostic[]): void {
  const { formatDiagnostic, summarizeDiagnostics } = codegen;
  process.stderr.write(`${diagnostics.map(formatDiagnostic).join("\n\n")}\n\n${summarizeDiagnostics(diagnostics)}\n`);
}

/**
 * Throws `KILN_USAGE` unless `dir` is a folder: a watch of nothing would wait for ever. (A one-shot
 * build of a missing folder reports its missing entry instead.)
 */
export function checkProjectFolder(command: string, dir: string): void {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return;
  throw new UsageError(
    `${command} watches an extension's folder, and ${dir} ${stat ? "is not a folder" : "does not exist"}`,
    command,
  );
}

/** What {@link watchBuilds} does besides building. */
export interface WatchHooks {
  /**
   * Called after each successful build; the next build waits until it has settled, so the files
   * it read are not rewritten under it. A rejection is printed and the watch goes on.
   */
  readonly onBuilt?: (result: BuildResult) => Promise<void> | void;
  /** Called once when the watch stops (Ctrl-C), before it resolves. */
  readonly onStop?: () => Promise<void> | void;
  /** Called on the first Ctrl-C, at once (the watch itself stops after the build in progress). */
  readonly onInterrupt?: () => void;
}

/**
 * Builds the project, then again after every change to its files (see {@link ProjectWatcher}),
 * until Ctrl-C or SIGTERM; resolves to the exit code for that signal (130 or 143). Changes are
 * debounced by {@link DEBOUNCE_MS}; changes during a build make one more build after it. Each
 * build prints what {@link buildAndReport} prints; any other failure is printed as one line, and
 * the watch goes on either way. The builds share a `BuildSession`, which keeps the compiler's
 * warm state between them.
 */
export async function watchBuilds(options: BuildOptions, hooks: WatchHooks = {}): Promise<number> {
  // The first build's time counts the compiler's import, as a one-shot build's does.
  let firstStarted: number | undefined = performance.now();
  const projectDir = resolve(options.projectDir);
  const outDir = resolve(options.outDir ?? join(projectDir, "dist"));
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const interrupts = new Interrupts(() => {
    hooks.onInterrupt?.();
    stop();
  });
  const { BuildSession, MODULE_FILE, TYPES_FILE } = await import("@kiln/codegen");
  const session = new BuildSession(options);
  // The files the build writes into its out folder, never a reason to rebuild.
  const outputs: ReadonlySet<string> = new Set(["manifest.json", MODULE_FILE, TYPES_FILE]);
  const loop = new RebuildLoop(async () => {
    try {
      const started = firstStarted ?? performance.now();
      firstStarted = undefined;
      const result = await buildAndReport(() => session.build(), started);
      if (result && !interrupts.signal) await hooks.onBuilt?.(result);
    } catch (error) {
      process.stderr.write(`kiln: ${errorLine(error)}\n`);
    }
  });
  const watcher = new ProjectWatcher(projectDir, {
    ignore: (path) => isOutput(path, projectDir, outDir, outputs),
    onChange: () => loop.changed(),
  });
  try {
    loop.now();
    await loop.idle();
    if (!interrupts.signal) {
      process.stderr.write(`kiln: watching ${shown(projectDir)} for changes (Ctrl-C to stop)\n`);
    }
    await stopped;
    watcher.close();
    loop.close();
    await loop.idle();
    await hooks.onStop?.();
  } finally {
    watcher.close();
    interrupts.dispose();
  }
  return interrupts.exitCode;
}

/**
 * A path as the user would type it from here: relative when inside the working directory; one
 * that climbs out of it reads better as the absolute one.
 */
export function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere || ".";
}

/**
 * Whether a changed path is the build's own output: the out folder when it lies inside the
 * project, else the files the build writes there (so `--out .` still sees package.json change).
 */
function isOutput(path: string, projectDir: string, outDir: string, outputs: ReadonlySet<string>): boolean {
  if (outDir !== projectDir && isInside(path, outDir) && isInside(outDir, projectDir)) return true;
  return dirname(path) === outDir && outputs.has(basename(path));
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * Runs one build at a time: {@link RebuildLoop.changed} starts a build {@link DEBOUNCE_MS} after
 * the last of a burst of changes, and a change during a build makes exactly one more build after it.
 */
class RebuildLoop {
  readonly #build: () => Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(build: () => Promise<void>) {
    this.#build = build;
  }

  /** Something changed: build once things are quiet. */
  changed(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.now(), DEBOUNCE_MS);
  }

  /** Builds now, or right after the build in progress. */
  now(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#cycle();
  }

  /** Resolves when no build is running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Starts no more builds (the one in progress finishes). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #cycle(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#build();
      } while (this.#again && !this.#closed);
    } finally {
      this.#running = undefined;
    }
  }
}

/** Options of {@link ProjectWatcher}. */
export interface ProjectWatcherOptions {
  /** Paths (files or folders, absolute) whose changes do not count and that are not watched. */
  readonly ignore?: (path: string) => boolean;
  /** Called for each change that counts, with the path that changed (absolute). */
  readonly onChange: (path: string) => void;
}

/**
 * Watches a project's folders for changes to the files a build reads: sources and JSON, at any
 * depth, new files and folders included. `node_modules`, folders and files whose name starts with
 * a dot (`.git`, editors' swap files) and whatever `ignore` says are left out. One `fs.watch` per
 * folder, not one per file: Node 20's `recursive` option on Linux watches every file (and would
 * walk `node_modules`), and a folder's watch reports its files' changes anyway.
 */
export class ProjectWatcher {
  readonly #ignore: (path: string) => boolean;
  readonly #onChange: (path: string) => void;
  readonly #watchers = new Map<string, FSWatcher>();
  #closed = false;

  /** Starts watching `root` (absolute) and every folder below it that counts. */
  constructor(root: string, options: ProjectWatcherOptions) {
    this.#ignore = options.ignore ?? (() => false);
    this.#onChange = options.onChange;
    this.#add(root);
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #skip(path: string): boolean {
    const name = basename(path);
    return name === "node_modules" || name.startsWith(".") || name.endsWith("~") || this.#ignore(path);
  }

  #add(folder: string): void {
    if (this.#closed || this.#watchers.has(folder) || (this.#watchers.size > 0 && this.#skip(folder))) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (_event, name) => this.#changed(folder, name));
    } catch {
      return; // Gone already, or not readable: nothing of it can be built.
    }
    watcher.on("error", () => this.#remove(folder));
    this.#watchers.set(folder, watcher);
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) this.#add(join(folder, entry.name));
  }

  /** Stops watching `folder` and the folders below it. */
  #remove(folder: string): void {
    for (const [path, watcher] of this.#watchers) {
      if (isInside(path, folder)) {
        watcher.close();
        this.#watchers.delete(path);
      }
    }
  }

  #changed(folder: string, name: string | Buffer | null): void {
    if (this.#closed) return;
    // Some platforms do not say which entry changed: count it.
    if (name === null) {
      this.#onChange(folder);
      return;
    }
    const path = join(folder, name.toString());
    if (this.#skip(path)) return;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      // A new folder (maybe with files already in it), or one moved here.
      if (!this.#watchers.has(path)) {
        this.#add(path);
        this.#onChange(path);
      }
      return;
    }
    if (!stat && this.#watchers.has(path)) {
      this.#remove(path); // A folder deleted or moved away: its files went with it.
      this.#onChange(path);
      return;
    }
    if (SOURCE_EXTENSIONS.has(extname(path))) this.#onChange(path);
  }
}
