/**
 * Permissions of the operations every Kiln host ships. Codegen accepts these names in
 * `@extension({ permissions })` without further declaration; an application that registers its
 * own operations publishes their permission names (see the docs, "Custom operations").
 */
export const BUILTIN_PERMISSIONS = ["files.read", "http.fetch", "kv.read", "kv.write"] as const;

/** One of {@link BUILTIN_PERMISSIONS}. */
export type BuiltinPermission = (typeof BUILTIN_PERMISSIONS)[number];

/**
 * The shape every permission name has: dot-separated lowercase segments, at least two
 * (`files.read`, `acme.invoices.write`).
 */
export const PERMISSION_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
