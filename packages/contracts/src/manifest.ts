/**
 * The manifest contract, defined once. Its JSON Schema is written with TypeBox in
 * `./schemas/manifest.ts`: the same expression is the JSON Schema (what codegen validates its output
 * against, what the host validates every loaded manifest against) and, through `Static`, the
 * TypeScript type. At build time `schema/manifest.schema.json` is generated from it, and so is its
 * validator, as Ajv's standalone code (`schema/manifest.validate.cjs`); this module reads the
 * schema and imports only the definition's types, so loading it loads neither TypeBox nor Ajv's
 * compiler. Its patterns and size limits are exported beside it, so codegen's diagnostics check the
 * same rules the schema does.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Static, TSchema } from "@sinclair/typebox";
import type { ErrorObject, ValidateFunction } from "ajv";
import { JOB_SCHEMA_KINDS, jobSchemaIssues } from "./job-schemas.js";
import type * as definitions from "./schemas/manifest.js";

/**
 * Bumped whenever the manifest's shape changes incompatibly. 2: each job carries the JSON Schemas
 * of its input, output and checkpoint state. The host reads version 1 too (see
 * {@link upgradeManifest}) and rejects any other.
 */
export const MANIFEST_VERSION = 2;

/**
 * The plugin import namespace modules link against. Mirrors `PLUGIN_NAMESPACE` of
 * `@kiln/javy-plugin`'s ABI (a test there checks that the two agree); it sits here so that the
 * manifest contract needs no Wasm tooling.
 */
export const MANIFEST_PLUGIN_NAMESPACE = "kiln-plugin-v1";

/** Extension ids and job names: kebab-case, so they map to Wasm export names one to one. */
export const KEBAB_CASE_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/** Semantic version 2.0.0, as npm accepts it (no leading `v`). */
export const SEMVER_PATTERN =
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";

/**
 * Every permission name: dot-separated lowercase segments, at least two (`files.read`,
 * `acme.invoices.write`). Operation names follow the same rule.
 */
export const PERMISSION_PATTERN = "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$";

/** An entry of `allowedHosts`: a lowercase host name with an optional port, nothing else. */
export const ALLOWED_HOST_PATTERN = "^[a-z0-9.-]+(:[0-9]{1,5})?$";

/** Size limits of the manifest's strings, in characters. */
export const MANIFEST_LIMITS = {
  /** Extension ids and job names. */
  idLength: 64,
  /** The display name. */
  nameLength: 100,
  /** Descriptions of the extension and of each job. */
  descriptionLength: 1000,
  /** One `allowedHosts` entry. */
  hostLength: 260,
  /** A Wasm export name (`job-` plus a job name, with room to spare). */
  exportNameLength: 80,
} as const;

/**
 * JSON Schema (draft-07) of {@link Manifest}: `schema/manifest.schema.json`, read when this module
 * loads. Its TypeBox definition, from which that file is generated and the types here come, is
 * `./schemas/manifest.ts`.
 */
export const manifestSchema: typeof definitions.manifestSchema = readSchema("manifest.schema.json");

/**
 * `manifest.json`, written by `kiln build` next to `extension.wasm`; never hand-written. The type is
 * {@link manifestSchema}'s static type, so the two cannot disagree. `permissions` are the ones the
 * extension asks for (the application decides which it grants); `allowedHosts` the hosts
 * `http.fetch` may reach (a host without a port allows every port); `limits` the limits it asks
 * for (the application's still apply on top); `hooks` the Wasm exports of `init`/`cleanup` when
 * the class defines them; `generator` the tool that wrote it (`@kiln/codegen 0.1.0`).
 */
export interface Manifest extends Readonly<Static<typeof manifestSchema>> {}

/**
 * A job as the host sees it: its name, the Wasm export that runs it (`job-<name>`), its doc, and
 * the JSON Schemas (draft 2020-12) of its `input`, its result (`output`) and its checkpoint `state`.
 */
export interface ManifestJob extends Readonly<Static<typeof definitions.jobSchema>> {}

/** The compiled module a manifest describes: file name, lower-case hex SHA-256, plugin namespace. */
export interface ManifestModule extends Readonly<Static<typeof definitions.moduleSchema>> {}

/** One reason a manifest is invalid: a JSON pointer into it and what is wrong there. */
export interface ManifestIssue {
  /** JSON pointer, `""` for the whole document (`/jobs/0/name`). */
  readonly path: string;
  readonly message: string;
}

let validator: ValidateFunction | undefined;

/**
 * Checks a parsed `manifest.json` against {@link manifestSchema} and the rules a schema cannot say
 * (job names unique; each job schema safe to compile, see `jobSchemaIssues`). Returns every
 * problem found, empty when valid. The validator was generated from the schema at build time, so
 * the first check costs no compile. A version 1 manifest is refused here: pass it through
 * {@link upgradeManifest} first, as the host does.
 */
export function checkManifest(value: unknown): ManifestIssue[] {
  validator ??= loadValidator();
  const issues: ManifestIssue[] = [];
  if (!validator(value)) {
    for (const e of validator.errors ?? []) issues.push({ path: e.instancePath, message: describe(e) });
    return issues;
  }
  const seen = new Set<string>();
  (value as Manifest).jobs.forEach((job, i) => {
    if (seen.has(job.name)) issues.push({ path: `/jobs/${i}/name`, message: `duplicate job name "${job.name}"` });
    seen.add(job.name);
    for (const kind of JOB_SCHEMA_KINDS) {
      for (const { path, message } of jobSchemaIssues(job[kind])) {
        issues.push({ path: `/jobs/${i}/${kind}${path}`, message });
      }
    }
  });
  return issues;
}

/**
 * The manifest of an older format in the current one, so that extensions built by an older Kiln
 * keep loading: a version 1 manifest (jobs without schemas) becomes version 2 with every job's
 * `input`, `output` and `state` schema `{}`, which accepts any JSON value, as version 1 did. Any
 * other value is returned as it is, for {@link checkManifest} to judge. Rebuilding the extension
 * with `kiln build` gives it real schemas.
 */
export function upgradeManifest(value: unknown): unknown {
  if (typeof value !== "object" || value === null || (value as { manifestVersion?: unknown }).manifestVersion !== 1) {
    return value;
  }
  const v1 = value as { jobs?: unknown };
  const jobs = Array.isArray(v1.jobs)
    ? v1.jobs.map((job: unknown) =>
        typeof job === "object" && job !== null ? { input: {}, output: {}, state: {}, ...job } : job,
      )
    : v1.jobs;
  return { ...value, manifestVersion: MANIFEST_VERSION, jobs };
}

/** True when `value` is a valid {@link Manifest}. */
export function isManifest(value: unknown): value is Manifest {
  return checkManifest(value).length === 0;
}

/**
 * The manifest's validator: Ajv's standalone code for {@link manifestSchema} (all errors, strict),
 * written by `scripts/generate.mjs`. Compiling the schema here instead took ~130 ms, on the path
 * of every process's first `host.load`. It is CommonJS (it requires Ajv's small runtime helpers),
 * so `require` loads it synchronously, on first use.
 */
function loadValidator(): ValidateFunction {
  return (createRequire(import.meta.url)("../schema/manifest.validate.cjs") as { default: ValidateFunction }).default;
}

/** A schema of `../schema/`, as written by `scripts/generate.mjs`. */
function readSchema<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../schema/${file}`, import.meta.url), "utf8")) as T;
}

/**
 * A TypeBox schema as the plain JSON it stands for: TypeBox marks its objects with symbol keys,
 * which JSON (and Ajv's strict mode) never sees.
 */
export function plainSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

function describe(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") return `unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === "required") return `missing required property "${String(e.params.missingProperty)}"`;
  if (e.keyword === "const") return `must be ${JSON.stringify(e.params.allowedValue)}`;
  return e.message ?? e.keyword;
}
