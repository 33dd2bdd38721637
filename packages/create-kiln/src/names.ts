/**
 * Extension ids from what people type: a folder name like `My Ext` becomes the id `my-ext`.
 *
 * The id rule (kebab-case, starting with a letter, at most 64 characters) is the manifest's, defined
 * in `@kiln/contracts`. This package has no runtime dependencies, so it does not import that rule:
 * it builds ids that satisfy it by construction, and its tests hold {@link toId}'s output to the
 * contracts' pattern and length.
 *
 * @module
 */

/** The longest id a manifest accepts (`MANIFEST_LIMITS.idLength` in `@kiln/contracts`; a test checks). */
export const MAX_ID_LENGTH = 64;

/**
 * The extension id closest to `text`: lowercase ASCII letters and digits, every other run of
 * characters one dash, no leading digit or dash, at most {@link MAX_ID_LENGTH} characters. `""`
 * when nothing usable is left (`"123"`, `"日本"`).
 */
export function toId(text: string): string {
  const words = text
    // Split camelCase words before lowering them: "MyExt" → "my-ext".
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    // "é" → "e" + a combining accent, which the split below drops.
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let id = words.join("-").replace(/^[0-9-]+/, "");
  if (id.length > MAX_ID_LENGTH) id = id.slice(0, MAX_ID_LENGTH).replace(/-+$/, "");
  return id;
}

/** True when `text` is a valid extension id as it stands. */
export function isId(text: string): boolean {
  return text.length > 0 && toId(text) === text;
}

/** The display name for an id: `my-ext` → `My Ext`. */
export function toTitle(id: string): string {
  return id
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}
