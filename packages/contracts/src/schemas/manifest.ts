/**
 * The manifest's JSON Schema, written with TypeBox: the same expression is the JSON Schema and,
 * through `Static`, the TypeScript type. A build-time module: `scripts/generate.mjs` writes
 * `schema/manifest.schema.json` from {@link manifestSchema}, and `../manifest.ts` reads that file at
 * run time and takes only its types from here, so nothing a Kiln process imports loads TypeBox. Its
 * patterns and size limits are those of `../manifest.ts`.
 *
 * @module
 */

import { Type } from "@sinclair/typebox";
import type { JsonSchema } from "../job-schemas.js";
import { type ExtensionLimits, limitsSchema } from "../limits.js";
import {
  ALLOWED_HOST_PATTERN,
  KEBAB_CASE_PATTERN,
  MANIFEST_LIMITS,
  MANIFEST_PLUGIN_NAMESPACE,
  MANIFEST_VERSION,
  PERMISSION_PATTERN,
  SEMVER_PATTERN,
} from "../manifest.js";

const kebab = Type.String({ pattern: KEBAB_CASE_PATTERN, maxLength: MANIFEST_LIMITS.idLength });
const exportName = Type.String({ pattern: KEBAB_CASE_PATTERN, maxLength: MANIFEST_LIMITS.exportNameLength });
const description = Type.String({ maxLength: MANIFEST_LIMITS.descriptionLength });
const closed = { additionalProperties: false } as const;

/** A JSON Schema (draft 2020-12) of a job's values; `jobSchemaIssues` checks what this cannot. */
const valueSchema = Type.Unsafe<JsonSchema>({ type: "object" });

/** A job: its name, the Wasm export that runs it, its doc, the schemas of its values. */
export const jobSchema = Type.Object(
  {
    name: kebab,
    /** The Wasm export that runs it (`job-<name>`). */
    export: exportName,
    description: Type.Optional(description),
    /** What the job is dispatched with. */
    input: valueSchema,
    /** What it returns. */
    output: valueSchema,
    /** What it checkpoints. */
    state: valueSchema,
  },
  closed,
);

/** The compiled module: file name, lower-case hex SHA-256, plugin namespace. */
export const moduleSchema = Type.Object(
  {
    file: Type.String({ pattern: "^[A-Za-z0-9._-]+\\.wasm$" }),
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    plugin: Type.Literal(MANIFEST_PLUGIN_NAMESPACE),
  },
  closed,
);

/** JSON Schema (draft-07) of `Manifest`; `schema/manifest.schema.json` is generated from it. */
export const manifestSchema = Type.Object(
  {
    manifestVersion: Type.Literal(MANIFEST_VERSION),
    id: kebab,
    name: Type.String({ minLength: 1, maxLength: MANIFEST_LIMITS.nameLength }),
    version: Type.String({ pattern: SEMVER_PATTERN }),
    description: Type.Optional(description),
    permissions: Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), { uniqueItems: true }),
    allowedHosts: Type.Optional(
      Type.Array(Type.String({ pattern: ALLOWED_HOST_PATTERN, maxLength: MANIFEST_LIMITS.hostLength }), {
        uniqueItems: true,
      }),
    ),
    limits: Type.Optional(Type.Unsafe<ExtensionLimits>(limitsSchema())),
    jobs: Type.Array(jobSchema),
    hooks: Type.Object({ init: Type.Optional(exportName), cleanup: Type.Optional(exportName) }, closed),
    module: moduleSchema,
    generator: Type.String({ minLength: 1 }),
  },
  {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `https://kiln.dev/schema/manifest-v${MANIFEST_VERSION}.json`,
    title: "Kiln extension manifest",
    ...closed,
  },
);
