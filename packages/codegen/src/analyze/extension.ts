/**
 * The `@extension` class: where the decorator may stand, whether the glue can import the class,
 * and every option checked against the manifest contract, into the {@link ExtensionModel}.
 *
 * @module
 */
import { closestMatch, LIMIT_NAMES, type LimitName, MANIFEST_LIMITS } from "@kiln/contracts";
import { type ClassDeclaration, Node } from "ts-morph";
import { EXTENSION_MODEL_VERSION, type ExtensionModel, type JobModel } from "../model.js";
import {
  EXTENSION_OPTIONS,
  EXTENSION_REQUIRED,
  type OptionReader,
  type ReadOptions,
  type StringValue,
} from "./options.js";
import type { Reporter } from "./reporter.js";
import type { KilnDecorator } from "./sdk.js";
import { suggestVersion, toKebabCase } from "./suggest.js";
import { describeTarget, isEmptyArray } from "./syntax.js";
import { checkLength, hostProblem, isKebab, isSemver, limitProblem } from "./validate.js";

const HOOKS = ["init", "cleanup"] as const;
/** The permission that `allowedHosts` are for: each needs the other to do anything. */
const FETCH_PERMISSION = "http.fetch";

/** An `@extension` class that passed the target check. */
export interface ExtensionClass {
  readonly declaration: ClassDeclaration;
  readonly decorator: KilnDecorator;
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

/** Checks `@extension` decorators and builds the model of each class they stand on. */
export class ExtensionChecker {
  constructor(
    private readonly report: Reporter,
    private readonly options: OptionReader,
    private readonly knownPermissions: ReadonlySet<string>,
  ) {}

  /** The classes `@extension` stands on; reports every other target and repeated decorators. */
  extensionClasses(decorators: readonly KilnDecorator[]): ExtensionClass[] {
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

  /** The model of one extension class with its `jobs`; undefined when something it needs is invalid. */
  extensionModel(cls: ExtensionClass, jobs: readonly JobModel[]): ExtensionModel | undefined {
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
    const options = this.options.readOptions(decorator.call, "@extension", EXTENSION_OPTIONS);
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
    if (name && checkLength(this.report, name, "name", 1, MANIFEST_LIMITS.nameLength)) fields.name = name.value;
    const version = options.strings.get("version");
    if (version && this.checkVersion(version)) fields.version = version.value;
    const description = options.strings.get("description");
    if (description && checkLength(this.report, description, "description", 0, MANIFEST_LIMITS.descriptionLength)) {
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
      `id ${JSON.stringify(id.value)} is not kebab-case (at most ${MANIFEST_LIMITS.idLength} characters)`,
      fix,
    );
    return false;
  }

  private checkVersion(version: StringValue): boolean {
    if (isSemver(version.value)) return true;
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
   * Checks every limit that was read against the limits table (`LIMITS` in `@kiln/contracts`):
   * positive, a whole number unless the table says otherwise, and at most the manifest schema's
   * maximum. Returns the valid ones in table order, so the model and the manifest do not depend on
   * how they were written.
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
