/**
 * What a job's outcome means for the store: the error a stopped or failed job records, and the
 * state a job that stopped running moves to. Shared by durable jobs and `host.run`.
 *
 * @module
 */
import type { KilnErrorCode } from "@kiln/contracts";
import type { InvocationOutcome } from "../extension.js";
import { describeFailure } from "../extension.js";
import type { JobErrorInfo, JobState, TransitionPatch } from "../store/types.js";

/** The cancel's error, the same wherever a job is cancelled. */
export const CANCELLED: JobErrorInfo = { code: "KILN_CANCELLED", message: "the job was cancelled" };

/** Where a job that stopped running goes, and what it records. */
export interface FinalMove {
  readonly to: JobState;
  readonly patch?: TransitionPatch;
}

/**
 * Where a job that stopped running goes, given any pause or cancel asked of it and how its code
 * ended. A cancel wins over whatever the job did after it was asked to stop, even a normal return.
 * Next comes `broken`, the contract the job broke while it ran in a way its code could catch (a
 * checkpoint its state schema refused): it fails with that, however its code ended. A result that
 * `checkResult` refuses (the job's output schema) fails the job with that error.
 */
export function finalMove(
  requested: "pause" | "cancel" | undefined,
  outcome: InvocationOutcome,
  limits: OutcomeLimits,
  checks: {
    readonly broken?: JobErrorInfo | undefined;
    readonly checkResult?: (result: unknown) => JobErrorInfo | undefined;
  } = {},
): FinalMove {
  if (requested === "cancel") return { to: "cancelled", patch: { error: CANCELLED } };
  if (checks.broken) return { to: "failed", patch: { error: checks.broken } };
  if (outcome.kind === "completed") {
    const result: unknown = JSON.parse(outcome.json);
    const refused = checks.checkResult?.(result);
    if (refused) return { to: "failed", patch: { error: refused } };
    return { to: "completed", patch: { result, error: null } };
  }
  const stoppedFor =
    outcome.kind === "stopped" ? outcome.reason : outcome.kind === "exited" ? outcome.stopped : undefined;
  if (
    requested === "pause" &&
    (outcome.kind === "interrupted" || stoppedFor === "pause" || outcome.kind === "exited")
  ) {
    return { to: "paused" };
  }
  if (stoppedFor === "shutdown") return { to: "interrupted" };
  return { to: "failed", patch: { error: outcomeError(outcome, limits) } };
}

/** The limits an outcome is judged against, for messages. */
export interface OutcomeLimits {
  readonly timeoutMs?: number | undefined;
  readonly instructions?: number | undefined;
}

/**
 * The error a job's outcome amounts to: its stable code and message (the limit that stopped it,
 * the extension's own error, a crash).
 * @internal
 */
export function outcomeError(
  outcome: InvocationOutcome,
  limits: OutcomeLimits = {},
): JobErrorInfo & { code: KilnErrorCode } {
  const stoppedFor =
    outcome.kind === "stopped" ? outcome.reason : outcome.kind === "exited" ? outcome.stopped : undefined;
  switch (stoppedFor) {
    case "deadline":
      return {
        code: "KILN_JOB_TIMEOUT",
        message: `the job ran longer than ${limits.timeoutMs ?? "its"} ms (limits.jobTimeoutMs) and was stopped`,
      };
    case "instructions":
      return {
        code: "KILN_INSTRUCTION_LIMIT",
        message: `the job took more than ${limits.instructions ?? "its"} interpreter steps (limits.instructions) and was stopped`,
      };
    case "cancel":
      return { code: "KILN_CANCELLED", message: "the job was cancelled" };
    case "pause":
    case "shutdown":
      return { code: "KILN_INTERRUPTED", message: "the job was stopped before it finished" };
    default:
      break;
  }
  if (outcome.kind === "returned" || outcome.kind === "interrupted") {
    return {
      code: "KILN_EXTENSION_FAILED",
      message:
        outcome.kind === "returned"
          ? "the job ended without reporting a result"
          : "the job stopped for an interruption nobody requested",
    };
  }
  const failure = describeFailure(outcome) ?? { message: "unknown failure" };
  const code =
    outcome.kind === "failed" && outcome.code
      ? outcome.code
      : outcome.kind === "exited"
        ? "KILN_EXTENSION_CRASHED"
        : "KILN_EXTENSION_FAILED";
  return {
    code,
    message: failure.message,
    ...(failure.stack ? { stack: failure.stack } : {}),
    ...(failure.rawStack ? { rawStack: failure.rawStack } : {}),
  };
}
