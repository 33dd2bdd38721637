/**
 * The stable codes of everything that can go wrong between an extension's `ctx.call(...)` and an
 * operation's reply, and the error classes that carry them. Extensions and applications branch on
 * these codes, never on message text.
 *
 * @module
 */
import { KilnError } from "../errors.js";

/**
 * Every code an operation call or registration can produce. Call failures reach the extension as
 * `{ ok: false, error: { code, message } }`; registration failures are thrown to the application
 * as {@link OperationDefinitionError}.
 */
export const OperationErrorCodes = {
  // --- The call path, in the order `OperationRegistry.call` checks them. ---
  /** No operation of that name is registered (the message suggests close names). */
  unknownOperation: "KILN_UNKNOWN_OPERATION",
  /** The operation needs a permission the extension's manifest does not ask for: a build-time fix. */
  permissionNotDeclared: "KILN_PERMISSION_NOT_DECLARED",
  /** The manifest asks for the permission, but the application did not grant it. */
  permissionDenied: "KILN_PERMISSION_DENIED",
  /** The extension called operations faster than its rate limit allows. */
  rateLimited: "KILN_RATE_LIMITED",
  /** The payload does not match the operation's input schema (the message has the JSON path). */
  inputInvalid: "KILN_OPERATION_INPUT_INVALID",
  /** The calling job was cancelled or the host is closing; the operation's result is discarded. */
  cancelled: "KILN_CANCELLED",
  /** The handler threw an error without a `KILN_` code of its own. */
  failed: "KILN_OPERATION_FAILED",
  /** The handler's result breaks its output schema or is not JSON: a bug in the application. */
  outputInvalid: "KILN_OPERATION_OUTPUT_INVALID",

  // --- Raised by the built-in operations (kept as-is by the call path). ---
  /** A `files.*` path is absolute, has `..`, a NUL byte, a backslash, or crosses a symlink. */
  pathEscape: "KILN_PATH_ESCAPE",
  /** `files.*` named a folder the application did not grant to this extension. */
  folderNotGranted: "KILN_FOLDER_NOT_GRANTED",
  /** The file, directory or key does not exist. */
  notFound: "KILN_NOT_FOUND",
  /** `files.read`/`files.stat` reached something that must be a file and is not. */
  notAFile: "KILN_NOT_A_FILE",
  /** `files.list` reached something that must be a directory and is not. */
  notADirectory: "KILN_NOT_A_DIRECTORY",
  /** The file is larger than the read limit. */
  fileTooLarge: "KILN_FILE_TOO_LARGE",
  /** `files.read` with `encoding: "utf8"` met bytes that are not UTF-8 (read it as base64). */
  fileNotUtf8: "KILN_FILE_NOT_UTF8",
  /** `kv.set` got a value whose JSON text is larger than the limit. */
  valueTooLarge: "KILN_VALUE_TOO_LARGE",
  /** `http.fetch` (or one of its redirects) targets a host not in `allowedHosts`. */
  hostNotAllowed: "KILN_HOST_NOT_ALLOWED",
  /** `http.fetch` followed more redirects than allowed. */
  tooManyRedirects: "KILN_TOO_MANY_REDIRECTS",
  /** The HTTP response body is larger than the limit. */
  responseTooLarge: "KILN_RESPONSE_TOO_LARGE",
  /** An HTTP request took longer than the host allows. */
  timeout: "KILN_TIMEOUT",

  // --- Registration (thrown to the application by `OperationRegistry.register`). ---
  /** An operation of that name is already registered. */
  duplicateOperation: "KILN_OPERATION_DUPLICATE",
  /** The name is not dotted lowercase, or starts with the reserved `$`. */
  invalidOperationName: "KILN_OPERATION_NAME_INVALID",
  /** The input or output schema does not compile (ajv, strict mode, draft-07). */
  invalidOperationSchema: "KILN_OPERATION_SCHEMA_INVALID",
  /** Anything else wrong with a definition: bad permission name, missing handler. */
  invalidOperationDefinition: "KILN_OPERATION_DEFINITION_INVALID",
} as const;

/** One of the values of {@link OperationErrorCodes}. */
export type OperationErrorCode = (typeof OperationErrorCodes)[keyof typeof OperationErrorCodes];

/**
 * Thrown by an operation handler to fail with a specific code. The registry passes any error whose
 * `code` starts with `KILN_` to the extension unchanged, so applications may throw their own codes
 * (`KILN_INVOICE_LOCKED`) too; this class is just the convenient way.
 */
export class OperationError extends KilnError {
  constructor(code: string, message: string, options: { extensionId?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** `OperationRegistry.register` refused a definition; `code` says why. */
export class OperationDefinitionError extends KilnError {
  /** The operation name as given (may be invalid). */
  readonly operation: string;
  constructor(
    code:
      | typeof OperationErrorCodes.duplicateOperation
      | typeof OperationErrorCodes.invalidOperationName
      | typeof OperationErrorCodes.invalidOperationSchema
      | typeof OperationErrorCodes.invalidOperationDefinition,
    operation: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, `cannot register operation ${JSON.stringify(operation)}: ${reason}`, options);
    this.operation = operation;
  }
}
