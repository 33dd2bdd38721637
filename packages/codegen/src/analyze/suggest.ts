/**
 * The corrected value a diagnostic's fix proposes, where one is obvious. Misspelt names are matched
 * with `closestMatch` from `@kiln/contracts`, the one "did you mean" helper; corrected hosts come
 * with their checks in `validate.ts`.
 *
 * @module
 */
import { isSemver } from "./validate.js";

/** `tagFolder` → `tag-folder`, `parseHTTPResponse` → `parse-http-response`, `Photo Tagger` → `photo-tagger`. */
export function toKebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[\s_]+/g, "-")
    .toLowerCase();
}

/** `1.0` → `1.0.0`, `v1.2.3` → `1.2.3`: the common near-misses. */
export function suggestVersion(version: string): string | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(version.trim());
  if (!match) return undefined;
  const suggestion = `${Number(match[1])}.${Number(match[2] ?? 0)}.${Number(match[3] ?? 0)}`;
  return isSemver(suggestion) ? suggestion : undefined;
}
