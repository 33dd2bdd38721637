/**
 * The registry of operations extensions may call, and the one call path every host call takes:
 * lookup, permission, rate limit, input schema, cancellation, handler, output schema. Each step
 * that refuses a call answers with its own stable code, so an extension author reads what to fix.
 *
 * @module
 */
import type { HostCallReply } from "@kiln/javy-plugin";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { PERMISSION_PATTERN } from "../permissions.js";
import { OperationErrorCodes as Codes, OperationDefinitionError } from "./errors.js";
import { DEFAULT_RATE_LIMIT, type RateLimit, RateLimiter } from "./rate-limit.js";
import type { CallerContext, JsonSchema, OperationContext, OperationDefinition, OperationInfo } from "./types.js";

/**
 * Operation names: dot-separated lowercase segments, at least two, so that every name has a
 * namespace (`kv.get`, `acme.invoices.get`) the way permissions do.
 */
export const OPERATION_NAME_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

const MAX_NAME_LENGTH = 128;
/** Validation messages beyond this many add length, not help. */
const MAX_REPORTED_ISSUES = 5;

/** Options of {@link OperationRegistry}. */
export interface OperationRegistryOptions {
  /** Default per-extension limit; `false` for none. Default: {@link DEFAULT_RATE_LIMIT}. */
  readonly rateLimit?: RateLimit | false;
  /** Clock in milliseconds for the rate limiter; injectable so tests step time instead of sleeping. */
  readonly now?: () => number;
}

interface Registered {
  readonly def: OperationDefinition<unknown, unknown>;
  readonly validateInput: ValidateFunction | undefined;
  readonly validateOutput: ValidateFunction | undefined;
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
  readonly #ajv = new Ajv({ strict: true, allErrors: true });
  readonly #limiter: RateLimiter;

  constructor(options: OperationRegistryOptions = {}) {
    this.#limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.now);
  }

  /**
   * Adds an operation. Throws {@link OperationDefinitionError} when the name is taken, invalid or
   * reserved (`$…`), the permission is malformed, the handler is missing, or a schema does not
   * compile, so that mistakes surface when the application starts.
   */
  register<I, O>(def: OperationDefinition<I, O>): void {
    checkDefinition(def as OperationDefinition);
    if (this.#ops.has(def.name)) {
      throw new OperationDefinitionError(
        Codes.duplicateOperation,
        def.name,
        "an operation of that name is already registered; unregister it first",
      );
    }
    const validateInput = this.#compile(def.name, "input", def.input);
    let validateOutput: ValidateFunction | undefined;
    try {
      validateOutput = this.#compile(def.name, "output", def.output);
    } catch (e) {
      if (def.input !== undefined) this.#ajv.removeSchema(def.input);
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
    if (op.def.input !== undefined) this.#ajv.removeSchema(op.def.input);
    if (op.def.output !== undefined) this.#ajv.removeSchema(op.def.output);
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
   * Throws a `RangeError` for a rate or burst that is not positive.
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
   * every outcome, including bugs in handlers, is a {@link HostCallReply}.
   */
  async call(name: string, payload: unknown, caller: CallerContext): Promise<HostCallReply> {
    try {
      return await this.#call(name, payload, caller);
    } catch (e) {
      // Only reachable through a bug here or a throwing `caller.log`; the contract still holds.
      return {
        ok: false,
        error: { code: Codes.failed, message: `operation "${name}" failed inside the host: ${messageOf(e)}` },
      };
    }
  }

  #call(name: string, payload: unknown, caller: CallerContext): HostCallReply | Promise<HostCallReply> {
    const op = this.#ops.get(name);
    if (op === undefined) return deny(caller, Codes.unknownOperation, this.#unknownMessage(name));
    const { def } = op;
    const refusal = this.#checkAccess(def, caller);
    if (refusal !== undefined) return refusal;

    const input = payload === undefined ? null : payload;
    if (op.validateInput !== undefined && !op.validateInput(input)) {
      return deny(
        caller,
        Codes.inputInvalid,
        `invalid input for operation "${name}": ${describeErrors(op.validateInput.errors)}`,
      );
    }
    if (caller.signal.aborted) return cancelled(name, caller);

    let result: unknown;
    try {
      result = def.handler(input, context(caller));
    } catch (e) {
      return caller.signal.aborted ? cancelled(name, caller) : handlerFailed(name, e, caller);
    }
    if (isPromiseLike(result)) return settle(op, result, caller);
    return finish(op, result, caller);
  }

  /** Permission, then rate limit: a call the extension may never make must not spend its tokens. */
  #checkAccess(def: OperationDefinition, caller: CallerContext): HostCallReply | undefined {
    const { name, permission } = def;
    if (!caller.manifest.permissions.includes(permission)) {
      return deny(
        caller,
        Codes.permissionNotDeclared,
        `operation "${name}" needs permission "${permission}", which extension "${caller.extensionId}" does not declare: ` +
          `add '${permission}' to @extension({ permissions }) and rebuild`,
      );
    }
    if (!caller.grants.permissions.has(permission)) {
      return deny(
        caller,
        Codes.permissionDenied,
        `operation "${name}" needs permission "${permission}", which the application has not granted to extension "${caller.extensionId}"`,
      );
    }
    const taken = this.#limiter.take(caller.extensionId);
    if (!taken.ok) {
      return deny(
        caller,
        Codes.rateLimited,
        `extension "${caller.extensionId}" called operations faster than its limit of ${taken.limit.callsPerSecond}/s ` +
          `(burst ${taken.limit.burst}); "${name}" refused, retry in ${taken.retryAfterMs} ms`,
      );
    }
    return undefined;
  }

  #compile(name: string, which: "input" | "output", schema: JsonSchema | undefined): ValidateFunction | undefined {
    if (schema === undefined) return undefined;
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new OperationDefinitionError(
        Codes.invalidOperationSchema,
        name,
        `its ${which} schema must be a JSON Schema object`,
      );
    }
    try {
      return this.#ajv.compile(schema);
    } catch (e) {
      throw new OperationDefinitionError(
        Codes.invalidOperationSchema,
        name,
        `its ${which} schema is invalid: ${messageOf(e)}`,
        { cause: e },
      );
    }
  }

  #unknownMessage(name: string): string {
    const names = [...this.#ops.keys()];
    const close = closeNames(name, names);
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
    throw new OperationDefinitionError(Codes.invalidOperationName, String(name), "the name must be a string");
  }
  if (name.startsWith("$")) {
    throw new OperationDefinitionError(
      Codes.invalidOperationName,
      name,
      "names starting with '$' are reserved for the SDK runtime",
    );
  }
  if (name.length > MAX_NAME_LENGTH || !OPERATION_NAME_PATTERN.test(name)) {
    throw new OperationDefinitionError(
      Codes.invalidOperationName,
      name,
      `names are dot-separated lowercase segments, at least two, at most ${MAX_NAME_LENGTH} characters (e.g. "acme.invoices.get")`,
    );
  }
  if (typeof def.permission !== "string" || !PERMISSION_PATTERN.test(def.permission)) {
    throw new OperationDefinitionError(
      Codes.invalidOperationDefinition,
      name,
      `permission ${JSON.stringify(def.permission)} is not a permission name (dot-separated lowercase, e.g. "acme.invoices.read")`,
    );
  }
  if (typeof def.handler !== "function") {
    throw new OperationDefinitionError(Codes.invalidOperationDefinition, name, "it has no handler function");
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
 */
function settle(op: Registered, pending: PromiseLike<unknown>, caller: CallerContext): Promise<HostCallReply> {
  const { signal } = caller;
  const name = op.def.name;
  return new Promise<HostCallReply>((resolve) => {
    const onAbort = () => resolve(cancelled(name, caller));
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) resolve(finish(op, value, caller));
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) resolve(handlerFailed(name, e, caller));
      },
    );
  });
}

function finish(op: Registered, result: unknown, caller: CallerContext): HostCallReply {
  const name = op.def.name;
  const value = result === undefined ? null : result;
  const notJson = jsonProblem(value);
  if (notJson !== undefined) {
    return deny(
      caller,
      Codes.outputInvalid,
      `operation "${name}" returned a result that is not JSON (a bug in the application): ${notJson}`,
    );
  }
  if (op.validateOutput !== undefined && !op.validateOutput(value)) {
    return deny(
      caller,
      Codes.outputInvalid,
      `operation "${name}" returned a result that breaks its output schema (a bug in the application): ${describeErrors(op.validateOutput.errors)}`,
    );
  }
  return { ok: true, value };
}

function handlerFailed(name: string, e: unknown, caller: CallerContext): HostCallReply {
  const code = kilnCode(e) ?? Codes.failed;
  const message = `operation "${name}" failed: ${messageOf(e)}`;
  const stack = e instanceof Error && code === Codes.failed && e.stack ? `\n${e.stack}` : "";
  caller.log?.("warn", message + stack);
  return { ok: false, error: { code, message } };
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
  return { ok: false, error: { code: Codes.cancelled, message } };
}

function deny(caller: CallerContext, code: string, message: string): HostCallReply {
  caller.log?.("warn", message);
  return { ok: false, error: { code, message } };
}

/** A handler's own `KILN_…` code, passed through so extensions can branch on it. */
function kilnCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^KILN_[A-Z0-9_]+$/.test(code) ? code : undefined;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  return String(e);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const list = errors ?? [];
  const shown = list.slice(0, MAX_REPORTED_ISSUES).map(describeError);
  const more = list.length > shown.length ? `; and ${list.length - shown.length} more` : "";
  return shown.join("; ") + more;
}

function describeError(e: ErrorObject): string {
  const at = e.instancePath === "" ? "payload" : `payload${e.instancePath}`;
  if (e.keyword === "additionalProperties")
    return `${at} has unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === "required") return `${at} is missing required property "${String(e.params.missingProperty)}"`;
  if (e.keyword === "enum") return `${at} must be one of ${JSON.stringify(e.params.allowedValues)}`;
  return `${at} ${e.message ?? `fails "${e.keyword}"`}`;
}

/**
 * Why `value` would not survive the trip to the extension as JSON, or undefined when it would.
 * Checked rather than coerced: `JSON.stringify` silently turns a `Date` into a string and `NaN`
 * into `null`, which would hand the extension data the application never meant to send.
 */
function jsonProblem(value: unknown, path = "", seen = new Set<object>()): string | undefined {
  const at = path === "" ? "the result" : `result${path}`;
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${at} is ${value}`;
    case "object":
      return value === null ? undefined : objectProblem(value, path, seen);
    default:
      return `${at} is ${typeof value === "undefined" ? "undefined" : `a ${typeof value}`}`;
  }
}

function objectProblem(value: object, path: string, seen: Set<object>): string | undefined {
  const at = path === "" ? "the result" : `result${path}`;
  if (seen.has(value)) return `${at} refers to itself (a cycle)`;
  const proto: unknown = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    return `${at} is a ${value.constructor?.name ?? "non-plain object"}, not a plain object (convert it first)`;
  }
  seen.add(value);
  try {
    if (isArray) {
      for (let i = 0; i < value.length; i++) {
        const problem = jsonProblem(value[i], `${path}/${i}`, seen);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(value)) {
      // An undefined property is simply absent in JSON, which is what optional fields mean.
      if (item === undefined) continue;
      const problem = jsonProblem(item, `${path}/${key}`, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

/** Registered names within a small edit distance of `name`, closest first, at most three. */
function closeNames(name: string, names: readonly string[]): string[] {
  const budget = Math.max(2, Math.floor(name.length / 4));
  return names
    .map((n) => ({ n, d: editDistance(name, n) }))
    .filter(({ d }) => d <= budget)
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
    .slice(0, 3)
    .map(({ n }) => n);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitute));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
