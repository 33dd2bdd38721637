/**
 * The manifest contract, defined once: the TypeScript type, the JSON Schema that codegen validates
 * its output against and the host validates every loaded manifest against, and the validator.
 *
 * @module
 */

import { PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import { Ajv, type ErrorObject } from "ajv";
import { type ExtensionLimits, limitsSchema } from "./limits.js";

/** Bumped whenever the manifest's shape changes incompatibly; the host rejects other versions. */
export const MANIFEST_VERSION = 1;

/** Extension ids and job names: kebab-case, so they map to Wasm export names one to one. */
export const KEBAB_CASE_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/** Semantic version 2.0.0, as npm accepts it (no leading `v`). */
export const SEMVER_PATTERN =
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";

/** `manifest.json`, written by `kiln build` next to `extension.wasm`. Never hand-written. */
export interface Manifest {
  readonly manifestVersion: typeof MANIFEST_VERSION;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** Permissions the extension asks for; the application decides which it grants. */
  readonly permissions: readonly string[];
  /**
   * Hosts (`example.com`, `localhost:8080`) that `http.fetch` may reach; anything else is denied.
   * A host without a port allows every port.
   */
  readonly allowedHosts?: readonly string[];
  /** Limits the extension asks for; the application's own limits still apply on top. */
  readonly limits?: ManifestLimits;
  readonly jobs: readonly ManifestJob[];
  /** Wasm export names of the lifecycle hooks, when the class defines them. */
  readonly hooks: { readonly init?: string; readonly cleanup?: string };
  readonly module: ManifestModule;
  /** Tool that wrote this manifest, e.g. `@kiln/codegen 0.1.0`. */
  readonly generator: string;
}

/**
 * Limits declared in `@extension({ limits })`: an extension may lower any of the host's limits
 * (see `limits.ts`), never raise them. `concurrentJobs` asks for up to that many jobs at once.
 */
export type ManifestLimits = ExtensionLimits;

/** A job as the host sees it. */
export interface ManifestJob {
  readonly name: string;
  /** The Wasm export that runs it (`job-<name>`). */
  readonly export: string;
  readonly description?: string;
}

/** The compiled module the manifest describes. */
export interface ManifestModule {
  /** File name beside the manifest. */
  readonly file: string;
  /** Lower-case hex SHA-256 of the module's bytes; the host refuses a module that differs. */
  readonly sha256: string;
  /** The plugin import namespace the module links against (`kiln-plugin-v1`). */
  readonly plugin: string;
}

const kebab = { type: "string", pattern: KEBAB_CASE_PATTERN, maxLength: 64 } as const;
const exportName = { type: "string", pattern: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", maxLength: 80 } as const;

/** JSON Schema (draft-07) of {@link Manifest}. `schema/manifest.schema.json` is generated from it. */
export const manifestSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://kiln.dev/schema/manifest-v1.json",
  title: "Kiln extension manifest",
  type: "object",
  additionalProperties: false,
  required: ["manifestVersion", "id", "name", "version", "permissions", "jobs", "hooks", "module", "generator"],
  properties: {
    manifestVersion: { const: MANIFEST_VERSION },
    id: kebab,
    name: { type: "string", minLength: 1, maxLength: 100 },
    version: { type: "string", pattern: SEMVER_PATTERN },
    description: { type: "string", maxLength: 1000 },
    permissions: {
      type: "array",
      uniqueItems: true,
      items: { type: "string", pattern: "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$" },
    },
    allowedHosts: {
      type: "array",
      uniqueItems: true,
      items: { type: "string", pattern: "^[a-z0-9.-]+(:[0-9]{1,5})?$", maxLength: 260 },
    },
    limits: limitsSchema(),
    jobs: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "export"],
        properties: { name: kebab, export: exportName, description: { type: "string", maxLength: 1000 } },
      },
    },
    hooks: {
      type: "object",
      additionalProperties: false,
      properties: { init: exportName, cleanup: exportName },
    },
    module: {
      type: "object",
      additionalProperties: false,
      required: ["file", "sha256", "plugin"],
      properties: {
        file: { type: "string", pattern: "^[A-Za-z0-9._-]+\\.wasm$" },
        sha256: { type: "string", pattern: "^[0-9a-f]{64}$" },
        plugin: { const: PLUGIN_NAMESPACE },
      },
    },
    generator: { type: "string", minLength: 1 },
  },
} as const;

/** One reason a manifest is invalid: a JSON pointer into it and what is wrong there. */
export interface ManifestIssue {
  /** JSON pointer, `""` for the whole document (`/jobs/0/name`). */
  readonly path: string;
  readonly message: string;
}

let validator: ReturnType<Ajv["compile"]> | undefined;

/**
 * Checks a parsed `manifest.json` against {@link manifestSchema} and the rules a schema cannot say
 * (job names unique). Returns every problem found, empty when valid.
 */
export function checkManifest(value: unknown): ManifestIssue[] {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(manifestSchema);
  const issues: ManifestIssue[] = [];
  if (!validator(value)) {
    for (const e of validator.errors ?? []) issues.push({ path: e.instancePath, message: describe(e) });
    return issues;
  }
  const seen = new Set<string>();
  (value as Manifest).jobs.forEach((job, i) => {
    if (seen.has(job.name)) issues.push({ path: `/jobs/${i}/name`, message: `duplicate job name "${job.name}"` });
    seen.add(job.name);
  });
  return issues;
}

function describe(e: ErrorObject): string {
  if (e.keyword === "additionalProperties") return `unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === "required") return `missing required property "${String(e.params.missingProperty)}"`;
  if (e.keyword === "const") return `must be ${JSON.stringify(e.params.allowedValue)}`;
  return e.message ?? e.keyword;
}

/** True when `value` is a valid {@link Manifest}. */
export function isManifest(value: unknown): value is Manifest {
  return checkManifest(value).length === 0;
}
