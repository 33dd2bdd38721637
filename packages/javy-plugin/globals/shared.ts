/**
 * Small helpers several groups of globals need. Each group's bundle gets its own copy (this module
 * holds no state), so groups still meet only through globals.
 *
 * @module
 */

/** Whether `value` can hold properties (and be a WeakMap key). */
export const isObject = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

/**
 * The internal state a class keeps for `self` in `map`, as its methods' brand check: anything the
 * class did not make gets Node's `TypeError`.
 */
export function stateOf<T>(map: WeakMap<object, T>, self: unknown, what: string): T {
  const state = isObject(self) ? map.get(self) : undefined;
  if (state === undefined) throw new TypeError(`Value of "this" must be of type ${what}`);
  return state;
}

/**
 * A `DOMException` named `name`. The class belongs to another group, so it is read from the
 * global at call time (the plugin loads that group then); an `Error` with the same name stands in
 * if someone deleted it.
 */
export function domException(message: string, name: string): Error {
  const DOMExceptionConstructor = (globalThis as { DOMException?: new (m: string, n: string) => Error }).DOMException;
  if (typeof DOMExceptionConstructor === "function") return new DOMExceptionConstructor(message, name);
  const error = new Error(message);
  error.name = name;
  return error;
}
