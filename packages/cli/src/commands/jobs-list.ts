/**
 * `kiln jobs list`: the jobs in a store file. Opens the SQLite store alone: no extension, no worker.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { didYouMean } from "@kiln/contracts";
import { JOB_STATES, type JobRecord, type JobState, SqliteJobStore } from "@kiln/host";
import { parse, splitList } from "../args.js";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import { formatCount } from "../progress.js";

const NAME = "jobs list";

/** `kiln jobs list --store <file.db> [--state <state>]... [--json]`. */
export const command: Command = {
  name: NAME,
  usage: `Usage: kiln jobs list --store <file.db> [--state <state>]... [--json]

List the jobs in a store, oldest first: ID, EXTENSION, JOB, STATE, PROGRESS, ATTEMPTS, UPDATED.
A job that a killed process was running shows "running" until "kiln jobs resume" recovers it.

Options:
  --store <file.db>   the store (required; it must exist)
  --state <state>     only jobs in this state; repeatable or comma-separated:
                      ${JOB_STATES.join(", ")}
  --json              print the full records as a JSON array
  -h, --help          show this help
`,
  run,
};

/** The --store of `jobs` commands: required, and it must exist (opening would create an empty one). */
export function existingStore(command: string, store: string | undefined): string {
  if (store === undefined) throw new UsageError("--store <file.db> is required", command);
  if (!existsSync(store)) throw new Error(`no job store at ${store}`);
  return store;
}

async function run(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(NAME, args, {
    store: { type: "string" },
    state: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  if (positionals.length) throw new UsageError(`jobs list takes no arguments, got "${positionals.join(" ")}"`, NAME);
  const states = splitList(values.state);
  for (const s of states) {
    if (!(JOB_STATES as readonly string[]).includes(s)) {
      throw new UsageError(
        `unknown job state "${s}"${didYouMean(s, JOB_STATES)} (states: ${JOB_STATES.join(", ")})`,
        false,
      );
    }
  }
  const store = SqliteJobStore.open(existingStore(NAME, values.store));
  let records: JobRecord[];
  try {
    records = await store.list(states.length ? { states: states as JobState[] } : {});
  } finally {
    await store.close();
  }
  if (values.json) {
    console.log(JSON.stringify(records, null, 2));
    return EXIT.ok;
  }
  if (!records.length) {
    console.log(states.length ? `no ${states.join(" or ")} jobs` : "no jobs");
    return EXIT.ok;
  }
  printTable([
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
  ]);
  return EXIT.ok;
}

/** Rows as columns aligned on the widest cell, two spaces apart (code points, not UTF-16 units). */
function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => [...(row[i] ?? "")].length))) ?? [];
  for (const row of rows) {
    console.log(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - [...cell].length)))
        .join("  "),
    );
  }
}
