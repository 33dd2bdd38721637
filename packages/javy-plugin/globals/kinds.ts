/**
 * Telling built-in objects apart as V8 does, by their internal slots rather than by what they
 * claim: shared by `structuredClone` (clone.ts) and `inspect`, each of which gets its own copy in
 * its bundle (this module holds no state of its own).
 *
 * @module
 */

/** The getter of an accessor property, e.g. `Map.prototype.size`'s. */
export const getter = (object: object, key: PropertyKey): ((this: unknown) => unknown) =>
  Object.getOwnPropertyDescriptor(object, key)?.get as (this: unknown) => unknown;

/**
 * A check that throws (or returns `false`) for a value of another kind: a built-in getter or
 * method called on it, which only an object with the right internal slots survives.
 */
export type BrandCheck = (value: unknown) => unknown;

/** Built-in prototypes by kind, each with the brand check that confirms an object is one. */
export class KindTable {
  readonly #kinds = new Map<unknown, [kind: number, check: BrandCheck | undefined]>();

  /**
   * Objects whose prototype chain reaches `proto` are of `kind` if they pass `check`; without a
   * check (promises, iterators: no side-effect-free check exists) the chain alone decides.
   */
  add(proto: unknown, kind: number, check?: BrandCheck): void {
    this.#kinds.set(proto, [kind, check]);
  }

  /**
   * The kind of `value`, or undefined. The nearest built-in prototype on its chain decides, if its
   * brand check passes. Only a chain that never reaches `Object.prototype` (a null prototype) can
   * hide a kind, so only then is every brand check tried.
   */
  kindOf(value: object): number | undefined {
    let scan = true;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (proto === Object.prototype) scan = false;
      const found = this.#kinds.get(proto);
      if (found !== undefined) return passes(found[1], value) ? found[0] : undefined;
    }
    if (scan) for (const [kind, check] of this.#kinds.values()) if (check && passes(check, value)) return kind;
    return undefined;
  }
}

function passes(check: BrandCheck | undefined, value: unknown): boolean {
  try {
    return check === undefined || check(value) !== false;
  } catch {
    return false;
  }
}
