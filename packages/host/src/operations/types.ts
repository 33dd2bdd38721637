/**
 * The shapes an application works with when it registers operations, and what the host hands the
 * registry on each call.
 *
 * @module
 */

import type { JsonSchema, Manifest } from "@kiln/contracts";
import type { LogLevel } from "../logger.js";
import type { KvStore } from "../store/types.js";

/** The key-value store the `kv.*` operations use: the job store's (see {@link KvStore}). */
export type KvBackend = KvStore;

export type { JsonSchema };

/** What the application granted one extension. */
export interface ExtensionGrants {
  /** Permissions both requested by the manifest and granted by the application. */
  readonly permissions: ReadonlySet<string>;
  /** `files.*` roots: folder name the extension uses → absolute path on this machine. */
  readonly folders: Readonly<Record<string, string>>;
}

/** What a handler knows about the call it serves. */
export interface OperationContext {
  readonly extensionId: string;
  readonly manifest: Manifest;
  /** The job making the call, when the call comes from a job (not from `init`). */
  readonly jobId?: string;
  /**
   * Aborted when the calling job is cancelled or the host closes. The extension has already been
   * told `KILN_CANCELLED` by then, so pass this on (`fetch`, streams, queries) to stop wasted work.
   */
  readonly signal: AbortSignal;
  readonly grants: ExtensionGrants;
  /** The host's key-value store; scope every access to `extensionId`. */
  readonly kv: KvBackend;
}

/** An operation the application offers to extensions. */
export interface OperationDefinition<I = unknown, O = unknown> {
  /** Dotted lowercase, unique (`files.read`, `acme.invoices.get`); `$…` is reserved for the runtime. */
  readonly name: string;
  /** The permission an extension must declare and be granted to call this (`acme.invoices.read`). */
  readonly permission: string;
  readonly description?: string;
  /** Schema of the payload, checked before the handler runs. Default: any JSON value. */
  readonly input?: JsonSchema;
  /** Schema of the handler's result, checked after it returns: a mismatch is the application's bug. */
  readonly output?: JsonSchema;
  /**
   * Does the work. To fail the call with a code the extension can branch on, throw an
   * `OperationError` with a code of the application's (`ACME_INVOICE_LOCKED`) or a `KilnError`
   * with one of Kiln's; anything else reaches the extension as `KILN_OPERATION_FAILED`.
   */
  handler(input: I, ctx: OperationContext): O | Promise<O>;
}

/** What {@link OperationRegistry.list} tells about an operation (for docs, tooling, the CLI). */
export interface OperationInfo {
  readonly name: string;
  readonly permission: string;
  readonly description?: string;
  readonly input?: JsonSchema;
  readonly output?: JsonSchema;
}

/** Who is calling: supplied by the host for every call. */
export interface CallerContext {
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly grants: ExtensionGrants;
  readonly jobId?: string;
  readonly signal: AbortSignal;
  readonly kv: KvBackend;
  /** Receives a line for every denied or failed call, so the host can log it. */
  readonly log?: (level: LogLevel, message: string) => void;
  /** The caller's `limits.valueDepth`; the registry's `maxValueDepth` when absent. */
  readonly valueDepth?: number;
}
