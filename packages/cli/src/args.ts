/**
 * Argument parsing shared by the commands: `node:util`'s `parseArgs`, with its errors turned into
 * one-line {@link UsageError}s that suggest the closest option.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { didYouMean } from "@kiln/contracts";
import { UsageError } from "./errors.js";

/** A command's options, as `parseArgs` takes them. */
export type OptionSpec = Record<string, { readonly type: "string" | "boolean"; readonly multiple?: boolean }>;

/** True when `--help` or `-h` comes before any `--`: the command prints its usage and does nothing else. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/** An option's value as parsed: a string or a boolean, an array of them when repeatable. */
type OptionValue<O extends OptionSpec[string]> = O extends { readonly multiple: true }
  ? (O["type"] extends "boolean" ? boolean : string)[]
  : O["type"] extends "boolean"
    ? boolean
    : string;

/** What {@link parse} returns: the options given, and the other arguments in order. */
export interface Parsed<T extends OptionSpec> {
  readonly values: { readonly [K in keyof T]?: OptionValue<T[K]> };
  readonly positionals: string[];
}

/** Parses `args` for `kiln <command>` strictly: an unknown option or a missing value is a usage error. */
export function parse<T extends OptionSpec>(command: string, args: readonly string[], options: T): Parsed<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true }) as Parsed<T>;
  } catch (error) {
    // Every command also takes --help (handled before parsing, see wantsHelp).
    throw new UsageError(describeParseError(error, [...Object.keys(options), "help"]), command);
  }
}

/**
 * The one argument a command takes besides its options, or a usage error: `<command> takes one
 * <what>, got N`, or `missing` when there is none (`build needs an <extension-dir>`).
 */
export function onePositional(command: string, positionals: readonly string[], what: string, missing: string): string {
  if (positionals.length === 1) return positionals[0] as string;
  throw new UsageError(
    positionals.length ? `${command} takes one ${what}, got ${positionals.length}` : missing,
    command,
  );
}

function describeParseError(error: unknown, names: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    return `unknown option "${flag}"${didYouMean(
      flag,
      names.map((n) => `--${n}`),
    )}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    if (/argument missing/.test(message)) return `${flag} needs a value`;
    if (/does not take an argument/.test(message)) return `${flag} takes no value`;
  }
  return message.split(". ")[0] ?? message;
}

/** `--grant a,b --grant c` → ["a", "b", "c"]; any `*` grants everything the manifest asks for. */
export function parseGrants(values: readonly string[] | undefined): readonly string[] | "*" {
  const grants = splitList(values);
  return grants.includes("*") ? "*" : grants;
}

/** `--folder notes=./path` → { notes: "./path" }. */
export function parseFolders(command: string, values: readonly string[] | undefined): Record<string, string> {
  const folders: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) {
      throw new UsageError(`--folder takes <name>=<path>, got "${value}"`, command);
    }
    folders[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return folders;
}

/** A repeatable, comma-separated option's values: `--state a,b --state c` → ["a", "b", "c"]. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Options `run` and `jobs resume` share: what the user grants the extensions they load. */
export const GRANT_OPTIONS = {
  grant: { type: "string", multiple: true },
  folder: { type: "string", multiple: true },
} as const;
