/**
 * The globals of Kiln's sandbox beyond the ECMAScript library: what an extension finds on
 * `globalThis` inside QuickJS 2021-03-27, declared member by member as the plugin implements them
 * (`@kiln/javy-plugin`: `c/prelude.js` and `globals/`), in the WHATWG and DOM shapes, with nothing
 * the sandbox lacks. Self-contained: it needs no `lib.dom` and must not be combined with it or with
 * `@types/node`, which declare many of the same names differently.
 *
 * Use it through the preset (`"extends": "@kiln/sdk/tsconfig.json"`), which pairs it with the ES
 * library QuickJS implements; `packages/sdk/test/sandbox-globals.test.ts` compares every name and
 * member here with the real sandbox. The plugin's internal doors (`Javy`, `__kiln`) are not
 * declared: extensions reach the host through `@kiln/sdk`.
 *
 * Constructors are declared as an interface plus a `var` (as `lib.dom` does), not as classes, so
 * that they are properties of `globalThis` for the type checker too.
 */

// ---- console ---------------------------------------------------------------------------------

/**
 * The sandbox's console. `log` and `info` write to the extension's stdout, the others to its
 * stderr; the host turns both into log entries. Arguments are formatted as Node formats them.
 */
interface Console {
  /** Writes a line to stdout. */
  log(...data: unknown[]): void;
  /** Writes a line to stdout. */
  info(...data: unknown[]): void;
  /** Writes a line to stderr. */
  warn(...data: unknown[]): void;
  /** Writes a line to stderr. */
  error(...data: unknown[]): void;
  /** Writes a line to stderr. */
  debug(...data: unknown[]): void;
  /** Writes a line to stderr (no stack trace is added). */
  trace(...data: unknown[]): void;
}

/** Six methods of the console: no `table`, `group`, `time`, `count` or `assert`. */
declare var console: Console;

// ---- QuickJS's own, and what the web globals add to ES -------------------------------------------

interface Error {
  /**
   * Why the error happened, where the sandbox's own code sets it: `fetch` rejects with
   * `TypeError("fetch failed")` whose `cause` is the host's error (`name` `"HostCallError"`, a
   * `code` such as `KILN_HOST_NOT_ALLOWED`), and `new DOMException(message, { cause })` keeps it.
   * QuickJS 2021-03-27 itself ignores `new Error(message, { cause })`.
   */
  cause?: unknown;
}

/** An error QuickJS raises from inside the engine: `stack overflow`, `out of memory`, `interrupted`. */
interface InternalError extends Error {}

/**
 * QuickJS's `InternalError`, not part of ECMAScript. Deep recursion raises it where V8 would
 * raise a `RangeError`, and so does running out of the instance's memory cap. A stop by the host
 * (cancel, deadline, instruction budget) is an `InternalError: interrupted` that no `catch` keeps.
 */
declare var InternalError: {
  readonly prototype: InternalError;
  new (message?: string): InternalError;
  (message?: string): InternalError;
};

// ---- encoding ----------------------------------------------------------------------------------

/** Bytes given as an `ArrayBuffer` or a view (`Uint8Array`, `DataView`, …) of one. */
type BufferSource = ArrayBufferView<ArrayBuffer> | ArrayBuffer;

/** Bytes given as a buffer, shared or not, or a view of one. */
type AllowSharedBufferSource = ArrayBufferLike | ArrayBufferView<ArrayBufferLike>;

/** Encodes strings as UTF-8 (the only encoding there is); lone surrogates become U+FFFD. */
interface TextEncoder {
  /** Always `"utf-8"`. */
  readonly encoding: "utf-8";
  /** The UTF-8 bytes of `input`. */
  encode(input?: string): Uint8Array<ArrayBuffer>;
}

/** The UTF-8 encoder. There is no `encodeInto`. */
declare var TextEncoder: {
  readonly prototype: TextEncoder;
  new (): TextEncoder;
};

/** What a {@link TextDecoder} can be asked: `fatal` is not supported (decoding always replaces). */
interface TextDecoderOptions {
  /** Keep a leading byte order mark instead of stripping it. */
  ignoreBOM?: boolean;
}

/** Decodes UTF-8 (the only encoding there is); invalid bytes become U+FFFD. */
interface TextDecoder {
  /** Always `"utf-8"`. */
  readonly encoding: "utf-8";
  /** Always false: invalid input is replaced, never rejected. */
  readonly fatal: false;
  /** Whether a leading byte order mark is kept. */
  readonly ignoreBOM: boolean;
  /** The text of `input`, all of it: there is no streaming mode. */
  decode(input?: AllowSharedBufferSource): string;
}

/**
 * The UTF-8 decoder. `label` must name UTF-8 (`"utf-8"`, `"utf8"`, `"unicode-1-1-utf-8"`, any
 * case); another encoding is a `RangeError`.
 */
declare var TextDecoder: {
  readonly prototype: TextDecoder;
  new (label?: string, options?: TextDecoderOptions): TextDecoder;
};

/** Decodes base64 (the forgiving WHATWG way) to a string of byte values; bad input throws a `DOMException`. */
declare function atob(data: string): string;

/** Encodes a string of byte values (U+0000 to U+00FF) as base64; other characters throw a `DOMException`. */
declare function btoa(data: string): string;

// ---- DOMException ------------------------------------------------------------------------------

/** The legacy code constants, on `DOMException` itself and on every instance. */
interface DOMExceptionCodes {
  /** Legacy code 1. */
  readonly INDEX_SIZE_ERR: 1;
  /** Legacy code 2. */
  readonly DOMSTRING_SIZE_ERR: 2;
  /** Legacy code 3. */
  readonly HIERARCHY_REQUEST_ERR: 3;
  /** Legacy code 4. */
  readonly WRONG_DOCUMENT_ERR: 4;
  /** Legacy code 5. */
  readonly INVALID_CHARACTER_ERR: 5;
  /** Legacy code 6. */
  readonly NO_DATA_ALLOWED_ERR: 6;
  /** Legacy code 7. */
  readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  /** Legacy code 8. */
  readonly NOT_FOUND_ERR: 8;
  /** Legacy code 9. */
  readonly NOT_SUPPORTED_ERR: 9;
  /** Legacy code 10. */
  readonly INUSE_ATTRIBUTE_ERR: 10;
  /** Legacy code 11. */
  readonly INVALID_STATE_ERR: 11;
  /** Legacy code 12. */
  readonly SYNTAX_ERR: 12;
  /** Legacy code 13. */
  readonly INVALID_MODIFICATION_ERR: 13;
  /** Legacy code 14. */
  readonly NAMESPACE_ERR: 14;
  /** Legacy code 15. */
  readonly INVALID_ACCESS_ERR: 15;
  /** Legacy code 16. */
  readonly VALIDATION_ERR: 16;
  /** Legacy code 17. */
  readonly TYPE_MISMATCH_ERR: 17;
  /** Legacy code 18. */
  readonly SECURITY_ERR: 18;
  /** Legacy code 19. */
  readonly NETWORK_ERR: 19;
  /** Legacy code 20. */
  readonly ABORT_ERR: 20;
  /** Legacy code 21. */
  readonly URL_MISMATCH_ERR: 21;
  /** Legacy code 22. */
  readonly QUOTA_EXCEEDED_ERR: 22;
  /** Legacy code 23. */
  readonly TIMEOUT_ERR: 23;
  /** Legacy code 24. */
  readonly INVALID_NODE_TYPE_ERR: 24;
  /** Legacy code 25. */
  readonly DATA_CLONE_ERR: 25;
}

/** The error the web APIs throw: a `name` (`AbortError`, `TimeoutError`, `DataCloneError`, …) and a legacy `code`. */
interface DOMException extends Error, DOMExceptionCodes {
  /** The legacy numeric code of `name`, or 0 for the names that have none. */
  readonly code: number;
  /** The message given to the constructor. */
  readonly message: string;
  /** The kind of error, e.g. `"AbortError"`. */
  readonly name: string;
}

/** The second argument of `new DOMException` in its dictionary form. */
interface DOMExceptionOptions {
  /** The exception's name; default `"Error"`. */
  name?: string;
  /** Becomes the exception's own `cause`. */
  cause?: unknown;
}

/**
 * `new DOMException(message, name)` or `new DOMException(message, { name, cause })`; the name
 * defaults to `"Error"`. Instances are `instanceof Error`.
 */
declare var DOMException: DOMExceptionCodes & {
  readonly prototype: DOMException;
  new (message?: string, options?: string | DOMExceptionOptions): DOMException;
};

// ---- URL ---------------------------------------------------------------------------------------

/** A parsed absolute URL (WHATWG URL Standard); setting a part re-serialises the whole. */
interface URL {
  /** The whole URL; setting it parses anew (an invalid URL throws a `TypeError`). */
  href: string;
  /** `scheme://host[:port]`, or `"null"` for schemes without an origin. */
  readonly origin: string;
  /** The scheme with its colon, e.g. `"https:"`. */
  protocol: string;
  /** The user name, percent-encoded. */
  username: string;
  /** The password, percent-encoded. */
  password: string;
  /** Host name and port, e.g. `"example.com:8080"`. */
  host: string;
  /** The host name (domains in ASCII, IPv6 in brackets). */
  hostname: string;
  /** The port, or `""` for the scheme's default. */
  port: string;
  /** The path, e.g. `"/a/b"`. */
  pathname: string;
  /** The query with its `?`, or `""`. */
  search: string;
  /** The query as parameters, live: changing them changes `search`. */
  readonly searchParams: URLSearchParams;
  /** The fragment with its `#`, or `""`. */
  hash: string;
  /** The same as `href`. */
  toString(): string;
  /** The same as `href`, for `JSON.stringify`. */
  toJSON(): string;
}

/** `new URL(url, base?)`: throws a `TypeError` for an invalid URL; `URL.parse` returns null instead. */
declare var URL: {
  readonly prototype: URL;
  new (url: string | URL, base?: string | URL): URL;
  /** Whether `new URL(url, base)` would succeed. */
  canParse(url: string | URL, base?: string | URL): boolean;
  /** `new URL(url, base)`, or null where that would throw. */
  parse(url: string | URL, base?: string | URL): URL | null;
};

/** What a {@link URLSearchParams} can be made from: a query string, name/value pairs or a record. */
type URLSearchParamsInit = string | Iterable<readonly [string, string]> | Record<string, string>;

/** The parameters of a query string (`application/x-www-form-urlencoded`), in order, repeats allowed. */
interface URLSearchParams {
  /** How many name/value pairs there are. */
  readonly size: number;
  /** Adds a pair at the end. */
  append(name: string, value: string): void;
  /** Removes every pair named `name` (with `value`, only those with that value). */
  delete(name: string, value?: string): void;
  /** The first value of `name`, or null. */
  get(name: string): string | null;
  /** Every value of `name`, in order. */
  getAll(name: string): string[];
  /** Whether a pair named `name` (with `value`, with that value) exists. */
  has(name: string, value?: string): boolean;
  /** Replaces every pair named `name` with one pair, where the first was. */
  set(name: string, value: string): void;
  /** Sorts the pairs by name (stable, by UTF-16 code units). */
  sort(): void;
  /** The query string, without `?`. */
  toString(): string;
  /** Calls `callback` with each pair in order. */
  forEach(callback: (value: string, name: string, parent: URLSearchParams) => void, thisArg?: unknown): void;
  /** The pairs. */
  entries(): IterableIterator<[string, string]>;
  /** The names, repeats included. */
  keys(): IterableIterator<string>;
  /** The values. */
  values(): IterableIterator<string>;
  /** The pairs. */
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** `new URLSearchParams(init?)`: a leading `?` of a string is ignored. */
declare var URLSearchParams: {
  readonly prototype: URLSearchParams;
  new (init?: URLSearchParamsInit | URLSearchParams): URLSearchParams;
};

// ---- structuredClone ---------------------------------------------------------------------------

/**
 * A deep copy of `value` by the structured clone algorithm, as Node's: primitives, wrappers,
 * `Date`, `RegExp`, `Map`, `Set`, `ArrayBuffer`s and views, errors, arrays and other objects as
 * plain data (class instances come back as plain objects), shared references and cycles kept.
 * Functions, symbols, `WeakMap`, `WeakSet`, promises, iterators and `SharedArrayBuffer` throw a
 * `DataCloneError` `DOMException`.
 */
declare function structuredClone<T = unknown>(value: T, options?: StructuredSerializeOptions): T;

/** The options of {@link structuredClone}. */
interface StructuredSerializeOptions {
  /**
   * Must hold no `ArrayBuffer`: the sandbox cannot detach one, so a transfer is refused with a
   * `DataCloneError`, and there is nothing else to transfer.
   */
  transfer?: readonly never[];
}

// ---- crypto ------------------------------------------------------------------------------------

/** The integer typed arrays `crypto.getRandomValues` fills (not `Float32Array` or `Float64Array`). */
type RandomValuesArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** The digests `crypto.subtle.digest` computes. */
type DigestAlgorithm = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** Of the Web Crypto API's `SubtleCrypto`, only `digest`: no keys, signatures or ciphers. */
interface SubtleCrypto {
  /** The digest of `data`. */
  digest(algorithm: DigestAlgorithm | { name: DigestAlgorithm }, data: BufferSource): Promise<ArrayBuffer>;
}

/** Randomness from the host (WASI `random_get`), cryptographically strong, and digests. */
interface Crypto {
  /** Digests only. */
  readonly subtle: SubtleCrypto;
  /** Fills `array` with random values and returns it; at most 65,536 bytes at a time. */
  getRandomValues<T extends RandomValuesArray>(array: T): T;
  /** A random (version 4) UUID, lower case. */
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}

/** `getRandomValues`, `randomUUID` and `subtle.digest`: nothing else of the Web Crypto API. */
declare var crypto: Crypto;

// ---- performance -------------------------------------------------------------------------------

/** A monotonic clock: `now()` and `timeOrigin`, and nothing else of the Performance API. */
interface Performance {
  /** When the instance started, in milliseconds since the epoch. */
  readonly timeOrigin: number;
  /** Milliseconds since `timeOrigin`, monotonic, with sub-millisecond precision. */
  now(): number;
  /** `{ timeOrigin }`, for `JSON.stringify`. */
  toJSON(): { timeOrigin: number };
}

/** The sandbox's clock. */
declare var performance: Performance;

// ---- timers ------------------------------------------------------------------------------------

/**
 * Calls `handler(...args)` once, after `timeout` milliseconds (at least 1; longer than 2^31 - 1 is
 * 1, as in Node). Returns the timer's id. Only a function may be passed, never a string. A timer
 * lives within one invocation: one still pending when its job, hook or call ends is cancelled.
 */
declare function setTimeout<A extends unknown[]>(handler: (...args: A) => void, timeout?: number, ...args: A): number;

/** Cancels a timer set by {@link setTimeout}; an unknown id is ignored. */
declare function clearTimeout(id?: number): void;

/**
 * Calls `handler(...args)` every `timeout` milliseconds (at least 1) until cleared, within one
 * invocation, like {@link setTimeout}. Returns the timer's id.
 */
declare function setInterval<A extends unknown[]>(handler: (...args: A) => void, timeout?: number, ...args: A): number;

/** Cancels a timer set by {@link setInterval}; an unknown id is ignored. */
declare function clearInterval(id?: number): void;

/** Runs `callback` as a microtask; an error it throws fails the invocation, as an unhandled rejection. */
declare function queueMicrotask(callback: () => void): void;

// ---- events ------------------------------------------------------------------------------------

/** What an {@link Event} can be created with. */
interface EventInit {
  /** Recorded; with no tree of targets, events never bubble. */
  bubbles?: boolean;
  /** Whether `preventDefault()` has an effect. */
  cancelable?: boolean;
  /** Recorded only. */
  composed?: boolean;
}

/** An event, dispatched to one {@link EventTarget} (there is no tree, so no capture or bubbling phase). */
interface Event {
  /** The event's type, e.g. `"abort"`. */
  readonly type: string;
  /** As given to the constructor. */
  readonly bubbles: boolean;
  /** As given to the constructor. */
  readonly cancelable: boolean;
  /** As given to the constructor. */
  readonly composed: boolean;
  /** Whether a listener called `preventDefault()` on a cancelable event. */
  readonly defaultPrevented: boolean;
  /**
   * The opposite of `defaultPrevented`; setting it false prevents the default.
   * @deprecated Use `defaultPrevented` and `preventDefault()`.
   */
  returnValue: boolean;
  /** When the event was created, in `performance.now()` milliseconds. */
  readonly timeStamp: number;
  /** The target it is dispatched to, or null before. */
  readonly target: EventTarget | null;
  /**
   * The same as `target`.
   * @deprecated Use `target`.
   */
  readonly srcElement: EventTarget | null;
  /** The target whose listeners are running, or null outside a dispatch. */
  readonly currentTarget: EventTarget | null;
  /** `AT_TARGET` (2) during a dispatch, else `NONE` (0). */
  readonly eventPhase: number;
  /** True for events the sandbox itself dispatches (an `AbortSignal`'s `abort`). */
  readonly isTrusted: boolean;
  /**
   * Setting it true stops propagation.
   * @deprecated Use `stopPropagation()`.
   */
  cancelBubble: boolean;
  /** `[currentTarget]` during a dispatch, else `[]`. */
  composedPath(): EventTarget[];
  /** Marks a cancelable event's default as prevented (not from a passive listener). */
  preventDefault(): void;
  /** Stops propagation (there is no propagation beyond the one target). */
  stopPropagation(): void;
  /** Stops the listeners after the current one. */
  stopImmediatePropagation(): void;
  /**
   * Re-initialises an event that is not being dispatched.
   * @deprecated Use the constructor.
   */
  initEvent(type: string, bubbles?: boolean, cancelable?: boolean): void;
  /** Event phase 0. */
  readonly NONE: 0;
  /** Event phase 1 (never used: there is no tree). */
  readonly CAPTURING_PHASE: 1;
  /** Event phase 2. */
  readonly AT_TARGET: 2;
  /** Event phase 3 (never used: there is no tree). */
  readonly BUBBLING_PHASE: 3;
}

/** `new Event(type, init?)`. */
declare var Event: {
  readonly prototype: Event;
  new (type: string, eventInitDict?: EventInit): Event;
  /** Event phase 0. */
  readonly NONE: 0;
  /** Event phase 1. */
  readonly CAPTURING_PHASE: 1;
  /** Event phase 2. */
  readonly AT_TARGET: 2;
  /** Event phase 3. */
  readonly BUBBLING_PHASE: 3;
};

/** A function listener. */
type EventListener = (event: Event) => void;

/** An object listener: its `handleEvent` is looked up at each dispatch. */
interface EventListenerObject {
  /** Called with each event. */
  handleEvent(event: Event): void;
}

/** Either kind of listener. */
type EventListenerOrEventListenerObject = EventListener | EventListenerObject;

/** What identifies a listener for `removeEventListener`. */
interface EventListenerOptions {
  /** Listeners added with and without `capture` are different listeners. */
  capture?: boolean;
}

/** How a listener is added. */
interface AddEventListenerOptions extends EventListenerOptions {
  /** Remove the listener after its first call. */
  once?: boolean;
  /** The listener's `preventDefault()` has no effect. */
  passive?: boolean;
  /** Remove the listener when this signal aborts. */
  signal?: AbortSignal;
}

/**
 * Something listeners can be added to. Listeners run in the order they were added; an error one
 * throws is reported on the console and does not reach `dispatchEvent`'s caller.
 */
interface EventTarget {
  /** Adds a listener; adding the same one (with the same `capture`) twice does nothing. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void;
  /** Removes a listener added with the same `capture`. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void;
  /** Runs the listeners of `event.type`; false if one of them prevented the default. */
  dispatchEvent(event: Event): boolean;
}

/** `new EventTarget()`, or a class of your own that extends it. */
declare var EventTarget: {
  readonly prototype: EventTarget;
  new (): EventTarget;
};

/** A signal that something should stop, fired once as an `abort` event. */
interface AbortSignal extends EventTarget {
  /** Whether it has aborted. */
  readonly aborted: boolean;
  /** Why it aborted (by default an `AbortError` or `TimeoutError` `DOMException`), or undefined. */
  readonly reason: unknown;
  /** A handler for the `abort` event, or null. */
  onabort: ((this: AbortSignal, event: Event) => unknown) | null;
  /** Throws `reason` if it has aborted. */
  throwIfAborted(): void;
}

/**
 * Signals come from an {@link AbortController} or these functions. `new AbortSignal()` throws,
 * hence no construct signature; `Symbol.hasInstance` (every function's) keeps `instanceof` usable.
 */
declare var AbortSignal: {
  readonly prototype: AbortSignal;
  /** Whether `value` is a signal: what `value instanceof AbortSignal` asks. */
  [Symbol.hasInstance](value: unknown): value is AbortSignal;
  /** A signal that has already aborted, with `reason` (by default an `AbortError` `DOMException`). */
  abort(reason?: unknown): AbortSignal;
  /**
   * A signal that aborts with a `TimeoutError` `DOMException` after `milliseconds` (an integer).
   * Its timer is one of the invocation's: it cannot fire after the invocation ends.
   */
  timeout(milliseconds: number): AbortSignal;
  /** A signal that aborts as soon as one of `signals` does, with its reason. */
  any(signals: AbortSignal[]): AbortSignal;
};

/** Makes a signal and aborts it. */
interface AbortController {
  /** The controller's signal. */
  readonly signal: AbortSignal;
  /** Aborts the signal with `reason` (by default an `AbortError` `DOMException`); later calls do nothing. */
  abort(reason?: unknown): void;
}

/** `new AbortController()`. */
declare var AbortController: {
  readonly prototype: AbortController;
  new (): AbortController;
};

// ---- fetch -------------------------------------------------------------------------------------

/** Header names and values: pairs, a record, or another {@link Headers}. */
type HeadersInit = Iterable<readonly [string, string]> | Record<string, string> | Headers;

/** HTTP headers: names are case-insensitive and iterate in lower case, sorted. */
interface Headers {
  /** Adds a value to `name` (repeats are joined with `", "` when read). */
  append(name: string, value: string): void;
  /** Removes `name`. */
  delete(name: string): void;
  /** The values of `name` joined with `", "`, or null. */
  get(name: string): string | null;
  /** Each `Set-Cookie` value (a fetched response's cookies arrive joined as one). */
  getSetCookie(): string[];
  /** Whether `name` is present. */
  has(name: string): boolean;
  /** Replaces the values of `name`. */
  set(name: string, value: string): void;
  /** Calls `callback` with each header, sorted by name. */
  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void;
  /** The headers as `[name, value]`, sorted by name. */
  entries(): IterableIterator<[string, string]>;
  /** The names, sorted. */
  keys(): IterableIterator<string>;
  /** The values, in name order. */
  values(): IterableIterator<string>;
  /** The headers as `[name, value]`, sorted by name. */
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** `new Headers(init?)`. */
declare var Headers: {
  readonly prototype: Headers;
  new (init?: HeadersInit): Headers;
};

/**
 * A request or response body. Bodies travel to and from the host as text: bytes are sent UTF-8
 * decoded, and there are no streams, `Blob`s or `FormData`.
 */
type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams;

/** The body half of {@link Request} and {@link Response}: read once, as a whole. */
interface Body {
  /** Whether the body has been read. */
  readonly bodyUsed: boolean;
  /** The body as text. */
  text(): Promise<string>;
  /** The body parsed as JSON. */
  json(): Promise<unknown>;
  /** The body's UTF-8 bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** The body's UTF-8 bytes. */
  bytes(): Promise<Uint8Array<ArrayBuffer>>;
}

/** What `fetch` can be given: a URL or a {@link Request}. */
type RequestInfo = Request | string;

/** The methods the host's `http.fetch` sends. */
type RequestMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** How redirects are handled: the host always follows them, so `fetch` accepts only `"follow"`. */
type RequestRedirect = "follow" | "error" | "manual";

/** The options of `fetch` and `new Request`: no streams, credentials, cache or mode. */
interface RequestInit {
  /** Default `GET`; `fetch` sends only the methods of {@link RequestMethod}. */
  method?: RequestMethod | (string & {});
  /** The request's headers. */
  headers?: HeadersInit;
  /** The body; not with GET or HEAD. */
  body?: BodyInit | null;
  /** Aborts the request (the promise rejects with the signal's reason). */
  signal?: AbortSignal | null;
  /** Only `"follow"` is sent. */
  redirect?: RequestRedirect;
}

/** An HTTP request. */
interface Request extends Body {
  /** The method, upper case for the standard ones. */
  readonly method: string;
  /** The absolute URL. */
  readonly url: string;
  /** The request's headers. */
  readonly headers: Headers;
  /** The redirect mode. */
  readonly redirect: RequestRedirect;
  /** The signal given, or one that never aborts. */
  readonly signal: AbortSignal;
  /** A copy, body included; throws if the body was read. */
  clone(): Request;
}

/** `new Request(input, init?)`: an absolute URL without credentials, or another request. */
declare var Request: {
  readonly prototype: Request;
  new (input: RequestInfo | URL, init?: RequestInit): Request;
};

/** What a {@link Response} can be created with. */
interface ResponseInit {
  /** 200 to 599; default 200. */
  status?: number;
  /** Default `""`. */
  statusText?: string;
  /** The response's headers. */
  headers?: HeadersInit;
}

/** `"basic"` for a fetched response, `"default"` for one you made, `"error"` for `Response.error()`. */
type ResponseType = "basic" | "default" | "error";

/** An HTTP response. */
interface Response extends Body {
  /** Where it came from. */
  readonly type: ResponseType;
  /** The final URL after redirects, without the fragment; `""` for one you made. */
  readonly url: string;
  /** Whether a redirect was followed. */
  readonly redirected: boolean;
  /** The status code. */
  readonly status: number;
  /** Whether the status is 200 to 299. */
  readonly ok: boolean;
  /** Always `""` for a fetched response: the host does not pass the reason phrase on. */
  readonly statusText: string;
  /** Lower-case names; a repeated header arrives joined with `", "`. */
  readonly headers: Headers;
  /** A copy, body included; throws if the body was read. */
  clone(): Response;
}

/** `new Response(body?, init?)`, and the static helpers. */
declare var Response: {
  readonly prototype: Response;
  new (body?: BodyInit | null, init?: ResponseInit): Response;
  /** A network error: type `"error"`, status 0. */
  error(): Response;
  /** A response whose body is `data` as JSON, with `Content-Type: application/json`. */
  json(data: unknown, init?: ResponseInit): Response;
  /** A redirect to the absolute `url` (status 301, 302, 303, 307 or 308; default 302). */
  redirect(url: string | URL, status?: number): Response;
};

/**
 * An HTTP request through the host's `http.fetch` operation: the extension needs the `http.fetch`
 * permission, and the URL's host (and every redirect's) must be in its manifest's `allowedHosts`.
 * Only the methods of {@link RequestMethod}; redirects are always followed. A refusal or failure
 * rejects with `TypeError("fetch failed")` whose `cause` carries the host's error `code`. A
 * request in flight keeps its invocation waiting; one still pending when it ends is abandoned.
 */
declare function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
