/**
 * Builds the extension under test once per change of its sources. The key hashes what decides the
 * build's output: the project's package.json, tsconfig files and every file under `src/`, the
 * versions of its runtime dependencies and of the toolchain (`@kiln/codegen`, the plugin, the
 * contracts), and, for a dependency linked from a workspace rather than installed (its sources
 * change without a version bump), the contents of its `src/` and Wasm files. Test files and
 * processes share the entries: each is written into a temporary folder and renamed into place,
 * so a reader sees a whole build or none, and two writers racing both succeed.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { ExtensionBuildError } from "./errors.js";

/** How the harness builds the extension. */
export interface BuildCacheOptions {
  /** Build as `kiln build --strict` (`any` in a job's types is an error). Default false. */
  readonly strict?: boolean;
  /** Reuse and fill the build cache. Default true; false builds afresh into a temporary folder. */
  readonly cache?: boolean;
  /**
   * The cache's folder. Default: `node_modules/.cache/kiln-testing` in the nearest folder above
   * the project that has a `node_modules` (else one under the system's temporary folder).
   */
  readonly cacheDir?: string;
}

/** Where a test's build came from. */
export interface BuildInfo {
  /** The built folder (`manifest.json`, `extension.wasm`, `types.d.ts`) the host loads. */
  readonly dir: string;
  /** How it was obtained: from the cache, built now, or the `dist` option's folder as given. */
  readonly source: "cache" | "built" | "dist";
  /** Milliseconds spent: hashing the sources, and building on a miss. */
  readonly ms: number;
  /** The cache key (a hex digest); undefined for a given `dist` and for a build outside the cache. */
  readonly key?: string;
}

/** Entries unused for this long are removed when a new one is written. */
const MAX_UNUSED_MS = 7 * 24 * 3600 * 1000;
/** A temporary build folder this old was left by a process that died mid-build. */
const MAX_TEMP_AGE_MS = 3600 * 1000;
/** Bumped when the cache's layout or key changes meaning. */
const CACHE_FORMAT = "kiln-testing-cache-1";

/** Builds under way in this process, by entry folder: two test suites asking at once build once. */
const inflight = new Map<string, Promise<BuildInfo>>();

/** The toolchain's fingerprint, computed once per process. */
let toolchain: string | undefined;

/**
 * The build of the extension in `projectDir` (absolute): from the cache when its sources are
 * unchanged, else built now and stored. Throws {@link ExtensionBuildError} when it does not build.
 */
export async function buildForTest(projectDir: string, options: BuildCacheOptions = {}): Promise<BuildInfo> {
  const started = performance.now();
  const strict = options.strict ?? false;
  const elapsed = () => Math.round(performance.now() - started);
  if (options.cache === false) {
    const dir = await mkdtemp(join(tmpdir(), "kiln-testing-build-"));
    await build(projectDir, dir, strict, () => rm(dir, { recursive: true, force: true }));
    // No key: the folder is this test's alone, and goes when it closes.
    return { dir, source: "built", ms: elapsed() };
  }
  const key = cacheKey(projectDir, strict);
  const root = options.cacheDir ?? defaultCacheDir(projectDir);
  const dir = join(root, key);
  const hit = await reuse(dir);
  if (hit) return { dir, source: "cache", ms: elapsed(), key };
  let pending = inflight.get(dir);
  if (!pending) {
    pending = fill(projectDir, root, dir, strict).finally(() => inflight.delete(dir));
    inflight.set(dir, pending);
  }
  const filled = await pending;
  return { ...filled, ms: elapsed(), key };
}

/** The key of a build: a digest of everything that decides its output (see the module's comment). */
export function cacheKey(projectDir: string, strict: boolean): string {
  const hash = createHash("sha256");
  hash.update(`${CACHE_FORMAT}\0${projectDir}\0strict=${strict}\0`);
  toolchain ??= toolchainFingerprint();
  hash.update(toolchain);
  const files = [
    "package.json",
    ...safeReaddir(projectDir).filter((name) => /^tsconfig.*\.json$/.test(name)),
    ...listFiles(projectDir, "src"),
  ].sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(projectDir, file)));
    hash.update("\0");
  }
  hash.update(dependencyFingerprint(projectDir));
  return hash.digest("hex").slice(0, 32);
}

/** The cache's default folder for a project. */
export function defaultCacheDir(projectDir: string): string {
  for (let dir = projectDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules", ".cache", "kiln-testing");
    if (dirname(dir) === dir) return join(tmpdir(), "kiln-testing-cache");
  }
}

/** True when the entry is there (complete, as entries appear by rename); marks it used. */
async function reuse(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, "manifest.json"))) return false;
  const now = new Date();
  await utimes(dir, now, now).catch(() => undefined);
  return true;
}

async function fill(projectDir: string, root: string, dir: string, strict: boolean): Promise<BuildInfo> {
  // Another process may have written it while this one hashed.
  if (await reuse(dir)) return { dir, source: "cache", ms: 0 };
  await mkdir(root, { recursive: true });
  const temp = join(root, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  await build(projectDir, temp, strict, () => rm(temp, { recursive: true, force: true }));
  try {
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Renaming onto a folder that exists fails: another writer got there first, with the same build.
    if (!existsSync(join(dir, "manifest.json"))) throw error;
    return { dir, source: "cache", ms: 0 };
  }
  await prune(root).catch(() => undefined);
  return { dir, source: "built", ms: 0 };
}

/** Runs the build; on failure cleans up, then throws the diagnostics as the CLI prints them. */
async function build(projectDir: string, outDir: string, strict: boolean, cleanUp: () => Promise<void>): Promise<void> {
  // Loaded only on a miss: the compiler (TypeScript, ts-morph, esbuild) costs about a second.
  const codegen = await import("@kiln/codegen");
  try {
    await codegen.buildExtension({ projectDir, outDir, strict });
  } catch (error) {
    await cleanUp();
    if (error instanceof codegen.DiagnosticsError) {
      const detail = [
        ...error.diagnostics.map(codegen.formatDiagnostic),
        codegen.summarizeDiagnostics(error.diagnostics),
      ];
      throw new ExtensionBuildError("KILN_BUILD_FAILED", projectDir, detail.join("\n\n"), {
        diagnostics: error.diagnostics,
        cause: error,
      });
    }
    if (error instanceof codegen.BuildError) {
      throw new ExtensionBuildError(error.code, projectDir, error.message, { cause: error });
    }
    throw error;
  }
}

/** Removes entries unused for a week, and temporary folders a dead process left. */
async function prune(root: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(root)) {
    const path = join(root, name);
    const age = now - (await stat(path)).mtimeMs;
    if (name.startsWith(".tmp-") ? age > MAX_TEMP_AGE_MS : age > MAX_UNUSED_MS) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/** `@kiln/codegen` and what it builds with, as found from this module. */
function toolchainFingerprint(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const codegen = findPackage("@kiln/codegen", here);
  if (!codegen) return "codegen:missing\0";
  const parts = [packageFingerprint("@kiln/codegen", codegen)];
  for (const name of ["@kiln/javy-plugin", "@kiln/contracts", "@kiln/sdk"]) {
    const dir = findPackage(name, codegen);
    parts.push(dir ? packageFingerprint(name, dir) : `${name}:missing\0`);
  }
  return parts.join("");
}

/** The project's runtime dependencies as its build resolves them (the SDK is bundled in, for one). */
function dependencyFingerprint(projectDir: string): string {
  const pkg = JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(pkg.dependencies ?? {})
    .sort()
    .map((name) => {
      const dir = findPackage(name, projectDir);
      return dir ? packageFingerprint(name, dir) : `${name}:missing\0`;
    })
    .join("");
}

/**
 * `name@version`, plus, for a package linked from a workspace (its real path is outside any
 * `node_modules`), a digest of its `src/` files and Wasm files: those change without a new version.
 */
function packageFingerprint(name: string, dir: string): string {
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string };
  const real = realpathSync(dir);
  if (real.split(sep).includes("node_modules")) return `${name}@${version}\0`;
  const hash = createHash("sha256");
  const files = [
    ...listFiles(real, "src").filter((f) => !/\.test(-d)?\.ts$/.test(f)),
    ...safeReaddir(join(real, "dist"))
      .filter((f) => f.endsWith(".wasm"))
      .map((f) => join("dist", f)),
  ].sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(real, file)));
  }
  return `${name}@${version}+${hash.digest("hex")}\0`;
}

/** The folder of package `name` as Node resolves it from `from`: the nearest `node_modules/<name>`. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Files under `root/sub`, recursively, as paths relative to `root`; none when it is missing. */
function listFiles(root: string, sub: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of safeReaddir(dir)) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else out.push(relative(root, path));
    }
  };
  visit(join(root, sub));
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
