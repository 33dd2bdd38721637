/**
 * The `@job` methods: where the decorator may stand, which methods the glue can call, and each
 * job's name, description and the JSON Schemas of its values (see `schema`), into the
 * {@link JobModel}s of each extension class.
 *
 * @module
 */
import { MANIFEST_LIMITS } from "@kiln/contracts";
import { type ClassDeclaration, type MethodDeclaration, Node, SyntaxKind } from "ts-morph";
import type { JobModel } from "../model.js";
import type { ExtensionClass } from "./extension.js";
import { JOB_OPTIONS, type OptionReader } from "./options.js";
import { formatLocation, type Reporter } from "./reporter.js";
import type { SchemaWriter } from "./schema.js";
import type { KilnDecorator } from "./sdk.js";
import { toKebabCase } from "./suggest.js";
import { describeTarget, findOption } from "./syntax.js";
import { checkLength, isKebab } from "./validate.js";

/** Checks `@job` decorators and builds the job models of each extension class. */
export class JobChecker {
  constructor(
    private readonly report: Reporter,
    private readonly options: OptionReader,
    private readonly schemas: SchemaWriter,
  ) {}

  /** The jobs of each extension class, in source order; reports misplaced and invalid jobs. */
  jobMethods(decorators: readonly KilnDecorator[], classes: readonly ExtensionClass[]) {
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
    // First, so that the problems of a job's types are reported whatever else is wrong with it.
    const { input, output, state } = this.schemas.jobSchemas(method);
    const options = decorator.call ? this.options.readOptions(decorator.call, "@job", JOB_OPTIONS) : undefined;
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
        `${what} is not kebab-case (at most ${MANIFEST_LIMITS.idLength} characters)`,
        fix,
      );
      return undefined;
    }
    const description = options?.strings.get("description");
    if (description && !checkLength(this.report, description, "description", 0, MANIFEST_LIMITS.descriptionLength)) {
      return undefined;
    }
    return {
      name,
      methodName,
      ...(description === undefined ? {} : { description: description.value }),
      input,
      output,
      state,
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
}
