/**
 * One analysis of one project: loads the entry and the author's files it imports, finds the Kiln
 * decorators in them and has the `@extension` and `@job` checks build the model, with the JSON
 * Schemas of each job's values written from the author's types; refuses imports of Node
 * built-ins; and reports what the type checker finds in the author's files.
 *
 * @module
 */
import path from "node:path";
import { type Project, type SourceFile, ts } from "ts-morph";
import type { ExtensionModel } from "../model.js";
import { type AnalysisCache, isOwnFile, newProject } from "./cache.js";
import { ExtensionChecker, type ExtensionClass } from "./extension.js";
import { reportBuiltinImports } from "./imports.js";
import { JobChecker } from "./jobs.js";
import { OptionReader } from "./options.js";
import { formatLocation, type Reporter, type TextSpan } from "./reporter.js";
import { SchemaWriter } from "./schema.js";
import { type KilnDecorator, SDK_MODULE, SdkResolver } from "./sdk.js";
import { checksNulls, type ProjectTsconfig } from "./tsconfig.js";
import { reportTypeErrors } from "./typecheck.js";

/** How an {@link Analysis} judges the project. */
export interface AnalysisOptions {
  /** Permission names the application offers, the built-in ones included. */
  readonly knownPermissions: ReadonlySet<string>;
  /** Refuse `any` in a job's input, result and state types (see `SchemaWriterOptions.strict`). */
  readonly strict: boolean;
  /** The project's TypeScript configuration, which the analysis and the type check use. */
  readonly tsconfig: ProjectTsconfig;
  /** Report the type checker's errors in the author's files (`KILN_TYPE_ERROR`). */
  readonly typecheck: boolean;
  /** Projects kept from earlier analyses in this process; without it each analysis starts afresh. */
  readonly cache?: AnalysisCache | undefined;
}

/**
 * The analysis' own options, for a project whose own lack `strictNullChecks`: no @types, no DOM;
 * the ES2022 lib because the job schemas need real types (`Promise` to unwrap a result, `Date` and
 * `Map` to refuse), and `strictNullChecks` because `T | null` and optional properties mean
 * something in a schema. The type check then runs on a second program with the project's options.
 */
const SCHEMA_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Resolves workspace packages to their sources when dist is not built; elsewhere the
  // condition matches nothing and resolution falls through to "types".
  customConditions: ["@kiln/source"],
  lib: ["lib.es2022.d.ts"],
  strictNullChecks: true,
  types: [],
  noEmit: true,
  allowJs: false,
};

export class Analysis {
  private readonly sdk = new SdkResolver();
  private readonly extensions: ExtensionChecker;
  private readonly jobs: JobChecker;
  /** Compiler file names of the author's own files, once loaded. */
  private localFiles: ReadonlySet<string> = new Set();

  constructor(
    private readonly projectDir: string,
    private readonly report: Reporter,
    private readonly options: AnalysisOptions,
  ) {
    const reader = new OptionReader(report);
    const schemas = new SchemaWriter(report, {
      strict: options.strict,
      isLocal: (fileName) => this.localFiles.has(fileName),
      // Global declaration files from outside the project (the sandbox's, @types/*) describe the
      // environment as lib.d.ts does; the project's own are the author's types.
      isEnvironment: (file) =>
        file.isDeclarationFile && !ts.isExternalModule(file) && !isOwnFile(this.projectDir, file.fileName),
    });
    this.extensions = new ExtensionChecker(report, reader, options.knownPermissions);
    this.jobs = new JobChecker(report, reader, schemas);
  }

  run(entryPath: string): ExtensionModel | undefined {
    // The project's own options serve the schemas too when they check nulls: one program, and the
    // type check costs only what the schemas did not already ask of the checker.
    const shared = checksNulls(this.options.tsconfig.options);
    const project = this.loadProject(shared ? this.options.tsconfig.options : SCHEMA_OPTIONS, entryPath);
    const files = this.localSourceFiles(project, entryPath);
    this.localFiles = new Set(files.map((file) => file.compilerNode.fileName));
    let parses = true;
    for (const file of files) parses = this.reportSyntaxErrors(file) && parses;
    const builtinImports = new Map(
      files.map((file) => [file.compilerNode.fileName, reportBuiltinImports(file, this.report)]),
    );
    const found = files.flatMap((file) => this.sdk.findKilnDecorators(file));
    const model = this.model(files, found);
    // As tsc does, no type errors for code that does not parse: they would only repeat the syntax error.
    if (this.options.typecheck && parses) {
      const checked = shared ? project : this.loadProject(this.options.tsconfig.options, entryPath);
      const covered = this.coveredSpans(found, builtinImports);
      reportTypeErrors(
        checked.getProgram().compilerObject,
        {
          files: new Set([...this.localFiles, ...this.ownDeclarationFiles()]),
          covered: (fileName) => covered.get(fileName) ?? [],
          tsconfig: this.options.tsconfig,
          fallbackFile: this.options.tsconfig.file ?? entryPath,
        },
        this.report,
      );
    }
    return model;
  }

  private model(files: readonly SourceFile[], found: readonly KilnDecorator[]): ExtensionModel | undefined {
    const classes = this.extensions.extensionClasses(found.filter((d) => d.kind === "extension"));
    const jobs = this.jobs.jobMethods(
      found.filter((d) => d.kind === "job"),
      classes,
    );
    if (classes.length === 0) {
      if (!found.some((d) => d.kind === "extension")) this.reportNoExtension(files[0]);
      return undefined;
    }
    this.reportExtraExtensions(classes);
    const models = classes.map((cls) => this.extensions.extensionModel(cls, jobs.get(cls.declaration) ?? []));
    return models.length === 1 ? models[0] : undefined;
  }

  /**
   * A project with the entry, the declaration files the tsconfig includes (globals the author
   * declares) and everything they import. From the cache when there is one.
   */
  private loadProject(options: ts.CompilerOptions, entryPath: string): Project {
    const project = this.options.cache?.project(this.projectDir, options) ?? newProject(options);
    project.addSourceFileAtPath(entryPath);
    for (const file of this.options.tsconfig.declarationFiles) project.addSourceFileAtPathIfExists(file);
    project.resolveSourceFileDependencies();
    return project;
  }

  /** The entry, then the author's other files it imports, in path order. */
  private localSourceFiles(project: Project, entryPath: string): SourceFile[] {
    const entry = project.getSourceFileOrThrow(entryPath);
    const others = project
      .getSourceFiles()
      .filter((file) => file !== entry && this.isLocal(file))
      .sort((a, b) => (a.getFilePath() < b.getFilePath() ? -1 : 1));
    return [entry, ...others];
  }

  private isLocal(file: SourceFile): boolean {
    return isOwnFile(this.projectDir, file.getFilePath()) && !file.isDeclarationFile() && !this.sdk.isInSdk(file);
  }

  /** The author's declaration files the tsconfig includes: checked like the rest of their code. */
  private ownDeclarationFiles(): string[] {
    return this.options.tsconfig.declarationFiles
      .map((file) => file.split(path.sep).join("/"))
      .filter((file) => isOwnFile(this.projectDir, file));
  }

  /**
   * Where Kiln has said what is wrong, so the type checker need not: each Kiln error's span, each
   * Kiln decorator with an error in it (TypeScript's complaints about its options or its target
   * repeat Kiln's) and each import of a Node built-in ("Cannot find module 'node:fs'").
   */
  private coveredSpans(
    found: readonly KilnDecorator[],
    builtinImports: ReadonlyMap<string, readonly TextSpan[]>,
  ): Map<string, TextSpan[]> {
    const covered = new Map<string, TextSpan[]>();
    for (const fileName of this.localFiles) {
      covered.set(fileName, [...this.report.errorsIn(fileName), ...(builtinImports.get(fileName) ?? [])]);
    }
    for (const { decorator } of found) {
      const fileName = decorator.getSourceFile().compilerNode.fileName;
      const span = { start: decorator.getStart(), end: decorator.getEnd() };
      const errors = this.report.errorsIn(fileName);
      if (errors.some((e) => e.start >= span.start && e.start < span.end)) covered.get(fileName)?.push(span);
    }
    return covered;
  }

  /** Reports the file's syntax errors; true when it has none. */
  private reportSyntaxErrors(file: SourceFile): boolean {
    const program = file.getProject().getProgram().compilerObject;
    const diagnostics = program.getSyntacticDiagnostics(file.compilerNode);
    for (const d of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      this.report.atSpan(file, d.start ?? 0, d.length ?? 1, "KILN_SYNTAX_ERROR", message);
    }
    return diagnostics.length === 0;
  }

  private reportNoExtension(entry: SourceFile | undefined): void {
    if (entry === undefined) return;
    this.report.atFile(
      entry.getFilePath(),
      "KILN_NO_EXTENSION",
      `no class decorated with @extension from ${SDK_MODULE} in ${this.report.relative(entry.getFilePath())} or the files it imports`,
    );
  }

  private reportExtraExtensions(classes: readonly ExtensionClass[]): void {
    const [first, ...rest] = classes;
    if (first === undefined) return;
    const where = formatLocation(this.report.location(first.declaration.getNameNode() ?? first.declaration));
    for (const extra of rest) {
      this.report.error(
        extra.decorator.decorator,
        "KILN_MULTIPLE_EXTENSIONS",
        `a second @extension class; the first is ${first.declaration.getName() ?? "a class"} at ${where}`,
      );
    }
  }
}
