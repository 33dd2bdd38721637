/**
 * The registry of operations extensions may call, and the one call path every host call takes:
 * lookup, permission, rate limit, input schema, cancellation, handler, output schema. Each step
 * that refuses a call answers with its own stable code, so an extension author reads what to fix.
 *
 * @module
 */

import { createRequire } from "node:module";
import {
  closestMatches,
  KilnError,
  type KilnErrorCode,
  MAX_OPERATION_NAME_LENGTH,
  PERMISSION_PATTERN,
} from "@kiln/contracts";
import { type HostCallReply, hostCallFailure } from "@kiln/javy-plugin";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { checkJsonValue, DEFAULT_MAX_DEPTH } from "../json-safety.js";
import { describeSchemaErrors } from "../schema-issues.js";
import { isOperationErrorCode, OperationDefinitionError, OperationError } from "./errors.js";
import { DEFAULT_RATE_LIMIT, type RateLimit, RateLimiter } from "./rate-limit.js";
import type { TypedOperationDefinition } from "./typed.js";
import type { CallerContext, JsonSchema, OperationContext, OperationDefinition, OperationInfo } from "./types.js";

/**
 * Operation names: dot-separated lowercase segments, at least two, so that every name has a
 * namespace (`kv.get`, `acme.invoices.get`) the way permissions do: `PERMISSION_PATTERN` of
 * `@kiln/contracts`.
 */
export const OPERATION_NAME_PATTERN: RegExp = new RegExp(PERMISSION_PATTERN);
/** Permission names, as the manifest schema checks them. */
const PERMISSION_NAME = new RegExp(PERMISSION_PATTERN);

/** Validation messages beyond this many add length, not help. */
const MAX_REPORTED_ISSUES = 5;
/** Characters of a refused name quoted back in messages. */
const NAME_SHOWN = 60;
/** "Did you mean" compares at most this many registered names (those of the closest lengths). */
const MAX_SUGGESTION_CANDIDATES = 500;

/** Options of {@link OperationRegistry}. */
export interface OperationRegistryOptions {
  /** Default per-extension limit; `false` for none. Default: {@link DEFAULT_RATE_LIMIT}. */
  readonly rateLimit?: RateLimit | false;
  /** Clock in milliseconds for the rate limiter; injectable so tests step time instead of sleeping. */
  readonly now?: () => number;
  /**
   * Deepest nesting of a payload or a result (see `limits.valueDepth`); deeper ones are answered
   * with `KILN_VALUE_TOO_DEEP` before a schema or handler sees them. Default: the default of `limits.valueDepth` (256).
   */
  readonly maxValueDepth?: number;
}

/** A compiled schema check (Ajv's, or one that compiles on first use); `errors` after a failure. */
type Validator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null | undefined };

interface Registered {
  readonly def: OperationDefinition<unknown, unknown>;
  readonly validateInput: Validator | undefined;
  readonly validateOutput: Validator | undefined;
}

/**
 * Ajv, strict and reporting every error. It is CommonJS, required on first use, not imported: its
 * 60-odd files cost every process that loads the host ~25 ms, and most calls need no compile.
 */
function newAjv(): Ajv {
  const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
  return new Ajv({ strict: true, allErrors: true });
}

/**
 * Validators of schemas that claim no `$id`, compiled once per process whichever registry (and
 * host) registers them: the built-in operations' schemas cost ~80 ms to compile, which every new
 * host used to pay. Held weakly by the schema object, so dropped schemas are not kept.
 */
const sharedValidators = new WeakMap<object, ValidateFunction>();
let sharedAjv: Ajv | undefined;

function compileShared(schema: object): ValidateFunction {
  let validate = sharedValidators.get(schema);
  if (!validate) {
    sharedAjv ??= newAjv();
    validate = sharedAjv.compile(schema);
    // Ajv keeps what it compiled; the weak map is the cache here.
    sharedAjv.removeSchema(schema);
    sharedValidators.set(schema, validate);
  }
  return validate;
}

/** Schemas known to compile: the built-in operations' (`builtins/define.test.ts` compiles each). */
const trustedSchemas = new WeakSet<object>();

/**
 * Marks a schema as known to compile, so that registering it costs nothing and it is compiled on
 * its operation's first call: a process that calls two built-ins pays for two, not for all.
 */
export function trustSchema(schema: object): void {
  trustedSchemas.add(schema);
}

function lazyValidator(schema: object): Validator {
  let compiled: ValidateFunction | undefined;
  const validate: Validator = (value) => {
    compiled ??= compileShared(schema);
    const ok = compiled(value);
    validate.errors = compiled.errors;
    return ok;
  };
  return validate;
}

/** A schema with an `$id` anywhere claims a name in its Ajv instance, so it is compiled per registry. */
function hasId(schema: object): boolean {
  return JSON.stringify(schema).includes('"$id"');
}

/**
 * Operations the application offers, and the gate every extension call passes through.
 *
 * @example
 * ```ts
 * const registry = new OperationRegistry();
 * registerBuiltins(registry);
 * registry.register({
 *   name: "acme.invoices.get",
 *   permission: "acme.invoices.read",
 *   input: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
 *   handler: ({ id }: { id: string }) => invoices.get(id),
 * });
 * const reply = await registry.call("acme.invoices.get", { id: "42" }, caller);
 * ```
 */
export class OperationRegistry {
  readonly #ops = new Map<string, Registered>();
  /** For schemas with an `$id`, which must not meet another registry's (made when first needed). */
  #ownAjv: Ajv | undefined;
  readonly #limiter: RateLimiter;
  readonly #maxDepth: number;

  /** Throws a `KILN_INVALID_OPTION` {@link KilnError} for a rate limit or `maxValueDepth` that is not positive. */
  constructor(options: OperationRegistryOptions = {}) {
    this.#limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.now);
    const maxDepth = options.maxValueDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isInteger(maxDepth) || maxDepth < 1) {
      throw new KilnError("KILN_INVALID_OPTION", `maxValueDepth must be a whole number ≥ 1, got ${String(maxDepth)}`);
    }
    this.#maxDepth = maxDepth;
  }

  /**
   * Adds an operation. Throws {@link OperationDefinitionError} when the name is taken, invalid or
   * reserved (`$…`), the permission is malformed, the handler is missing, or a schema does not
   * compile, so that mistakes surface when the application starts. The handler's payload and
   * result are typed by the `input` and `output` schemas when they are written as literals (an
   * unannotated handler is typed; see {@link TypedOperationDefinition}).
   */
  register<const In extends JsonSchema | undefined = undefined, const Out extends JsonSchema | undefined = undefined>(
    def: TypedOperationDefinition<In, Out>,
  ): void {
    checkDefinition(def as OperationDefinition);
    if (this.#ops.has(def.name)) {
      throw new OperationDefinitionError(
        "KILN_OPERATION_DUPLICATE",
        def.name,
        "an operation of that name is already registered; unregister it first",
      );
    }
    const validateInput = this.#compile(def.name, "input", def.input);
    let validateOutput: Validator | undefined;
    try {
      validateOutput = this.#compile(def.name, "output", def.output);
    } catch (e) {
      if (def.input !== undefined && hasId(def.input)) this.#ajv.removeSchema(def.input);
      throw e;
    }
    this.#ops.set(def.name, { def: def as OperationDefinition, validateInput, validateOutput });
  }

  /** Removes an operation; false when there was none. Calls already running finish normally. */
  unregister(name: string): boolean {
    const op = this.#ops.get(name);
    if (op === undefined) return false;
    this.#ops.delete(name);
    // Frees the compiled schemas, and any `$id` they claimed, for a later registration.
    if (op.def.input !== undefined && hasId(op.def.input)) this.#ajv.removeSchema(op.def.input);
    if (op.def.output !== undefined && hasId(op.def.output)) this.#ajv.removeSchema(op.def.output);
    return true;
  }

  /** True when an operation of that name is registered. */
  has(name: string): boolean {
    return this.#ops.has(name);
  }

  /** Every registered operation, sorted by name. */
  list(): OperationInfo[] {
    return [...this.#ops.values()].map(({ def }) => info(def)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Gives `extensionId` its own rate limit (`false`: unlimited), or back the default with `null`.
   * Throws a `KILN_INVALID_OPTION` {@link KilnError} for a rate or burst that is not positive.
   */
  setRateLimit(extensionId: string, limit: RateLimit | false | null): void {
    this.#limiter.set(extensionId, limit);
  }

  /** Drops what the registry remembers about an extension (its bucket and limit), e.g. on unload. */
  forgetExtension(extensionId: string): void {
    this.#limiter.forget(extensionId);
  }

  /**
   * Runs one host call through every check and the handler. Never throws and never rejects:
   * every outcome, including bugs in handlers, is a {@link HostCallReply}. The payload and the
   * result may be of any size or depth: both are checked without recursion, and anything deeper
   * than `maxValueDepth` is answered with `KILN_VALUE_TOO_DEEP`.
   */
  async call(name: string, payload: unknown, caller: CallerContext): Promise<HostCallReply> {
    try {
      return await this.#call(name, payload, caller);
    } catch (e) {
      // Only reachable through a bug here or a throwing `caller.log`; the contract still holds.
      return internalFailure(typeof name === "string" ? name : typeof name, e);
    }
  }

  #call(name: string, payload: unknown, caller: CallerContext): HostCallReply | Promise<HostCallReply> {
    // First of all, before a lookup or an edit distance spends time on it.
    if (typeof name !== "string" || name.length > MAX_OPERATION_NAME_LENGTH) return nameTooLong(name, caller);
    const op = this.#ops.get(name);
    if (op === undefined) return deny(caller, "KILN_UNKNOWN_OPERATION", this.#unknownMessage(name));
    const { def } = op;
    const refusal = this.#checkAccess(def, caller);
    if (refusal !== undefined) return refusal;

    const input = payload === undefined ? null : payload;
    // Before the schema: ajv's checks may recurse with the data, and handlers trust their input.
    const checked = checkJsonValue(input, { maxDepth: caller.valueDepth ?? this.#maxDepth, what: "payload" });
    if (!checked.ok) {
      return checked.kind === "too-deep"
        ? deny(caller, "KILN_VALUE_TOO_DEEP", `invalid input for operation "${name}": ${checked.message}`)
        : deny(caller, "KILN_OPERATION_INPUT_INVALID", `invalid input for operation "${name}": ${checked.message}`);
    }
    if (op.validateInput !== undefined && !op.validateInput(input)) {
      return deny(
        caller,
        "KILN_OPERATION_INPUT_INVALID",
        `invalid input for operation "${name}": ${describeErrors(op.validateInput.errors, input)}`,
      );
    }
    if (caller.signal.aborted) return cancelled(name, caller);

    let result: unknown;
    try {
      result = def.handler(input, context(caller));
    } catch (e) {
      return caller.signal.aborted ? cancelled(name, caller) : handlerFailed(name, e, caller);
    }
    if (isPromiseLike(result)) return settle(op, result, caller, caller.valueDepth ?? this.#maxDepth);
    return finish(op, result, caller, caller.valueDepth ?? this.#maxDepth);
  }

  /** Permission, then rate limit: a call the extension may never make must not spend its tokens. */
  #checkAccess(def: OperationDefinition, caller: CallerContext): HostCallReply | undefined {
    const { name, permission } = def;
    if (!caller.manifest.permissions.includes(permission)) {
      return deny(
        caller,
        "KILN_PERMISSION_NOT_DECLARED",
        `operation "${name}" needs permission "${permission}", which extension "${caller.extensionId}" does not declare: ` +
          `add '${permission}' to @extension({ permissions }) and rebuild`,
      );
    }
    if (!caller.grants.permissions.has(permission)) {
      return deny(
        caller,
        "KILN_PERMISSION_DENIED",
        `operation "${name}" needs permission "${permission}", which the application has not granted to extension "${caller.extensionId}"`,
      );
    }
    const taken = this.#limiter.take(caller.extensionId);
    if (!taken.ok) {
      return deny(
        caller,
        "KILN_RATE_LIMITED",
        `extension "${caller.extensionId}" called operations faster than its limit of ${taken.limit.callsPerSecond}/s ` +
          `(burst ${taken.limit.burst}); "${name}" refused, retry in ${taken.retryAfterMs} ms`,
      );
    }
    return undefined;
  }

  get #ajv(): Ajv {
    this.#ownAjv ??= newAjv();
    return this.#ownAjv;
  }

  #compile(name: string, which: "input" | "output", schema: JsonSchema | undefined): Validator | undefined {
    if (schema === undefined) return undefined;
    if (trustedSchemas.has(schema)) return lazyValidator(schema);
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new OperationDefinitionError(
        "KILN_OPERATION_SCHEMA_INVALID",
        name,
        `its ${which} schema must be a JSON Schema object`,
      );
    }
    try {
      return hasId(schema) ? this.#ajv.compile(schema) : compileShared(schema);
    } catch (e) {
      throw new OperationDefinitionError(
        "KILN_OPERATION_SCHEMA_INVALID",
        name,
        `its ${which} schema is invalid: ${messageOf(e)}`,
        { cause: e },
      );
    }
  }

  /** For a name of at most {@link MAX_OPERATION_NAME_LENGTH} characters: the suggestion work is bounded. */
  #unknownMessage(name: string): string {
    const names = [...this.#ops.keys()];
    const close = closestMatches(name, suggestionCandidates(name, names));
    const hint = close.length > 0 ? `; did you mean ${close.map((n) => `"${n}"`).join(" or ")}?` : "";
    const reserved = name.startsWith("$") ? " (names starting with '$' belong to the SDK runtime)" : "";
    const shown = names.sort().slice(0, 20);
    const offered = shown.length === 0 ? "none" : shown.join(", ") + (names.length > shown.length ? ", …" : "");
    return `unknown operation "${name}"${reserved}${hint} (this host offers: ${offered})`;
  }
}

function checkDefinition(def: OperationDefinition): void {
  const name: unknown = def?.name;
  if (typeof name !== "string") {
    throw new OperationDefinitionError("KILN_OPERATION_NAME_INVALID", String(name), "the name must be a string");
  }
  if (name.startsWith("$")) {
    throw new OperationDefinitionError(
      "KILN_OPERATION_NAME_INVALID",
      name,
      "names starting with '$' are reserved for the SDK runtime",
    );
  }
  if (name.length > MAX_OPERATION_NAME_LENGTH || !OPERATION_NAME_PATTERN.test(name)) {
    throw new OperationDefinitionError(
      "KILN_OPERATION_NAME_INVALID",
      name,
      `names are dot-separated lowercase segments, at least two, at most ${MAX_OPERATION_NAME_LENGTH} characters (e.g. "acme.invoices.get")`,
    );
  }
  if (typeof def.permission !== "string" || !PERMISSION_NAME.test(def.permission)) {
    throw new OperationDefinitionError(
      "KILN_OPERATION_DEFINITION_INVALID",
      name,
      `permission ${JSON.stringify(def.permission)} is not a permission name (dot-separated lowercase, e.g. "acme.invoices.read")`,
    );
  }
  if (typeof def.handler !== "function") {
    throw new OperationDefinitionError("KILN_OPERATION_DEFINITION_INVALID", name, "it has no handler function");
  }
}

function info(def: OperationDefinition): OperationInfo {
  return {
    name: def.name,
    permission: def.permission,
    ...(def.description !== undefined && { description: def.description }),
    ...(def.input !== undefined && { input: def.input }),
    ...(def.output !== undefined && { output: def.output }),
  };
}

function context(caller: CallerContext): OperationContext {
  const ctx = {
    extensionId: caller.extensionId,
    manifest: caller.manifest,
    signal: caller.signal,
    grants: caller.grants,
    kv: caller.kv,
  };
  return caller.jobId === undefined ? ctx : { ...ctx, jobId: caller.jobId };
}

/**
 * Waits for an async handler, but answers `KILN_CANCELLED` the moment the caller's signal aborts:
 * the extension's job is being torn down and must not wait for, say, a slow HTTP server.
 *
 * Nothing in here may throw: an exception in a `.then` callback or an abort listener would reject
 * nothing anyone awaits, and Node ends the process on an unhandled rejection (or uncaught error).
 * Every step runs through {@link guarded}, which turns an exception into a failure reply.
 */
function settle(
  op: Registered,
  pending: PromiseLike<unknown>,
  caller: CallerContext,
  maxDepth: number,
): Promise<HostCallReply> {
  const { signal } = caller;
  const name = op.def.name;
  return new Promise<HostCallReply>((resolve) => {
    const onAbort = () => resolve(guarded(name, () => cancelled(name, caller)));
    signal.addEventListener("abort", onAbort, { once: true });
    const done = (reply: () => HostCallReply) => {
      signal.removeEventListener("abort", onAbort);
      if (!signal.aborted) resolve(guarded(name, reply));
    };
    try {
      pending.then(
        (value) => done(() => finish(op, value, caller, maxDepth)),
        (e: unknown) => done(() => handlerFailed(name, e, caller)),
      );
    } catch (e) {
      // A thenable whose `then` throws.
      done(() => handlerFailed(name, e, caller));
    }
  });
}

/** `reply()`, or a `KILN_OPERATION_FAILED` reply if it throws (a bug here, or a throwing logger). */
function guarded(name: string, reply: () => HostCallReply): HostCallReply {
  try {
    return reply();
  } catch (e) {
    return internalFailure(name, e);
  }
}

/** The reply for an exception in the registry's own code; logs nothing, since logging may be what threw. */
function internalFailure(name: string, e: unknown): HostCallReply {
  return hostCallFailure(
    "KILN_OPERATION_FAILED",
    `operation "${shownName(name)}" failed inside the host: ${messageOf(e)}`,
  );
}

function finish(op: Registered, result: unknown, caller: CallerContext, maxDepth: number): HostCallReply {
  const name = op.def.name;
  const value = result === undefined ? null : result;
  // Before the output schema, for the same reason as the input's.
  const checked = checkJsonValue(value, { maxDepth, what: "result" });
  if (!checked.ok) {
    return checked.kind === "too-deep"
      ? deny(
          caller,
          "KILN_VALUE_TOO_DEEP",
          `operation "${name}" returned a result nested deeper than the limit of ${maxDepth} levels ` +
            `(${checked.path} is at depth ${maxDepth + 1})`,
        )
      : deny(
          caller,
          "KILN_OPERATION_OUTPUT_INVALID",
          `operation "${name}" returned a result that is not JSON (a bug in the application): ${checked.message}`,
        );
  }
  if (op.validateOutput !== undefined && !op.validateOutput(value)) {
    return deny(
      caller,
      "KILN_OPERATION_OUTPUT_INVALID",
      `operation "${name}" returned a result that breaks its output schema (a bug in the application): ${describeErrors(op.validateOutput.errors, value)}`,
    );
  }
  return { ok: true, value };
}

function handlerFailed(name: string, e: unknown, caller: CallerContext): HostCallReply {
  const code = passedCode(e) ?? "KILN_OPERATION_FAILED";
  const message = `operation "${name}" failed: ${messageOf(e)}`;
  const stack = e instanceof Error && code === "KILN_OPERATION_FAILED" && e.stack ? `\n${e.stack}` : "";
  caller.log?.("warn", message + stack);
  return hostCallFailure(code, message);
}

function cancelled(name: string, caller: CallerContext): HostCallReply {
  const reason = caller.signal.reason;
  const why =
    reason instanceof Error && reason.name !== "AbortError"
      ? `: ${reason.message}`
      : typeof reason === "string"
        ? `: ${reason}`
        : "";
  const message = `operation "${name}" was cancelled (the job was cancelled or the host is closing)${why}`;
  // Cancellation is something the application asked for, not a fault: keep it out of warnings.
  caller.log?.("info", message);
  return hostCallFailure("KILN_CANCELLED", message);
}

function deny(caller: CallerContext, code: KilnErrorCode, message: string): HostCallReply {
  caller.log?.("warn", message);
  return hostCallFailure(code, message);
}

/**
 * The code a handler's error passes on to the extension, so that it can branch on it: an
 * {@link OperationError}'s own code (`ACME_INVOICE_LOCKED`), or any other error's `KILN_…` code (a
 * `KilnError`'s, as the built-ins throw). `undefined` for anything else (`ENOENT` from `fs`, an
 * `OperationError` with a malformed code): the call then fails with `KILN_OPERATION_FAILED`.
 */
function passedCode(e: unknown): string | undefined {
  if (e instanceof OperationError) return isOperationErrorCode(e.code) ? e.code : undefined;
  if (typeof e !== "object" || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^KILN_[A-Z0-9_]+$/.test(code) ? code : undefined;
}

/** The message of anything thrown; never throws itself (`String(Object.create(null))` does). */
function messageOf(e: unknown): string {
  try {
    if (e instanceof Error) return e.message;
    if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") {
      return (e as { message: string }).message;
    }
    return String(e);
  } catch {
    return "(an error that cannot be turned into text)";
  }
}

/** A name as quoted in messages: clipped, since a refused one may be megabytes long. */
function shownName(name: string): string {
  return name.length <= NAME_SHOWN ? name : `${name.slice(0, NAME_SHOWN)}…`;
}

function nameTooLong(name: unknown, caller: CallerContext): HostCallReply {
  const message =
    typeof name === "string"
      ? `operation name "${shownName(name)}" is ${name.length} characters long, over the limit of ${MAX_OPERATION_NAME_LENGTH}: no operation has such a name`
      : `operation name must be a string, got ${typeof name}`;
  return deny(caller, "KILN_OPERATION_NAME_TOO_LONG", message);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** A failed schema check as the refusal says it: `payload/text must be string (got 5)`; the first few. */
function describeErrors(errors: ErrorObject[] | null | undefined, value: unknown): string {
  return describeSchemaErrors(errors, value, "payload", MAX_REPORTED_ISSUES);
}

/**
 * The registered names "did you mean" compares `name` with: at most {@link MAX_SUGGESTION_CANDIDATES}
 * of them, those of the lengths closest to `name`'s (names much longer or shorter cannot be a few
 * edits away), in alphabetical order so that equally close suggestions come alphabetically.
 * Together with `closestMatches`' banded edit distance, this bounds the work for any registry.
 */
function suggestionCandidates(name: string, names: readonly string[]): string[] {
  if (name.length > MAX_OPERATION_NAME_LENGTH) return [];
  const gap = (n: string) => Math.abs(n.length - name.length);
  return names
    .filter((n) => n.length <= MAX_OPERATION_NAME_LENGTH)
    .sort((a, b) => gap(a) - gap(b))
    .slice(0, MAX_SUGGESTION_CANDIDATES)
    .sort();
}
