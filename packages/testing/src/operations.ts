/**
 * Fake application operations, and the recording of every operation call a job makes: each
 * handler (the fakes and the built-ins alike) is wrapped so that the call, its input and how it
 * ended are written down before and after the real handler runs. Nothing is stubbed: the call
 * still takes the registry's whole path (permission, rate limit, schemas, cancellation).
 *
 * @module
 */
import {
  BUILTIN_OPERATIONS,
  type BuiltinOptions,
  type ExtensionHost,
  type JsonSchema,
  OPERATION_ERROR_CODE_PATTERN,
  type OperationContext,
  type OperationDefinition,
  OperationError,
  type OperationRegistry,
  registerBuiltins,
} from "@kiln/host";

/**
 * The handler of a fake operation: what the application's handler would do, in a few lines.
 * Throw an `OperationError` (from `@kiln/host`) to fail the call with a code of your own.
 */
// biome-ignore lint/suspicious/noExplicitAny: each test chooses the type of its fake's payload.
export type FakeHandler = (input: any, ctx: OperationContext) => unknown;

/** A fake operation with more than a handler: schemas the registry checks, its permission. */
export interface FakeOperationDefinition {
  /** Does the work. */
  readonly handler: FakeHandler;
  /** The permission an extension needs to call it. Default: the operation's name. */
  readonly permission?: string;
  /** Schema of the payload, checked before the handler runs (as the application's would be). */
  readonly input?: JsonSchema;
  /** Schema of the result, checked after the handler returns. */
  readonly output?: JsonSchema;
  /** For people reading the registry. */
  readonly description?: string;
}

/** A fake operation: its handler alone, or a {@link FakeOperationDefinition}. */
export type FakeOperation = FakeHandler | FakeOperationDefinition;

/** How a recorded call failed: the code and message the extension received. */
export interface CallError {
  /** The code the extension's `HostCallError` carries (`ACME_LOCKED`, `KILN_NOT_FOUND`, …). */
  readonly code: string;
  /** The handler's message. */
  readonly message: string;
}

/**
 * One operation call a job made, in the order the calls started. Only calls that reached a
 * handler are here: one the registry refused (permission, schema, rate limit) is not, and shows
 * in the job's log lines and error instead.
 */
export interface OperationCall {
  /** The operation's name (`kv.set`, `acme.invoices.get`). */
  readonly name: string;
  /** The payload the handler received. */
  readonly input: unknown;
  /** What the handler returned; absent when it threw or has not returned. */
  readonly result?: unknown;
  /** Why the handler failed; absent when it returned or has not ended. */
  readonly error?: CallError;
}

/** How a handler ended. */
export type CallOutcome = { readonly result: unknown } | { readonly error: CallError };

/** Where recorded calls go. */
export interface CallSink {
  /** A handler is about to run; returns what to tell when it has ended. */
  begin(name: string, input: unknown, jobId: string | undefined): (outcome: CallOutcome) => void;
  /** A handler was called (after its synchronous part, so it has subscribed to its signal). */
  running?(jobId: string | undefined): void;
}

/** `op` as a full definition: the permission defaults to the operation's name. */
export function fakeDefinition(name: string, op: FakeOperation): OperationDefinition {
  const def = typeof op === "function" ? { handler: op } : op;
  return {
    name,
    permission: def.permission ?? name,
    handler: def.handler,
    ...(def.input !== undefined ? { input: def.input } : {}),
    ...(def.output !== undefined ? { output: def.output } : {}),
    ...(def.description !== undefined ? { description: def.description } : {}),
  };
}

/**
 * The code the extension receives for a handler's error: the registry's rule (`passedCode` in the
 * host's `operations/registry.ts`: an `OperationError`'s own code of the right form, any other
 * error's `KILN_…` code, else `KILN_OPERATION_FAILED`), repeated here because the registry keeps
 * it to itself.
 */
export function callError(error: unknown): CallError {
  const message = error instanceof Error ? error.message : String(error);
  return { code: passedCode(error) ?? "KILN_OPERATION_FAILED", message };
}

function passedCode(error: unknown): string | undefined {
  if (error instanceof OperationError) {
    return error.code.length <= 128 && OPERATION_ERROR_CODE_PATTERN.test(error.code) ? error.code : undefined;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^KILN_[A-Z0-9_]+$/.test(code) ? code : undefined;
}

/** `handler`, recording each call into `sink`. */
export function recordedHandler(
  name: string,
  handler: (input: unknown, ctx: OperationContext) => unknown,
  sink: CallSink,
): (input: unknown, ctx: OperationContext) => unknown {
  return (input, ctx) => {
    const end = sink.begin(name, input, ctx.jobId);
    // Told on the next microtask: by then the registry listens to the call's signal too, so a
    // cancel the sink triggers reaches both.
    const started = () => queueMicrotask(() => sink.running?.(ctx.jobId));
    let out: unknown;
    try {
      out = handler(input, ctx);
    } catch (error) {
      end({ error: callError(error) });
      started();
      throw error;
    }
    started();
    if (!isPromiseLike(out)) {
      end({ result: out });
      return out;
    }
    return Promise.resolve(out).then(
      (result) => {
        end({ result });
        return result;
      },
      (error: unknown) => {
        end({ error: callError(error) });
        throw error;
      },
    );
  };
}

/**
 * Replaces the host's built-in operations by the same handlers, recorded, except those named in
 * `skip` (the test fakes them). The built-ins' handlers are private to the host, so they are
 * registered afresh through `registerBuiltins`, handing it a registry that wraps each definition.
 */
export function registerRecordedBuiltins(
  host: ExtensionHost,
  options: BuiltinOptions,
  sink: CallSink,
  skip: ReadonlySet<string>,
): void {
  for (const name of Object.keys(BUILTIN_OPERATIONS)) host.operations.unregister(name);
  const wrapping = {
    register(def: OperationDefinition) {
      if (skip.has(def.name)) return;
      host.operations.register({
        ...def,
        handler: recordedHandler(def.name, def.handler as (input: unknown, ctx: OperationContext) => unknown, sink),
      });
    },
  };
  registerBuiltins(wrapping as unknown as OperationRegistry, options);
}

/** Registers each fake operation on `host`, recorded into `sink`. */
export function registerFakes(
  host: ExtensionHost,
  fakes: Readonly<Record<string, FakeOperation>>,
  sink: CallSink,
): void {
  for (const [name, op] of Object.entries(fakes)) {
    const def = fakeDefinition(name, op);
    host.operations.register({ ...def, handler: recordedHandler(name, def.handler, sink) });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
