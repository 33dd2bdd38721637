/**
 * Collects the analysis' diagnostics with positions, code frames and fixes, so that the checks
 * only say what is wrong; assembles the {@link AnalysisResult}.
 *
 * @module
 */
import path from "node:path";
import { type Node, type SourceFile, ts } from "ts-morph";
import { codeFrame, DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from "../diagnostics.js";
import type { ExtensionModel, SourceLocation } from "../model.js";

/** What analysis found. */
export interface AnalysisResult {
  /** The model; present only when there is no error diagnostic. */
  readonly model?: ExtensionModel;
  /** Every error and warning, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
}

/** A span of a file's text: offsets from its start, end exclusive. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

/** Collects diagnostics with positions, frames and fixes, so the checks only say what is wrong. */
export class Reporter {
  private readonly diagnostics: Diagnostic[] = [];
  /** The spans of the errors reported so far, by compiler file name. */
  private readonly errorSpans = new Map<string, TextSpan[]>();
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

  /**
   * A diagnostic at a span of a compiler source file that may have no ts-morph wrapper: the type
   * checker's diagnostics (from a second program, perhaps) and places in a tsconfig.json.
   */
  atCompilerSpan(
    file: ts.SourceFile,
    start: number,
    length: number,
    severity: Diagnostic["severity"],
    code: DiagnosticCode,
    message: string,
    fix?: string,
  ): void {
    const end = Math.min(start + Math.max(length, 1), file.text.length);
    const at = (pos: number) => {
      const { line, character } = ts.getLineAndCharacterOfPosition(file, pos);
      return { line: line + 1, column: character + 1 };
    };
    this.record(file.fileName, file.text, { start, end }, at(start), at(end), severity, code, message, fix);
  }

  /** The spans of the errors reported so far in `fileName` (a compiler file name). */
  errorsIn(fileName: string): readonly TextSpan[] {
    return this.errorSpans.get(fileName) ?? [];
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
    const text = sourceFile.getFullText();
    this.record(sourceFile.compilerNode.fileName, text, { start, end }, from, to, severity, code, message, fix);
  }

  private record(
    fileName: string,
    text: string,
    span: TextSpan,
    from: { line: number; column: number },
    to: { line: number; column: number },
    severity: Diagnostic["severity"],
    code: DiagnosticCode,
    message: string,
    fix: string | undefined,
  ): void {
    const frame = codeFrame(text, { line: from.line, column: from.column, endLine: to.line, endColumn: to.column });
    const file = this.relative(fileName);
    this.diagnostics.push({ code, severity, message, file, ...from, frame, fix: fix ?? DIAGNOSTIC_CODES[code].fix });
    if (severity !== "error") return;
    const spans = this.errorSpans.get(fileName) ?? [];
    spans.push(span);
    this.errorSpans.set(fileName, spans);
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
