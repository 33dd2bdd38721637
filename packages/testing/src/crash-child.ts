/**
 * The host that crashes, for `crashAndResume`: a child process (started from `dist/`, as Node runs
 * no TypeScript) that loads the extension on a SQLite file, runs one job, and once the job's n-th
 * checkpoint is durable kills itself with SIGKILL before the job hears of it. What it leaves on
 * disk is what a real crash leaves: the job `running`, its n-th checkpoint stored. Fake
 * operations are proxied to the test's process, where their handlers are.
 *
 * @module
 */
import { ExtensionHost, OperationError, SqliteJobStore, TERMINAL_STATES } from "@kiln/host";
import type { ChildMessage, CrashStart, ParentMessage } from "./crash-protocol.js";
import { type CallSink, registerRecordedBuiltins } from "./operations.js";
import { observeCheckpoints } from "./store.js";

function send(message: ChildMessage, then?: () => void): void {
  process.send?.(message, undefined, {}, then);
}

/** Fake operations' calls waiting for the test's reply, by id. */
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextId = 0;
let nextCall = 0;

process.on("message", (message: ParentMessage) => {
  if (message.type === "start") {
    run(message).catch((error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      send(
        {
          type: "failed",
          ...(typeof code === "string" ? { code } : {}),
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        },
        () => process.exit(1),
      );
    });
  } else if (message.type === "op-reply") {
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (!call) return;
    const { outcome } = message;
    if ("result" in outcome) call.resolve(outcome.result);
    else call.reject(new OperationError(outcome.error.code, outcome.error.message));
  }
});
// The test's process went away: nobody will read what this one does.
process.on("disconnect", () => process.exit(1));

async function run(start: CrashStart): Promise<void> {
  let jobId: string | undefined;
  const store = observeCheckpoints(SqliteJobStore.open(start.store), (id, state, seq) => {
    send({ type: "checkpoint", jobId: id, state });
    if (id !== jobId || seq < start.afterCheckpoints) return;
    // The checkpoint is on disk; the job waits for this call to return, and never will.
    return new Promise<void>(() => send({ type: "crashing", jobId: id }, () => process.kill(process.pid, "SIGKILL")));
  });
  const host = new ExtensionHost({ ...start.host, store, logger: (entry) => send({ type: "log", entry }) });

  const sink: CallSink = {
    begin(name, input, job) {
      const seq = nextCall++;
      send({ type: "call", seq, name, input, jobId: job });
      return (outcome) => send({ type: "call-end", seq, outcome });
    },
  };
  const proxied = new Set(start.operations.map((op) => op.name));
  registerRecordedBuiltins(host, start.host.builtins ?? {}, sink, proxied);
  for (const op of start.operations) {
    host.operations.register({
      ...op,
      handler: (input: unknown, ctx) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          send({ type: "op", id, name: op.name, input, jobId: ctx.jobId });
          ctx.signal.addEventListener("abort", () => send({ type: "op-abort", id }), { once: true });
        }),
    } as Parameters<typeof host.operations.register>[0]);
  }

  await host.load(start.dist, {
    permissions: start.permissions,
    folders: start.folders,
    ...(start.limits ? { limits: start.limits } : {}),
  });
  host.jobs.on("progress", (e) => {
    if (e.jobId === jobId) send({ type: "progress", jobId: e.jobId, progress: e.progress });
  });
  host.jobs.on("state", (record) => {
    if (record.id === jobId && TERMINAL_STATES.includes(record.state)) send({ type: "ended", record });
  });
  jobId = await host.jobs.dispatch(start.extensionId, start.job, start.input);
  send({ type: "dispatched", jobId });
}
