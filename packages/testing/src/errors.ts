/**
 * The harness's own errors. Each names the job, the extension and what to change, because a test
 * runner shows the message and little else.
 *
 * @module
 */
import type { BuildErrorCode, Diagnostic } from "@kiln/codegen";
import { KilnError } from "@kiln/contracts";
import type { JobRecord } from "@kiln/host";

/** The codes {@link ExtensionBuildError} carries: those `buildExtension` fails with. */
export type ExtensionBuildErrorCode = "KILN_BUILD_FAILED" | BuildErrorCode;

/**
 * The extension under test did not build. The message holds every diagnostic as `kiln build`
 * prints it (`file:line:col`, a code frame, a fix), so the test runner's report is enough to fix it.
 */
export class ExtensionBuildError extends KilnError {
  declare readonly code: ExtensionBuildErrorCode;
  /** The analysis's diagnostics, when the decorators were the problem; empty otherwise. */
  readonly diagnostics: readonly Diagnostic[];
  constructor(
    code: ExtensionBuildErrorCode,
    projectDir: string,
    detail: string,
    options: { diagnostics?: readonly Diagnostic[]; cause?: unknown } = {},
  ) {
    super(code, `@kiln/testing could not build the extension in ${projectDir}:\n\n${detail}`, {
      cause: options.cause,
    });
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** A job did not end within the run's `timeoutMs`; the harness cancelled it. */
export class TestTimeoutError extends KilnError {
  declare readonly code: "KILN_TEST_TIMEOUT";
  /** The job's id in the store. */
  readonly jobId: string;
  constructor(extensionId: string, jobName: string, jobId: string, timeoutMs: number, detail: string) {
    super(
      "KILN_TEST_TIMEOUT",
      `job "${jobName}" (${jobId}) of extension "${extensionId}" did not end within ${timeoutMs} ms, so the test ` +
        `cancelled it; ${detail}. Pass { timeoutMs } to wait longer, or fake the operation it waits for.`,
      { extensionId },
    );
    this.jobId = jobId;
  }
}

/** A driver's job ended before the checkpoint it was to pause, cancel or crash after. */
export class CheckpointNotReachedError extends KilnError {
  declare readonly code: "KILN_TEST_NO_CHECKPOINT";
  /** The job's id in the store. */
  readonly jobId: string;
  /** `ended` is the job's record as it ended. */
  constructor(driver: string, extensionId: string, jobName: string, ended: JobRecord, wanted: number) {
    const why = ended.error ? ` (${ended.error.code}: ${ended.error.message})` : "";
    super(
      "KILN_TEST_NO_CHECKPOINT",
      `${driver}: job "${jobName}" (${ended.id}) of extension "${extensionId}" ended ${ended.state}${why} after ` +
        `${ended.checkpointSeq} checkpoint(s), before checkpoint ${wanted} it was to stop after; lower ` +
        `afterCheckpoints or give the job input that makes it checkpoint more often`,
      { extensionId },
    );
    this.jobId = ended.id;
  }
}

/** The child process that plays the crashing host ended before the planned crash. */
export class CrashHostExitedError extends KilnError {
  declare readonly code: "KILN_TEST_HOST_EXITED";
  constructor(extensionId: string, reason: string, options: { cause?: unknown } = {}) {
    super("KILN_TEST_HOST_EXITED", `crashAndResume: the first host of extension "${extensionId}" ${reason}`, {
      extensionId,
      cause: options.cause,
    });
  }
}
