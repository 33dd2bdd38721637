/**
 * Static analysis of an extension project: finds the `@extension` class and its `@job` methods by
 * following imports to `@kiln/sdk`, reads their options as literals and builds the
 * {@link ExtensionModel}. It never runs the author's code, and it reports every problem it finds
 * in one pass, each at the most precise place.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  BUILTIN_PERMISSIONS,
  KEBAB_CASE_PATTERN,
  LIMIT_NAMES,
  LIMITS,
  type LimitName,
  type LimitSpec,
  PERMISSION_PATTERN,
  SEMVER_PATTERN,
} from "@kiln/host";
import {
  type CallExpression,
  type ClassDeclaration,
  type Decorator,
  type MethodDeclaration,
  type Symbol as MorphSymbol,
  Node,
  type ObjectLiteralElementLike,
  type ObjectLiteralExpression,
  Project,
  type SourceFile,
  SyntaxKind,
  ts,
} from "ts-morph";
import { codeFrame, DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from "./diagnostics.js";
import { EXTENSION_MODEL_VERSION, type ExtensionModel, type JobModel, type SourceLocation } from "./model.js";

/** Where and how to analyze. */
export interface AnalyzeOptions {
  /** The extension project's root: the folder with its package.json. */
  readonly projectDir: string;
  /** Entry file, relative to `projectDir`. Default: package.json `"kiln": { "entry" }`, else `src/index.ts`. */
  readonly entry?: string;
  /** Permission names the target application offers, besides the built-in ones. */
  readonly knownPermissions?: readonly string[];
}

/** What analysis found. */
export interface AnalysisResult {
  /** The model; present only when there is no error diagnostic. */
  readonly model?: ExtensionModel;
  /** Every error and warning, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
}

const SDK_MODULE = "@kiln/sdk";
const DEFAULT_ENTRY = "src/index.ts";
const MAX_KEBAB_LENGTH = 64;
const MAX_NAME_LENGTH = 100;
const MAX_DESCRIPTION_LENGTH = 1000;
const KEBAB_CASE = new RegExp(KEBAB_CASE_PATTERN);
const SEMVER = new RegExp(SEMVER_PATTERN);
const HOOKS = ["init", "cleanup"] as const;
/** The permission that `allowedHosts` are for: each needs the other to do anything. */
const FETCH_PERMISSION = "http.fetch";
/** The manifest schema's `allowedHosts` item limit; a DNS name is at most 253 characters. */
const MAX_HOST_LENGTH = 260;
const MAX_HOSTNAME_LENGTH = 253;
const MAX_PORT = 65_535;

type KilnDecoratorName = "extension" | "job";

/** How an option's value is read: a literal of one kind, or an object literal with options of its own. */
type OptionKind = "string" | "strings" | "number" | OptionSpec;

/** The options an object literal may have, by key. */
interface OptionSpec {
  readonly [key: string]: OptionKind;
}

/** Every limit in the host's table is a number option of `limits`, and nothing else is. */
const LIMITS_OPTIONS: OptionSpec = Object.fromEntries(LIMIT_NAMES.map((name) => [name, "number"]));
const EXTENSION_OPTIONS: OptionSpec = {
  id: "string",
  name: "string",
  version: "string",
  description: "string",
  permissions: "strings",
  allowedHosts: "strings",
  limits: LIMITS_OPTIONS,
};
const EXTENSION_REQUIRED = ["id", "name", "version"] as const;
const JOB_OPTIONS: OptionSpec = { name: "string", description: "string" };

/**
 * Analyzes the project at `options.projectDir` starting from its entry file. Never throws for
 * problems in the author's project: they come back as diagnostics.
 */
export function analyzeProject(options: AnalyzeOptions): AnalysisResult {
  const projectDir = path.resolve(options.projectDir);
  const report = new Reporter(projectDir);
  const config = readKilnConfig(projectDir, report);
  const entryPath = path.resolve(projectDir, options.entry ?? config.entry ?? DEFAULT_ENTRY);
  if (!existsSync(entryPath)) {
    report.atFile(entryPath, "KILN_ENTRY_NOT_FOUND", `entry file ${report.relative(entryPath)} does not exist`);
    return report.result(undefined);
  }
  const known = [...BUILTIN_PERMISSIONS, ...(options.knownPermissions ?? []), ...config.permissions];
  const analysis = new Analysis(projectDir, report, new Set(known));
  return report.result(analysis.run(entryPath));
}

// ---------------------------------------------------------------------------------------------
// Project configuration

interface KilnConfig {
  readonly entry?: string;
  readonly permissions: readonly string[];
}

/** Reads package.json `"kiln"`; a missing package.json is fine (a bare folder with src/index.ts). */
function readKilnConfig(projectDir: string, report: Reporter): KilnConfig {
  const file = path.join(projectDir, "package.json");
  if (!existsSync(file)) return { permissions: [] };
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    report.atFile(file, "KILN_INVALID_CONFIG", `package.json is not valid JSON: ${(error as Error).message}`);
    return { permissions: [] };
  }
  const kiln = isRecord(pkg) ? pkg.kiln : undefined;
  if (kiln === undefined) return { permissions: [] };
  if (!isRecord(kiln)) {
    report.atFile(file, "KILN_INVALID_CONFIG", 'package.json "kiln" must be an object');
    return { permissions: [] };
  }
  return { ...configEntry(kiln, file, report), permissions: configPermissions(kiln, file, report) };
}

function configEntry(kiln: Record<string, unknown>, file: string, report: Reporter): { entry?: string } {
  const entry = kiln.entry;
  if (entry === undefined) return {};
  if (typeof entry === "string" && entry !== "") return { entry };
  report.atFile(file, "KILN_INVALID_CONFIG", 'package.json "kiln.entry" must be a non-empty string');
  return {};
}

function configPermissions(kiln: Record<string, unknown>, file: string, report: Reporter): string[] {
  const permissions = kiln.permissions;
  if (permissions === undefined) return [];
  if (!Array.isArray(permissions)) {
    report.atFile(file, "KILN_INVALID_CONFIG", 'package.json "kiln.permissions" must be an array of permission names');
    return [];
  }
  return permissions.filter((p): p is string => {
    if (typeof p === "string" && new RegExp(PERMISSION_PATTERN).test(p)) return true;
    report.atFile(
      file,
      "KILN_INVALID_CONFIG",
      `package.json "kiln.permissions" has an invalid name ${JSON.stringify(p)}`,
    );
    return false;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Diagnostics collection

/** Collects diagnostics with positions, frames and fixes, so the checks only say what is wrong. */
class Reporter {
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

  /** A diagnostic at a raw text span, for the compiler's own syntax errors. */
  atSpan(sourceFile: SourceFile, start: number, length: number, code: DiagnosticCode, message: string): void {
    const from = sourceFile.getLineAndColumnAtPos(start);
    const end = Math.min(start + Math.max(length, 1), sourceFile.getEnd());
    const to = sourceFile.getLineAndColumnAtPos(end);
    const frame = codeFrame(sourceFile.getFullText(), {
      line: from.line,
      column: from.column,
      endLine: to.line,
      endColumn: to.column,
    });
    const file = this.relative(sourceFile.getFilePath());
    const fix = DIAGNOSTIC_CODES[code].fix;
    this.diagnostics.push({ code, severity: "error", message, file, ...from, frame, fix });
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
    const sourceFile = node.getSourceFile();
    const from = sourceFile.getLineAndColumnAtPos(node.getStart());
    const to = sourceFile.getLineAndColumnAtPos(node.getEnd());
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

// ---------------------------------------------------------------------------------------------
// The analysis

/** A decorator that resolves to `@kiln/sdk`'s `extension` or `job`. */
interface KilnDecorator {
  readonly kind: KilnDecoratorName;
  readonly decorator: Decorator;
  /** The call `extension({...})`; undefined when the decorator was written without calling it. */
  readonly call: CallExpression | undefined;
}

/** The extension's options as read; a value is absent when it was missing or not readable. */
interface ExtensionFields {
  id?: string;
  name?: string;
  version?: string;
  description?: string;
  permissions: string[];
  allowedHosts: string[];
  limits: ExtensionModel["limits"];
}

/** An `@extension` class that passed the target check. */
interface ExtensionClass {
  readonly declaration: ClassDeclaration;
  readonly decorator: KilnDecorator;
}

class Analysis {
  /** Package name of the nearest package.json, per directory: decides what lives in `@kiln/sdk`. */
  private readonly packageNames = new Map<string, string | undefined>();

  constructor(
    private readonly projectDir: string,
    private readonly report: Reporter,
    private readonly knownPermissions: ReadonlySet<string>,
  ) {}

  run(entryPath: string): ExtensionModel | undefined {
    const files = this.loadLocalFiles(entryPath);
    for (const file of files) this.reportSyntaxErrors(file);
    const found = files.flatMap((file) => this.findKilnDecorators(file));
    const classes = this.extensionClasses(found.filter((d) => d.kind === "extension"));
    const jobs = this.jobMethods(
      found.filter((d) => d.kind === "job"),
      classes,
    );
    if (classes.length === 0) {
      if (!found.some((d) => d.kind === "extension")) this.reportNoExtension(files[0]);
      return undefined;
    }
    this.reportExtraExtensions(classes);
    const models = classes.map((cls) => this.extensionModel(cls, jobs.get(cls.declaration) ?? []));
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
    return inside && !file.isDeclarationFile() && !file.isInNodeModules() && !this.isInSdk(file);
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

  // --- finding Kiln decorators ---------------------------------------------------------------

  /** Every decorator in the file that is Kiln's, wherever it stands (checked for its target later). */
  private findKilnDecorators(file: SourceFile): KilnDecorator[] {
    const found: KilnDecorator[] = [];
    for (const decorator of file.getDescendantsOfKind(SyntaxKind.Decorator)) {
      const expression = unwrapParentheses(decorator.getExpression());
      const call = Node.isCallExpression(expression) ? expression : undefined;
      const kind = this.sdkDecoratorName(call ? unwrapParentheses(call.getExpression()) : expression);
      if (kind !== undefined) found.push({ kind, decorator, call });
    }
    return found;
  }

  /** `extension` or `job` when `callee` refers to that export of `@kiln/sdk`, whatever it is called locally. */
  private sdkDecoratorName(callee: Node): KilnDecoratorName | undefined {
    let name: string | undefined;
    if (Node.isIdentifier(callee)) name = this.sdkMember(callee.getSymbol());
    if (Node.isPropertyAccessExpression(callee)) {
      const fromNamespace = this.isSdkNamespace(callee.getExpression().getSymbol());
      name = fromNamespace ? callee.getName() : this.sdkMember(callee.getNameNode().getSymbol());
    }
    return name === "extension" || name === "job" ? name : undefined;
  }

  /** The `@kiln/sdk` export that `symbol` stands for, following import and re-export aliases. */
  private sdkMember(symbol: MorphSymbol | undefined): string | undefined {
    for (const step of aliasChain(symbol)) {
      for (const declaration of step.getDeclarations()) {
        const reference = this.sdkReference(declaration);
        if (reference === "namespace") return undefined;
        if (reference !== undefined) return reference === "self" ? step.getName() : reference;
      }
    }
    return undefined;
  }

  private isSdkNamespace(symbol: MorphSymbol | undefined): boolean {
    for (const step of aliasChain(symbol)) {
      if (step.getDeclarations().some((d) => this.sdkReference(d) === "namespace")) return true;
    }
    return false;
  }

  /**
   * How `declaration` refers to `@kiln/sdk`: `"namespace"` for the module as a whole, `"self"` when
   * it is declared inside the SDK package (the checker resolved the import), the exported name when
   * it imports or re-exports one from the `"@kiln/sdk"` specifier (works when the SDK does not
   * resolve), or undefined.
   */
  private sdkReference(declaration: Node): "namespace" | "self" | string | undefined {
    if (this.isInSdk(declaration.getSourceFile())) return Node.isSourceFile(declaration) ? "namespace" : "self";
    if (Node.isImportSpecifier(declaration)) {
      return declaration.getImportDeclaration().getModuleSpecifierValue() === SDK_MODULE
        ? declaration.getName()
        : undefined;
    }
    if (Node.isExportSpecifier(declaration)) {
      return declaration.getExportDeclaration().getModuleSpecifierValue() === SDK_MODULE
        ? declaration.getName()
        : undefined;
    }
    if (Node.isNamespaceImport(declaration)) {
      const module = declaration.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)?.getModuleSpecifierValue();
      return module === SDK_MODULE ? "namespace" : undefined;
    }
    if (Node.isNamespaceExport(declaration)) {
      const module = declaration.getFirstAncestorByKind(SyntaxKind.ExportDeclaration)?.getModuleSpecifierValue();
      return module === SDK_MODULE ? "namespace" : undefined;
    }
    return undefined;
  }

  /** True for files of the `@kiln/sdk` package, found by its package.json, wherever it is installed. */
  private isInSdk(file: SourceFile): boolean {
    return this.packageNameOf(path.dirname(file.getFilePath())) === SDK_MODULE;
  }

  private packageNameOf(dir: string): string | undefined {
    if (this.packageNames.has(dir)) return this.packageNames.get(dir);
    const manifest = path.join(dir, "package.json");
    const parent = path.dirname(dir);
    let name: string | undefined;
    if (existsSync(manifest)) name = readPackageName(manifest);
    else if (parent !== dir) name = this.packageNameOf(parent);
    this.packageNames.set(dir, name);
    return name;
  }

  // --- @extension ----------------------------------------------------------------------------

  /** The classes `@extension` stands on; reports every other target and repeated decorators. */
  private extensionClasses(decorators: readonly KilnDecorator[]): ExtensionClass[] {
    const classes: ExtensionClass[] = [];
    for (const decorator of decorators) {
      const target = decorator.decorator.getParentOrThrow();
      if (!decorator.call) {
        this.report.error(
          decorator.decorator,
          "KILN_DECORATOR_NOT_CALLED",
          "@extension must be called with its options",
          'Write @extension({ id: "…", name: "…", version: "…" }).',
        );
      }
      if (!Node.isClassDeclaration(target)) {
        this.report.error(
          decorator.decorator,
          "KILN_DECORATOR_TARGET",
          `@extension can only decorate a class declaration, not ${describeTarget(target)}`,
        );
        continue;
      }
      if (classes.some((c) => c.declaration === target)) {
        this.report.error(decorator.decorator, "KILN_DUPLICATE_DECORATOR", "@extension is applied twice to this class");
        continue;
      }
      classes.push({ declaration: target, decorator });
    }
    return classes;
  }

  private extensionModel(cls: ExtensionClass, jobs: readonly JobModel[]): ExtensionModel | undefined {
    const fields = this.extensionFields(cls.decorator);
    const className = this.checkClass(cls.declaration);
    const { id, name, version, description } = fields;
    if (id === undefined || name === undefined || version === undefined || className === undefined) return undefined;
    return {
      modelVersion: EXTENSION_MODEL_VERSION,
      id,
      name,
      version,
      ...(description === undefined ? {} : { description }),
      permissions: [...new Set(fields.permissions)].sort(),
      allowedHosts: [...new Set(fields.allowedHosts)].sort(),
      limits: fields.limits,
      className,
      entryFile: this.report.relative(cls.declaration.getSourceFile().getFilePath()),
      hooks: hooksOf(cls.declaration),
      jobs,
      location: this.report.location(cls.declaration.getNameNode() ?? cls.declaration),
    };
  }

  /** The name the glue imports the class by; reports classes it could not import or instantiate. */
  private checkClass(declaration: ClassDeclaration): string | undefined {
    const anchor = declaration.getNameNode() ?? declaration;
    if (declaration.isAbstract()) {
      this.report.error(
        anchor,
        "KILN_DECORATOR_TARGET",
        "an @extension class cannot be abstract: the host instantiates it",
      );
    }
    const exported = exportedName(declaration);
    if (exported !== undefined) return exported;
    const name = declaration.getName();
    const fix =
      name === undefined
        ? "Give the class a name and export it: `export class MyExtension`."
        : `Write \`export class ${name}\`.`;
    const why = declaration.isDefaultExport() ? "is only a default export" : "is not exported";
    this.report.error(
      anchor,
      "KILN_NOT_EXPORTED",
      `the @extension class ${name ?? "(anonymous)"} ${why}; the generated glue imports it by name`,
      fix,
    );
    return undefined;
  }

  private extensionFields(decorator: KilnDecorator): ExtensionFields {
    const fields: ExtensionFields = { permissions: [], allowedHosts: [], limits: {} };
    if (!decorator.call) return fields;
    const options = this.readOptions(decorator.call, "@extension", EXTENSION_OPTIONS);
    if (options === undefined) return fields;
    for (const key of EXTENSION_REQUIRED) {
      if (!options.present.has(key)) {
        this.report.error(
          options.anchor,
          "KILN_MISSING_OPTION",
          `@extension is missing the required option "${key}"`,
          `Add ${key}: "…" to the options.`,
        );
      }
    }
    const id = options.strings.get("id");
    if (id && this.checkId(id)) fields.id = id.value;
    const name = options.strings.get("name");
    if (name && this.checkLength(name, "name", 1, MAX_NAME_LENGTH)) fields.name = name.value;
    const version = options.strings.get("version");
    if (version && this.checkVersion(version)) fields.version = version.value;
    const description = options.strings.get("description");
    if (description && this.checkLength(description, "description", 0, MAX_DESCRIPTION_LENGTH)) {
      fields.description = description.value;
    }
    fields.permissions = this.checkPermissions(options.arrays.get("permissions") ?? []);
    fields.allowedHosts = this.checkHosts(options.arrays.get("allowedHosts") ?? []);
    this.checkFetchConsistency(options);
    const limits = options.objects.get("limits");
    if (limits) fields.limits = this.checkLimits(limits);
    return fields;
  }

  private checkId(id: StringValue): boolean {
    if (isKebab(id.value)) return true;
    const suggestion = toKebabCase(id.value);
    const fix = isKebab(suggestion) ? `Use "${suggestion}".` : undefined;
    this.report.error(
      id.node,
      "KILN_INVALID_ID",
      `id ${JSON.stringify(id.value)} is not kebab-case (at most ${MAX_KEBAB_LENGTH} characters)`,
      fix,
    );
    return false;
  }

  private checkVersion(version: StringValue): boolean {
    if (SEMVER.test(version.value)) return true;
    const suggestion = suggestVersion(version.value);
    const fix = suggestion === undefined ? undefined : `Use "${suggestion}".`;
    this.report.error(
      version.node,
      "KILN_INVALID_VERSION",
      `version ${JSON.stringify(version.value)} is not a semantic version`,
      fix,
    );
    return false;
  }

  private checkLength(value: StringValue, key: string, min: number, max: number): boolean {
    const { length } = value.value;
    if (length >= min && length <= max) return true;
    const problem = length < min ? "must not be empty" : `is ${length} characters long; the limit is ${max}`;
    this.report.error(value.node, "KILN_INVALID_VALUE", `${key} ${problem}`);
    return false;
  }

  private checkPermissions(permissions: readonly StringValue[]): string[] {
    const seen = new Set<string>();
    const valid: string[] = [];
    for (const permission of permissions) {
      if (seen.has(permission.value)) {
        this.report.warning(
          permission.node,
          "KILN_DUPLICATE_PERMISSION",
          `permission "${permission.value}" is listed twice`,
        );
        continue;
      }
      seen.add(permission.value);
      if (this.knownPermissions.has(permission.value)) valid.push(permission.value);
      else this.reportUnknownPermission(permission);
    }
    return valid;
  }

  private reportUnknownPermission(permission: StringValue): void {
    const known = [...this.knownPermissions].sort();
    const closest = closestMatch(permission.value, known);
    const fix = closest
      ? `Did you mean "${closest}"? Application permissions go in package.json "kiln": { "permissions": [...] }.`
      : undefined;
    this.report.error(
      permission.node,
      "KILN_UNKNOWN_PERMISSION",
      `unknown permission "${permission.value}" (known: ${known.join(", ")})`,
      fix,
    );
  }

  private checkHosts(hosts: readonly StringValue[]): string[] {
    const seen = new Set<string>();
    const valid: string[] = [];
    for (const host of hosts) {
      if (seen.has(host.value)) {
        this.report.warning(host.node, "KILN_DUPLICATE_HOST", `allowed host "${host.value}" is listed twice`);
        continue;
      }
      seen.add(host.value);
      const problem = hostProblem(host.value);
      if (problem === undefined) {
        valid.push(host.value);
        continue;
      }
      const fix = problem.suggestion === undefined ? problem.fix : `Use "${problem.suggestion}".`;
      const message = `allowed host ${JSON.stringify(host.value)} ${problem.message}`;
      this.report.error(host.node, "KILN_INVALID_HOST", message, fix);
    }
    return valid;
  }

  /**
   * `allowedHosts` without `http.fetch` grants nothing, and `http.fetch` without hosts refuses
   * every request: both are legal but almost certainly not what the author meant. Only values
   * that were read count, so an unreadable list does not also trigger a warning.
   */
  private checkFetchConsistency(options: ReadOptions): void {
    const hostsNode = options.values.get("allowedHosts");
    const hosts = options.arrays.get("allowedHosts") ?? [];
    const permissionsReadable = !options.present.has("permissions") || options.arrays.has("permissions");
    const fetch = options.arrays.get("permissions")?.find((p) => p.value === FETCH_PERMISSION);
    if (hostsNode && hosts.length > 0 && permissionsReadable && fetch === undefined) {
      const fix = options.present.has("permissions")
        ? `Add "${FETCH_PERMISSION}" to permissions.`
        : `Add permissions: ["${FETCH_PERMISSION}"] to the options.`;
      this.report.warning(
        hostsNode,
        "KILN_HOSTS_WITHOUT_FETCH",
        `allowedHosts is set but permissions do not include "${FETCH_PERMISSION}", so the extension cannot fetch at all`,
        fix,
      );
    }
    const noHosts = !options.present.has("allowedHosts") || (hostsNode !== undefined && isEmptyArray(hostsNode));
    if (fetch && noHosts) {
      this.report.warning(
        fetch.node,
        "KILN_FETCH_WITHOUT_HOSTS",
        `permission "${FETCH_PERMISSION}" is requested but allowedHosts is empty, so every request would be refused`,
      );
    }
  }

  /**
   * Checks every limit that was read against the host's table ({@link LIMITS}): positive, a whole
   * number unless the table says otherwise, and at most the manifest schema's maximum. Returns the
   * valid ones in table order, so the model and the manifest do not depend on how they were written.
   */
  private checkLimits(limits: ReadOptions): ExtensionModel["limits"] {
    const valid: Partial<Record<LimitName, number>> = {};
    for (const name of LIMIT_NAMES) {
      const read = limits.numbers.get(name);
      if (read === undefined) continue;
      const problem = limitProblem(name, read.value);
      if (problem === undefined) valid[name] = read.value;
      else this.report.error(read.node, "KILN_INVALID_LIMIT", problem.message, problem.fix);
    }
    return valid;
  }

  // --- @job ----------------------------------------------------------------------------------

  /** The jobs of each extension class, in source order; reports misplaced and invalid jobs. */
  private jobMethods(decorators: readonly KilnDecorator[], classes: readonly ExtensionClass[]) {
    const jobs = new Map<ClassDeclaration, JobModel[]>();
    const decorated = new Set<Node>();
    for (const decorator of decorators) {
      const method = this.jobTarget(decorator, classes, decorated);
      const job = method && this.jobModel(method, decorator);
      if (method === undefined || job === undefined) continue;
      const cls = method.getParentOrThrow() as ClassDeclaration;
      const siblings = jobs.get(cls) ?? [];
      const first = siblings.find((other) => other.name === job.name);
      if (first === undefined) jobs.set(cls, [...siblings, job]);
      else this.reportDuplicateJob(method, decorator, job, first);
    }
    return jobs;
  }

  /** The method a `@job` stands on, when it is a method of an extension class that can be a job. */
  private jobTarget(decorator: KilnDecorator, classes: readonly ExtensionClass[], decorated: Set<Node>) {
    const target = decorator.decorator.getParentOrThrow();
    if (!decorator.call) {
      this.report.error(
        decorator.decorator,
        "KILN_DECORATOR_NOT_CALLED",
        "@job must be called",
        'Write @job() (or @job({ name: "…" })).',
      );
    }
    if (!Node.isMethodDeclaration(target)) {
      this.report.error(
        decorator.decorator,
        "KILN_DECORATOR_TARGET",
        `@job can only decorate a method, not ${describeTarget(target)}`,
      );
      return undefined;
    }
    if (decorated.has(target)) {
      this.report.error(decorator.decorator, "KILN_DUPLICATE_DECORATOR", "@job is applied twice to this method");
      return undefined;
    }
    decorated.add(target);
    const cls = target.getParent();
    if (!classes.some((c) => c.declaration === cls)) {
      const owner = Node.isClassDeclaration(cls) && cls.getName() ? `class ${cls.getName()}` : "a class";
      this.report.error(
        decorator.decorator,
        "KILN_JOB_OUTSIDE_EXTENSION",
        `@job is on a method of ${owner}, which has no @extension`,
      );
      return undefined;
    }
    return this.checkJobMethod(target) ? target : undefined;
  }

  /** Jobs run as `instance.method(ctx, state)` from the glue: only public, named instance methods can. */
  private checkJobMethod(method: MethodDeclaration): boolean {
    let ok = true;
    const staticKeyword = method.getFirstModifierByKind(SyntaxKind.StaticKeyword);
    if (staticKeyword) {
      this.report.error(staticKeyword, "KILN_STATIC_JOB", `job method ${method.getName()} is static`);
      ok = false;
    }
    const nameNode = method.getNameNode();
    const hidden =
      method.getFirstModifierByKind(SyntaxKind.PrivateKeyword) ??
      method.getFirstModifierByKind(SyntaxKind.ProtectedKeyword);
    if (hidden || Node.isPrivateIdentifier(nameNode)) {
      this.report.error(
        hidden ?? nameNode,
        "KILN_PRIVATE_JOB",
        `job method ${method.getName()} is ${hidden ? hidden.getText() : "private"}`,
      );
      ok = false;
    } else if (!Node.isIdentifier(nameNode)) {
      this.report.error(
        nameNode,
        "KILN_DECORATOR_TARGET",
        "a job method needs a plain identifier name",
        "Rename the method to a plain identifier such as tagFolder.",
      );
      ok = false;
    }
    return ok;
  }

  private jobModel(method: MethodDeclaration, decorator: KilnDecorator): JobModel | undefined {
    const options = decorator.call ? this.readOptions(decorator.call, "@job", JOB_OPTIONS) : undefined;
    const explicit = options?.strings.get("name");
    // A name that was written but could not be read has been reported already.
    if (options?.present.has("name") && explicit === undefined) return undefined;
    const methodName = method.getName();
    const name = explicit?.value ?? toKebabCase(methodName);
    const nameNode = explicit?.node ?? method.getNameNode();
    if (!isKebab(name)) {
      const what = explicit
        ? `job name ${JSON.stringify(name)}`
        : `job name ${JSON.stringify(name)} (from method ${methodName})`;
      const fix = explicit ? undefined : 'Give the job an explicit kebab-case name: @job({ name: "my-job" }).';
      this.report.error(
        nameNode,
        "KILN_INVALID_JOB_NAME",
        `${what} is not kebab-case (at most ${MAX_KEBAB_LENGTH} characters)`,
        fix,
      );
      return undefined;
    }
    const description = options?.strings.get("description");
    if (description && !this.checkLength(description, "description", 0, MAX_DESCRIPTION_LENGTH)) return undefined;
    return {
      name,
      methodName,
      ...(description === undefined ? {} : { description: description.value }),
      location: this.report.location(nameNode),
    };
  }

  private reportDuplicateJob(method: MethodDeclaration, decorator: KilnDecorator, job: JobModel, first: JobModel) {
    const explicit = decorator.call ? findOption(decorator.call, "name") : undefined;
    const anchor = explicit ?? method.getNameNode();
    this.report.error(
      anchor,
      "KILN_DUPLICATE_JOB",
      `duplicate job name "${job.name}"; the first is method ${first.methodName} at ${formatLocation(first.location)}`,
    );
  }

  // --- options -------------------------------------------------------------------------------

  /**
   * Reads `{ key: literal, … }` from the decorator's single argument. Reports every property it
   * cannot read; `present` lists keys that were written at all, so a non-literal value does not
   * also count as missing.
   */
  private readOptions(call: CallExpression, decoratorName: string, spec: OptionSpec): ReadOptions | undefined {
    const [argument, ...extra] = call.getArguments();
    for (const node of extra)
      this.report.error(node, "KILN_EXTRA_ARGUMENT", `${decoratorName} takes one options object`);
    if (argument === undefined) return emptyOptions(call);
    const object = unwrapValue(argument);
    if (!Node.isObjectLiteralExpression(object)) {
      this.reportNotLiteral(object, `the options of ${decoratorName}`, "an object literal");
      return undefined;
    }
    return this.readObject(object, { owner: decoratorName, prefix: "" }, spec);
  }

  /** Reads one object literal of options; nested option objects (`limits`) recurse with their own scope. */
  private readObject(object: ObjectLiteralExpression, scope: OptionScope, spec: OptionSpec): ReadOptions {
    const options = emptyOptions(object);
    for (const property of object.getProperties()) this.readOption(property, scope, spec, options);
    return options;
  }

  private readOption(property: ObjectLiteralElementLike, scope: OptionScope, spec: OptionSpec, options: ReadOptions) {
    if (!Node.isPropertyAssignment(property)) {
      this.reportUnreadableProperty(property, scope, options);
      return;
    }
    const key = propertyKey(property.getNameNode());
    if (key === undefined) {
      this.report.error(
        property.getNameNode(),
        "KILN_NON_LITERAL",
        `an option name of ${scope.owner} is computed`,
        "Write the option name as a plain identifier.",
      );
      return;
    }
    // `Object.hasOwn`, so that `toString` and friends are unknown options rather than inherited ones.
    const kind = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (kind === undefined) {
      const closest = closestMatch(key, Object.keys(spec));
      const fix = closest ? `Did you mean "${closest}"?` : `Use one of: ${Object.keys(spec).join(", ")}.`;
      this.report.error(property.getNameNode(), "KILN_UNKNOWN_OPTION", `${scope.owner} has no option "${key}"`, fix);
      return;
    }
    const path = scope.prefix + key;
    if (options.present.has(key)) {
      this.report.error(property.getNameNode(), "KILN_DUPLICATE_OPTION", `option "${path}" is given twice`);
      return;
    }
    options.present.add(key);
    const value = unwrapValue(property.getInitializerOrThrow());
    options.values.set(key, value);
    this.readValue(value, kind, path, key, options);
  }

  /** Reads `value` as `kind` into the map for that kind; what it cannot read is reported and left out. */
  private readValue(value: Node, kind: OptionKind, path: string, key: string, options: ReadOptions): void {
    const what = `option "${path}"`;
    if (kind === "string") {
      const read = this.readString(value, what);
      if (read) options.strings.set(key, read);
    } else if (kind === "strings") {
      const read = this.readStrings(value, what);
      if (read) options.arrays.set(key, read);
    } else if (kind === "number") {
      const read = this.readNumber(value, what);
      if (read) options.numbers.set(key, read);
    } else if (Node.isObjectLiteralExpression(value)) {
      options.objects.set(key, this.readObject(value, { owner: what, prefix: `${path}.` }, kind));
    } else {
      this.reportNotLiteral(value, what, "an object literal");
    }
  }

  /** Shorthand `{ id }`, spreads and methods: all hide the value behind code. */
  private reportUnreadableProperty(property: ObjectLiteralElementLike, scope: OptionScope, options: ReadOptions) {
    if (Node.isShorthandPropertyAssignment(property)) {
      options.present.add(property.getName());
      this.report.error(
        property,
        "KILN_NON_LITERAL",
        `option "${scope.prefix}${property.getName()}" of ${scope.owner} refers to a variable, not a literal`,
      );
    } else if (Node.isSpreadAssignment(property)) {
      this.report.error(
        property,
        "KILN_NON_LITERAL",
        `the options of ${scope.owner} use a spread`,
        "Write each option inline instead of spreading an object.",
      );
    } else {
      const name = property.getName();
      options.present.add(name);
      this.report.error(
        property,
        "KILN_NON_LITERAL",
        `option "${scope.prefix}${name}" of ${scope.owner} is a method or accessor, not a literal`,
      );
    }
  }

  private readString(expression: Node, what: string): StringValue | undefined {
    const value = unwrapValue(expression);
    if (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) {
      return { value: value.getLiteralValue(), node: value };
    }
    this.reportNotLiteral(value, what, "a string literal");
    return undefined;
  }

  private readStrings(expression: Node, what: string): StringValue[] | undefined {
    const value = unwrapValue(expression);
    if (!Node.isArrayLiteralExpression(value)) {
      this.reportNotLiteral(value, what, "an array of string literals");
      return undefined;
    }
    const items: StringValue[] = [];
    value.getElements().forEach((element, index) => {
      if (Node.isSpreadElement(element) || Node.isOmittedExpression(element)) {
        const spread = Node.isSpreadElement(element);
        const anchor = spread ? element : value;
        const message = `element ${index} of ${what} ${spread ? "is a spread" : "is empty"}`;
        this.report.error(anchor, "KILN_NON_LITERAL", message, "Write each element inline as a string literal.");
        return;
      }
      const item = this.readString(element, `element ${index} of ${what}`);
      if (item) items.push(item);
    });
    return items;
  }

  /** A number literal, possibly signed (`-1` is a prefix expression, yet still a literal to the author). */
  private readNumber(expression: Node, what: string): NumberValue | undefined {
    const value = unwrapValue(expression);
    const literal = signedNumericLiteral(value);
    if (literal !== undefined) return { value: literal, node: value };
    // "2" is the likely slip: say how to write it as a number.
    const text =
      Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value) ? value.getLiteralValue() : "";
    const fix =
      text.trim() !== "" && Number.isFinite(Number(text)) ? `Write ${text.trim()} without quotes.` : undefined;
    this.reportNotLiteral(value, what, "a number literal", fix);
    return undefined;
  }

  /** A literal of the wrong kind is a type problem; anything else is code the build cannot run. */
  private reportNotLiteral(node: Node, what: string, expected: string, typeFix?: string): void {
    if (isLiteralOfOtherKind(node)) {
      const message = `${what} must be ${expected}, not ${describeExpression(node)}`;
      this.report.error(node, "KILN_INVALID_TYPE", message, typeFix);
      return;
    }
    this.report.error(
      node,
      "KILN_NON_LITERAL",
      `${what} must be ${expected}, not ${describeExpression(node)}: decorators are read without running the code`,
      `Write the value inline as ${expected}.`,
    );
  }
}

interface StringValue {
  readonly value: string;
  readonly node: Node;
}

interface NumberValue {
  readonly value: number;
  readonly node: Node;
}

/** The options read from one object literal, by kind; keys whose value could not be read are absent. */
interface ReadOptions {
  /** Where a missing option is reported: the object literal, or the call when it has no argument. */
  readonly anchor: Node;
  readonly present: Set<string>;
  /** The value node of every property assignment, as written: an anchor for remarks about a whole option. */
  readonly values: Map<string, Node>;
  readonly strings: Map<string, StringValue>;
  readonly arrays: Map<string, StringValue[]>;
  readonly numbers: Map<string, NumberValue>;
  readonly objects: Map<string, ReadOptions>;
}

/** Names an options object in messages: `@extension`, or `option "limits"` and its key prefix `limits.`. */
interface OptionScope {
  readonly owner: string;
  readonly prefix: string;
}

function emptyOptions(anchor: Node): ReadOptions {
  return {
    anchor,
    present: new Set(),
    values: new Map(),
    strings: new Map(),
    arrays: new Map(),
    numbers: new Map(),
    objects: new Map(),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** `symbol` and every symbol it aliases, one import or re-export at a time. */
function* aliasChain(symbol: MorphSymbol | undefined): Generator<MorphSymbol> {
  const seen = new Set<ts.Symbol>();
  let current = symbol;
  while (current !== undefined && !seen.has(current.compilerSymbol)) {
    seen.add(current.compilerSymbol);
    yield current;
    current = current.isAlias() ? current.getImmediatelyAliasedSymbol() : undefined;
  }
}

function readPackageName(file: string): string | undefined {
  try {
    const pkg: unknown = JSON.parse(readFileSync(file, "utf8"));
    return isRecord(pkg) && typeof pkg.name === "string" ? pkg.name : undefined;
  } catch {
    return undefined;
  }
}

/** The name a class is exported under from its own module (not `default`), if any. */
function exportedName(declaration: ClassDeclaration): string | undefined {
  const name = declaration.getName();
  if (name !== undefined && declaration.hasExportKeyword() && !declaration.hasDefaultKeyword()) return name;
  const own = declaration.getSymbol()?.compilerSymbol;
  for (const exported of declaration.getSourceFile().getExportSymbols()) {
    if (exported.getName() === "default") continue;
    const target = exported.isAlias() ? exported.getAliasedSymbol() : exported;
    if (own !== undefined && target?.compilerSymbol === own) return exported.getName();
  }
  return undefined;
}

function hooksOf(declaration: ClassDeclaration): ExtensionModel["hooks"] {
  const [init, cleanup] = HOOKS.map((hook) => declaration.getInstanceMethod(hook) !== undefined);
  return { init: init === true, cleanup: cleanup === true };
}

/** The option node `key: …` of a call's options object, for pointing at an explicit job name. */
function findOption(call: CallExpression, key: string): Node | undefined {
  const [argument] = call.getArguments();
  const object = argument && unwrapValue(argument);
  if (!object || !Node.isObjectLiteralExpression(object)) return undefined;
  const property = object.getProperty(key);
  return Node.isPropertyAssignment(property) ? unwrapValue(property.getInitializerOrThrow()) : undefined;
}

function propertyKey(name: Node): string | undefined {
  if (Node.isIdentifier(name)) return name.getText();
  if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
  if (Node.isComputedPropertyName(name)) {
    const inner = unwrapValue(name.getExpression());
    if (Node.isStringLiteral(inner) || Node.isNoSubstitutionTemplateLiteral(inner)) return inner.getLiteralValue();
  }
  return undefined;
}

function unwrapParentheses(node: Node): Node {
  return Node.isParenthesizedExpression(node) ? unwrapParentheses(node.getExpression()) : node;
}

/** Parentheses, `as const`, `satisfies …` and `!` change the type, never the value. */
function unwrapValue(node: Node): Node {
  if (
    Node.isParenthesizedExpression(node) ||
    Node.isAsExpression(node) ||
    Node.isSatisfiesExpression(node) ||
    Node.isTypeAssertion(node) ||
    Node.isNonNullExpression(node)
  ) {
    return unwrapValue(node.getExpression());
  }
  return node;
}

function isLiteralOfOtherKind(node: Node): boolean {
  return (
    Node.isStringLiteral(node) ||
    Node.isNoSubstitutionTemplateLiteral(node) ||
    Node.isNumericLiteral(node) ||
    Node.isBigIntLiteral(node) ||
    Node.isTrueLiteral(node) ||
    Node.isFalseLiteral(node) ||
    Node.isNullLiteral(node) ||
    Node.isArrayLiteralExpression(node) ||
    Node.isObjectLiteralExpression(node)
  );
}

function describeExpression(node: Node): string {
  if (Node.isIdentifier(node)) return `the identifier \`${node.getText()}\``;
  if (Node.isPropertyAccessExpression(node)) return `the expression \`${node.getText()}\``;
  if (Node.isCallExpression(node)) return "a function call";
  if (Node.isTemplateExpression(node)) return "a template literal with substitutions";
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return "a string";
  if (Node.isNumericLiteral(node)) return "a number";
  if (Node.isBigIntLiteral(node)) return "a bigint";
  if (Node.isTrueLiteral(node) || Node.isFalseLiteral(node)) return "a boolean";
  if (Node.isNullLiteral(node)) return "null";
  if (Node.isArrayLiteralExpression(node)) return "an array";
  if (Node.isObjectLiteralExpression(node)) return "an object";
  return "a computed expression";
}

/** Names the thing a decorator stands on, for KILN_DECORATOR_TARGET messages. */
function describeTarget(node: Node): string {
  if (Node.isMethodDeclaration(node)) return `a method (${node.getName()})`;
  if (Node.isPropertyDeclaration(node)) return `a property (${node.getName()})`;
  if (Node.isGetAccessorDeclaration(node)) return `a getter (${node.getName()})`;
  if (Node.isSetAccessorDeclaration(node)) return `a setter (${node.getName()})`;
  if (Node.isParameterDeclaration(node)) return `a parameter (${node.getName()})`;
  if (Node.isClassDeclaration(node)) return `a class (${node.getName() ?? "anonymous"})`;
  if (Node.isClassExpression(node)) return "a class expression";
  if (Node.isFunctionDeclaration(node)) return `a function (${node.getName() ?? "anonymous"})`;
  if (Node.isVariableStatement(node)) return "a variable declaration";
  return `a ${node.getKindName()}`;
}

/** `2`, `1.5`, `-1`, `+3`: the numbers an author writes as literals; undefined for anything else. */
function signedNumericLiteral(node: Node): number | undefined {
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (!Node.isPrefixUnaryExpression(node)) return undefined;
  const operand = unwrapParentheses(node.getOperand());
  if (!Node.isNumericLiteral(operand)) return undefined;
  const operator = node.getOperatorToken();
  if (operator === SyntaxKind.MinusToken) return -operand.getLiteralValue();
  return operator === SyntaxKind.PlusToken ? operand.getLiteralValue() : undefined;
}

function isEmptyArray(node: Node): boolean {
  return Node.isArrayLiteralExpression(node) && node.getElements().length === 0;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * Why `value` is not a valid `limits.<name>`, with a fix that states the range and, where one is
 * obvious, the nearest valid value; undefined when it is valid. The bounds are the manifest
 * schema's (both come from the host's {@link LIMITS}), so a limit that passes here also passes
 * the host's check when it loads the manifest.
 */
function limitProblem(name: LimitName, value: number): { message: string; fix: string } | undefined {
  const spec = LIMITS[name];
  const max = spec.manifestMaximum;
  const what = `limits.${name}`;
  const range = limitRange(spec);
  if (spec.integer && Number.isFinite(value) && !Number.isInteger(value)) {
    // Both neighbours, clamped, so the author picks which way to round.
    const around = [...new Set([Math.floor(value), Math.ceil(value)].map((n) => clamp(n, 1, max)))];
    const fix = `Use ${around.map(formatLimit).join(" or ")} (${range}).`;
    return { message: `${what} must be a whole number, not ${formatLimit(value)}`, fix };
  }
  if (value > 0 && value <= max) return undefined;
  const message = `${what} is ${formatLimit(value)}; it must be ${range}`;
  // Above the maximum the maximum is nearest; at or below zero, a whole number has 1, a fraction has none.
  const nearest = value > max ? max : spec.integer ? 1 : undefined;
  return { message, fix: nearest === undefined ? `Use ${range}.` : `Use ${formatLimit(nearest)} (${range}).` };
}

/** `a whole number from 1 to 64`, `a number above 0 and at most 4096`: a limit's range in words. */
function limitRange(spec: LimitSpec): string {
  const max = formatLimit(spec.manifestMaximum);
  return spec.integer ? `a whole number from 1 to ${max}` : `a number above 0 and at most ${max}`;
}

/** A limit as the author may write it: digits grouped by `_` from 10_000 up, so large ones stay readable. */
function formatLimit(value: number): string {
  if (!Number.isSafeInteger(value) || Math.abs(value) < 10_000) return String(value);
  const sign = value < 0 ? "-" : "";
  return sign + String(Math.abs(value)).replace(/\B(?=(\d{3})+$)/g, "_");
}

/** Why a host is not allowed, and how to fix it: a corrected host when one is obvious, else a sentence. */
interface HostProblem {
  readonly message: string;
  readonly suggestion?: string;
  readonly fix?: string;
}

/**
 * Checks one `allowedHosts` entry: a lowercase host name (letters, digits, dots, hyphens) with an
 * optional `:port`. This is the manifest schema's pattern, plus the checks the pattern cannot
 * express (port range, empty labels), so that a bad entry fails here, at its source, and not when
 * the host loads the manifest. The common slips (a URL, uppercase) come with the corrected host.
 */
function hostProblem(host: string): HostProblem | undefined {
  // A URL pasted in: `https://api.example.com/v1` → scheme, authority, path/query/fragment.
  const url = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/i.exec(host);
  const scheme = url?.[1] ?? "";
  const authority = url?.[2] ?? host;
  const rest = url?.[3] ?? "";
  if (scheme !== "" || rest !== "") {
    const parts = [scheme !== "" ? "a scheme" : "", rest !== "" ? "a path" : ""].filter((p) => p !== "");
    const lower = authority.toLowerCase();
    const suggestion = lower !== "" && hostProblem(lower) === undefined ? lower : undefined;
    return {
      message: `has ${parts.join(" and ")}; list the bare host name (with an optional :port)`,
      ...(suggestion === undefined ? { fix: 'Write only the host, for example "api.example.com".' } : { suggestion }),
    };
  }
  if (host.includes("*")) {
    const parent = host.replace(/^\*\./, "");
    const example = parent !== host && hostProblem(parent) === undefined ? `api.${parent}` : "api.example.com";
    return {
      message: "has a wildcard; hosts are matched exactly",
      fix: `List each host the extension calls, for example "${example}".`,
    };
  }
  if (host !== host.toLowerCase()) {
    const lower = host.toLowerCase();
    const suggestion = hostProblem(lower) === undefined ? lower : undefined;
    return { message: "has uppercase letters; host names are written in lowercase", ...ifDefined(suggestion) };
  }
  if (host.length > MAX_HOST_LENGTH)
    return { message: `is ${host.length} characters long; the limit is ${MAX_HOST_LENGTH}` };
  const colon = host.lastIndexOf(":");
  const name = colon === -1 ? host : host.slice(0, colon);
  if (colon !== -1) {
    const port = host.slice(colon + 1);
    const number = /^[0-9]{1,5}$/.test(port) ? Number(port) : Number.NaN;
    if (!(number >= 1 && number <= MAX_PORT)) {
      return { message: `has an invalid port ${JSON.stringify(port)}; a port is a number from 1 to ${MAX_PORT}` };
    }
  }
  return hostNameProblem(name);
}

function hostNameProblem(name: string): HostProblem | undefined {
  if (name === "") return { message: "has no host name" };
  const bad = /[^a-z0-9.-]/.exec(name)?.[0];
  if (bad !== undefined) {
    return {
      message: `contains ${JSON.stringify(bad)}; a host name has only lowercase letters, digits, dots and hyphens`,
    };
  }
  if (name.length > MAX_HOSTNAME_LENGTH) {
    return { message: `has a host name of ${name.length} characters; the limit is ${MAX_HOSTNAME_LENGTH}` };
  }
  const labels = name.split(".");
  if (labels.some((label) => label === "")) {
    const trimmed = labels.filter((label) => label !== "").join(".");
    const suggestion = trimmed !== "" && hostNameProblem(trimmed) === undefined ? trimmed : undefined;
    return { message: "has an empty label (a leading, trailing or doubled dot)", ...ifDefined(suggestion) };
  }
  const hyphenated = labels.find((label) => label.startsWith("-") || label.endsWith("-"));
  if (hyphenated !== undefined) {
    return { message: `has the label "${hyphenated}", which starts or ends with a hyphen` };
  }
  return undefined;
}

function ifDefined(suggestion: string | undefined): { suggestion?: string } {
  return suggestion === undefined ? {} : { suggestion };
}

function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

function isKebab(name: string): boolean {
  return name.length <= MAX_KEBAB_LENGTH && KEBAB_CASE.test(name);
}

/** `tagFolder` → `tag-folder`, `parseHTTPResponse` → `parse-http-response`, `Photo Tagger` → `photo-tagger`. */
export function toKebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[\s_]+/g, "-")
    .toLowerCase();
}

/** `1.0` → `1.0.0`, `v1.2.3` → `1.2.3`: the common near-misses. */
function suggestVersion(version: string): string | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(version.trim());
  if (!match) return undefined;
  const suggestion = `${Number(match[1])}.${Number(match[2] ?? 0)}.${Number(match[3] ?? 0)}`;
  return SEMVER.test(suggestion) ? suggestion : undefined;
}

/**
 * The candidate nearest to `word` by edit distance, when it is near enough to be a likely typo;
 * else one that shares a long prefix with it, for a half-remembered name (`concurrency` →
 * `concurrentJobs`) that is too many edits away.
 */
function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = levenshtein(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ?? longestSharedPrefix(word, candidates);
}

/** The candidate sharing the longest prefix with `word`, if that prefix is long enough to mean something. */
function longestSharedPrefix(word: string, candidates: readonly string[]): string | undefined {
  const minimum = Math.max(5, Math.ceil(word.length / 2));
  let best: string | undefined;
  let bestLength = minimum - 1;
  for (const candidate of candidates) {
    let length = 0;
    while (length < word.length && word[length] === candidate[length]) length++;
    if (length > bestLength) {
      best = candidate;
      bestLength = length;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
