/**
 * One analysis of one project: loads the entry and the author's files it imports, finds the Kiln
 * decorators in them and has the `@extension` and `@job` checks build the model.
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
import { SDK_MODULE, SdkResolver } from "./sdk.js";

export class Analysis {
  private readonly sdk = new SdkResolver();
  private readonly extensions: ExtensionChecker;
  private readonly jobs: JobChecker;

  constructor(
    private readonly projectDir: string,
    private readonly report: Reporter,
    knownPermissions: ReadonlySet<string>,
  ) {
    const options = new OptionReader(report);
    this.extensions = new ExtensionChecker(report, options, knownPermissions);
    this.jobs = new JobChecker(report, options);
  }

  run(entryPath: string): ExtensionModel | undefined {
    const files = this.loadLocalFiles(entryPath);
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
   * fast: no tsconfig file list, no lib files, no @types; only symbols are needed, not types.
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
        noLib: true,
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
