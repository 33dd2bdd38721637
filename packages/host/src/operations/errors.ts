/**
 * The errors of operations: {@link OperationError}, which an application's handler throws to fail
 * a call with a code of its own, and {@link OperationDefinitionError}, which
 * `OperationRegistry.register` throws for a bad definition. Every code Kiln itself answers a call
 * with is in the error table of `@kiln/contracts` (`ERRORS`, areas `call` and `builtin`).
 *
 * @module
 */
import { KilnError, type KilnErrorCode } from "@kiln/contracts";

/**
 * The codes an {@link OperationError} may carry: upper-case words joined by `_`, two at least, the
 * first naming the application (`ACME_INVOICE_LOCKED`), at most 128 characters.
 */
export const OPERATION_ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;

/**
 * Thrown by an application's operation handler to fail the call with a code of the application's
 * own, which the extension receives unchanged as its `HostCallError`'s `code`:
 *
 * ```ts
 * throw new OperationError("ACME_INVOICE_LOCKED", `invoice ${id} is locked until it is paid`);
 * ```
 *
 * Unlike a {@link KilnError}, whose code is one of Kiln's (`KilnErrorCode`), an `OperationError`'s
 * code is any string of the form {@link OPERATION_ERROR_CODE_PATTERN}; one of another form reaches
 * the extension as `KILN_OPERATION_FAILED`. The registry passes on the code of an
 * `OperationError`, and the code of any other error only when it starts with `KILN_` (so a
 * `KilnError` keeps its code, and an `ENOENT` from `fs` does not leak through); anything else
 * fails the call with `KILN_OPERATION_FAILED`. Either way the message reaches the extension.
 */
export class OperationError extends Error {
  /** The application's code (`ACME_INVOICE_LOCKED`), passed to the extension unchanged. */
  readonly code: string;
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `code` is a code an {@link OperationError} may pass to the extension. */
export function isOperationErrorCode(code: unknown): code is string {
  return typeof code === "string" && code.length <= 128 && OPERATION_ERROR_CODE_PATTERN.test(code);
}

/** The codes {@link OperationDefinitionError} carries: the `register` area of the error table. */
export type OperationDefinitionErrorCode = Extract<
  KilnErrorCode,
  | "KILN_OPERATION_DUPLICATE"
  | "KILN_OPERATION_NAME_INVALID"
  | "KILN_OPERATION_SCHEMA_INVALID"
  | "KILN_OPERATION_DEFINITION_INVALID"
>;

/** `OperationRegistry.register` refused a definition; `code` says why. */
export class OperationDefinitionError extends KilnError {
  declare readonly code: OperationDefinitionErrorCode;
  /** The operation name as given (may be invalid). */
  readonly operation: string;
  constructor(
    code: OperationDefinitionErrorCode,
    operation: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, `cannot register operation ${JSON.stringify(operation)}: ${reason}`, options);
    this.operation = operation;
  }
}
