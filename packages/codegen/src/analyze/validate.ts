/**
 * Checks of single values against the manifest contract of `@kiln/contracts` (its patterns, its
 * size limits and the limits table), each with an explanation precise enough to fix the value. A
 * value that passes here also passes the manifest schema when the host loads it.
 *
 * @module
 */
import {
  ALLOWED_HOST_PATTERN,
  KEBAB_CASE_PATTERN,
  LIMITS,
  type LimitName,
  type LimitSpec,
  MANIFEST_LIMITS,
  SEMVER_PATTERN,
} from "@kiln/contracts";
import type { StringValue } from "./options.js";
import type { Reporter } from "./reporter.js";

const KEBAB_CASE = new RegExp(KEBAB_CASE_PATTERN);
const SEMVER = new RegExp(SEMVER_PATTERN);
const ALLOWED_HOST = new RegExp(ALLOWED_HOST_PATTERN);
/** A DNS name is at most 253 characters (RFC 1035), a TCP port at most 65535. */
const MAX_HOSTNAME_LENGTH = 253;
const MAX_PORT = 65_535;

/** An extension id or job name: kebab-case, at most {@link MANIFEST_LIMITS}`.idLength` characters. */
export function isKebab(name: string): boolean {
  return name.length <= MANIFEST_LIMITS.idLength && KEBAB_CASE.test(name);
}

export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

/** Reports a string option whose length is outside `min..max` as `KILN_INVALID_VALUE`. */
export function checkLength(report: Reporter, value: StringValue, key: string, min: number, max: number): boolean {
  const { length } = value.value;
  if (length >= min && length <= max) return true;
  const problem = length < min ? "must not be empty" : `is ${length} characters long; the limit is ${max}`;
  report.error(value.node, "KILN_INVALID_VALUE", `${key} ${problem}`);
  return false;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * Why `value` is not a valid `limits.<name>`, with a fix that states the range and, where one is
 * obvious, the nearest valid value; undefined when it is valid. The bounds are the manifest
 * schema's (both come from the limits table, {@link LIMITS}), so a limit that passes here also
 * passes the host's check when it loads the manifest.
 */
export function limitProblem(name: LimitName, value: number): { message: string; fix: string } | undefined {
  const spec = LIMITS[name];
  const max = spec.manifestMaximum;
  const what = `limits.${name}`;
  const range = limitRange(spec);
  if (spec.integer && Number.isFinite(value) && !Number.isInteger(value)) {
    // Both neighbours, clamped, so the author picks which way to round.
    const around = [...new Set([Math.floor(value), Math.ceil(value)].map((n) => clamp(n, 1, max)))];
    const fix = `Use ${around.map(formatLimit).join(" or ")} (${range}).`;
    return { message: `${what} must be a whole number, not ${formatLimit(value)}`, fix };
  }
  if (value > 0 && value <= max) return undefined;
  const message = `${what} is ${formatLimit(value)}; it must be ${range}`;
  // Above the maximum the maximum is nearest; at or below zero, a whole number has 1, a fraction has none.
  const nearest = value > max ? max : spec.integer ? 1 : undefined;
  return { message, fix: nearest === undefined ? `Use ${range}.` : `Use ${formatLimit(nearest)} (${range}).` };
}

/** `a whole number from 1 to 64`, `a number above 0 and at most 4096`: a limit's range in words. */
function limitRange(spec: LimitSpec): string {
  const max = formatLimit(spec.manifestMaximum);
  return spec.integer ? `a whole number from 1 to ${max}` : `a number above 0 and at most ${max}`;
}

/** A limit as the author may write it: digits grouped by `_` from 10_000 up, so large ones stay readable. */
function formatLimit(value: number): string {
  if (!Number.isSafeInteger(value) || Math.abs(value) < 10_000) return String(value);
  const sign = value < 0 ? "-" : "";
  return sign + String(Math.abs(value)).replace(/\B(?=(\d{3})+$)/g, "_");
}

/** Why a host is not allowed, and how to fix it: a corrected host when one is obvious, else a sentence. */
export interface HostProblem {
  readonly message: string;
  readonly suggestion?: string;
  readonly fix?: string;
}

/**
 * Checks one `allowedHosts` entry: a lowercase host name (letters, digits, dots, hyphens) with an
 * optional `:port`. This is the manifest schema's pattern ({@link ALLOWED_HOST_PATTERN}), plus the
 * checks the pattern cannot express (port range, empty labels), so that a bad entry fails here, at
 * its source, and not when the host loads the manifest. The common slips (a URL, uppercase) come
 * with the corrected host.
 */
export function hostProblem(host: string): HostProblem | undefined {
  // A URL pasted in: `https://api.example.com/v1` → scheme, authority, path/query/fragment.
  const url = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/i.exec(host);
  const scheme = url?.[1] ?? "";
  const authority = url?.[2] ?? host;
  const rest = url?.[3] ?? "";
  if (scheme !== "" || rest !== "") {
    const parts = [scheme !== "" ? "a scheme" : "", rest !== "" ? "a path" : ""].filter((p) => p !== "");
    const lower = authority.toLowerCase();
    const suggestion = lower !== "" && hostProblem(lower) === undefined ? lower : undefined;
    return {
      message: `has ${parts.join(" and ")}; list the bare host name (with an optional :port)`,
      ...(suggestion === undefined ? { fix: 'Write only the host, for example "api.example.com".' } : { suggestion }),
    };
  }
  if (host.includes("*")) {
    const parent = host.replace(/^\*\./, "");
    const example = parent !== host && hostProblem(parent) === undefined ? `api.${parent}` : "api.example.com";
    return {
      message: "has a wildcard; hosts are matched exactly",
      fix: `List each host the extension calls, for example "${example}".`,
    };
  }
  if (host !== host.toLowerCase()) {
    const lower = host.toLowerCase();
    const suggestion = hostProblem(lower) === undefined ? lower : undefined;
    return { message: "has uppercase letters; host names are written in lowercase", ...ifDefined(suggestion) };
  }
  if (host.length > MANIFEST_LIMITS.hostLength)
    return { message: `is ${host.length} characters long; the limit is ${MANIFEST_LIMITS.hostLength}` };
  const colon = host.lastIndexOf(":");
  const name = colon === -1 ? host : host.slice(0, colon);
  if (colon !== -1) {
    const port = host.slice(colon + 1);
    const number = /^[0-9]{1,5}$/.test(port) ? Number(port) : Number.NaN;
    if (!(number >= 1 && number <= MAX_PORT)) {
      return { message: `has an invalid port ${JSON.stringify(port)}; a port is a number from 1 to ${MAX_PORT}` };
    }
  }
  const problem = hostNameProblem(name);
  if (problem !== undefined) return problem;
  // The checks above explain; the contract decides. Should its pattern ever be stricter than they
  // are, the entry still fails here rather than when the host loads the manifest.
  return ALLOWED_HOST.test(host) ? undefined : { message: `does not match the pattern ${ALLOWED_HOST_PATTERN}` };
}

function hostNameProblem(name: string): HostProblem | undefined {
  if (name === "") return { message: "has no host name" };
  const bad = /[^a-z0-9.-]/.exec(name)?.[0];
  if (bad !== undefined) {
    return {
      message: `contains ${JSON.stringify(bad)}; a host name has only lowercase letters, digits, dots and hyphens`,
    };
  }
  if (name.length > MAX_HOSTNAME_LENGTH) {
    return { message: `has a host name of ${name.length} characters; the limit is ${MAX_HOSTNAME_LENGTH}` };
  }
  const labels = name.split(".");
  if (labels.some((label) => label === "")) {
    const trimmed = labels.filter((label) => label !== "").join(".");
    const suggestion = trimmed !== "" && hostNameProblem(trimmed) === undefined ? trimmed : undefined;
    return { message: "has an empty label (a leading, trailing or doubled dot)", ...ifDefined(suggestion) };
  }
  const hyphenated = labels.find((label) => label.startsWith("-") || label.endsWith("-"));
  if (hyphenated !== undefined) {
    return { message: `has the label "${hyphenated}", which starts or ends with a hyphen` };
  }
  return undefined;
}

function ifDefined(suggestion: string | undefined): { suggestion?: string } {
  return suggestion === undefined ? {} : { suggestion };
}
