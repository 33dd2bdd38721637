/**
 * The host's error classes. Each is a {@link KilnError} (from `@kiln/contracts`, where the one table
 * of codes lives) with a message that says what went wrong, where, and how to fix it, and (where
 * known) the extension it concerns. Applications branch on `code`, never on message text.
 *
 * @module
 */

import { didYouMean, KilnError } from "@kiln/contracts";
import { MODULE_IMPORTS } from "@kiln/javy-plugin";
import type { SchemaIssue } from "./schema-issues.js";

export type { SchemaIssue };
export { KilnError };

/** `manifest.json` is missing, is not JSON, or fails the manifest schema. */
export class ManifestInvalidError extends KilnError {
  /** Every problem found, `path: message`. */
  readonly issues: readonly string[];
  constructor(file: string, issues: readonly string[], options: { cause?: unknown } = {}) {
    super(
      "KILN_MANIFEST_INVALID",
      `${file} is not a valid Kiln manifest:\n${issues.map((i) => `  - ${i}`).join("\n")}\n` +
        "Manifests are generated: rebuild the extension with `kiln build <extension-dir>` rather than editing it.",
      options,
    );
    this.issues = issues;
  }
}

/** The module's bytes do not hash to the `module.sha256` the manifest records. */
export class ModuleHashMismatchError extends KilnError {
  constructor(file: string, expected: string, actual: string, extensionId: string) {
    super(
      "KILN_MODULE_HASH_MISMATCH",
      `${file} has sha256 ${actual}, but its manifest expects ${expected}: the module was changed or ` +
        "replaced after it was built. Rebuild the extension with `kiln build` and load the new dist folder.",
      { extensionId },
    );
  }
}

/** The module is not valid WebAssembly (truncated, corrupted, or not Wasm at all). */
export class ModuleInvalidError extends KilnError {
  constructor(file: string, reason: string, options: { extensionId?: string; cause?: unknown } = {}) {
    super(
      "KILN_MODULE_INVALID",
      `${file} is not a valid WebAssembly module: ${reason}. Rebuild it with \`kiln build\`.`,
      options,
    );
  }
}

/** The module imports something besides the plugin, or lacks an export its manifest promises. */
export class ModuleLinkError extends KilnError {
  constructor(file: string, problems: readonly string[], extensionId?: string) {
    super(
      "KILN_MODULE_LINK",
      `${file} cannot be linked:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `A Kiln extension module may import only the plugin's ${MODULE_IMPORTS.map((i) => i.name).join(", ")}; rebuild it with \`kiln build\`.`,
      { extensionId },
    );
  }
}

/** An extension with this id is already loaded. */
export class ExtensionAlreadyLoadedError extends KilnError {
  constructor(extensionId: string, dir: string) {
    super("KILN_ALREADY_LOADED", `extension "${extensionId}" is already loaded (from ${dir}); unload it first`, {
      extensionId,
    });
  }
}

/** No loaded extension has this id. */
export class ExtensionNotLoadedError extends KilnError {
  constructor(extensionId: string, loaded: readonly string[]) {
    super(
      "KILN_NOT_LOADED",
      `no extension "${extensionId}" is loaded${didYouMean(extensionId, loaded)} (loaded: ${loaded.length ? loaded.join(", ") : "none"})`,
      { extensionId },
    );
  }
}

/** The extension has no job of that name. */
export class JobNotFoundError extends KilnError {
  constructor(extensionId: string, jobName: string, available: readonly string[]) {
    super(
      "KILN_JOB_NOT_FOUND",
      `extension "${extensionId}" has no job "${jobName}"${didYouMean(jobName, available)} (its jobs: ${available.length ? available.join(", ") : "none"})`,
      { extensionId },
    );
  }
}

/** The input given to a job cannot be sent to it (not JSON-serialisable). */
export class InvalidInputError extends KilnError {
  constructor(extensionId: string, jobName: string, reason: string) {
    super("KILN_INVALID_INPUT", `input of job "${jobName}" of "${extensionId}" is not valid JSON data: ${reason}`, {
      extensionId,
    });
  }
}

/**
 * The extension's own code failed: a JS exception, a rejected promise, or a trap. The message
 * carries the JS error; `jsStack` its stack inside the extension.
 */
export class ExtensionFailedError extends KilnError {
  /**
   * Stack trace inside the extension, when the JS error had one: frames in the author's files
   * (`src/deep.ts:7:19`) when the module carries a source map, else bundle lines (`function.mjs:12`).
   */
  readonly jsStack: string | undefined;
  /** QuickJS's stack as the extension reported it (bundle lines), when `jsStack` was mapped. */
  readonly rawJsStack: string | undefined;
  constructor(
    extensionId: string,
    where: string,
    message: string,
    options: { jsStack?: string | undefined; rawJsStack?: string | undefined; cause?: unknown } = {},
  ) {
    super("KILN_EXTENSION_FAILED", `extension "${extensionId}" failed in ${where}: ${message}`, {
      extensionId,
      cause: options.cause,
    });
    this.jsStack = options.jsStack;
    this.rawJsStack = options.rawJsStack;
  }
}

/**
 * A job's input does not match the input schema in its manifest (from the job's TypeScript type):
 * `jobs.dispatch` stored nothing, `host.run` ran nothing. `issues` lists every failing path.
 */
export class JobInputInvalidError extends KilnError {
  /** The job it was given to. */
  readonly jobName: string;
  /** Every place the input fails its schema (at most 100). */
  readonly issues: readonly SchemaIssue[];
  constructor(extensionId: string, jobName: string, issues: readonly SchemaIssue[]) {
    super("KILN_JOB_INPUT_INVALID", describeMismatch("input", jobName, extensionId, issues), { extensionId });
    this.jobName = jobName;
    this.issues = issues;
  }
}

/**
 * A job's result does not match the output schema in its manifest (its method's return type): what
 * `host.run` rejects with. A durable job ends `failed` with the same code and message.
 */
export class JobOutputInvalidError extends KilnError {
  /** The job that returned it. */
  readonly jobName: string;
  /** Every place the result fails its schema (at most 100). */
  readonly issues: readonly SchemaIssue[];
  constructor(extensionId: string, jobName: string, issues: readonly SchemaIssue[]) {
    super("KILN_JOB_OUTPUT_INVALID", describeMismatch("output", jobName, extensionId, issues), { extensionId });
    this.jobName = jobName;
    this.issues = issues;
  }
}

/** Issues shown in a message; the error's `issues` has them all. */
const ISSUES_SHOWN = 10;

/** Issues as one line, `path: message; …`, the first few of them (and how many more). */
function formatIssues(issues: readonly SchemaIssue[]): string {
  const shown = issues.slice(0, ISSUES_SHOWN).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : "";
  return shown.join("; ") + more;
}

/** What a job's value is called in messages, by the schema it is checked against. */
const JOB_VALUE_NAMES = { input: "input", output: "result", state: "checkpoint state" } as const;

/**
 * The message of a job's value (its input, its result, a checkpoint's state) that fails its
 * schema: `input of job "counter" of "test-extension" does not match its schema: /to: must be
 * number (got "3"); /extra: unknown property "extra"`.
 * @internal
 */
export function describeMismatch(
  kind: keyof typeof JOB_VALUE_NAMES,
  jobName: string,
  extensionId: string,
  issues: readonly SchemaIssue[],
): string {
  return `${JOB_VALUE_NAMES[kind]} of job "${jobName}" of "${extensionId}" does not match its schema: ${formatIssues(issues)}`;
}
