/**
 * The `kiln` dispatcher: finds the command, answers `--help` and `--version`, and imports the
 * command's module only then (see `command.ts`). Every failure is one line on stderr:
 * `kiln: CODE: message` for a Kiln error. Exit codes: 0 success, 1 the command or job failed,
 * 2 usage (`KILN_USAGE`), 130/143 stopped by Ctrl-C/SIGTERM.
 *
 * @module
 */
import { didYouMean } from "@kiln/contracts";
import { wantsHelp } from "./args.js";
import type { Command } from "./command.js";
import { EXIT, errorLine, exitCodeFor, UsageError } from "./errors.js";
import { CLI_VERSION } from "./version.js";

/** A command as the dispatcher knows it before loading it: its synopsis for the overview. */
export interface Entry {
  /** Its words after `kiln`: `"build"`, `"jobs list"`. */
  readonly name: string;
  /** One line of usage and one of summary per form of the command, for the overview. */
  readonly synopsis: readonly (readonly [usage: string, summary: string])[];
  /** Imports the command's module (which imports nothing heavy until the command runs). */
  readonly load: () => Promise<{ command: Command }>;
}

/**
 * Every command, in the overview's order. Exported, with {@link overview} and {@link EXIT_CODES},
 * for `scripts/generate-reference.mjs`, which writes the CLI reference page from them.
 */
export const COMMANDS: readonly Entry[] = [
  {
    name: "new",
    synopsis: [
      [
        "kiln new <dir> [--template basic|http|files] [--name <id>]",
        "Create an extension project in <dir> from a template: it builds, runs and tests as it is.",
      ],
    ],
    load: () => import("./commands/new.js"),
  },
  {
    name: "build",
    synopsis: [
      [
        "kiln build <extension-dir> [--out <dir>] [--strict] [--no-typecheck] [--watch]",
        "Build the extension: <extension-dir>/dist/{manifest.json, extension.wasm, types.d.ts}.",
      ],
    ],
    load: () => import("./commands/build.js"),
  },
  {
    name: "dev",
    synopsis: [
      [
        "kiln dev <extension-dir> [<job>] [--input <json>] [--grant <perm>]... [--folder <name>=<path>]...",
        "Build, run a job, and again on every change: edit → result in a warm process.",
      ],
    ],
    load: () => import("./commands/dev.js"),
  },
  {
    name: "run",
    synopsis: [
      [
        "kiln run <dist-dir> <job> [--input <json>] [--store <file.db>] [--grant <perm>]... [--folder <name>=<path>]...",
        "Load a built extension and run one job; its result is the last line of stdout.",
      ],
      [
        "kiln run --plugin <plugin.wasm> <module.wasm> [--export <name>]",
        "Run a bare Javy dynamic module: stdin is its input, its stdout is printed.",
      ],
    ],
    load: () => import("./commands/run.js"),
  },
  {
    name: "inspect",
    synopsis: [
      [
        "kiln inspect <dist-dir|extension.wasm|manifest.json> [--json]",
        "Show what a build holds: jobs and their schemas, permissions, limits, sizes, imports, exports, hash check.",
      ],
    ],
    load: () => import("./commands/inspect.js"),
  },
  {
    name: "docs",
    synopsis: [
      [
        "kiln docs <extension-dir> [--out <file.md>] [--no-typecheck]",
        "Write the extension's reference page (markdown): its jobs and their schemas, permissions, limits.",
      ],
    ],
    load: () => import("./commands/docs.js"),
  },
  {
    name: "jobs list",
    synopsis: [["kiln jobs list --store <file.db> [--state <state>]... [--json]", "List the jobs in a store."]],
    load: () => import("./commands/jobs-list.js"),
  },
  {
    name: "jobs resume",
    synopsis: [
      [
        "kiln jobs resume --store <file.db> --extensions <dir> [--paused] [--grant <perm>]... [--folder <name>=<path>]...",
        "Resume the jobs a stopped process left (interrupted, queued; paused with --paused).",
      ],
    ],
    load: () => import("./commands/jobs-resume.js"),
  },
  {
    name: "types",
    synopsis: [
      [
        "kiln types --operations <module> [--out <file.d.ts>]",
        "Type the application's operations for extension authors (ctx.call), from their schemas.",
      ],
    ],
    load: () => import("./commands/types.js"),
  },
];

/** Words that start a command: `build`, `run`, `jobs`, and `help`. */
const FIRST_WORDS = [...new Set(COMMANDS.map((c) => c.name.split(" ")[0] as string)), "help"];

/** The exit codes of every command, each with what it means. */
export const EXIT_CODES: readonly (readonly [code: number, meaning: string])[] = [
  [EXIT.ok, "success"],
  [EXIT.failed, "the command or job failed (reason on stderr)"],
  [EXIT.usage, "usage"],
  [130, "interrupted (Ctrl-C)"],
  [143, "stopped by SIGTERM"],
];

/**
 * The overview `kiln --help` prints: every command's synopsis (or those of `entries`) and the exit
 * codes. Its first line names the version, `version` (default this package's); none when null.
 */
export function overview(entries: readonly Entry[] = COMMANDS, version: string | null = CLI_VERSION): string {
  const lines = entries.flatMap((e) => e.synopsis.flatMap(([usage, summary]) => [`  ${usage}`, `      ${summary}`]));
  const codes = EXIT_CODES.map(([code, meaning]) => `${code} ${meaning}`).join(", ");
  return `kiln${version === null ? "" : ` ${version}`}: build Kiln extensions and run their jobs

Usage:
${lines.join("\n")}
  kiln help <command>   (or kiln <command> --help): the command's options
  kiln --version | --help

Exit codes: ${codes}.
`;
}

/**
 * Finds the command `argv` starts with: returns it and the arguments after its words. `jobs`
 * alone, or followed by `--help`, is answered with the overview of the `jobs` commands.
 */
function resolve(argv: readonly string[]): { entry: Entry; rest: readonly string[] } | { group: "jobs" } {
  const [first = "", second, ...more] = argv;
  if (first.startsWith("-"))
    throw new UsageError(`unknown option "${first}"${didYouMean(first, ["--help", "--version"])}`);
  const single = COMMANDS.find((c) => c.name === first);
  if (single) return { entry: single, rest: argv.slice(1) };
  const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
  if (!group.length) throw new UsageError(`unknown command "${first}"${didYouMean(first, FIRST_WORDS)}`);
  if (second === undefined || second === "--help" || second === "-h") {
    if (second === undefined) throw new UsageError(`${first} needs a command: ${subcommands(group)}`, first);
    return { group: "jobs" };
  }
  const entry = group.find((c) => c.name === `${first} ${second}`);
  if (!entry) {
    const names = group.map((c) => c.name.slice(first.length + 1));
    throw new UsageError(`unknown ${first} command "${second}"${didYouMean(second, names)}`, first);
  }
  return { entry, rest: more };
}

function subcommands(group: readonly Entry[]): string {
  return group.map((c) => c.name.split(" ")[1]).join(" or ");
}

async function printUsage(argv: readonly string[]): Promise<void> {
  // `kiln help jobs`: the group's commands.
  const found = argv.length === 1 && argv[0] === "jobs" ? { group: "jobs" as const } : resolve(argv);
  if ("group" in found) {
    process.stdout.write(overview(COMMANDS.filter((c) => c.name.startsWith(`${found.group} `))));
    return;
  }
  process.stdout.write((await found.entry.load()).command.usage);
}

/**
 * Runs the CLI with `argv` (the arguments after `kiln`); resolves to the exit code. Writes to
 * `process.stdout`/`process.stderr`; never calls `process.exit` (except on a second Ctrl-C).
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const [first, ...rest] = argv;
    switch (first) {
      case undefined:
        process.stdout.write(overview());
        return EXIT.usage;
      case "--help":
      case "-h":
        process.stdout.write(overview());
        return EXIT.ok;
      case "--version":
      case "-v":
        console.log(CLI_VERSION);
        return EXIT.ok;
      case "help":
        if (rest.length === 0) process.stdout.write(overview());
        else await printUsage(rest);
        return EXIT.ok;
      default:
        break;
    }
    const found = resolve(argv);
    if ("group" in found) {
      await printUsage(argv);
      return EXIT.ok;
    }
    const { command } = await found.entry.load();
    if (wantsHelp(found.rest)) {
      process.stdout.write(command.usage);
      return EXIT.ok;
    }
    return await command.run(found.rest);
  } catch (error) {
    process.stderr.write(`kiln: ${errorLine(error)}\n`);
    return exitCodeFor(error);
  }
}
