/**
 * The `kiln` command line. Exit codes: 0 success, 1 the command failed (reason on stderr), 2 usage.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import {
  ExtensionHost,
  JOB_STATES,
  type JobRecord,
  type JobState,
  type LogEntry,
  runJavyModule,
  SqliteJobStore,
  TERMINAL_STATES,
} from "@kiln/host";
import { DiagnosticsError, formatDiagnostic } from "./diagnostics.js";
import { formatCount, ProgressView } from "./progress.js";
import { CODEGEN_VERSION } from "./version.js";

const USAGE = `kiln ${CODEGEN_VERSION}

Usage:
  kiln build <extension-dir> [--out <dir>]
      Build the extension: <extension-dir>/dist/{manifest.json, extension.wasm}.

  kiln run <dist-dir> <job> [--input <json>] [--store <file.db>] [--grant <perm>]... [--folder <name>=<path>]...
      Load a built extension and run one job through the durable job runner. Prints the
      extension's log lines ("[extension-id] message"), progress (a bar on stderr when it is a
      terminal, "progress 6/10 60% message" lines on stdout otherwise), then the job's result as
      JSON on the last line of stdout. A failure exits 1 with a one-line reason on stderr.
        --input <json>          the job's input (default null)
        --store <file.db>       keep the job in this SQLite file (created if missing), so that it
                                can be listed and resumed; default: in memory, gone at exit
        --grant <perm>          grant a permission the manifest asks for; repeatable or
                                comma-separated; '*' grants everything it asks for
        --folder <name>=<path>  let the files.* operations read <path> as folder <name>; repeatable
      Ctrl-C pauses the job at its next checkpoint when --store is given (exit 130; resume it
      with "kiln jobs resume --paused"), and cancels it otherwise. A second Ctrl-C exits at once.

  kiln run --plugin <plugin.wasm> <module.wasm> [--export <name>]
      Run a bare Javy dynamic module: stdin is its input, its stdout is printed.

  kiln jobs list --store <file.db> [--state <state>]... [--json]
      List the jobs in a store: ID, EXTENSION, JOB, STATE, PROGRESS, ATTEMPTS, UPDATED.
        --state <state>         only jobs in this state (repeatable or comma-separated):
                                ${JOB_STATES.join(", ")}
        --json                  print the records as a JSON array

  kiln jobs resume --store <file.db> --extensions <dir> [--paused] [--grant <perm>]... [--folder <name>=<path>]...
      Resume every interrupted job (left running by a process that died, e.g. a killed
      "kiln run") from its last checkpoint, and run jobs left queued. Prints one line per job:
      "<id> <extension>/<job> completed <result-json>" (or failed, with the reason). Exits 1 if
      any job failed or its extension is not in <dir>.
        --extensions <dir>      a built extension (a folder with manifest.json), or a folder of
                                them: each subfolder with manifest.json or dist/manifest.json
        --paused                resume paused jobs too
        --grant, --folder       as for run, given to every extension loaded
      Only run it when no other process uses the store.

  kiln --version | --help

Exit codes: 0 success, 1 the command or job failed (reason on stderr), 2 usage, 130 interrupted.
`;

class UsageError extends Error {}

/** Runs the CLI; resolves to the exit code. Exported for tests that run it in-process. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "build":
        return await build(rest);
      case "run":
        return await run(rest);
      case "jobs":
        return await jobs(rest);
      case "--version":
      case "-v":
        console.log(CODEGEN_VERSION);
        return 0;
      case undefined:
      case "--help":
      case "-h":
      case "help":
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`kiln: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DiagnosticsError) {
      process.stderr.write(
        `${error.diagnostics.map(formatDiagnostic).join("\n\n")}\n\n${error.message.split("\n").at(-1)}\n`,
      );
      return 1;
    }
    process.stderr.write(`kiln: ${oneLine(error)}\n`);
    return 1;
  }
}

/** The one-line reason a failed command prints: `CODE: what happened; details`. */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = error.message
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .filter(Boolean)
    .join("; ");
  return typeof code === "string" && code.startsWith("KILN_") ? `${code}: ${text}` : text;
}

type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

function parse<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function build(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: "string" } });
  if (positionals.length !== 1) throw new UsageError("build takes exactly one <extension-dir>");
  const started = performance.now();
  // Loaded on demand: the compiler (ts-morph, esbuild) takes most of a second to import.
  const { buildExtension } = await import("./build.js");
  const result = await buildExtension({
    projectDir: positionals[0] as string,
    ...(typeof values.out === "string" ? { outDir: values.out } : {}),
  });
  const ms = Math.round(performance.now() - started);
  const fromHere = relative(process.cwd(), result.outDir);
  // A path that climbs out of the working directory reads better as the absolute one.
  const rel = fromHere.startsWith("..") ? result.outDir : fromHere || ".";
  console.log(
    `built ${result.manifest.id} ${result.manifest.version} → ${rel}/ ` +
      `(${result.manifest.jobs.length} job${result.manifest.jobs.length === 1 ? "" : "s"}, ` +
      `extension.wasm ${(result.sizes.module / 1024).toFixed(1)} KiB) in ${ms} ms`,
  );
  return 0;
}

/** Options `run` and `jobs resume` share: what the user grants the extensions they load. */
const GRANT_OPTIONS = {
  grant: { type: "string", multiple: true },
  folder: { type: "string", multiple: true },
} as const;

/** `--grant a,b --grant c` → ["a", "b", "c"]; any `*` grants everything the manifest asks for. */
function parseGrants(values: readonly string[] | undefined): readonly string[] | "*" {
  const grants = (values ?? [])
    .flatMap((v) => v.split(","))
    .map((g) => g.trim())
    .filter(Boolean);
  return grants.includes("*") ? "*" : grants;
}

/** `--folder notes=./path` → { notes: "./path" }. */
function parseFolders(values: readonly string[] | undefined): Record<string, string> {
  const folders: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) throw new UsageError(`--folder takes <name>=<path>, got "${value}"`);
    folders[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return folders;
}

/** An extension's log line as the CLI prints it: `[extension-id] message`. */
function formatLog(entry: LogEntry): string {
  return `[${entry.extensionId}] ${entry.level === "info" ? "" : `${entry.level}: `}${entry.message}`;
}

/** Why a job did not complete, in one line: `CODE: message`. */
function jobReason(record: JobRecord): string {
  const code = record.error?.code ?? (record.state === "cancelled" ? "KILN_CANCELLED" : "KILN_JOB_STATE");
  return `${code}: ${oneLine(new Error(record.error?.message ?? `the job is ${record.state}`))}`;
}

/** `CODE: job "steps" of "test-extension" (job_…) failed: message`: what `run` prints for a job that did not complete. */
function jobFailure(record: JobRecord): string {
  const [code, ...rest] = jobReason(record).split(": ");
  return `${code}: job "${record.jobName}" of "${record.extensionId}" (${record.id}) ${record.state}: ${rest.join(": ")}`;
}

/** Quotes a word for a POSIX shell when it needs it, for the commands the CLI suggests. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `kiln jobs resume` command that picks up where an interrupted command stopped. */
function resumeHint(
  store: string,
  extensions: string,
  grants: readonly string[] | undefined,
  folders: readonly string[] | undefined,
): string {
  return [
    "kiln jobs resume --store",
    shellWord(store),
    "--extensions",
    shellWord(extensions),
    "--paused",
    ...(grants ?? []).flatMap((g) => ["--grant", shellWord(g)]),
    ...(folders ?? []).flatMap((f) => ["--folder", shellWord(f)]),
  ].join(" ");
}

/**
 * Ctrl-C (and SIGTERM) while jobs run: the first asks `onFirst` to stop them gracefully; a second
 * one exits at once (a job left running in a store file is recovered by `kiln jobs resume`).
 */
class Interrupts {
  signal: NodeJS.Signals | undefined;
  readonly #onFirst: () => void;
  readonly #handler = (signal: NodeJS.Signals) => {
    if (this.signal) {
      process.stderr.write(`\nkiln: ${signal} again: exiting now\n`);
      process.exit(exitCodeOf(signal));
    }
    this.signal = signal;
    this.#onFirst();
  };

  constructor(onFirst: () => void) {
    this.#onFirst = onFirst;
    process.on("SIGINT", this.#handler);
    process.on("SIGTERM", this.#handler);
  }

  get exitCode(): number {
    return exitCodeOf(this.signal ?? "SIGINT");
  }

  dispose(): void {
    process.off("SIGINT", this.#handler);
    process.off("SIGTERM", this.#handler);
  }
}

function exitCodeOf(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? 143 : 130;
}

function progressView(labelPlainLines = false): ProgressView {
  return new ProgressView({
    tty: Boolean(process.stderr.isTTY),
    out: process.stdout,
    err: process.stderr,
    labelPlainLines,
  });
}

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    input: { type: "string" },
    plugin: { type: "string" },
    export: { type: "string" },
    store: { type: "string" },
    ...GRANT_OPTIONS,
  });
  if (typeof values.plugin === "string") {
    if (positionals.length !== 1) throw new UsageError("run --plugin takes exactly one <module.wasm>");
    const stdin = process.stdin.isTTY ? new Uint8Array() : await readStdin();
    const result = await runJavyModule({
      plugin: await readFile(values.plugin),
      module: await readFile(positionals[0] as string),
      stdin,
      ...(typeof values.export === "string" ? { export: values.export } : {}),
      onStderr: (bytes) => process.stderr.write(bytes),
    });
    process.stdout.write(result.stdout);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError("run takes <dist-dir> <job>");
  const [dir, jobName] = positionals as [string, string];
  let input: unknown = null;
  if (typeof values.input === "string") {
    try {
      input = JSON.parse(values.input);
    } catch (error) {
      throw new UsageError(`--input is not JSON: ${(error as Error).message}`);
    }
  }
  const permissions = parseGrants(values.grant);
  const folders = parseFolders(values.folder);
  const store = values.store;

  const view = progressView();
  // Everything the extension logs goes to stdout, so the result stays the last line of it.
  const host = new ExtensionHost({ store: store ?? ":memory:", logger: (e) => view.line(formatLog(e)) });
  let jobId: string | undefined;
  const stop = () => {
    if (!jobId) return; // Still loading: stopped right after.
    const id = jobId;
    view.note(`kiln: ${store ? "pausing" : "cancelling"} ${id} (press Ctrl-C again to exit at once)`);
    // A job in a store file pauses, to be resumed; an in-memory one has no future: cancel it.
    void (store ? host.jobs.pause(id) : host.jobs.cancel(id)).catch(() => undefined);
  };
  const interrupts = new Interrupts(stop);
  let final: JobRecord;
  try {
    const loaded = await host.load(dir, { permissions, folders });
    if (interrupts.signal) {
      process.stderr.write("kiln: interrupted before the job started\n");
      return interrupts.exitCode;
    }
    host.jobs.on("progress", (e) => view.update(e.jobId, e.progress));
    jobId = await host.jobs.dispatch(loaded.id, jobName, input);
    view.start(jobId, jobName);
    if (interrupts.signal) stop();
    final = await host.jobs.wait(jobId, [...TERMINAL_STATES, "paused"]);
    view.finish(jobId);
  } finally {
    view.close();
    // Unload first: cleanup may log, and the result must stay the last line of stdout.
    await host.close();
    interrupts.dispose();
  }
  if (final.state === "completed") {
    console.log(JSON.stringify(final.result ?? null));
    return 0;
  }
  if (final.state === "paused") {
    process.stderr.write(
      `kiln: paused ${final.id}; resume with: ${resumeHint(store ?? ":memory:", dir, values.grant, values.folder)}\n`,
    );
    return interrupts.exitCode;
  }
  process.stderr.write(`kiln: ${jobFailure(final)}\n`);
  return interrupts.signal && final.state === "cancelled" ? interrupts.exitCode : 1;
}

async function jobs(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "list":
      return await jobsList(rest);
    case "resume":
      return await jobsResume(rest);
    case undefined:
      throw new UsageError("jobs takes a command: list or resume");
    default:
      throw new UsageError(`unknown jobs command "${sub}" (commands: list, resume)`);
  }
}

/** The --store of `jobs` commands: required, and it must exist (opening would create an empty one). */
function existingStore(store: string | undefined): string {
  if (store === undefined) throw new UsageError("--store <file.db> is required");
  if (!existsSync(store)) throw new Error(`no job store at ${store}`);
  return store;
}

async function jobsList(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    store: { type: "string" },
    state: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  if (positionals.length) throw new UsageError(`jobs list takes no arguments, got "${positionals.join(" ")}"`);
  const states = (values.state ?? [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of states) {
    if (!(JOB_STATES as readonly string[]).includes(s)) {
      throw new UsageError(`--state "${s}" is not a job state (states: ${JOB_STATES.join(", ")})`);
    }
  }
  // The store alone: listing needs no extension.
  const store = SqliteJobStore.open(existingStore(values.store));
  let records: JobRecord[];
  try {
    records = await store.list(states.length ? { states: states as JobState[] } : {});
  } finally {
    await store.close();
  }
  if (values.json) {
    console.log(JSON.stringify(records, null, 2));
    return 0;
  }
  if (!records.length) {
    console.log(states.length ? `no ${states.join(" or ")} jobs` : "no jobs");
    return 0;
  }
  const rows = [
    ["ID", "EXTENSION", "JOB", "STATE", "PROGRESS", "ATTEMPTS", "UPDATED"],
    ...records.map((r) => [
      r.id,
      r.extensionId,
      r.jobName,
      r.state,
      r.progress.done === 0 && r.progress.total === null ? "-" : formatCount(r.progress),
      String(r.attempts),
      new Date(r.updatedAt).toISOString(),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => [...(row[i] ?? "")].length))) ?? [];
  for (const row of rows) {
    console.log(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - [...cell].length)))
        .join("  "),
    );
  }
  return 0;
}

/** A built extension found by `jobs resume`: its folder and id. */
interface FoundExtension {
  readonly dir: string;
  readonly id: string;
}

/**
 * The built extensions in `dir`: `dir` itself if it holds manifest.json, else each immediate
 * subfolder holding manifest.json or dist/manifest.json. The first folder with an id wins.
 */
async function findExtensions(dir: string): Promise<Map<string, FoundExtension>> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--extensions ${dir}: no such folder`);
  let candidates: string[];
  if (existsSync(join(dir, "manifest.json"))) {
    candidates = [dir];
  } else {
    const entries = await readdir(dir, { withFileTypes: true });
    candidates = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .flatMap((name) => {
        const sub = join(dir, name);
        if (existsSync(join(sub, "manifest.json"))) return [sub];
        if (existsSync(join(sub, "dist", "manifest.json"))) return [join(sub, "dist")];
        return [];
      });
  }
  const found = new Map<string, FoundExtension>();
  for (const candidate of candidates) {
    let id: unknown;
    try {
      id = (JSON.parse(await readFile(join(candidate, "manifest.json"), "utf8")) as { id?: unknown }).id;
    } catch (error) {
      process.stderr.write(`kiln: skipping ${candidate}: its manifest.json cannot be read: ${oneLine(error)}\n`);
      continue;
    }
    if (typeof id !== "string") {
      process.stderr.write(`kiln: skipping ${candidate}: its manifest.json has no id\n`);
      continue;
    }
    const earlier = found.get(id);
    if (earlier) {
      process.stderr.write(`kiln: skipping ${candidate}: extension "${id}" is already in ${earlier.dir}\n`);
      continue;
    }
    found.set(id, { dir: candidate, id });
  }
  return found;
}

async function jobsResume(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    store: { type: "string" },
    extensions: { type: "string" },
    paused: { type: "boolean" },
    ...GRANT_OPTIONS,
  });
  if (positionals.length) throw new UsageError(`jobs resume takes no arguments, got "${positionals.join(" ")}"`);
  if (values.extensions === undefined) throw new UsageError("--extensions <dir> is required");
  const storeFile = existingStore(values.store);
  const extensionsDir = values.extensions;
  const permissions = parseGrants(values.grant);
  const folders = parseFolders(values.folder);
  const available = await findExtensions(extensionsDir);

  const view = progressView(true);
  const host = new ExtensionHost({ store: storeFile, logger: (e) => view.line(formatLog(e)) });
  const following = new Set<string>();
  const interrupts = new Interrupts(() => {
    if (following.size) view.note(`kiln: pausing ${[...following].join(", ")} (press Ctrl-C again to exit at once)`);
    for (const id of following) void host.jobs.pause(id).catch(() => undefined);
  });
  let failed = false;
  const paused: string[] = [];
  try {
    // Jobs a dead process left `running` become `interrupted`; queued ones never started.
    await host.jobs.recover();
    const states: JobState[] = ["queued", "interrupted", ...(values.paused ? (["paused"] as const) : [])];
    const candidates = await host.jobs.list({ states });
    if (!candidates.length) {
      const n = values.paused ? 0 : (await host.jobs.list({ states: ["paused"] })).length;
      console.log(
        values.paused
          ? "no interrupted or paused jobs"
          : `no interrupted jobs${n ? ` (${n} paused: resume ${n === 1 ? "it" : "them"} with --paused)` : ""}`,
      );
      return 0;
    }

    const label = (r: JobRecord) => `${r.id} ${r.extensionId}/${r.jobName}`;
    const toResume: JobRecord[] = [];
    for (const record of candidates) {
      if (record.requested === "cancel" && record.state !== "queued") {
        // A cancel asked for before the process died wins over resuming.
        const cancelled = await host.jobs.cancel(record.id);
        console.log(`${label(record)} ${cancelled.state} (a cancel was requested before it stopped)`);
        continue;
      }
      toResume.push(record);
    }

    // Load each extension the jobs need, once.
    const loaded = new Map<string, string | undefined>(); // id → why it cannot run, or undefined
    for (const id of new Set(toResume.map((r) => r.extensionId))) {
      const found = available.get(id);
      if (!found) {
        loaded.set(id, `extension "${id}" not found in ${extensionsDir}`);
        continue;
      }
      try {
        await host.load(found.dir, { permissions, folders });
        loaded.set(id, undefined);
      } catch (error) {
        loaded.set(id, `extension "${id}" cannot be loaded from ${found.dir}: ${oneLine(error)}`);
      }
      if (interrupts.signal) break;
    }

    host.jobs.on("progress", (e) => view.update(e.jobId, e.progress));
    const waits: Promise<void>[] = [];
    for (const record of toResume) {
      const problem = loaded.has(record.extensionId) ? loaded.get(record.extensionId) : "interrupted";
      if (problem !== undefined || interrupts.signal) {
        failed = true;
        process.stderr.write(`kiln: ${label(record)}: ${problem ?? "interrupted"}; left ${record.state}\n`);
        continue;
      }
      following.add(record.id);
      view.start(record.id, label(record), record.progress);
      if (record.state !== "queued") {
        try {
          await host.jobs.resume(record.id);
        } catch (error) {
          // Another process got to it first, or it changed state since the listing.
          following.delete(record.id);
          view.finish(record.id);
          failed = true;
          process.stderr.write(`kiln: ${label(record)}: cannot resume: ${oneLine(error)}\n`);
          continue;
        }
      }
      waits.push(
        host.jobs.wait(record.id, [...TERMINAL_STATES, "paused"]).then((final) => {
          following.delete(record.id);
          view.finish(record.id);
          if (final.state === "completed") {
            view.line(`${label(final)} completed ${JSON.stringify(final.result ?? null)}`);
          } else if (final.state === "paused") {
            paused.push(final.id);
          } else {
            failed = true;
            view.line(`${label(final)} ${final.state} ${jobReason(final)}`);
          }
        }),
      );
    }
    await Promise.all(waits);
  } finally {
    view.close();
    await host.close();
    interrupts.dispose();
  }
  if (paused.length) {
    process.stderr.write(
      `kiln: paused ${paused.join(", ")}; resume with: ${resumeHint(storeFile, extensionsDir, values.grant, values.folder)}\n`,
    );
    return interrupts.exitCode;
  }
  return failed ? 1 : 0;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
