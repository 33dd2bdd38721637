/**
 * Build diagnostics: what codegen tells an author about their decorators. Each has a stable code
 * (documented in {@link DIAGNOSTIC_CODES}), a precise place and a code frame, so that a terminal,
 * an editor or a CI log can show it without the source at hand.
 *
 * @module
 */

/** Every diagnostic code codegen emits. Codes are stable: tools and docs may key on them. */
export type DiagnosticCode =
  | "KILN_NON_LITERAL"
  | "KILN_INVALID_TYPE"
  | "KILN_DUPLICATE_JOB"
  | "KILN_INVALID_VERSION"
  | "KILN_UNKNOWN_PERMISSION"
  | "KILN_DUPLICATE_PERMISSION"
  | "KILN_INVALID_HOST"
  | "KILN_DUPLICATE_HOST"
  | "KILN_HOSTS_WITHOUT_FETCH"
  | "KILN_FETCH_WITHOUT_HOSTS"
  | "KILN_INVALID_LIMIT"
  | "KILN_DECORATOR_TARGET"
  | "KILN_DECORATOR_NOT_CALLED"
  | "KILN_DUPLICATE_DECORATOR"
  | "KILN_EXTRA_ARGUMENT"
  | "KILN_NO_EXTENSION"
  | "KILN_MULTIPLE_EXTENSIONS"
  | "KILN_NOT_EXPORTED"
  | "KILN_INVALID_ID"
  | "KILN_INVALID_JOB_NAME"
  | "KILN_INVALID_VALUE"
  | "KILN_MISSING_OPTION"
  | "KILN_UNKNOWN_OPTION"
  | "KILN_DUPLICATE_OPTION"
  | "KILN_STATIC_JOB"
  | "KILN_PRIVATE_JOB"
  | "KILN_JOB_OUTSIDE_EXTENSION"
  | "KILN_SYNTAX_ERROR"
  | "KILN_ENTRY_NOT_FOUND"
  | "KILN_INVALID_CONFIG";

/** What a diagnostic code means and the usual way out, for docs and for diagnostics without a specific fix. */
export interface DiagnosticCodeInfo {
  readonly title: string;
  readonly fix: string;
}

/**
 * The table of all diagnostic codes. The docs site renders it; {@link Diagnostic.fix} falls back to
 * the `fix` here when a diagnostic has nothing more specific to say.
 */
export const DIAGNOSTIC_CODES: Readonly<Record<DiagnosticCode, DiagnosticCodeInfo>> = {
  KILN_NON_LITERAL: {
    title: "A decorator value is not a literal",
    fix: "Write the value inline as a literal (a string, an array of strings, a number or an object literal); codegen reads decorators without running your code.",
  },
  KILN_INVALID_TYPE: {
    title: "A decorator value has the wrong type",
    fix: "Use a string literal, an array of string literals for `permissions` and `allowedHosts`, an object literal for `limits` and a number literal for each limit in `limits`.",
  },
  KILN_DUPLICATE_JOB: {
    title: "Two jobs have the same name",
    fix: 'Give one of the jobs another name with @job({ name: "…" }).',
  },
  KILN_INVALID_VERSION: {
    title: "The version is not a semantic version",
    fix: 'Use MAJOR.MINOR.PATCH, for example "1.0.0".',
  },
  KILN_UNKNOWN_PERMISSION: {
    title: "A permission is neither built in nor published by the application",
    fix: 'Fix the spelling, or list the application\'s permission names in package.json under "kiln": { "permissions": [...] }.',
  },
  KILN_DUPLICATE_PERMISSION: {
    title: "A permission is listed twice",
    fix: "Remove the repeated permission.",
  },
  KILN_INVALID_HOST: {
    title: "An allowed host is not a bare lowercase host name",
    fix: 'Write the host name alone, in lowercase, with an optional port: "example.com" or "localhost:8080" (no scheme, path or wildcard).',
  },
  KILN_DUPLICATE_HOST: {
    title: "An allowed host is listed twice",
    fix: "Remove the repeated host.",
  },
  KILN_HOSTS_WITHOUT_FETCH: {
    title: 'allowedHosts is set but the "http.fetch" permission is not requested',
    fix: 'Add "http.fetch" to permissions, or remove allowedHosts.',
  },
  KILN_FETCH_WITHOUT_HOSTS: {
    title: 'The "http.fetch" permission is requested but no host is allowed',
    fix: 'List the hosts the extension calls in allowedHosts (for example allowedHosts: ["api.example.com"]), or remove "http.fetch".',
  },
  KILN_INVALID_LIMIT: {
    title: "A limit is out of range",
    fix: "Use a positive number no larger than the limit's maximum, a whole number for every limit except memoryMiB; the diagnostic states the range from the host's limits table.",
  },
  KILN_DECORATOR_TARGET: {
    title: "A Kiln decorator is on something it cannot decorate",
    fix: "Put @extension on an exported class declaration and @job on a public instance method of that class.",
  },
  KILN_DECORATOR_NOT_CALLED: {
    title: "A Kiln decorator is used without calling it",
    fix: "Call the decorator: write @job() or @extension({ … }).",
  },
  KILN_DUPLICATE_DECORATOR: {
    title: "The same Kiln decorator is applied twice",
    fix: "Remove the repeated decorator.",
  },
  KILN_EXTRA_ARGUMENT: {
    title: "A Kiln decorator got more than one argument",
    fix: "Pass a single options object.",
  },
  KILN_NO_EXTENSION: {
    title: "No @extension class was found",
    fix: "Decorate one exported class with @extension({ id, name, version }) from @kiln/sdk in the entry file or a file it imports.",
  },
  KILN_MULTIPLE_EXTENSIONS: {
    title: "More than one @extension class was found",
    fix: "Keep one @extension class per project; move the other into its own extension project.",
  },
  KILN_NOT_EXPORTED: {
    title: "The @extension class is not exported by name",
    fix: "Write `export class …` so the generated glue can import the class.",
  },
  KILN_INVALID_ID: {
    title: "The extension id is not kebab-case",
    fix: 'Use lowercase letters, digits and single dashes, starting with a letter, at most 64 characters (for example "photo-tagger").',
  },
  KILN_INVALID_JOB_NAME: {
    title: "A job name is not kebab-case",
    fix: 'Use lowercase letters, digits and single dashes, starting with a letter, at most 64 characters (for example "tag-folder").',
  },
  KILN_INVALID_VALUE: {
    title: "A decorator value is out of range",
    fix: "Use a non-empty name of at most 100 characters and a description of at most 1000.",
  },
  KILN_MISSING_OPTION: {
    title: "A required option is missing",
    fix: "Add the option; @extension needs id, name and version.",
  },
  KILN_UNKNOWN_OPTION: {
    title: "An option is not known",
    fix: "Remove the option or fix its spelling.",
  },
  KILN_DUPLICATE_OPTION: {
    title: "An option is given twice",
    fix: "Remove the repeated option.",
  },
  KILN_STATIC_JOB: {
    title: "A job method is static",
    fix: "Remove `static`: jobs run on the extension's instance.",
  },
  KILN_PRIVATE_JOB: {
    title: "A job method is private or protected",
    fix: "Make the method public: the generated glue calls it from outside the class.",
  },
  KILN_JOB_OUTSIDE_EXTENSION: {
    title: "A @job method is in a class without @extension",
    fix: "Move the method into the @extension class.",
  },
  KILN_SYNTAX_ERROR: {
    title: "The source does not parse",
    fix: "Fix the syntax error.",
  },
  KILN_ENTRY_NOT_FOUND: {
    title: "The entry file does not exist",
    fix: 'Create src/index.ts, or point package.json "kiln": { "entry": "…" } at the file that exports the extension class.',
  },
  KILN_INVALID_CONFIG: {
    title: 'The "kiln" section of package.json is invalid',
    fix: 'Write "kiln": { "entry": "src/index.ts", "permissions": ["acme.invoices.read"] } with string values.',
  },
};

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
 * babel's and vitest's code frames.
 */
export function codeFrame(source: string, span: FrameSpan): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, span.line - CONTEXT_LINES);
  const last = Math.min(lines.length, span.line + CONTEXT_LINES);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = lines[n - 1] ?? "";
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
export class DiagnosticsError extends Error {
  override readonly name = "DiagnosticsError";
  /** Stable code of the failure as a whole; the individual causes are in {@link diagnostics}. */
  readonly code = "KILN_BUILD_FAILED";
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super([...diagnostics.map(formatDiagnostic), summarizeDiagnostics(diagnostics)].join("\n\n"));
    this.diagnostics = diagnostics;
  }
}
