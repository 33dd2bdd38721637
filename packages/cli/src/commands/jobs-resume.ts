/**
 * `kiln jobs resume`: the host's resume policy (`host.jobs.resumeAll`) on a store file, loading
 * from `--extensions` only the extensions the jobs need, then following the jobs to their end.
 *
 * @module
 */
import { ExtensionHost, type JobRecord, TERMINAL_STATES } from "@kiln/host";
import { GRANT_OPTIONS, parse, parseFolders, parseGrants } from "../args.js";
import type { Command } from "../command.js";
import { EXIT, errorLine, UsageError } from "../errors.js";
import { findExtensions } from "../extensions.js";
import { Interrupts } from "../interrupts.js";
import { formatLog, jobLabel, jobReason, progressView, resumeHint } from "../output.js";
import { existingStore } from "./jobs-list.js";

const NAME = "jobs resume";

/** A job `resumeAll` left as it was, with why. */
type Skipped = Awaited<ReturnType<ExtensionHost["jobs"]["resumeAll"]>>["skipped"][number];

/** `kiln jobs resume --store <file.db> --extensions <dir> [--paused] …`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln jobs resume --store <file.db> --extensions <dir> [--paused] [--grant <perm>]... [--folder <name>=<path>]...

Resume every interrupted job (left running by a process that died, e.g. a killed "kiln run") from
its last checkpoint, and run jobs left queued; a job whose cancel was requested before it stopped
is cancelled instead. Prints one line per job: "<id> <extension>/<job> completed <result-json>"
(or failed, with the reason). Exits 1 if any job failed or its extension is not in <dir>.
Only run it when no other process uses the store.

Options:
  --store <file.db>       the store (required; it must exist)
  --extensions <dir>      a built extension (a folder with manifest.json), or a folder of them:
                          each subfolder with manifest.json or dist/manifest.json (required)
  --paused                resume paused jobs too
  --grant, --folder       as for kiln run, given to every extension loaded
  -h, --help              show this help

Ctrl-C pauses the jobs it is running and exits 130.
`,
  run,
};

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, {
    store: { type: "string" },
    extensions: { type: "string" },
    paused: { type: "boolean" },
    ...GRANT_OPTIONS,
  });
  if (positionals.length) throw new UsageError(`jobs resume takes no arguments, got "${positionals.join(" ")}"`, NAME);
  if (values.extensions === undefined) throw new UsageError("--extensions <dir> is required", NAME);
  const storeFile = existingStore(NAME, values.store);
  const extensionsDir = values.extensions;
  const permissions = parseGrants(values.grant);
  const folders = parseFolders(NAME, values.folder);
  const available = await findExtensions(extensionsDir, (m) => process.stderr.write(`kiln: ${m}\n`));

  const view = progressView(true);
  const host = new ExtensionHost({ store: storeFile, logger: (e) => view.line(formatLog(e)) });
  const following = new Set<string>();
  const stopping = new AbortController();
  const pauseFollowed = () => {
    if (following.size) view.note(`kiln: pausing ${[...following].join(", ")} (press Ctrl-C again to exit at once)`);
    for (const id of following) void host.jobs.pause(id).catch(() => undefined);
  };
  const interrupts = new Interrupts(() => {
    stopping.abort();
    pauseFollowed();
  });
  let failed = false;
  const paused: string[] = [];
  try {
    const result = await host.jobs.resumeAll({
      paused: values.paused ?? false,
      signal: stopping.signal,
      // Only the extensions the jobs need, each once.
      load: async (id) => {
        const found = available.get(id);
        if (!found) throw new Error(`extension "${id}" not found in ${extensionsDir}`);
        try {
          await host.load(found.dir, { permissions, folders });
        } catch (error) {
          throw new Error(`extension "${id}" cannot be loaded from ${found.dir}: ${errorLine(error)}`);
        }
      },
    });
    if (!result.resumed.length && !result.cancelled.length && !result.skipped.length) {
      const n = result.paused.length;
      console.log(
        values.paused
          ? "no interrupted or paused jobs"
          : `no interrupted jobs${n ? ` (${n} paused: resume ${n === 1 ? "it" : "them"} with --paused)` : ""}`,
      );
      return EXIT.ok;
    }
    for (const record of result.cancelled) {
      console.log(`${jobLabel(record)} ${record.state} (a cancel was requested before it stopped)`);
    }
    for (const skip of result.skipped) {
      failed = true;
      process.stderr.write(`kiln: ${jobLabel(skip.job)}: ${whySkipped(skip)}\n`);
    }

    host.jobs.on("progress", (e) => view.update(e.jobId, e.progress));
    const waits = result.resumed.map((record) => {
      following.add(record.id);
      view.start(record.id, jobLabel(record), record.progress);
      return host.jobs.wait(record.id, [...TERMINAL_STATES, "paused"]).then((final: JobRecord) => {
        following.delete(record.id);
        view.finish(record.id);
        if (final.state === "completed") {
          view.line(`${jobLabel(final)} completed ${JSON.stringify(final.result ?? null)}`);
        } else if (final.state === "paused") {
          paused.push(final.id);
        } else {
          failed = true;
          view.line(`${jobLabel(final)} ${final.state} ${jobReason(final)}`);
        }
      });
    });
    // A Ctrl-C that came while the jobs were being resumed pauses them now.
    if (interrupts.signal) pauseFollowed();
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
  return failed ? EXIT.failed : EXIT.ok;
}

/** Why `resumeAll` left a job, for the line `jobs resume` prints on stderr. */
function whySkipped(skip: Skipped): string {
  switch (skip.reason) {
    case "state-changed": // Another process got to it first, or it changed state since the listing.
      return errorLine(skip.error);
    case "load-failed": // Our own load() callback's message: already one line.
      return `${errorLine(skip.error)}; left ${skip.job.state}`;
    case "aborted":
      return `interrupted; left ${skip.job.state}`;
    default:
      return `extension "${skip.job.extensionId}" is not loaded; left ${skip.job.state}`;
  }
}
