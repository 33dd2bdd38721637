/**
 * The type checker's verdict on the author's files as build diagnostics (`KILN_TYPE_ERROR`, the
 * message led by TypeScript's own code: `TS2322: Type 'string' is not assignable to type
 * 'number'.`), with the configuration's own problems and the refusal of `experimentalDecorators`.
 * Where Kiln already said what is wrong (a Kiln decorator with an error in it, an import of a Node
 * built-in), TypeScript's take on the same code is left out.
 *
 * @module
 */
import path from "node:path";
import { ts } from "ts-morph";
import type { Reporter, TextSpan } from "./reporter.js";
import { findOptionSetting, type ProjectTsconfig } from "./tsconfig.js";

/**
 * What `experimentalDecorators` makes of the SDK's standard decorators: "Unable to resolve
 * signature of … decorator" (TS1238–TS1241) and "Decorator function return type …" (TS1270,
 * TS1271) at every one of them. `KILN_EXPERIMENTAL_DECORATORS` says it once, at the option.
 */
const DECORATOR_SIGNATURE_ERRORS: ReadonlySet<number> = new Set([1238, 1239, 1240, 1241, 1270, 1271]);

/** How {@link reportTypeErrors} chooses and places what it reports. */
export interface TypeCheckScope {
  /** The author's files to report the checker's errors in (compiler file names). */
  readonly files: ReadonlySet<string>;
  /** Spans per file where Kiln has reported the problem already. */
  readonly covered: (fileName: string) => readonly TextSpan[];
  /** The configuration: its problems, and whether to leave out decorator signature errors. */
  readonly tsconfig: ProjectTsconfig;
  /** Where a diagnostic that belongs to no file is reported: the tsconfig.json, or the entry. */
  readonly fallbackFile: string;
}

/**
 * Reports the configuration's problems, the program's option and global diagnostics, and the
 * semantic diagnostics of the author's files, each as `KILN_TYPE_ERROR`.
 */
export function reportTypeErrors(program: ts.Program, scope: TypeCheckScope, report: Reporter): void {
  const experimental = scope.tsconfig.options.experimentalDecorators === true;
  const general = [...scope.tsconfig.problems, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const d of general) reportDiagnostic(d, scope.fallbackFile, report);
  for (const file of program.getSourceFiles()) {
    if (!scope.files.has(file.fileName)) continue;
    const covered = scope.covered(file.fileName);
    for (const d of program.getSemanticDiagnostics(file)) {
      if (experimental && DECORATOR_SIGNATURE_ERRORS.has(d.code)) continue;
      if (d.start !== undefined && covered.some((span) => overlaps(span, d.start ?? 0, d.length ?? 0))) continue;
      reportDiagnostic(d, scope.fallbackFile, report);
    }
  }
}

function overlaps(span: TextSpan, start: number, length: number): boolean {
  return start < span.end && span.start < start + Math.max(length, 1);
}

function reportDiagnostic(d: ts.Diagnostic, fallbackFile: string, report: Reporter): void {
  const severity = d.category === ts.DiagnosticCategory.Error ? "error" : "warning";
  if (d.category !== ts.DiagnosticCategory.Error && d.category !== ts.DiagnosticCategory.Warning) return;
  const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  if (d.file !== undefined && d.start !== undefined) {
    report.atCompilerSpan(d.file, d.start, d.length ?? 0, severity, "KILN_TYPE_ERROR", message);
  } else {
    report.atFile(fallbackFile, "KILN_TYPE_ERROR", message);
  }
}

/**
 * `experimentalDecorators: true` turns the SDK's standard decorators into TypeScript's legacy
 * ones, which neither type-check nor run as Kiln's: reported at the line that sets it, in whichever
 * file of the `extends` chain that is.
 */
export function reportExperimentalDecorators(tsconfig: ProjectTsconfig, report: Reporter): void {
  if (tsconfig.options.experimentalDecorators !== true) return;
  const setting = findOptionSetting(tsconfig, "experimentalDecorators");
  const own = tsconfig.source.fileName;
  const where =
    setting === undefined || setting.source.fileName === own
      ? ""
      : ` in ${report.relative(setting.source.fileName)}, which ${path.basename(own)} extends`;
  const message = `experimentalDecorators is true${where}: Kiln's @extension and @job are standard (TC39) decorators, which this option makes TypeScript and esbuild compile as legacy ones`;
  if (setting === undefined) {
    report.atFile(own, "KILN_EXPERIMENTAL_DECORATORS", message);
    return;
  }
  const start = setting.node.getStart(setting.source);
  report.atCompilerSpan(
    setting.source,
    start,
    setting.node.end - start,
    "error",
    "KILN_EXPERIMENTAL_DECORATORS",
    message,
  );
}
