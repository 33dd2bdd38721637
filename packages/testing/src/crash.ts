/**
 * The first half of `crashAndResume`, on the test's side: start the child process that plays the
 * crashing host (`crash-child.ts`), serve its fake operations' calls with the test's handlers,
 * record what it reports, and return once it has died after the planned checkpoint.
 *
 * @module
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type ExtensionGrants,
  type KvStore,
  type Manifest,
  type OperationContext,
  type OperationDefinition,
  SqliteJobStore,
} from "@kiln/host";
import type { ChildMessage, CrashStart, ParentMessage } from "./crash-protocol.js";
import { CheckpointNotReachedError, CrashHostExitedError, TestTimeoutError } from "./errors.js";
import { type CallOutcome, type CallSink, callError, recordedHandler } from "./operations.js";
import type { Recorder } from "./recorder.js";

/**
 * The child's script. Node cannot start TypeScript, so it is always the built one: this URL is
 * `dist/crash-child.js` from both `src/` (the workspace's tests) and `dist/` (an installed package).
 */
const CHILD = new URL("../dist/crash-child.js", import.meta.url);

/** The modules the child runs, besides the protocol's types. */
const CHILD_MODULES = ["crash-child", "operations", "store"];

/**
 * Why the child cannot run: its script is missing, or (when this module runs from the workspace's
 * sources) older than a source it is built from, which would run code the test does not expect.
 */
function childProblem(): string | undefined {
  if (!existsSync(CHILD)) return `${fileURLToPath(CHILD)} is missing`;
  if (!import.meta.url.endsWith(".ts")) return undefined;
  for (const name of CHILD_MODULES) {
    const source = new URL(`./${name}.ts`, import.meta.url);
    const built = new URL(`../dist/${name}.js`, import.meta.url);
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
      return `${fileURLToPath(built)} is older than ${fileURLToPath(source)}`;
    }
  }
  return undefined;
}

/** What the first half needs besides the child's start message. */
export interface CrashFirstHalf {
  readonly start: Omit<CrashStart, "type">;
  /** The fake operations, by name, as the test defined them. */
  readonly fakes: ReadonlyMap<string, OperationDefinition>;
  readonly manifest: Manifest;
  readonly grants: ExtensionGrants;
  readonly recorder: Recorder;
  readonly sink: CallSink;
  /** When to give up. */
  readonly deadline: number;
  readonly timeoutMs: number;
}

/** Runs the first host until it crashes; resolves with the crashed job's id. */
export async function crashFirstHost(half: CrashFirstHalf): Promise<string> {
  const { start, recorder } = half;
  const problem = childProblem();
  if (problem) {
    throw new CrashHostExitedError(
      start.extensionId,
      `could not start: ${problem}; build @kiln/testing first (pnpm --filter @kiln/testing build)`,
    );
  }
  // A second connection to the store the child writes, for the fakes' `ctx.kv` only; opened on first use.
  let kvStore: SqliteJobStore | undefined;
  const kv: KvStore = {
    get: (...args) => openKv().get(...args),
    set: (...args) => openKv().set(...args),
    delete: (...args) => openKv().delete(...args),
    list: (...args) => openKv().list(...args),
  };
  const openKv = () => {
    kvStore ??= SqliteJobStore.open(start.store);
    return kvStore.kv;
  };
  // Without `execArgv`: the test runner's loader flags must not reach a plain Node process.
  const child = fork(fileURLToPath(CHILD), [], {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  const aborts = new Map<number, AbortController>();
  const calls = new Map<number, (outcome: CallOutcome) => void>();
  try {
    return await new Promise<string>((resolve, reject) => {
      let jobId: string | undefined;
      let crashing = false;
      const timer = setTimeout(
        () => {
          child.kill("SIGKILL");
          reject(
            new TestTimeoutError(
              start.extensionId,
              start.job,
              jobId ?? "not dispatched",
              half.timeoutMs,
              `the first host of crashAndResume had not reached checkpoint ${start.afterCheckpoints} (it wrote ${
                jobId ? recorder.trace(jobId).checkpoints.length : 0
              }), and was killed`,
            ),
          );
        },
        Math.max(0, half.deadline - Date.now()),
      );
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(new CrashHostExitedError(start.extensionId, `could not start: ${error.message}`, { cause: error }));
      });
      // "close", not "exit": it comes after the IPC channel closed, so every message was handled.
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (crashing && jobId && signal === "SIGKILL") resolve(jobId);
        else
          reject(new CrashHostExitedError(start.extensionId, `exited (${signal ?? `code ${code}`}) before the crash`));
      });
      child.on("message", (message: ChildMessage) => {
        switch (message.type) {
          case "dispatched":
            jobId = message.jobId;
            break;
          case "log":
            recorder.log(message.entry);
            break;
          case "progress":
            recorder.progress(message.jobId, message.progress);
            break;
          case "checkpoint":
            recorder.checkpoint(message.jobId, message.state);
            break;
          case "call":
            calls.set(message.seq, half.sink.begin(message.name, message.input, message.jobId));
            break;
          case "call-end":
            calls.get(message.seq)?.(message.outcome);
            calls.delete(message.seq);
            break;
          case "op":
            serve(message, child, half, kv, aborts);
            break;
          case "op-abort":
            aborts.get(message.id)?.abort();
            break;
          case "crashing":
            crashing = true;
            break;
          case "ended": {
            clearTimeout(timer);
            child.kill("SIGKILL");
            reject(
              new CheckpointNotReachedError(
                "crashAndResume",
                start.extensionId,
                start.job,
                message.record,
                start.afterCheckpoints,
              ),
            );
            break;
          }
          case "failed":
            clearTimeout(timer);
            reject(new CrashHostExitedError(start.extensionId, `failed: ${message.message}`));
            break;
        }
      });
      child.send({ type: "start", ...start } satisfies ParentMessage);
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const controller of aborts.values()) controller.abort();
    await kvStore?.close();
  }
}

/** Runs the test's handler for a fake operation the child's job called, and replies. */
function serve(
  message: Extract<ChildMessage, { type: "op" }>,
  child: ChildProcess,
  half: CrashFirstHalf,
  kv: KvStore,
  aborts: Map<number, AbortController>,
): void {
  const reply = (m: ParentMessage) => {
    if (child.connected) child.send(m);
  };
  const def = half.fakes.get(message.name);
  if (!def) {
    reply({ type: "op-reply", id: message.id, outcome: { error: callError(new Error(`no fake "${message.name}"`)) } });
    return;
  }
  const abort = new AbortController();
  aborts.set(message.id, abort);
  const ctx: OperationContext = {
    extensionId: half.start.extensionId,
    manifest: half.manifest,
    signal: abort.signal,
    grants: half.grants,
    kv,
    ...(message.jobId !== undefined ? { jobId: message.jobId } : {}),
  };
  const handler = recordedHandler(
    message.name,
    def.handler as (input: unknown, c: OperationContext) => unknown,
    half.sink,
  );
  Promise.resolve()
    .then(() => handler(message.input, ctx))
    .then(
      (result) => reply({ type: "op-reply", id: message.id, outcome: { result } }),
      (error: unknown) => reply({ type: "op-reply", id: message.id, outcome: { error: callError(error) } }),
    )
    .finally(() => aborts.delete(message.id));
}
