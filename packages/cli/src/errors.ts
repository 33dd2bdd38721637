/**
 * How the CLI fails: a {@link UsageError} (exit 2) for a command line it cannot make sense of, a
 * `KilnError` or any other error (exit 1) for a command that failed. Each is printed as one line.
 *
 * @module
 */
import { isKilnError, KilnError } from "@kiln/contracts";

/** Exit codes: success, the command or job failed, usage. (130/143: stopped by SIGINT/SIGTERM.) */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * A command, option or argument the CLI does not know or cannot parse (`KILN_USAGE`, exit 2). The
 * message ends by pointing at the help of the command concerned.
 */
export class UsageError extends KilnError {
  /**
   * @param message what is wrong, e.g. `unknown command "biuld" (did you mean "build"?)`
   * @param command the command whose help to point at (`"run"`, `"jobs list"`), or none for
   *   `kiln --help`; `false` when the message itself lists the valid choices
   */
  constructor(message: string, command?: string | false) {
    super("KILN_USAGE", command === false ? message : `${message}; see kiln ${command ? `${command} ` : ""}--help`);
  }
}

/** A message's lines joined into one, `- ` list markers dropped. */
export function oneLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .filter(Boolean)
    .join("; ");
}

/** What the CLI prints for a failure, in one line: `CODE: message` for a Kiln error, else the message. */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  const text = oneLine(error.message) || error.name;
  return isKilnError(error) ? `${error.code}: ${text}` : text;
}

/** The exit code for an error that ended a command: 2 for usage, else 1. */
export function exitCodeFor(error: unknown): number {
  return isKilnError(error) && error.code === "KILN_USAGE" ? EXIT.usage : EXIT.failed;
}
