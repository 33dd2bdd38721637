/**
 * Collects the analysis' diagnostics with positions, code frames and fixes, so that the checks
 * only say what is wrong; assembles the {@link AnalysisResult}.
 *
 * @module
 */
import path from "node:path";
import type { Node, SourceFile } from "ts-morph";
import { codeFrame, DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";
import type { ExtensionModel, SourceLocation } from "../model.js";

/** What analysis found. */
export interface AnalysisResult {
  /** The model; present only when there is no error diagnostic. */
  readonly model?: ExtensionModel;
  /** Every error and warning, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Collects diagnostics with positions, frames and fixes, so the checks only say what is wrong. */
export class Reporter {
  private readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly projectDir: string) {}

  error(node: Node, code: DiagnosticCode, message: string, fix?: string): void {
    this.add(node, "error", code, message, fix);
  }

  warning(node: Node, code: DiagnosticCode, message: string, fix?: string): void {
    this.add(node, "warning", code, message, fix);
  }

  /** A problem with a whole file (or a JSON file we do not parse positions in): points at 1:1. */
  atFile(file: string, code: DiagnosticCode, message: string, fix?: string): void {
    const base = {
      code,
      severity: "error",
      message,
      file: this.relative(file),
      line: 1,
      column: 1,
      frame: "",
    } as const;
    this.diagnostics.push({ ...base, fix: fix ?? DIAGNOSTIC_CODES[code].fix });
  }

  /**
   * An error at a raw text span: the compiler's own syntax errors, and what the schema writer finds
   * through the compiler's nodes (a property's declaration, a JSDoc tag).
   */
  atSpan(
    sourceFile: SourceFile,
    start: number,
    length: number,
    code: DiagnosticCode,
    message: string,
    fix?: string,
  ): void {
    const end = Math.min(start + Math.max(length, 1), sourceFile.getEnd());
    this.push(sourceFile, start, end, "error", code, message, fix);
  }

  location(node: Node): SourceLocation {
    const { line, column } = node.getSourceFile().getLineAndColumnAtPos(node.getStart());
    return { file: this.relative(node.getSourceFile().getFilePath()), line, column };
  }

  relative(file: string): string {
    return path.relative(this.projectDir, file).split(path.sep).join("/");
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === "error");
  }

  result(model: ExtensionModel | undefined): AnalysisResult {
    const diagnostics = [...this.diagnostics].sort(compareDiagnostics);
    return model === undefined || this.hasErrors ? { diagnostics } : { model, diagnostics };
  }

  private add(node: Node, severity: Diagnostic["severity"], code: DiagnosticCode, message: string, fix?: string) {
    this.push(node.getSourceFile(), node.getStart(), node.getEnd(), severity, code, message, fix);
  }

  /** Records a diagnostic for the text from `start` to `end`, with its code frame. */
  private push(
    sourceFile: SourceFile,
    start: number,
    end: number,
    severity: Diagnostic["severity"],
    code: DiagnosticCode,
    message: string,
    fix?: string,
  ): void {
    const from = sourceFile.getLineAndColumnAtPos(start);
    const to = sourceFile.getLineAndColumnAtPos(end);
    const frame = codeFrame(sourceFile.getFullText(), {
      line: from.line,
      column: from.column,
      endLine: to.line,
      endColumn: to.column,
    });
    const file = this.relative(sourceFile.getFilePath());
    this.diagnostics.push({ code, severity, message, file, ...from, frame, fix: fix ?? DIAGNOSTIC_CODES[code].fix });
  }
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** `src/index.ts:3:15`, as messages refer to another place. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}
