/**
 * `fetch`, `Headers`, `Request` and `Response`, over the host's built-in operation `http.fetch`
 * (`KilnInternals.callAsync`), which takes the manifest's `http.fetch` permission and reaches only
 * the hosts in its `allowedHosts`, redirects included.
 *
 * What the operation's shape makes different from Node's `fetch`:
 *
 * - Bodies travel as text, both ways. A request body given as an `ArrayBuffer` or a typed array is
 *   sent UTF-8 decoded (bytes that are not UTF-8 become U+FFFD), and a response's `arrayBuffer()`
 *   and `bytes()` are the UTF-8 encoding of the text the host decoded: binary payloads do not
 *   survive the trip.
 * - There are no streams and no `Blob` or `FormData` in the sandbox: no `body` property, no
 *   `blob()` or `formData()`; bodies are string, `ArrayBuffer`, a view, `URLSearchParams` or null.
 * - Only `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` and `OPTIONS` can be sent (the operation's
 *   methods; `Request` accepts any token, `fetch` rejects the rest with a `TypeError`), and the
 *   host always follows redirects, so `redirect` must be `"follow"`.
 * - `statusText` is empty (the host does not pass the reason phrase on), and the host joins a
 *   repeated response header, `Set-Cookie` included, with `", "`, so `getSetCookie()` on a fetched
 *   response holds one string for all its cookies.
 * - Aborting rejects at once with the signal's reason, but the host finishes the request anyway;
 *   its reply is then ignored.
 *
 * A call the host refuses or that fails rejects with `TypeError("fetch failed")`, as Node's does;
 * its `cause` is a `HostCallError` carrying the host's `code` (`KILN_PERMISSION_NOT_DECLARED`,
 * `KILN_PERMISSION_DENIED`, `KILN_HOST_NOT_ALLOWED` for the first URL or a redirect,
 * `KILN_TIMEOUT`, `KILN_OPERATION_FAILED` when the server cannot be reached, …) and message.
 * `URL`, `URLSearchParams`, `AbortController` and `AbortSignal` are read from `globalThis` when
 * used.
 *
 * @module
 */
import type { HttpMethod } from "@kiln/contracts";
import type { Install } from "./internals.js";
import { isObject, stateOf } from "./shared.js";

/**
 * The methods `http.fetch` sends: `HTTP_METHODS` of `@kiln/contracts`, written out so the bundle
 * does not pull in the contracts package. `satisfies` and the check below keep the two equal.
 */
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const satisfies readonly HttpMethod[];
/** Fails to compile if `HTTP_METHODS` gains a method `METHODS` lacks. */
const sameMethods: [Exclude<HttpMethod, (typeof METHODS)[number]>] extends [never] ? true : never = true;
void sameMethods;

/** The methods whose spelling the Fetch standard normalises to upper case (not PATCH). */
const NORMALISED = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const FORBIDDEN_METHODS = ["CONNECT", "TRACE", "TRACK"];
const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** NUL, CR, LF, or a code point a ByteString cannot hold. */
const INVALID_VALUE = /[\0\r\n\u0100-\uffff]/;
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

type BodySource = string | Uint8Array | null;

interface BodyState {
  source: BodySource;
  used: boolean;
}

/** What `http.fetch` answers with (`HttpResponse` of `@kiln/contracts`). */
interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  url: string;
}

type HostReply = { ok: true; value: HttpReply } | { ok: false; error: { code: string; message: string } };

interface Globals {
  URL: typeof URL;
  URLSearchParams: typeof URLSearchParams;
  AbortSignal: typeof AbortSignal;
  AbortController: typeof AbortController;
}

/** Installs the group: `fetch`, `Headers`, `Request` and `Response`, sharing one set of internals. */
export const install: Install = (kiln) => {
  const headerLists = new WeakMap<object, Map<string, string[]>>();
  const bodies = new WeakMap<object, BodyState>();
  const requests = new WeakMap<object, RequestState>();
  const responses = new WeakMap<object, ResponseState>();
  const web = globalThis as unknown as Globals;

  /** A `TypeError` with a `cause`, set by hand: QuickJS 2021-03-27 ignores the option. */
  const typeError = (message: string, cause: unknown): TypeError => {
    const error = new TypeError(message);
    Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true });
    return error;
  };

  /** Absolute URLs only: the sandbox has no document whose URL could be the base. */
  const parseUrl = (input: unknown): URL => {
    try {
      return new web.URL(String(input));
    } catch (error) {
      throw typeError(`Failed to parse URL from ${String(input)}`, error);
    }
  };

  const headerName = (name: unknown, where: string): string => {
    const text = `${name}`;
    if (!TOKEN.test(text)) throw new TypeError(`Headers.${where}: "${text}" is an invalid header name.`);
    return text.toLowerCase();
  };

  const headerValue = (value: unknown, where: string): string => {
    const text = `${value}`.replace(HTTP_WHITESPACE, "");
    if (INVALID_VALUE.test(text)) throw new TypeError(`Headers.${where}: "${text}" is an invalid header value.`);
    return text;
  };

  /** Name/value pairs sorted by name, repeats joined, except each `set-cookie` on its own. */
  const sortedPairs = (list: Map<string, string[]>): [string, string][] => {
    const pairs: [string, string][] = [];
    for (const name of [...list.keys()].sort()) {
      const values = list.get(name) as string[];
      if (name === "set-cookie") for (const value of values) pairs.push([name, value]);
      else pairs.push([name, values.join(", ")]);
    }
    return pairs;
  };

  class Headers {
    constructor(init?: unknown) {
      headerLists.set(this, new Map());
      if (init === undefined) return;
      if (!isObject(init)) {
        throw new TypeError("Headers constructor: expected a sequence of name/value pairs or a record");
      }
      const iterator = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
      if (typeof iterator === "function") {
        for (const pair of init as Iterable<unknown>) {
          const entry = isObject(pair) ? [...(pair as Iterable<unknown>)] : [];
          if (entry.length !== 2) {
            throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${entry.length}.`);
          }
          this.append(entry[0] as string, entry[1] as string);
        }
      } else {
        for (const name of Object.keys(init)) this.append(name, (init as Record<string, string>)[name] as string);
      }
    }
    append(name: string, value: string): void {
      const list = stateOf(headerLists, this, "Headers");
      const key = headerName(name, "append");
      const text = headerValue(value, "append");
      const values = list.get(key);
      if (values) values.push(text);
      else list.set(key, [text]);
    }
    set(name: string, value: string): void {
      const list = stateOf(headerLists, this, "Headers");
      list.set(headerName(name, "set"), [headerValue(value, "set")]);
    }
    delete(name: string): void {
      stateOf(headerLists, this, "Headers").delete(headerName(name, "delete"));
    }
    has(name: string): boolean {
      return stateOf(headerLists, this, "Headers").has(headerName(name, "has"));
    }
    get(name: string): string | null {
      const values = stateOf(headerLists, this, "Headers").get(headerName(name, "get"));
      return values ? values.join(", ") : null;
    }
    getSetCookie(): string[] {
      return [...(stateOf(headerLists, this, "Headers").get("set-cookie") ?? [])];
    }
    forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
      const list = stateOf(headerLists, this, "Headers");
      if (typeof callback !== "function") throw new TypeError("Headers.forEach: the callback is not a function");
      for (const [name, value] of sortedPairs(list)) callback.call(thisArg, value, name, this);
    }
    *entries(): IterableIterator<[string, string]> {
      yield* sortedPairs(stateOf(headerLists, this, "Headers"));
    }
    *keys(): IterableIterator<string> {
      for (const [name] of sortedPairs(stateOf(headerLists, this, "Headers"))) yield name;
    }
    *values(): IterableIterator<string> {
      for (const [, value] of sortedPairs(stateOf(headerLists, this, "Headers"))) yield value;
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
  }

  interface RequestState {
    method: string;
    url: string;
    headers: Headers;
    signal: AbortSignal | null;
    redirect: string;
  }

  interface ResponseState {
    status: number;
    statusText: string;
    headers: Headers;
    type: string;
    url: string;
    redirected: boolean;
  }

  /** The body's bytes or text, and the `Content-Type` it implies. */
  const extractBody = (body: unknown): [BodySource, string | null] => {
    if (body instanceof ArrayBuffer) return [new Uint8Array(body.slice(0)), null];
    if (ArrayBuffer.isView(body)) {
      // Copied: the caller may reuse its buffer once the request is made.
      return [new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), null];
    }
    if (typeof web.URLSearchParams === "function" && body instanceof web.URLSearchParams) {
      return [String(body), "application/x-www-form-urlencoded;charset=UTF-8"];
    }
    return [String(body), "text/plain;charset=UTF-8"];
  };

  const setBody = (self: object, headers: Headers, body: unknown): void => {
    const [source, contentType] = extractBody(body);
    (bodies.get(self) as BodyState).source = source;
    if (contentType !== null && !headers.has("content-type")) headers.set("content-type", contentType);
  };

  const asText = (source: BodySource): string =>
    source === null ? "" : typeof source === "string" ? source : new TextDecoder().decode(source);

  const asBytes = (source: BodySource): Uint8Array =>
    source === null
      ? new Uint8Array(0)
      : typeof source === "string"
        ? new TextEncoder().encode(source)
        : source.slice();

  /** Marks the body read; a null body can be read any number of times, as the standard says. */
  const consume = (self: unknown): BodySource => {
    const state = stateOf(bodies, self, "Request or Response");
    if (state.used) throw new TypeError("Body is unusable: Body has already been read");
    if (state.source !== null) state.used = true;
    return state.source;
  };

  /** What `Request` and `Response` share: the body and the ways to read it once. */
  class Body {
    constructor() {
      bodies.set(this, { source: null, used: false });
    }
    get bodyUsed(): boolean {
      return stateOf(bodies, this, "Request or Response").used;
    }
    async text(): Promise<string> {
      return asText(consume(this));
    }
    async json(): Promise<unknown> {
      return JSON.parse(asText(consume(this)));
    }
    async arrayBuffer(): Promise<ArrayBuffer> {
      const bytes = asBytes(consume(this));
      // An encoder may hand out a view of a larger buffer; the caller must get exactly the body.
      return (bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()).buffer as ArrayBuffer;
    }
    async bytes(): Promise<Uint8Array> {
      return asBytes(consume(this));
    }
  }

  /** `unusable`: what Node's `clone` of that class says of a used body, word for word. */
  const cloneBody = (from: object, to: object, unusable: string): void => {
    const state = bodies.get(from) as BodyState;
    if (state.used) throw new TypeError(unusable);
    // Sources are never written to once set, so the two can share one.
    (bodies.get(to) as BodyState).source = state.source;
  };

  interface RequestInit {
    method?: string;
    headers?: unknown;
    body?: unknown;
    signal?: AbortSignal | null;
    redirect?: string;
  }

  class Request extends Body {
    constructor(input: unknown, init?: RequestInit) {
      super();
      // biome-ignore lint/complexity/noArguments: `new Request()` must throw, as Node's does
      if (arguments.length === 0) throw new TypeError("Request constructor: 1 argument required, but only 0 present.");
      if (init !== undefined && init !== null && !isObject(init)) {
        throw new TypeError("Request constructor: init must be an object");
      }
      const options: RequestInit = init ?? {};
      const from = isObject(input) ? requests.get(input) : undefined;
      let url: string;
      if (from) {
        url = from.url;
      } else {
        const parsed = parseUrl(input);
        if (parsed.username !== "" || parsed.password !== "") {
          throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${String(input)}`);
        }
        url = parsed.href;
      }
      let method = from ? from.method : "GET";
      if (options.method !== undefined) {
        method = `${options.method}`;
        if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
        const upper = method.toUpperCase();
        if (FORBIDDEN_METHODS.includes(upper)) throw new TypeError(`'${method}' HTTP method is unsupported.`);
        if (NORMALISED.includes(upper)) method = upper;
      }
      let signal = from ? from.signal : null;
      if (options.signal !== undefined) {
        if (options.signal !== null && !(options.signal instanceof web.AbortSignal)) {
          throw new TypeError("Request constructor: init.signal must be an AbortSignal");
        }
        signal = options.signal;
      }
      let redirect = from ? from.redirect : "follow";
      if (options.redirect !== undefined) {
        redirect = `${options.redirect}`;
        if (!["follow", "error", "manual"].includes(redirect)) {
          throw new TypeError(
            `Request constructor: ${redirect} is not an accepted type. Expected one of follow, error, manual.`,
          );
        }
      }
      const headers = new Headers(options.headers !== undefined ? options.headers : from?.headers);
      requests.set(this, { method, url, headers, signal, redirect });
      const inherited = from && options.body === undefined ? (bodies.get(input as object) as BodyState) : undefined;
      const hasBody = (options.body !== undefined && options.body !== null) || inherited?.source != null;
      if (hasBody && (method === "GET" || method === "HEAD")) {
        throw new TypeError("Request with GET/HEAD method cannot have body.");
      }
      if (options.body !== undefined && options.body !== null) {
        setBody(this, headers, options.body);
      } else if (inherited && inherited.source !== null) {
        if (inherited.used) {
          throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
        }
        // The body moves to the new request: the standard marks the old one used.
        (bodies.get(this) as BodyState).source = inherited.source;
        inherited.used = true;
      }
    }
    get method(): string {
      return stateOf(requests, this, "Request").method;
    }
    get url(): string {
      return stateOf(requests, this, "Request").url;
    }
    get headers(): Headers {
      return stateOf(requests, this, "Request").headers;
    }
    get redirect(): string {
      return stateOf(requests, this, "Request").redirect;
    }
    /** The signal given, or one that never aborts, made on first use. */
    get signal(): AbortSignal {
      const state = stateOf(requests, this, "Request");
      state.signal ??= new web.AbortController().signal;
      return state.signal;
    }
    clone(): Request {
      const state = stateOf(requests, this, "Request");
      const copy = new Request(state.url, {
        method: state.method,
        headers: state.headers,
        signal: state.signal,
        redirect: state.redirect,
      });
      cloneBody(this, copy, "unusable");
      return copy;
    }
  }

  interface ResponseInit {
    status?: number;
    statusText?: string;
    headers?: unknown;
  }

  class Response extends Body {
    constructor(body: unknown = null, init?: ResponseInit) {
      super();
      if (init !== undefined && init !== null && !isObject(init)) {
        throw new TypeError("Response constructor: init must be an object");
      }
      const options: ResponseInit = init ?? {};
      const status = options.status === undefined ? 200 : Math.trunc(Number(options.status)) || 0;
      if (status < 200 || status > 599) {
        throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
      }
      const statusText = options.statusText === undefined ? "" : `${options.statusText}`;
      if (!REASON_PHRASE.test(statusText)) throw new TypeError("Response constructor: Invalid statusText");
      const headers = new Headers(options.headers);
      responses.set(this, { status, statusText, headers, type: "default", url: "", redirected: false });
      if (body === null || body === undefined) return;
      if (NULL_BODY_STATUSES.includes(status)) {
        throw new TypeError(`Response constructor: Invalid response status code ${status}`);
      }
      setBody(this, headers, body);
    }
    /** A network error, as `fetch` would resolve it: type `"error"`, status 0. */
    static error(): Response {
      const response = new Response();
      Object.assign(responses.get(response) as ResponseState, { status: 0, type: "error" });
      return response;
    }
    /** A response whose body is `data` as JSON. */
    static json(data: unknown, init?: ResponseInit): Response {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Value is not JSON serializable");
      const response = new Response(null, init);
      const { status, headers } = responses.get(response) as ResponseState;
      if (NULL_BODY_STATUSES.includes(status)) {
        throw new TypeError(`Response.json: Invalid response status code ${status}`);
      }
      (bodies.get(response) as BodyState).source = text;
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return response;
    }
    /** A redirect to `url` (absolute: the sandbox has no base URL). */
    static redirect(url: string, status = 302): Response {
      const location = parseUrl(url).href;
      if (!REDIRECT_STATUSES.includes(status)) throw new RangeError(`Invalid status code ${status}`);
      const response = new Response(null, { status });
      (responses.get(response) as ResponseState).headers.set("location", location);
      return response;
    }
    get type(): string {
      return stateOf(responses, this, "Response").type;
    }
    get url(): string {
      return stateOf(responses, this, "Response").url;
    }
    get redirected(): boolean {
      return stateOf(responses, this, "Response").redirected;
    }
    get status(): number {
      return stateOf(responses, this, "Response").status;
    }
    get ok(): boolean {
      const { status } = stateOf(responses, this, "Response");
      return status >= 200 && status <= 299;
    }
    get statusText(): string {
      return stateOf(responses, this, "Response").statusText;
    }
    get headers(): Headers {
      return stateOf(responses, this, "Response").headers;
    }
    clone(): Response {
      const state = stateOf(responses, this, "Response");
      const copy = new Response();
      responses.set(copy, { ...state, headers: new Headers(state.headers) });
      cloneBody(this, copy, "Response.clone: Body has already been consumed.");
      return copy;
    }
  }

  /** The URL as the wire and `response.url` see it: without its fragment. */
  const withoutFragment = (url: string): string => {
    const hash = url.indexOf("#");
    return hash < 0 ? url : url.slice(0, hash);
  };

  const received = (reply: HttpReply, requested: string, method: string): Response => {
    const response = new Response();
    responses.set(response, {
      status: reply.status,
      statusText: "",
      headers: new Headers(reply.headers),
      type: "basic",
      url: withoutFragment(reply.url),
      redirected: withoutFragment(reply.url) !== requested,
    });
    if (method !== "HEAD" && !NULL_BODY_STATUSES.includes(reply.status)) {
      (bodies.get(response) as BodyState).source = reply.body;
    }
    return response;
  };

  /** What a refused or failed host call rejects with: Node's error, the host's code in `cause`. */
  const failed = (code: string, message: string): TypeError => {
    const cause = new Error(`${code}: ${message}`);
    Object.assign(cause, { name: "HostCallError", code, operation: "http.fetch" });
    return typeError("fetch failed", cause);
  };

  const fetch = (input: unknown, init?: RequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const { method, url, headers, signal, redirect } = requests.get(request) as RequestState;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (!(METHODS as readonly string[]).includes(method)) {
        throw new TypeError(`fetch: the host cannot send ${method} requests, only ${METHODS.join(", ")}`);
      }
      if (redirect !== "follow") {
        throw new TypeError(`fetch: redirect "${redirect}" is not supported: the host always follows redirects`);
      }
      const target = withoutFragment(url);
      const payload: { url: string; method: string; headers: Record<string, string>; body?: string } = {
        url: target,
        method,
        headers: {},
      };
      headers.forEach((value, name) => {
        // Each set-cookie comes on its own; the operation takes one value per name.
        payload.headers[name] = name in payload.headers ? `${payload.headers[name]}, ${value}` : value;
      });
      const source = consume(request);
      if (source !== null) payload.body = asText(source);

      let settled = false;
      const abort = () => {
        if (settled) return;
        settled = true;
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", abort);
      const settle = (outcome: () => Response) => {
        signal?.removeEventListener("abort", abort);
        // Also checked here: a listener before ours may have stopped the abort event.
        if (signal?.aborted) abort();
        if (settled) return;
        settled = true;
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      };
      kiln.callAsync("http.fetch", JSON.stringify(payload)).then(
        (text) =>
          settle(() => {
            let reply: HostReply;
            try {
              reply = JSON.parse(text) as HostReply;
            } catch (error) {
              throw typeError("fetch failed", error);
            }
            if (!reply.ok) throw failed(reply.error.code, reply.error.message);
            return received(reply.value, target, method);
          }),
        (error) =>
          settle(() => {
            throw typeError("fetch failed", error);
          }),
      );
    });

  for (const [cls, tag] of [
    [Headers, "Headers"],
    [Request, "Request"],
    [Response, "Response"],
  ] as const) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  }

  return { fetch, Headers, Request, Response };
};
