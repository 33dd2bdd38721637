/**
 * `URL` and `URLSearchParams`: the WHATWG reference implementation (`whatwg-url`, the package jsdom
 * uses), bundled into the plugin at build time. Its IDNA dependency, `tr46`, is replaced by the
 * much smaller `idna.ts` (the build aliases it), which handles ordinary internationalised names as
 * Node does; see that file for what full UTS #46 would add.
 *
 * whatwg-url needs only ES2020 and `TextEncoder`/`TextDecoder`, which the plugin provides. It
 * offers the static `URL.parse` and `URL.canParse`, `toJSON`, a `searchParams` kept in step with
 * the URL, iteration and `size` on `URLSearchParams`, and `Symbol.toStringTag` on both.
 *
 * @module
 */
// @ts-expect-error -- whatwg-url ships no types; `UrlConstructor` and `SearchParamsConstructor` say what is used.
import { URL as WhatwgURL, URLSearchParams as WhatwgURLSearchParams } from "whatwg-url";
import type { Install } from "./internals.js";

/** The constructors the group hands out, typed as the DOM's. */
type UrlConstructor = typeof globalThis.URL;
type SearchParamsConstructor = typeof globalThis.URLSearchParams;

/** Gives a class back the name the build's minifier took from it (`URL.name`, what inspect shows). */
function named<T extends object>(type: T, name: string): T {
  Object.defineProperty(type, "name", { value: name, configurable: true });
  return type;
}

/** Installs the group: `URL` and `URLSearchParams`. */
export const install: Install = () => {
  const URL = named(WhatwgURL as UrlConstructor, "URL");
  // whatwg-url 14.2's URL.parse returns its internal implementation object, not a URL (no
  // toStringTag, not `instanceof URL`, a searchParams that is not a URLSearchParams): parse is
  // the constructor without the exception instead, as the standard defines it.
  const { parse } = {
    parse(url: unknown, ...rest: unknown[]): URL | null {
      // biome-ignore lint/complexity/noArguments: WebIDL's arity check needs the count of arguments.
      if (arguments.length < 1) {
        throw new TypeError("Failed to execute 'parse' on 'URL': 1 argument required, but only 0 present.");
      }
      // Converted before the try, so that an argument that cannot become a string still throws.
      const input = `${url}`;
      const base = rest[0] === undefined ? undefined : `${rest[0]}`;
      try {
        return new URL(input, base);
      } catch {
        return null;
      }
    },
  };
  Object.defineProperty(URL, "parse", { value: parse, writable: true, enumerable: true, configurable: true });
  return {
    URL,
    URLSearchParams: named(WhatwgURLSearchParams as SearchParamsConstructor, "URLSearchParams"),
  };
};
