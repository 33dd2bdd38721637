/**
 * The messages between a test and the child process that plays the host which crashes
 * (`crashAndResume`): what to run, and back, everything the test records plus the calls of the
 * fake operations, which run in the test's process where their handlers live.
 *
 * @module
 */
import type { BuiltinOptions, ExtensionLimits, JobProgress, JobRecord, LogEntry, RateLimit } from "@kiln/host";
import type { CallOutcome } from "./operations.js";

/** The host options that can cross to another process (no functions, no compiled Wasm). */
export interface PortableHostOptions {
  readonly maxConcurrentJobs?: number;
  readonly workers?: number;
  readonly maxWorkers?: number;
  readonly stopGraceMs?: number;
  readonly killAfterMs?: number;
  readonly recycleMemoryMiB?: number;
  readonly progressWriteIntervalMs?: number;
  readonly rateLimit?: RateLimit | false;
  readonly builtins?: Omit<BuiltinOptions, "fetch">;
}

/** A fake operation as the child registers it; its handler stays in the test's process. */
export interface ProxiedOperation {
  readonly name: string;
  readonly permission: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly description?: string;
}

/** The test → child: run this job in a host on this store, and crash after its n-th checkpoint. */
export interface CrashStart {
  readonly type: "start";
  readonly dist: string;
  readonly store: string;
  readonly extensionId: string;
  readonly job: string;
  readonly input: unknown;
  readonly afterCheckpoints: number;
  readonly permissions: readonly string[] | "*";
  readonly folders: Readonly<Record<string, string>>;
  readonly limits?: ExtensionLimits;
  readonly host: PortableHostOptions;
  readonly operations: readonly ProxiedOperation[];
}

/** The test → child: how a fake operation's call ended. */
export interface OperationReply {
  readonly type: "op-reply";
  readonly id: number;
  readonly outcome: CallOutcome;
}

/** Everything the test sends. */
export type ParentMessage = CrashStart | OperationReply;

/** Everything the child sends. */
export type ChildMessage =
  | { readonly type: "dispatched"; readonly jobId: string }
  | { readonly type: "log"; readonly entry: LogEntry }
  | { readonly type: "progress"; readonly jobId: string; readonly progress: JobProgress }
  | { readonly type: "checkpoint"; readonly jobId: string; readonly state: unknown }
  /** A built-in operation's handler started (`seq` numbers the child's calls). */
  | {
      readonly type: "call";
      readonly seq: number;
      readonly name: string;
      readonly input: unknown;
      readonly jobId: string | undefined;
    }
  | { readonly type: "call-end"; readonly seq: number; readonly outcome: CallOutcome }
  /** Run this fake operation's handler and reply with `op-reply`. */
  | {
      readonly type: "op";
      readonly id: number;
      readonly name: string;
      readonly input: unknown;
      readonly jobId: string | undefined;
    }
  /** The call `id` was cancelled: abort its handler's signal. */
  | { readonly type: "op-abort"; readonly id: number }
  /** The n-th checkpoint is durable; the process kills itself once this message is out. */
  | { readonly type: "crashing"; readonly jobId: string }
  /** The job ended before its n-th checkpoint. */
  | { readonly type: "ended"; readonly record: JobRecord }
  | { readonly type: "failed"; readonly code?: string; readonly message: string };
