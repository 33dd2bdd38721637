/**
 * `Event`, `EventTarget`, `AbortController` and `AbortSignal`, behaving as Node 20's do: listeners
 * run in registration order (capture or not, there is no tree), `once`, `passive`, `capture` and
 * `signal` options, listener objects with `handleEvent`, and errors thrown by a listener reported
 * (`reportError` when the sandbox has one, else `console.error`) instead of reaching
 * `dispatchEvent`'s caller. `DOMException` (for abort reasons) and `setTimeout` (for
 * `AbortSignal.timeout`, whose timer is cancelled with the invocation if it is still pending when
 * the invocation ends) are read from `globalThis` when needed.
 *
 * Where Node 20 departs from the DOM standard, the standard wins: `preventDefault` in a passive
 * listener does nothing, `removeEventListener(type, listener, true)` removes the capture listener,
 * a dispatch clears the stop-propagation flags when it ends, dispatching an event that is being
 * dispatched throws an `InvalidStateError` `DOMException`, the phase constants are on
 * `Event.prototype` too, and `AbortSignal.any` gives every signal its reason before any `abort`
 * event fires.
 *
 * Internal state lives in `WeakMap`s keyed by instance rather than in `#private` fields: the build
 * targets ES2020, where esbuild would turn each private field into a `WeakMap` of its own plus
 * helpers, and one map per class is smaller and needs one lookup per call.
 *
 * Without `WeakRef` (not in QuickJS 2021-03-27), a signal made by `AbortSignal.any` stays
 * referenced by its sources until one of them aborts; then it lets go of all of them.
 *
 * @module
 */
import type { Install } from "./internals.js";
import { domException, isObject, stateOf } from "./shared.js";

interface EventState {
  type: string;
  bubbles: boolean;
  cancelable: boolean;
  composed: boolean;
  canceled: boolean;
  timeStamp: number;
  target: object | null;
  currentTarget: object | null;
  phase: number;
  stop: boolean;
  stopImmediate: boolean;
  dispatching: boolean;
  inPassiveListener: boolean;
  trusted: boolean;
}

interface Listener {
  callback: unknown;
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
}

interface SignalState {
  aborted: boolean;
  reason: unknown;
  /** Signals made by `AbortSignal.any` that follow this one. */
  dependents: Set<object>;
  /** For a signal made by `AbortSignal.any`: the signals it follows. */
  sources: object[] | null;
  onabort: unknown;
  onabortListener: ((event: unknown) => void) | null;
}

interface ListenerOptions {
  capture?: unknown;
  once?: unknown;
  passive?: unknown;
  signal?: unknown;
}

const AT_TARGET = 2;
const PHASES = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET, BUBBLING_PHASE: 3 };

/** Installs the group: `Event`, `EventTarget`, `AbortController` and `AbortSignal`, sharing their internals. */
export const install: Install = (kiln) => {
  const events = new WeakMap<object, EventState>();
  const listenerMaps = new WeakMap<object, Map<string, Listener[]>>();
  const signals = new WeakMap<object, SignalState>();
  /** Lets the group create signals while `new AbortSignal()` stays illegal for extensions. */
  const constructing = Symbol("AbortSignal");

  /** As Node reports an error no caller can catch: it must not stop the other listeners. */
  const report = (error: unknown): void => {
    const reportError = (globalThis as { reportError?: (e: unknown) => void }).reportError;
    if (typeof reportError === "function") reportError(error);
    else console.error("Uncaught", error);
  };

  class Event {
    constructor(type: string, options?: { bubbles?: boolean; cancelable?: boolean; composed?: boolean } | null) {
      // biome-ignore lint/complexity/noArguments: `new Event()` differs from `new Event(undefined)`
      if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
      if (options !== undefined && options !== null && !isObject(options)) {
        throw new TypeError('The "options" argument must be of type object');
      }
      events.set(this, {
        type: `${type}`,
        bubbles: !!options?.bubbles,
        cancelable: !!options?.cancelable,
        composed: !!options?.composed,
        canceled: false,
        timeStamp: kiln.now(),
        target: null,
        currentTarget: null,
        phase: 0,
        stop: false,
        stopImmediate: false,
        dispatching: false,
        inPassiveListener: false,
        trusted: false,
      });
    }
    get type(): string {
      return stateOf(events, this, "Event").type;
    }
    get bubbles(): boolean {
      return stateOf(events, this, "Event").bubbles;
    }
    get cancelable(): boolean {
      return stateOf(events, this, "Event").cancelable;
    }
    get composed(): boolean {
      return stateOf(events, this, "Event").composed;
    }
    get defaultPrevented(): boolean {
      return stateOf(events, this, "Event").canceled;
    }
    get returnValue(): boolean {
      return !stateOf(events, this, "Event").canceled;
    }
    set returnValue(value: boolean) {
      if (!value) this.preventDefault();
    }
    get timeStamp(): number {
      return stateOf(events, this, "Event").timeStamp;
    }
    get target(): object | null {
      return stateOf(events, this, "Event").target;
    }
    get srcElement(): object | null {
      return stateOf(events, this, "Event").target;
    }
    get currentTarget(): object | null {
      return stateOf(events, this, "Event").currentTarget;
    }
    get eventPhase(): number {
      return stateOf(events, this, "Event").phase;
    }
    get isTrusted(): boolean {
      return stateOf(events, this, "Event").trusted;
    }
    get cancelBubble(): boolean {
      return stateOf(events, this, "Event").stop;
    }
    set cancelBubble(value: boolean) {
      if (value) stateOf(events, this, "Event").stop = true;
    }
    composedPath(): object[] {
      const state = stateOf(events, this, "Event");
      return state.dispatching && state.currentTarget !== null ? [state.currentTarget] : [];
    }
    preventDefault(): void {
      const state = stateOf(events, this, "Event");
      if (state.cancelable && !state.inPassiveListener) state.canceled = true;
    }
    stopPropagation(): void {
      stateOf(events, this, "Event").stop = true;
    }
    stopImmediatePropagation(): void {
      const state = stateOf(events, this, "Event");
      state.stop = true;
      state.stopImmediate = true;
    }
    /** The legacy initialiser, kept because old code still calls it. */
    initEvent(type: string, bubbles = false, cancelable = false): void {
      const state = stateOf(events, this, "Event");
      if (state.dispatching) return;
      state.type = `${type}`;
      state.bubbles = !!bubbles;
      state.cancelable = !!cancelable;
    }
  }

  const listenerOptions = (options: unknown): ListenerOptions => {
    if (typeof options === "boolean") return { capture: options };
    if (options === undefined || options === null) return {};
    if (!isObject(options)) throw new TypeError('The "options" argument must be of type object');
    return options;
  };

  /** False for a null listener (ignored, as Node does); throws for a primitive. */
  const validListener = (listener: unknown): boolean => {
    if (listener === undefined || listener === null) return false;
    if (!isObject(listener)) throw new TypeError('The "listener" argument must be an instance of EventListener');
    return true;
  };

  const call = (listener: Listener, target: object, event: Event): void => {
    try {
      const { callback } = listener;
      let result: unknown;
      if (typeof callback === "function") {
        result = callback.call(target, event);
      } else {
        // Looked up on every dispatch, as the DOM does, so an object can swap its handler.
        const handleEvent = (callback as { handleEvent?: unknown }).handleEvent;
        if (typeof handleEvent !== "function") throw new TypeError("The listener's handleEvent is not a function");
        result = handleEvent.call(callback, event);
      }
      // A rejected async listener is as unhandled as a synchronous throw.
      if (isObject(result) && typeof (result as { then?: unknown }).then === "function") {
        (result as PromiseLike<unknown>).then(undefined, report);
      }
    } catch (error) {
      report(error);
    }
  };

  /** Not through `removeEventListener`, which a subclass may have overridden. */
  const remove = (map: Map<string, Listener[]>, type: string, callback: unknown, capture: boolean): void => {
    const list = map.get(type);
    const index = list ? list.findIndex((l) => l.callback === callback && l.capture === capture) : -1;
    if (list === undefined || index < 0) return;
    // Flagged as well as removed: a dispatch already under way holds a copy of the list.
    (list[index] as Listener).removed = true;
    list.splice(index, 1);
    if (list.length === 0) map.delete(type);
  };

  class EventTarget {
    constructor() {
      listenerMaps.set(this, new Map());
    }
    addEventListener(type: string, listener: unknown, options?: unknown): void {
      const map = stateOf(listenerMaps, this, "EventTarget");
      // biome-ignore lint/complexity/noArguments: a missing listener differs from an undefined one
      if (arguments.length < 2) throw new TypeError('The "type" and "listener" arguments must be specified');
      const { capture, once, passive, signal } = listenerOptions(options);
      if (signal !== undefined) signalState(signal, 'The "options.signal" property');
      if (!validListener(listener)) return;
      const name = `${type}`;
      const entry: Listener = {
        callback: listener,
        capture: !!capture,
        once: !!once,
        passive: !!passive,
        removed: false,
      };
      const list = map.get(name) ?? [];
      if (list.some((l) => l.callback === listener && l.capture === entry.capture)) return;
      if (signal !== undefined) {
        if ((signal as AbortSignal).aborted) return;
        (signal as AbortSignal).addEventListener("abort", () => remove(map, name, listener, entry.capture), {
          once: true,
        });
      }
      list.push(entry);
      map.set(name, list);
    }
    removeEventListener(type: string, listener: unknown, options?: unknown): void {
      const map = stateOf(listenerMaps, this, "EventTarget");
      if (!validListener(listener)) return;
      const capture =
        typeof options === "boolean" ? options : isObject(options) && !!(options as ListenerOptions).capture;
      remove(map, `${type}`, listener, capture);
    }
    dispatchEvent(event: Event): boolean {
      const map = stateOf(listenerMaps, this, "EventTarget");
      const state = isObject(event) ? events.get(event) : undefined;
      if (state === undefined) throw new TypeError('The "event" argument must be an instance of Event');
      if (state.dispatching) {
        throw domException(`The event "${state.type}" is already being dispatched`, "InvalidStateError");
      }
      state.dispatching = true;
      state.target = this;
      state.currentTarget = this;
      state.phase = AT_TARGET;
      const list = map.get(state.type);
      try {
        for (const listener of list ? list.slice() : []) {
          if (state.stopImmediate) break;
          if (listener.removed) continue;
          if (listener.once) remove(map, state.type, listener.callback, listener.capture);
          state.inPassiveListener = listener.passive;
          call(listener, this, event);
          state.inPassiveListener = false;
        }
      } finally {
        state.dispatching = false;
        state.currentTarget = null;
        state.phase = 0;
        state.stop = false;
        state.stopImmediate = false;
      }
      return !state.canceled;
    }
  }

  const signalState = (value: unknown, what: string): SignalState => {
    const state = isObject(value) ? signals.get(value) : undefined;
    if (state === undefined) throw new TypeError(`${what} must be an instance of AbortSignal`);
    return state;
  };

  const newSignal = (): AbortSignal => new (AbortSignal as unknown as new (key: symbol) => AbortSignal)(constructing);

  /** Aborts `signal` and the signals following it: every reason is set before any event fires. */
  const abortSignal = (signal: AbortSignal, reason: unknown): void => {
    const state = signals.get(signal) as SignalState;
    if (state.aborted) return;
    const toFire = [signal];
    state.aborted = true;
    state.reason = reason;
    for (const dependent of state.dependents) {
      const dependentState = signals.get(dependent) as SignalState;
      if (dependentState.aborted) continue;
      dependentState.aborted = true;
      dependentState.reason = reason;
      toFire.push(dependent as AbortSignal);
    }
    state.dependents.clear();
    for (const fired of toFire) {
      const { sources } = signals.get(fired) as SignalState;
      // Nothing more can happen to an aborted signal: let its sources forget it.
      for (const source of sources ?? []) (signals.get(source) as SignalState).dependents.delete(fired);
      const event = new Event("abort");
      (events.get(event) as EventState).trusted = true;
      fired.dispatchEvent(event);
    }
  };

  class AbortSignal extends EventTarget {
    constructor(key?: symbol) {
      if (key !== constructing) throw new TypeError("Illegal constructor");
      super();
      signals.set(this, {
        aborted: false,
        reason: undefined,
        dependents: new Set(),
        sources: null,
        onabort: null,
        onabortListener: null,
      });
    }
    get aborted(): boolean {
      return stateOf(signals, this, "AbortSignal").aborted;
    }
    get reason(): unknown {
      return stateOf(signals, this, "AbortSignal").reason;
    }
    throwIfAborted(): void {
      const state = stateOf(signals, this, "AbortSignal");
      if (state.aborted) throw state.reason;
    }
    get onabort(): unknown {
      return stateOf(signals, this, "AbortSignal").onabort;
    }
    /** One listener, added when a handler is first set, so the handler keeps its place in the order. */
    set onabort(handler: unknown) {
      const state = stateOf(signals, this, "AbortSignal");
      state.onabort = typeof handler === "function" ? handler : null;
      if (state.onabort === null && state.onabortListener !== null) {
        this.removeEventListener("abort", state.onabortListener);
        state.onabortListener = null;
      } else if (state.onabort !== null && state.onabortListener === null) {
        state.onabortListener = function (this: AbortSignal, event: unknown) {
          return (state.onabort as (event: unknown) => unknown).call(this, event);
        };
        this.addEventListener("abort", state.onabortListener);
      }
    }
    /** An already aborted signal; the default reason is an `AbortError` `DOMException`. */
    static abort(reason?: unknown): AbortSignal {
      const signal = newSignal();
      abortSignal(signal, reason !== undefined ? reason : domException("This operation was aborted", "AbortError"));
      return signal;
    }
    /** A signal that aborts with a `TimeoutError` `DOMException` after `delay` ms. */
    static timeout(delay: number): AbortSignal {
      if (typeof delay !== "number") throw new TypeError('The "delay" argument must be of type number');
      if (!Number.isInteger(delay)) {
        throw new RangeError(`The value of "delay" is out of range. It must be an integer. Received ${delay}`);
      }
      if (delay < 0 || delay > 0xffffffff) {
        throw new RangeError(
          `The value of "delay" is out of range. It must be >= 0 && <= 4294967295. Received ${delay}`,
        );
      }
      const signal = newSignal();
      // setTimeout, like Node's, would fire a delay past 2^31-1 ms at once; so long is never.
      globalThis.setTimeout(
        () => abortSignal(signal, domException("The operation was aborted due to timeout", "TimeoutError")),
        Math.min(delay, 0x7fffffff),
      );
      return signal;
    }
    /** A signal that aborts, with the same reason, as soon as one of `signals` does. */
    static any(sources: AbortSignal[]): AbortSignal {
      if (!Array.isArray(sources)) throw new TypeError('The "signals" argument must be an instance of Array');
      const states = sources.map((source, i) => signalState(source, `The "signals[${i}]" argument`));
      for (const state of states) if (state.aborted) return AbortSignal.abort(state.reason);
      const signal = newSignal();
      // Follow the sources of a signal made by `any` itself: they are the ones that abort.
      const followed = new Set<object>();
      sources.forEach((source, i) => {
        for (const s of (states[i] as SignalState).sources ?? [source]) followed.add(s);
      });
      (signals.get(signal) as SignalState).sources = [...followed];
      for (const source of followed) (signals.get(source) as SignalState).dependents.add(signal);
      return signal;
    }
  }

  const controllers = new WeakMap<object, AbortSignal>();

  class AbortController {
    constructor() {
      controllers.set(this, newSignal());
    }
    get signal(): AbortSignal {
      return stateOf(controllers, this, "AbortController");
    }
    abort(reason?: unknown): void {
      const signal = stateOf(controllers, this, "AbortController");
      abortSignal(signal, reason !== undefined ? reason : domException("This operation was aborted", "AbortError"));
    }
  }

  Object.defineProperties(Event, constants());
  Object.defineProperties(Event.prototype, constants());
  for (const [cls, tag] of [
    [Event, "Event"],
    [EventTarget, "EventTarget"],
    [AbortSignal, "AbortSignal"],
    [AbortController, "AbortController"],
  ] as const) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  }

  return { Event, EventTarget, AbortController, AbortSignal };
};

/** The phase constants, as the DOM defines them on `Event` and its prototype. */
function constants(): PropertyDescriptorMap {
  const map: PropertyDescriptorMap = {};
  for (const [name, value] of Object.entries(PHASES)) map[name] = { value, enumerable: true };
  return map;
}
