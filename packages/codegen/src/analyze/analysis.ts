/**
 * One analysis of one project: loads the entry and the author's files it imports, finds the Kiln
 * decorators in them and has the `@extension` and `@job` checks build the model, with the JSON
 * Schemas of each job's values written from the author's types.
 *
 * @module
 */
import path from "node:path";
import { Project, type SourceFile, ts } from "ts-morph";
import type { ExtensionModel } from "../model.js";
import { ExtensionChecker, type ExtensionClass } from "./extension.js";
import { JobChecker } from "./jobs.js";
import { OptionReader } from "./options.js";
import { formatLocation, type Reporter } from "./reporter.js";
import { SchemaWriter } from "./schema.js";
import { SDK_MODULE, SdkResolver } from "./sdk.js";

/** How an {@link Analysis} judges the project. */
export interface AnalysisOptions {
  /** Permission names the application offers, the built-in ones included. */
  readonly knownPermissions: ReadonlySet<string>;
  /** Refuse `any` in a job's input, result and state types (see `SchemaWriterOptions.strict`). */
  readonly strict: boolean;
}

export class Analysis {
  private readonly sdk = new SdkResolver();
  private readonly extensions: ExtensionChecker;
  private readonly jobs: JobChecker;
  /** Compiler file names of the author's own files, once loaded. */
  private localFiles: ReadonlySet<string> = new Set();

  constructor(
    private readonly projectDir: string,
    private readonly report: Reporter,
    options: AnalysisOptions,
  ) {
    const reader = new OptionReader(report);
    const schemas = new SchemaWriter(report, {
      strict: options.strict,
      isLocal: (fileName) => this.localFiles.has(fileName),
    });
    this.extensions = new ExtensionChecker(report, reader, options.knownPermissions);
    this.jobs = new JobChecker(report, reader, schemas);
  }

  run(entryPath: string): ExtensionModel | undefined {
    const files = this.loadLocalFiles(entryPath);
    this.localFiles = new Set(files.map((file) => file.compilerNode.fileName));
    for (const file of files) this.reportSyntaxErrors(file);
    const found = files.flatMap((file) => this.sdk.findKilnDecorators(file));
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
   * Loads the entry and what it imports, and keeps the author's own files. The options keep this
   * lean: no tsconfig file list, no @types, no DOM; the ES2022 lib is loaded because the job
   * schemas need real types (`Promise` to unwrap a result, `Date` and `Map` to refuse), and
   * `strictNullChecks` because `T | null` and optional properties mean something in a schema.
   */
  private loadLocalFiles(entryPath: string): SourceFile[] {
    const project = new Project({
      skipAddingFilesFromTsConfig: true,
      compilerOptions: {
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
      },
    });
    const entry = project.addSourceFileAtPath(entryPath);
    project.resolveSourceFileDependencies();
    const others = project
      .getSourceFiles()
      .filter((file) => file !== entry && this.isLocal(file))
      .sort((a, b) => (a.getFilePath() < b.getFilePath() ? -1 : 1));
    return [entry, ...others];
  }

  private isLocal(file: SourceFile): boolean {
    const relative = path.relative(this.projectDir, file.getFilePath());
    const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
    return inside && !file.isDeclarationFile() && !file.isInNodeModules() && !this.sdk.isInSdk(file);
  }

  private reportSyntaxErrors(file: SourceFile): void {
    const program = file.getProject().getProgram().compilerObject;
    for (const d of program.getSyntacticDiagnostics(file.compilerNode)) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      this.report.atSpan(file, d.start ?? 0, d.length ?? 1, "KILN_SYNTAX_ERROR", message);
    }
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
