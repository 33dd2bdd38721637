/**
 * `http.fetch`: HTTP(S) requests to the hosts an extension's manifest lists in `allowedHosts`, and
 * nowhere else. Redirects are followed by hand, one hop at a time, so that a permitted server
 * cannot bounce the request to a host the extension may not reach.
 *
 * The allow-list is by name: a permitted name that resolves to a private address is still
 * permitted, since the application approved the name when it granted `http.fetch`.
 *
 * @module
 */
import { type HttpRequest, type HttpResponse, KilnError } from "@kiln/contracts";
import type { OperationRegistry } from "../registry.js";
import type { OperationContext } from "../types.js";
import { builtin } from "./define.js";

/** Default ceiling of a response body: it travels back as one JSON reply. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Default time for a whole request, redirects included: the extension is blocked meanwhile. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
/** Redirect hops followed before giving up, as browsers cap them too. */
export const MAX_REDIRECTS = 5;

/** Options of {@link registerHttp}. */
export interface HttpOptions {
  /** The `fetch` to use; default the global one. */
  readonly fetch?: typeof fetch;
  readonly maxResponseBytes?: number;
  readonly timeoutMs?: number;
}

/** Credentials meant for one origin must not be replayed to another on redirect (as fetch does). */
const ORIGIN_BOUND_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/**
 * Registers `http.fetch`, behind permission `http.fetch`; name, permission and schemas are the row
 * of `BUILTIN_OPERATIONS` (`@kiln/contracts`).
 */
export function registerHttp(registry: OperationRegistry, options: HttpOptions = {}): void {
  const settings = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
  } satisfies Required<HttpOptions>;
  registry.register(builtin("http.fetch", (input, ctx) => httpFetch(input, ctx, settings)));
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

async function httpFetch(
  input: HttpRequest,
  ctx: OperationContext,
  settings: Required<HttpOptions>,
): Promise<HttpResponse> {
  const method = input.method ?? "GET";
  if (input.body !== undefined && (method === "GET" || method === "HEAD")) {
    throw new KilnError("KILN_OPERATION_INPUT_INVALID", `a ${method} request cannot have a body`);
  }
  let hop: Hop = { url: parseUrl(input.url), method, headers: { ...input.headers }, body: input.body };
  checkHost(hop.url, ctx);
  const deadline: Deadline = { signal: AbortSignal.timeout(settings.timeoutMs), ms: settings.timeoutMs };
  const signal = AbortSignal.any([ctx.signal, deadline.signal]);
  for (let redirects = 0; ; redirects++) {
    const response = await send(hop, signal, settings.fetch, deadline);
    const location = isRedirect(response.status) ? response.headers.get("location") : null;
    if (location === null) return await toReply(response, hop.url, settings.maxResponseBytes, deadline);
    await response.body?.cancel();
    if (redirects === MAX_REDIRECTS) {
      throw new KilnError("KILN_TOO_MANY_REDIRECTS", `${input.url} redirected more than ${MAX_REDIRECTS} times`);
    }
    hop = nextHop(hop, response.status, location, ctx);
  }
}

/** The whole request's time limit; tells a timeout apart from the caller's cancellation. */
interface Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
}

async function send(hop: Hop, signal: AbortSignal, doFetch: typeof fetch, deadline: Deadline): Promise<Response> {
  try {
    return await doFetch(hop.url.href, {
      method: hop.method,
      headers: hop.headers,
      ...(hop.body !== undefined && { body: hop.body }),
      redirect: "manual",
      signal,
    });
  } catch (e) {
    throw requestError(hop.url, e, deadline);
  }
}

function requestError(url: URL, e: unknown, deadline: Deadline): Error {
  if (deadline.signal.aborted)
    return new KilnError("KILN_TIMEOUT", `request to ${url.href} took longer than ${deadline.ms} ms`);
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
  return new Error(`request to ${url.href} failed: ${e instanceof Error ? e.message : String(e)}${cause}`, {
    cause: e,
  });
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The next request of a redirect chain, re-checked against the allow-list like the first. */
function nextHop(hop: Hop, status: number, location: string, ctx: OperationContext): Hop {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new Error(`${hop.url.href} redirected to an invalid URL ${JSON.stringify(location)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new KilnError(
      "KILN_HOST_NOT_ALLOWED",
      `${hop.url.href} redirected to ${url.href}; only http and https are allowed`,
    );
  }
  checkHost(url, ctx, hop.url);
  // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without a body.
  const toGet = status === 303 ? hop.method !== "HEAD" : (status === 301 || status === 302) && hop.method === "POST";
  const headers = url.origin === hop.url.origin ? hop.headers : withoutOriginBound(hop.headers);
  return toGet
    ? { url, method: "GET", headers: withoutBodyHeaders(headers), body: undefined }
    : { url, method: hop.method, headers, body: hop.body };
}

function withoutOriginBound(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !ORIGIN_BOUND_HEADERS.includes(k.toLowerCase())));
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !k.toLowerCase().startsWith("content-")));
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new KilnError("KILN_OPERATION_INPUT_INVALID", `${JSON.stringify(text)} is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new KilnError(
      "KILN_OPERATION_INPUT_INVALID",
      `${JSON.stringify(text)} uses ${url.protocol.slice(0, -1)}:, but only http and https are allowed`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new KilnError(
      "KILN_OPERATION_INPUT_INVALID",
      "URLs with credentials are refused; send them in an Authorization header",
    );
  }
  return url;
}

/**
 * Throws `KILN_HOST_NOT_ALLOWED` unless the URL's host matches an `allowedHosts` entry: `host`
 * allows every port, `host:port` only that one (the scheme's default port when the URL has none).
 */
function checkHost(url: URL, ctx: OperationContext, redirectedFrom?: URL): void {
  const host = normalizeHost(url.hostname);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const allowed = ctx.manifest.allowedHosts ?? [];
  if (allowed.some((entry) => matches(entry, host, port))) return;
  const entry = url.port === "" ? host : `${host}:${port}`;
  const what =
    redirectedFrom === undefined ? `request to ${url.href}` : `redirect from ${redirectedFrom.href} to ${url.href}`;
  throw new KilnError(
    "KILN_HOST_NOT_ALLOWED",
    `${what} refused: host "${entry}" is not in the allowedHosts of extension "${ctx.extensionId}" ` +
      `(${allowed.length ? allowed.join(", ") : "none"}); to allow it, add allowedHosts: ["${entry}"] to @extension({ … }) and rebuild`,
  );
}

function matches(entry: string, host: string, port: string): boolean {
  const colon = entry.lastIndexOf(":");
  if (colon < 0) return normalizeHost(entry) === host;
  return normalizeHost(entry.slice(0, colon)) === host && entry.slice(colon + 1) === port;
}

/** `Example.COM.` and `example.com` are the same host; compare them as such. */
function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

async function toReply(response: Response, url: URL, maxBytes: number, deadline: Deadline): Promise<HttpResponse> {
  const body = await readCapped(response, url, maxBytes, deadline);
  return { status: response.status, headers: headerRecord(response.headers), body, url: url.href };
}

function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  // Each Set-Cookie comes on its own; join repeats the way HTTP folds them.
  headers.forEach((value, name) => {
    record[name] = Object.hasOwn(record, name) ? `${record[name]}, ${value}` : value;
  });
  return record;
}

async function readCapped(response: Response, url: URL, maxBytes: number, deadline: Deadline): Promise<string> {
  const tooLarge = () =>
    new KilnError(
      "KILN_RESPONSE_TOO_LARGE",
      `the response from ${url.href} is larger than the limit of ${maxBytes} bytes`,
    );
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (e) {
    if (e instanceof KilnError) throw e;
    throw requestError(url, e, deadline);
  }
}
