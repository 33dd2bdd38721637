/**
 * The JSON Schemas of each job of a loaded extension (its `input`, its result: `output`, its
 * checkpoint `state`; draft 2020-12, from the manifest), compiled once when the extension loads,
 * and the checks the host makes with them at the boundary: the input at dispatch (and `host.run`),
 * the result when the job completes, the state of each checkpoint.
 *
 * A schema that accepts everything (`{}` or `true`, as every job of a version 1 manifest has) gets
 * no validator: its checks cost nothing. The others are compiled with Ajv's draft 2020-12 class,
 * strict about the schema (see `AJV_OPTIONS`), with the standard formats (`ajv-formats`).
 * `checkManifest` has already refused schemas that are unsafe to compile or run (see
 * `jobSchemaIssues` in `@kiln/contracts`); one that Ajv refuses (an unknown keyword, a keyword
 * of the wrong type) fails the load.
 *
 * @module
 */

import { createRequire } from "node:module";
import { JOB_SCHEMA_KINDS, type JobSchemaKind, jobSchemaIssues, type Manifest } from "@kiln/contracts";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { describeMismatch, JobInputInvalidError, ManifestInvalidError } from "../errors.js";
import { type SchemaIssue, schemaIssues } from "../schema-issues.js";

/** Issues kept per failed check: enough for any fix, bounded for a value that fails everywhere. */
export const MAX_SCHEMA_ISSUES = 100;

/** A compiled check: undefined when the value matches, else where and how it does not. */
type Check = (value: unknown) => SchemaIssue[] | undefined;

/** The checks of one extension's jobs, by job name and kind; a kind without a check accepts anything. */
export class JobSchemas {
  /** No job checks anything. */
  static readonly none: JobSchemas = new JobSchemas(new Map());

  readonly #checks: ReadonlyMap<string, Partial<Record<JobSchemaKind, Check>>>;

  constructor(checks: ReadonlyMap<string, Partial<Record<JobSchemaKind, Check>>>) {
    this.#checks = checks;
  }

  /** Where `value` fails job `jobName`'s `kind` schema; undefined when it matches (or there is none). */
  issues(jobName: string, kind: JobSchemaKind, value: unknown): SchemaIssue[] | undefined {
    return this.#checks.get(jobName)?.[kind]?.(value);
  }
}

/** Ajv's draft 2020-12 class and the formats plugin: CommonJS, loaded synchronously on first use. */
function ajvModules(): { Ajv2020: typeof Ajv2020; addFormats: typeof import("ajv-formats").default } {
  const require = createRequire(import.meta.url);
  return {
    Ajv2020: (require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js")).Ajv2020,
    addFormats: require("ajv-formats") as typeof import("ajv-formats").default,
  };
}

/**
 * The options of every job schema's Ajv. Strict about the schema itself (`strictSchema`: an
 * unknown keyword, usually a typo, refuses the load), not about its style: any valid draft 2020-12
 * schema compiles, as another generator or a hand-written manifest writes it. So `strictTypes` is
 * off (`properties` without `"type": "object"` is valid, and means "if it is an object"),
 * `strictRequired` is off (`required` may name a property only `patternProperties` describes), and
 * `strictTuples` is off (`[string, number?]` and `[string, ...number[]]` are tuples whose length
 * is not fixed, which draft 2020-12 writes exactly with `prefixItems`, `minItems` and `items`).
 */
const AJV_OPTIONS = {
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allErrors: true,
} as const;

let metaAjv: Ajv2020 | undefined;

/**
 * The Ajv that checks a job schema Ajv refused against the draft 2020-12 meta-schema, to say
 * precisely where it is wrong: one per process, made on first use, because compiling the
 * meta-schema takes ~30 ms. Checking a schema with it compiles nothing more, so it does not grow.
 */
function metaSchemaChecker(): Ajv2020 {
  if (!metaAjv) {
    const { Ajv2020, addFormats } = ajvModules();
    metaAjv = new Ajv2020(AJV_OPTIONS);
    addFormats(metaAjv);
  }
  return metaAjv;
}

/**
 * A new Ajv for one extension's schemas (~1 ms with the formats). Ajv keeps every schema and
 * validator it compiled for as long as it lives, so a process-wide one would keep an unloaded
 * extension's (a few KiB a schema, each load anew); this one goes with the extension. It skips the
 * meta-schema (see {@link metaSchemaChecker}); unknown keywords and keywords of the wrong type are
 * refused all the same.
 */
function newCompiler(): Ajv2020 {
  const { Ajv2020, addFormats } = ajvModules();
  const ajv = new Ajv2020({ ...AJV_OPTIONS, validateSchema: false });
  addFormats(ajv);
  return ajv;
}

/**
 * A problem `checkManifest` found at `path` in `manifest`, saying which job's schema it is in when
 * it is in one (`the input schema of job "echo" is refused: …`): the manifest names jobs by index.
 */
export function describeManifestIssue(manifest: unknown, path: string, message: string): string {
  const at = /^\/jobs\/(\d+)\/(input|output|state)(?:\/|$)/.exec(path);
  const jobs = (manifest as { jobs?: unknown } | null)?.jobs;
  const name = at && Array.isArray(jobs) ? (jobs[Number(at[1])] as { name?: unknown } | undefined)?.name : undefined;
  const about = at && typeof name === "string" ? `the ${at[2]} schema of job "${name}" is refused: ` : "";
  return `${path || "/"}: ${about}${message}`;
}

/** True for a schema that accepts every value: `true`, or an object without keywords. */
function acceptsAll(schema: unknown): boolean {
  return schema === true || (typeof schema === "object" && schema !== null && Object.keys(schema).length === 0);
}

/**
 * Compiles the schemas of every job of `manifest` (read from `file`). Throws
 * {@link ManifestInvalidError} (`KILN_MANIFEST_INVALID`) listing each schema that does not compile,
 * with its JSON pointer in the manifest and the job and kind it belongs to.
 */
export function compileJobSchemas(manifest: Manifest, file: string): JobSchemas {
  const checks = new Map<string, Partial<Record<JobSchemaKind, Check>>>();
  const problems: string[] = [];
  let compiler: Ajv2020 | undefined;
  manifest.jobs.forEach((job, i) => {
    const jobChecks: Partial<Record<JobSchemaKind, Check>> = {};
    for (const kind of JOB_SCHEMA_KINDS) {
      const schema: unknown = job[kind];
      if (schema === undefined || acceptsAll(schema)) continue;
      const pointer = `/jobs/${i}/${kind}`;
      compiler ??= newCompiler();
      const compiled = compile(compiler, schema, pointer, `the ${kind} schema of job "${job.name}"`, problems);
      if (compiled) jobChecks[kind] = check(compiled);
    }
    if (Object.keys(jobChecks).length) checks.set(job.name, jobChecks);
  });
  if (problems.length) throw new ManifestInvalidError(file, problems);
  return checks.size ? new JobSchemas(checks) : JobSchemas.none;
}

/**
 * Checks `input` against `schema`, the input schema of job `jobName` of extension `extensionId`, as
 * dispatch does, without loading the extension: a command line can refuse a wrong input before it
 * pays for the load and runs the extension's `init`. Throws {@link JobInputInvalidError}
 * (`KILN_JOB_INPUT_INVALID`, the same message dispatch gives). A schema the host could not use is
 * not judged here: it passes, and the load refuses it with `KILN_MANIFEST_INVALID`.
 */
export function checkJobInput(extensionId: string, jobName: string, schema: unknown, input: unknown): void {
  if (schema === undefined || acceptsAll(schema) || jobSchemaIssues(schema).length > 0) return;
  const validate = compile(newCompiler(), schema, "", "", []);
  const issues = validate && check(validate)(input);
  if (issues) throw new JobInputInvalidError(extensionId, jobName, issues);
}

function compile(
  compiler: Ajv2020,
  schema: unknown,
  pointer: string,
  what: string,
  problems: string[],
): ValidateFunction | undefined {
  if (typeof schema !== "object" && typeof schema !== "boolean") {
    problems.push(`${pointer}: ${what} must be an object or a boolean`);
    return undefined;
  }
  try {
    return compiler.compile(schema as object | boolean);
  } catch (error) {
    // Only now against the meta-schema, whose errors point into the schema: compiling it costs
    // ~30 ms, once a process, which a schema that compiles never pays. One that compiles without
    // being valid draft 2020-12 is harmless (`"minLength": -1` checks nothing). The first error at
    // a place is the precise one (an `anyOf` of the meta-schema adds its branches' and its own).
    const meta = metaSchemaChecker();
    if (meta.validateSchema(schema as object | boolean)) {
      problems.push(`${pointer}: ${what} does not compile: ${(error as Error).message}`);
      return undefined;
    }
    const places = new Set<string>();
    for (const issue of schemaIssues(meta.errors as ErrorObject[] | null, schema, MAX_SCHEMA_ISSUES)) {
      if (places.has(issue.path) || places.size >= 10) continue;
      places.add(issue.path);
      const at = `${pointer}${issue.path === "/" ? "" : issue.path}`;
      problems.push(`${at}: ${what} is not valid JSON Schema: ${issue.message}`);
    }
    return undefined;
  }
}

function check(validate: ValidateFunction): Check {
  return (value) => (validate(value) ? undefined : schemaIssues(validate.errors, value, MAX_SCHEMA_ISSUES));
}

/** Why a job's checkpoint is refused by its state schema. */
export interface CheckpointRefusal {
  readonly code: "KILN_CHECKPOINT_INVALID";
  readonly message: string;
}

/**
 * What one run of a job (durable, or `host.run`) keeps of its checkpoints' checks: the first
 * refusal. The run fails with it however the job's code ends (the code may catch the refusal).
 */
export interface CheckpointVerdict {
  error?: CheckpointRefusal;
}

/**
 * Checks a checkpoint's `state` against job `jobName`'s state schema, in a run whose checks so far
 * `verdict` holds: undefined when the checkpoint may be saved, else why not, recorded in `verdict`.
 * After one refusal every later checkpoint of the run is refused too. The one check of durable
 * jobs (the runner) and `host.run`.
 */
export function refuseCheckpoint(
  verdict: CheckpointVerdict,
  schemas: JobSchemas,
  extensionId: string,
  jobName: string,
  state: unknown,
): CheckpointRefusal | undefined {
  if (verdict.error) {
    return {
      code: "KILN_CHECKPOINT_INVALID",
      message: `an earlier checkpoint of job "${jobName}" did not match its state schema, so the job fails and no later checkpoint is saved`,
    };
  }
  const issues = schemas.issues(jobName, "state", state);
  if (!issues) return undefined;
  verdict.error = {
    code: "KILN_CHECKPOINT_INVALID",
    message: `${describeMismatch("state", jobName, extensionId, issues)}; the checkpoint was not saved and the job fails`,
  };
  return verdict.error;
}

/**
 * The error of a job whose `result` fails its output schema, or undefined when it matches: how a
 * durable job fails (`host.run` throws `JobOutputInvalidError`, with the same message).
 */
export function outputRefusal(
  schemas: JobSchemas,
  extensionId: string,
  jobName: string,
  result: unknown,
): { readonly code: "KILN_JOB_OUTPUT_INVALID"; readonly message: string } | undefined {
  const issues = schemas.issues(jobName, "output", result);
  if (!issues) return undefined;
  return { code: "KILN_JOB_OUTPUT_INVALID", message: describeMismatch("output", jobName, extensionId, issues) };
}
