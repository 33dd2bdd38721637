/**
 * A small stand-in for the `tr46` package (UTS #46, "Unicode IDNA Compatibility Processing"), which
 * whatwg-url calls to turn a URL's host into ASCII. The build aliases `tr46` to this file, so the
 * exports below keep tr46's API: {@link toASCII} returns the ASCII domain or `null` on error, and
 * {@link toUnicode} returns `{ domain, error }`.
 *
 * tr46 carries the full UTS #46 mapping table and Bidi regular expressions, about 230 KB once
 * bundled, four times the rest of the `url` group, and every instance that touches `URL` would
 * evaluate them. This file derives the processing from what QuickJS already has instead:
 *
 * - mapping, code point by code point as the table does: the code points the table ignores are
 *   dropped, the ideographic full stops become `.`, the deviations (`ß`, `ς`, ZWJ, ZWNJ) are kept
 *   (or mapped, with `transitionalProcessing`), everything else is NFKC-normalised and case-folded;
 *   then the whole name is normalised to NFC. The table is derived from NFKC_Casefold, so this
 *   yields the same result for ordinary names: `ÄBC.com`, `münchen.de`, fullwidth `ｅｘａｍｐｌｅ.com`,
 *   ligatures, `ΟΔΟΣ` (each sigma maps alone, not by the final-sigma rule of `toLowerCase`).
 * - validity: NFC, the hyphen rules, no leading combining mark, Punycode labels (`xn--…`) that
 *   decode, are not ASCII-only, and hold only code points already in mapped form; "disallowed"
 *   approximated by General_Category (controls, unassigned, private use, surrogates, separators,
 *   format characters) plus the specials and ideographic description characters, and the code
 *   points that NFKC would turn into a label separator (`⒈` → `1.`).
 * - CONTEXTJ (`checkJoiners`): a ZWJ or ZWNJ after a virama is recognised exactly without a table,
 *   from canonical reordering (see `isVirama`); the ZWNJ's second rule, which needs the
 *   Joining_Type property, is approximated by "between letters of a script whose letters join".
 * - `verifyDNSLength`: 1–253 characters in all, 1–63 per label (so, as in tr46, no trailing dot).
 *
 * Checked over every code point, alone and after `a`, against tr46 5.1 in Node: the results differ
 * only where Node's Unicode is newer than tr46's, and for the Bidi rule. What full UTS #46 would add:
 *
 * - the Bidi rule (`checkBidi`), which needs the Bidi_Class property that JavaScript regular
 *   expressions do not expose; Node's own URL parser (ada) does not apply it either, so URLs such as
 *   `http://1.שלום/` parse here as they do in Node, though the standard rejects them;
 * - Joining_Type for the second CONTEXTJ rule (a ZWNJ after an Arabic alef is accepted here);
 * - status by Unicode version: QuickJS 2021-03-27 knows Unicode 13, so code points assigned since
 *   count as unassigned (disallowed), and NFKC and case folding are Unicode 13's.
 *
 * @module
 */
// @ts-expect-error -- punycode ships no types; the subpath skips Node's deprecated built-in of the same name.
import punycodeModule from "punycode/punycode.js";

/** The part of the `punycode` package used here: RFC 3492 on one label, throwing RangeError. */
interface Punycode {
  decode(input: string): string;
  encode(input: string): string;
}
const punycode: Punycode = punycodeModule;

/** tr46's options, with its defaults (all `false`). */
export interface IdnaOptions {
  /** Applies the Bidi rule. Accepted for tr46 compatibility and ignored: see the module comment. */
  checkBidi?: boolean;
  /** Rejects labels that start or end with `-`, or have `--` in the third and fourth positions. */
  checkHyphens?: boolean;
  /** Applies the CONTEXTJ rules to zero-width joiners and non-joiners. */
  checkJoiners?: boolean;
  /** Keeps `xn--` labels that are not valid Punycode as they are instead of failing. */
  ignoreInvalidPunycode?: boolean;
  /** Maps the deviation characters (`ß`, `ς`, ZWJ, ZWNJ) as IDNA 2003 did. */
  transitionalProcessing?: boolean;
  /** Allows only letters, digits and `-` among ASCII code points. */
  useSTD3ASCIIRules?: boolean;
  /** Requires the domain to be 1–253 characters and each label 1–63 (toASCII only). */
  verifyDNSLength?: boolean;
}

/** What {@link toUnicode} returns, as tr46 does: the domain, and whether any rule was broken. */
export interface ToUnicodeResult {
  domain: string;
  error: boolean;
}

// The code points UTS #46 marks "ignored": soft hyphen, combining grapheme joiner, Hangul fillers,
// Khmer inherent vowels, Mongolian free variation selectors, zero-width space, word joiner and
// invisible operators, deprecated format characters, variation selectors, BOM, shorthand format
// controls, musical beam controls.
// As [first, last] pairs of code points (a character class would mix base and combining characters).
const IGNORED = [
  0xad, 0xad, 0x34f, 0x34f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180b, 0x180f, 0x200b, 0x200b, 0x2060, 0x2064, 0x206a,
  0x206f, 0x3164, 0x3164, 0xfe00, 0xfe0f, 0xfeff, 0xfeff, 0xffa0, 0xffa0, 0x1bca0, 0x1bca3, 0x1d173, 0x1d17a, 0xe0100,
  0xe01ef,
];
// NFKC leaves U+3002 alone (and turns U+FF61 into it), but UTS #46 maps these to a label separator.
const FULL_STOPS = /[\u3002\uFF0E\uFF61]/u;
const CHEROKEE = /[\u13A0-\u13FF\uAB70-\uABBF]/u;
const DEVIATIONS = /[\u00DF\u03C2\u200C\u200D]/u;
const NON_ASCII_CODE_POINT = /[^\0-\x7F]/gu;
const NON_ASCII = /[^\0-\x7F]/u;
const STD3_INVALID = /[^a-z0-9-]/;
// ZWNJ and ZWJ are Cf but valid (deviations); the rest of Cf, with the other categories here and
// the specials block, is what UTS #46 disallows among code points that survive NFKC.
const DISALLOWED = /[\u2FF0-\u2FFF\u31EF\uFFF9-\uFFFD]|(?![\0-\x7F\u200C\u200D])[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Z}]/u;
const LEADING_MARK = /^\p{M}/u;
const SEPARATOR = /[.\u3002]/u;
// The second CONTEXTJ rule wants a letter of Joining_Type L or D before the non-joiner and R or D
// after it, with only transparent code points between: coarsened here to "a letter of a script
// whose letters join" and "a nonspacing mark".
const JOINING =
  /(?=\p{L})[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Mandaic}\p{Script=Phags_Pa}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}]/u;
const TRANSPARENT = /\p{Mn}/u;

/** Whether NFKC turns `c` (as `compatible`) into something with a label separator in it. */
function becomesSeparator(c: string, compatible = c.normalize("NFKC")): boolean {
  return compatible !== c && SEPARATOR.test(compatible);
}

/** Whether UTS #46 drops `codePoint` from a name. */
function ignored(codePoint: number): boolean {
  for (let i = 0; i < IGNORED.length; i += 2) {
    if (codePoint >= (IGNORED[i] ?? 0) && codePoint <= (IGNORED[i + 1] ?? 0)) return true;
  }
  return false;
}

/**
 * Case folding of one code point, as UTS #46's table applies it after NFKC. Lowering the uppercase
 * form gets the folds that plain lowercasing misses (`ͅ` → `ι`, `ᾀ` → `ἀι`, `ẞ` → `ß`) with no
 * final-sigma context; Cherokee folds to its capitals; dotless ı has no fold.
 */
function fold(c: string): string {
  if (CHEROKEE.test(c)) return c.toUpperCase();
  if (c === "\u0131") return c;
  return c.toUpperCase().toLowerCase();
}

/** UTS #46's mapping of one non-ASCII code point, approximated as described in the module comment. */
function mapCodePoint(c: string, transitional: boolean): string {
  if (ignored(c.codePointAt(0) ?? 0)) return "";
  if (FULL_STOPS.test(c)) return ".";
  if (DEVIATIONS.test(c)) {
    if (!transitional) return c;
    return c === "\u00DF" ? "ss" : c === "\u03C2" ? "\u03C3" : "";
  }
  const compatible = c.normalize("NFKC");
  // The table disallows what NFKC would turn into a label separator (`⒈`, `․`, `︒`): it stays as
  // it is, for validLabel to reject.
  if (becomesSeparator(c, compatible)) return c;
  // The compatibility forms of final sigma (`ϲ`, mathematical final sigma) fold to σ.
  const folded = Array.from(compatible, (d) => (d === "\u03C2" ? "\u03C3" : fold(d))).join("");
  // `ẞ` folds to the deviation `ß`, which transitional processing maps on.
  return transitional ? folded.replace(/\u00DF/g, "ss") : folded;
}

/** UTS #46 step 1 and 2 (map, normalise to NFC). */
function mapDomain(domain: string, transitional: boolean): string {
  if (!NON_ASCII.test(domain)) return domain.toLowerCase();
  return domain
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(NON_ASCII_CODE_POINT, (c) => mapCodePoint(c, transitional))
    .normalize("NFC");
}

/**
 * Whether `c`'s Canonical_Combining_Class is 9 (Virama), found without a table: canonical ordering
 * swaps adjacent marks whose classes are out of order, so `c` sorts after U+3099 (class 8) and
 * before U+05B0 (class 10) exactly when its class is 9.
 */
function isVirama(c: string): boolean {
  return `${c}\u3099`.normalize("NFD").startsWith("\u3099") && `\u05B0${c}`.normalize("NFD").startsWith(c);
}

/** CONTEXTJ for every ZWJ and ZWNJ in `label`. */
function joinersAllowed(label: string): boolean {
  const chars = Array.from(label);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c !== "\u200C" && c !== "\u200D") continue;
    const before = chars[i - 1];
    if (before !== undefined && isVirama(before)) continue;
    if (c === "\u200D") return false;
    let left = i - 1;
    while (left >= 0 && TRANSPARENT.test(chars[left] ?? "")) left--;
    let right = i + 1;
    while (right < chars.length && TRANSPARENT.test(chars[right] ?? "")) right++;
    if (!JOINING.test(chars[left] ?? "") || !JOINING.test(chars[right] ?? "")) return false;
  }
  return true;
}

/** UTS #46 validity criteria (section 4.1) for one label; `fromPunycode` adds step 4.3's checks. */
function validLabel(label: string, options: IdnaOptions, fromPunycode: boolean): boolean {
  if (fromPunycode) {
    // A decoded label must already be in mapped form: no uppercase, no ignored or mapped code point.
    // UTS #46 checks it with nontransitional processing whatever the option says: `xn--zca` is `ß`.
    if (label === "" || !NON_ASCII.test(label)) return false;
    if (mapDomain(label, false) !== label) return false;
  }
  if (label.normalize("NFC") !== label) return false;
  if (options.checkHyphens) {
    if (label.startsWith("-") || label.endsWith("-") || label.slice(2, 4) === "--") return false;
  } else if (label.startsWith("xn--")) {
    return false;
  }
  if (label.includes(".")) return false;
  if (LEADING_MARK.test(label)) return false;
  if (DISALLOWED.test(label)) return false;
  if (NON_ASCII.test(label) && Array.from(label).some((c) => c > "\x7f" && becomesSeparator(c))) return false;
  if (options.useSTD3ASCIIRules && STD3_INVALID.test(label.replace(/[^\0-\x7F]/gu, ""))) return false;
  if (options.checkJoiners && !joinersAllowed(label)) return false;
  return true;
}

/** UTS #46 processing (section 4): the Unicode labels, and whether any rule was broken. */
function processing(domain: string, options: IdnaOptions): { labels: string[]; error: boolean } {
  let error = false;
  const labels = mapDomain(domain, options.transitionalProcessing === true)
    .split(".")
    .map((label) => {
      if (!label.startsWith("xn--")) {
        if (!validLabel(label, options, false)) error = true;
        return label;
      }
      if (NON_ASCII.test(label)) {
        error = true;
        return label;
      }
      let decoded: string;
      try {
        decoded = punycode.decode(label.slice(4));
      } catch {
        if (!options.ignoreInvalidPunycode) error = true;
        return label;
      }
      if (!validLabel(decoded, options, true)) error = true;
      return decoded;
    });
  return { labels, error };
}

/**
 * The ASCII form of `domainName` ("xn--" labels for the non-ASCII ones), or `null` if UTS #46
 * processing records an error, as tr46's `toASCII` does.
 */
export function toASCII(domainName: string, options: IdnaOptions = {}): string | null {
  const result = processing(domainName, options);
  let error = result.error;
  const labels = result.labels.map((label) => {
    if (!NON_ASCII.test(label)) return label;
    try {
      return `xn--${punycode.encode(label)}`;
    } catch {
      error = true;
      return label;
    }
  });
  if (options.verifyDNSLength) {
    // As tr46 does, an empty root label (a trailing dot) counts as an empty label: an error.
    const total = labels.join(".").length;
    if (total < 1 || total > 253 || labels.some((label) => label.length < 1 || label.length > 63)) error = true;
  }
  return error ? null : labels.join(".");
}

/** The Unicode form of `domainName` and whether UTS #46 processing recorded an error, as tr46's `toUnicode` does. */
export function toUnicode(domainName: string, options: IdnaOptions = {}): ToUnicodeResult {
  const { labels, error } = processing(domainName, options);
  return { domain: labels.join("."), error };
}
