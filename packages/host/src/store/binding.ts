/**
 * Telling a missing or unloadable better-sqlite3 native binding from any other failure to open the
 * store, and which package manager installed it, from the error better-sqlite3 throws on its first
 * `new Database()` (the binding loads then, not at import). Imports nothing but Node's own modules:
 * the store-crash test transpiles the store's files on their own.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";

/**
 * Why the binding did not load: `missing`, never built (its install script did not run);
 * `abi`, built for another Node version (`NODE_MODULE_VERSION`); `dlopen`, present but not loadable
 * here (built for another platform, CPU or C library, or damaged).
 */
export type SqliteBindingFailure = "missing" | "abi" | "dlopen";

/** The package managers whose fix the message can give. */
export type PackageManager = "npm" | "pnpm" | "yarn";

/** Why better-sqlite3's native binding did not load, as the store reads it from the error better-sqlite3 threw. */
export interface SqliteBindingProblem {
  readonly failure: SqliteBindingFailure;
  /** The package manager that installed better-sqlite3, when its folder says; `undefined` otherwise. */
  readonly packageManager: PackageManager | undefined;
  /** better-sqlite3's folder, when the error names a path in it. */
  readonly packageDir: string | undefined;
  /** For `abi`: the `NODE_MODULE_VERSION` the binding was built for, and the one this Node needs. */
  readonly builtFor?: number;
  readonly required?: number;
  /** The first line of better-sqlite3's (or Node's) own message: for `dlopen`, the loader's reason. */
  readonly detail: string;
}

/** Folder of the package, as the binding's paths spell it. */
const PACKAGE = "better-sqlite3";

/**
 * Classifies an error from better-sqlite3's `new Database()`: a {@link SqliteBindingProblem} when
 * the native binding is what failed, `undefined` for anything else (a SQLite error, a bad path).
 */
export function sqliteBindingProblem(error: unknown): SqliteBindingProblem | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  const detail = (message.split("\n")[0] ?? "").trim();
  const code = (error as NodeJS.ErrnoException).code;
  let failure: SqliteBindingFailure;
  let path: string | undefined;
  const versions: { builtFor?: number; required?: number } = {};
  if (message.startsWith("Could not locate the bindings file")) {
    // Thrown by `bindings` after trying every place a build could be; `tries` lists them.
    failure = "missing";
    const tries = (error as { tries?: unknown }).tries;
    path = Array.isArray(tries) && typeof tries[0] === "string" ? tries[0] : /→ (.+)/.exec(message)?.[1];
  } else if (code === "ERR_DLOPEN_FAILED") {
    const [, builtFor, required] = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message) ?? [];
    if (builtFor && required) {
      failure = "abi";
      versions.builtFor = Number(builtFor);
      versions.required = Number(required);
      path = /The module '([^']+)'/.exec(message)?.[1];
    } else {
      failure = "dlopen";
      path = /^(.+?\.node)\b/.exec(message)?.[1];
    }
    // Some other addon's failure is not ours to explain.
    if (path !== undefined && !path.split(/[\\/]/).includes(PACKAGE)) return undefined;
  } else {
    return undefined;
  }
  const packageDir = path === undefined ? undefined : packageDirOf(path);
  const packageManager = packageDir === undefined ? undefined : packageManagerOf(packageDir);
  return { failure, packageManager, packageDir, ...versions, detail };
}

/** `…/better-sqlite3/build/Release/better_sqlite3.node` → `…/better-sqlite3`. */
function packageDirOf(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf(PACKAGE);
  return at < 0 ? undefined : parts.slice(0, at + 1).join(sep);
}

/**
 * Who installed the package in `dir`: pnpm keeps packages under `node_modules/.pnpm/`, Yarn's
 * Plug'n'Play unplugs built packages under `.yarn/`; otherwise the marker file each one leaves in
 * the `node_modules` folder (`.modules.yaml`, `.yarn-state.yml` or `.yarn-integrity`,
 * `.package-lock.json`). Runtime hints such as `npm_config_user_agent` describe whoever started
 * this process, not the install, so they are not used.
 */
function packageManagerOf(dir: string): PackageManager | undefined {
  const parts = dir.split(/[\\/]/);
  if (parts.includes(".pnpm")) return "pnpm";
  if (parts.includes(".yarn")) return "yarn";
  const nodeModules = dirname(dir);
  if (existsSync(join(nodeModules, ".modules.yaml"))) return "pnpm";
  if (existsSync(join(nodeModules, ".yarn-state.yml")) || existsSync(join(nodeModules, ".yarn-integrity"))) {
    return "yarn";
  }
  if (existsSync(join(nodeModules, ".package-lock.json"))) return "npm";
  return undefined;
}
