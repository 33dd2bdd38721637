/**
 * Build diagnostics: what codegen tells an author about their decorators. Each has a stable code
 * from the error table of `@kiln/contracts` ({@link ERRORS}, the rows of area `"build"`), a precise
 * place and a code frame, so that a terminal, an editor or a CI log can show it without the source
 * at hand.
 *
 * @module
 */
import { ERRORS, KilnError, type KilnErrorCode } from "@kiln/contracts";

/**
 * Every code a build diagnostic may carry: the codes of {@link ERRORS} whose area is `"build"`,
 * plus `KILN_INVALID_LIMIT`, which the table files under `"limits"` because the host raises it too
 * (for limits given by the application) while the analyzer raises it for limits in `@extension`.
 * Codes are stable: tools and docs may key on them.
 */
export type DiagnosticCode =
  | { [Code in KilnErrorCode]: (typeof ERRORS)[Code]["area"] extends "build" ? Code : never }[KilnErrorCode]
  | "KILN_INVALID_LIMIT";

/** What a diagnostic code means and the usual way out: its row of {@link ERRORS}. */
export interface DiagnosticCodeInfo {
  /** The row's `summary`. */
  readonly title: string;
  readonly fix: string;
}

/**
 * Every {@link DiagnosticCode} with its title and fix, read from {@link ERRORS} (the one table;
 * nothing is written here). {@link Diagnostic.fix} falls back to the `fix` here when a diagnostic
 * has nothing more specific to say.
 */
export const DIAGNOSTIC_CODES: Readonly<Record<DiagnosticCode, DiagnosticCodeInfo>> = Object.fromEntries(
  Object.entries(ERRORS)
    .filter(([code, info]) => info.area === "build" || code === "KILN_INVALID_LIMIT")
    .map(([code, info]) => [code, { title: info.summary, fix: info.fix }]),
) as Record<DiagnosticCode, DiagnosticCodeInfo>;

/** One problem found in an author's project. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: "error" | "warning";
  readonly message: string;
  /** Path relative to the project root, with `/` separators. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units as editors count them. */
  readonly column: number;
  /** The source line(s) with a caret under the offending span; empty for file-level problems. */
  readonly frame: string;
  /** How to fix it, one sentence. */
  readonly fix?: string;
}

/** A span in a source text, 1-based, end exclusive, for {@link codeFrame}. */
export interface FrameSpan {
  readonly line: number;
  readonly column: number;
  /** Where the span ends; carets stop at the end of the first line when it spans several. */
  readonly endLine: number;
  readonly endColumn: number;
}

/** Lines shown before and after the offending one: enough to orient, short enough for a log. */
const CONTEXT_LINES = 1;

/**
 * Renders the lines around `span` with a `>` gutter mark and carets under the span, in the style of
 * babel's and vitest's code frames. `source` is the text from line `firstLine` on (default 1), so
 * an excerpt, such as the one line a bundler quotes, keeps its real line numbers.
 */
export function codeFrame(source: string, span: FrameSpan, firstLine = 1): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(firstLine, span.line - CONTEXT_LINES);
  const last = Math.min(firstLine + lines.length - 1, span.line + CONTEXT_LINES);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = lines[n - firstLine] ?? "";
    const gutter = `${n === span.line ? ">" : " "} ${String(n).padStart(width)} |`;
    out.push(text === "" ? gutter : `${gutter} ${text}`);
    if (n === span.line) out.push(`  ${" ".repeat(width)} | ${caretLine(text, span)}`);
  }
  return out.join("\n");
}

function caretLine(text: string, span: FrameSpan): string {
  const start = span.column - 1;
  const end = span.endLine === span.line ? span.endColumn - 1 : text.length;
  // Tabs are kept so the carets line up under the same tab stops as the source line.
  const pad = text.slice(0, start).replace(/[^\t]/g, " ");
  return pad + "^".repeat(Math.max(1, end - start));
}

/**
 * One diagnostic as a terminal shows it:
 * `src/index.ts:3:15: error KILN_INVALID_VERSION: version "1.0" is not a semantic version`,
 * then the code frame and the fix.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const parts = [`${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`];
  if (d.frame !== "") parts.push(d.frame);
  if (d.fix !== undefined) parts.push(`  fix: ${d.fix}`);
  return parts.join("\n");
}

/** `1 error`, `2 errors, 1 warning`: the summary line under a list of diagnostics. */
export function summarizeDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const summary = [plural(errors, "error")];
  if (warnings > 0) summary.push(plural(warnings, "warning"));
  return summary.join(", ");
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * Thrown by the build when analysis found errors. It carries every diagnostic, so a caller (the
 * CLI, a test, an editor integration) can render them its own way; the message is the terminal form.
 */
export class DiagnosticsError extends KilnError {
  /** Stable code of the failure as a whole; the individual causes are in {@link diagnostics}. */
  declare readonly code: "KILN_BUILD_FAILED";
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super("KILN_BUILD_FAILED", [...diagnostics.map(formatDiagnostic), summarizeDiagnostics(diagnostics)].join("\n\n"));
    this.diagnostics = diagnostics;
  }
}
