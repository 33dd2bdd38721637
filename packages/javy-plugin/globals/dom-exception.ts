/**
 * `DOMException`: WebIDL's exception class, shaped as Node 20 shapes it. `name`, `message` and
 * `code` are enumerable getters on the prototype reading state kept out of reach (a WeakMap), the
 * prototype inherits from `Error.prototype` (so `instanceof Error` holds) while the class itself
 * does not extend `Error`, and each instance owns one property, a non-enumerable `stack` in
 * QuickJS's format. The legacy code constants sit on the class and on its prototype.
 *
 * One difference from Node 20: `new DOMException(message, { cause })` without a `name` member is
 * named `"Error"` (the options dictionary's default), where Node 20 names it `"undefined"`.
 *
 * @module
 */
import type { Install } from "./internals.js";

/** The legacy names with a code, in code order (code = index + 1), each with its constant. */
const LEGACY = [
  "IndexSizeError INDEX_SIZE_ERR",
  "DOMStringSizeError DOMSTRING_SIZE_ERR",
  "HierarchyRequestError HIERARCHY_REQUEST_ERR",
  "WrongDocumentError WRONG_DOCUMENT_ERR",
  "InvalidCharacterError INVALID_CHARACTER_ERR",
  "NoDataAllowedError NO_DATA_ALLOWED_ERR",
  "NoModificationAllowedError NO_MODIFICATION_ALLOWED_ERR",
  "NotFoundError NOT_FOUND_ERR",
  "NotSupportedError NOT_SUPPORTED_ERR",
  "InUseAttributeError INUSE_ATTRIBUTE_ERR",
  "InvalidStateError INVALID_STATE_ERR",
  "SyntaxError SYNTAX_ERR",
  "InvalidModificationError INVALID_MODIFICATION_ERR",
  "NamespaceError NAMESPACE_ERR",
  "InvalidAccessError INVALID_ACCESS_ERR",
  "ValidationError VALIDATION_ERR",
  "TypeMismatchError TYPE_MISMATCH_ERR",
  "SecurityError SECURITY_ERR",
  "NetworkError NETWORK_ERR",
  "AbortError ABORT_ERR",
  "URLMismatchError URL_MISMATCH_ERR",
  "QuotaExceededError QUOTA_EXCEEDED_ERR",
  "TimeoutError TIMEOUT_ERR",
  "InvalidNodeTypeError INVALID_NODE_TYPE_ERR",
  "DataCloneError DATA_CLONE_ERR",
];

/** Names WebIDL dropped from its table: their constants stay, but their `code` is 0. */
const DISUSED = ["DOMStringSizeError", "NoDataAllowedError", "ValidationError"];

/** A frame in the code of a group of globals (bridge.c names their files `kiln:globals/<group>`). */
const INTERNAL = /\(kiln:globals\//;

interface State {
  message: string;
  name: string;
}

/** Installs the `dom-exception` group: the `DOMException` class. */
export const install: Install = () => {
  const states = new WeakMap<object, State>();
  const codes = new Map<string, number>();

  const stateOf = (self: unknown): State => {
    const state = typeof self === "object" && self !== null ? states.get(self) : undefined;
    if (state === undefined) {
      // Node's wording and code, so that code written against Node recognises the failure.
      const error = new TypeError('Value of "this" must be of DOMException');
      (error as TypeError & { code: string }).code = "ERR_INVALID_THIS";
      throw error;
    }
    return state;
  };

  class DOMException {
    constructor(message: unknown = "", options: unknown = "Error") {
      // QuickJS has no Error.captureStackTrace: take a fresh error's frames, minus this
      // constructor's own (the first) and, when another group threw, that group's inner frames
      // (minified names) up to the one called from outside, such as `structuredClone`.
      const frames = String(new Error().stack).split("\n").slice(1);
      while (frames.length > 1 && INTERNAL.test(frames[0] as string) && INTERNAL.test(frames[1] as string)) {
        frames.shift();
      }
      Object.defineProperty(this, "stack", { value: frames.join("\n"), writable: true, configurable: true });
      // Node's order of reads and conversions: the options' name, the message, the name, the cause.
      const dictionary = typeof options === "object" && options !== null;
      let name = options;
      if (dictionary) {
        name = (options as { name?: unknown }).name;
        if (name === undefined) name = "Error";
      }
      states.set(this, { message: `${message}`, name: `${name}` });
      if (dictionary && "cause" in options) {
        Object.defineProperty(this, "cause", {
          value: (options as { cause?: unknown }).cause,
          writable: true,
          configurable: true,
        });
      }
    }
    get name(): string {
      return stateOf(this).name;
    }
    get message(): string {
      return stateOf(this).message;
    }
    get code(): number {
      const { name } = stateOf(this);
      return DISUSED.includes(name) ? 0 : (codes.get(name) ?? 0);
    }
  }

  // The bundle is minified, which renames the class: its name is part of the API.
  Object.defineProperty(DOMException, "name", { value: "DOMException" });
  const proto = DOMException.prototype;
  Object.setPrototypeOf(proto, Error.prototype);
  for (const key of ["name", "message", "code"]) Object.defineProperty(proto, key, { enumerable: true });
  Object.defineProperty(proto, Symbol.toStringTag, { value: "DOMException", configurable: true });
  LEGACY.forEach((entry, index) => {
    const [name = "", constant = ""] = entry.split(" ");
    const descriptor = { value: index + 1, enumerable: true };
    Object.defineProperty(DOMException, constant, descriptor);
    Object.defineProperty(proto, constant, descriptor);
    codes.set(name, index + 1);
  });
  return { DOMException };
};
