/**
 * Every error the host raises is a {@link KilnError} with a stable `code`, a message that says what
 * went wrong, where, and how to fix it, and (where known) the extension it concerns. Applications
 * branch on `code`, never on message text.
 *
 * @module
 */

/** Base class of the host's errors. */
export class KilnError extends Error {
  /** Stable, documented code (`KILN_MANIFEST_INVALID`, …). */
  readonly code: string;
  /** The extension concerned, when there is one. */
  readonly extensionId: string | undefined;
  constructor(code: string, message: string, options: { extensionId?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.extensionId = options.extensionId;
  }
}

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
        "A Kiln extension module may import only the plugin's cabi_realloc, invoke and memory; rebuild it with `kiln build`.",
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
      `no extension "${extensionId}" is loaded (loaded: ${loaded.length ? loaded.join(", ") : "none"})`,
      { extensionId },
    );
  }
}

/** The extension has no job of that name. */
export class JobNotFoundError extends KilnError {
  constructor(extensionId: string, jobName: string, available: readonly string[]) {
    super(
      "KILN_JOB_NOT_FOUND",
      `extension "${extensionId}" has no job "${jobName}" (its jobs: ${available.length ? available.join(", ") : "none"})`,
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
  /** Stack trace inside the extension, when the JS error had one. */
  readonly jsStack: string | undefined;
  constructor(
    extensionId: string,
    where: string,
    message: string,
    options: { jsStack?: string | undefined; cause?: unknown } = {},
  ) {
    super("KILN_EXTENSION_FAILED", `extension "${extensionId}" failed in ${where}: ${message}`, {
      extensionId,
      cause: options.cause,
    });
    this.jsStack = options.jsStack;
  }
}

/**
 * Codes of the sandbox's limits and stops (see `limits.ts` and the docs' "Limits" page). A job
 * that hits one fails (or, for a cancel or pause, stops) with the code in its `error.code`; a host
 * call refused by one rejects inside the extension with a `HostCallError` of that code.
 */
export const LimitErrorCodes = {
  /** A job run took longer than `limits.jobTimeoutMs` (or `host.run`'s `timeoutMs`). */
  jobTimeout: "KILN_JOB_TIMEOUT",
  /** The module's top-level code plus `init` took longer than `limits.startTimeoutMs`. */
  startTimeout: "KILN_START_TIMEOUT",
  /** `cleanup` took longer than `limits.cleanupTimeoutMs` (logged; the instance is stopped anyway). */
  cleanupTimeout: "KILN_CLEANUP_TIMEOUT",
  /** A job run used more than `limits.instructions` interpreter steps. */
  instructionLimit: "KILN_INSTRUCTION_LIMIT",
  /** The extension ran out of its `limits.memoryMiB` heap and did not recover. */
  outOfMemory: "KILN_OUT_OF_MEMORY",
  /** A host call's payload is larger than `limits.payloadBytes`. */
  payloadTooLarge: "KILN_PAYLOAD_TOO_LARGE",
  /** A value crossing the wall is nested deeper than `limits.valueDepth`. */
  valueTooDeep: "KILN_VALUE_TOO_DEEP",
  /** A job's result is larger than `limits.resultBytes`. */
  resultTooLarge: "KILN_RESULT_TOO_LARGE",
  /** A checkpoint's state is larger than `limits.checkpointBytes`. */
  checkpointTooLarge: "KILN_CHECKPOINT_TOO_LARGE",
  /** A job checkpointed faster than `limits.checkpointsPerSecond`. */
  checkpointRateLimited: "KILN_CHECKPOINT_RATE_LIMITED",
  /** A job wrote more than `limits.logBytes` of log text; later lines were dropped. */
  logLimit: "KILN_LOG_LIMIT",
  /** An operation name longer than any operation can have (refused before any lookup). */
  operationNameTooLong: "KILN_OPERATION_NAME_TOO_LONG",
} as const;
