/**
 * `fetch` inside the sandbox, end to end: a real host runs a real extension, written in TypeScript
 * (`fixtures/fetch-extension.ts`), whose `fetch` goes through the built-in `http.fetch` operation
 * to loopback HTTP servers started here. The servers record every request they see, so the tests
 * can tell a refusal before the network from a request that was made. `Headers`, `Request` and
 * `Response` are also checked on their own, in a bare plugin instance, against Node's.
 */
import { readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PluginInstance } from "@kiln/javy-plugin";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExtensionHost, type LogEntry } from "../src/index.js";
import { makeExtension } from "./fixtures.js";

const JOBS = ["fetch", "post-json", "timeout", "abort", "parallel"];
const TEXT = "héllo wörld 🙂";

/** The fixture extension as `kiln build` would bundle it: TypeScript down to an ES2020 module. */
async function extensionJs(): Promise<string> {
  const source = await readFile(new URL("./fixtures/fetch-extension.ts", import.meta.url), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext },
  });
  return outputText;
}

interface Seen {
  method: string;
  path: string;
}

/** A loopback server that records what it is asked and answers from `routes`. */
async function loopback(
  routes: (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => void,
): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://loopback");
    seen.push({ method: req.method ?? "", path: url.pathname });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => routes(req, res, url, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

let main: Awaited<ReturnType<typeof loopback>>;
let other: Awaited<ReturnType<typeof loopback>>;
let base: string;
let closedPort: number;
const dirs: string[] = [];
const logs: LogEntry[] = [];
const host = new ExtensionHost({ logger: (entry) => logs.push(entry) });

beforeAll(async () => {
  other = await loopback((_, res) => res.writeHead(200, { "content-type": "text/plain" }).end("landed elsewhere"));
  main = await loopback((req, res, url, body) => {
    const redirect = (location: string) => res.writeHead(302, { location }).end();
    switch (url.pathname) {
      case "/text":
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.setHeader("x-multi", ["one", "two"]);
        res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
        res.end(TEXT);
        return;
      case "/json":
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "json", n: [1, 2, 3] }));
        return;
      case "/teapot":
        res.writeHead(418, { "x-reason": "short and stout" }).end("I refuse");
        return;
      case "/no-content":
        res.writeHead(204).end();
        return;
      case "/echo":
        res.writeHead(201, { "content-type": "application/json" }).end(
          JSON.stringify({
            method: req.method,
            contentType: req.headers["content-type"] ?? null,
            custom: req.headers["x-custom"] ?? null,
            body: JSON.parse(body),
          }),
        );
        return;
      case "/redirect-same":
        return redirect("/text");
      case "/redirect-other":
        return redirect(`http://127.0.0.1:${other.port}/landing`);
      case "/redirect-refused":
        return redirect(`http://localhost:${main.port}/secret`);
      case "/slow":
        setTimeout(() => res.writeHead(200).end("too late"), 2_000).unref();
        return;
      case "/delayed":
        setTimeout(() => res.writeHead(200).end(`done ${url.searchParams.get("i")}`), 100).unref();
        return;
      default:
        res.writeHead(404).end("no such thing");
    }
  });
  base = `http://127.0.0.1:${main.port}`;
  // A port that was just free: allowed, but nothing listens there.
  const closed = await loopback(() => {});
  await new Promise((resolve) => closed.server.close(resolve));
  closedPort = closed.port;
  const source = await extensionJs();
  const allowedHosts = [`127.0.0.1:${main.port}`, `127.0.0.1:${other.port}`, `127.0.0.1:${closedPort}`];
  const build = async (id: string, permissions: string[]) => {
    const dir = await makeExtension({
      id,
      source,
      jobs: JOBS,
      manifest: (m) => ({ ...m, permissions, allowedHosts }),
    });
    dirs.push(dir);
    return dir;
  };
  await host.load(await build("fetcher", ["http.fetch"]), { permissions: "*" });
  // Asks for the permission, but the application grants nothing.
  await host.load(await build("ungranted", ["http.fetch"]), { permissions: [] });
  // Never asks for it.
  await host.load(await build("undeclared", []), { permissions: "*" });
});

afterAll(async () => {
  await host.close();
  for (const { server } of [main, other]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Requests the servers saw for `path` (on the main server unless said). */
const hits = (path: string, server = main) => server.seen.filter((s) => s.path === path);

interface Described {
  status: number;
  ok: boolean;
  statusText: string;
  url: string;
  redirected: boolean;
  type: string;
  headers: [string, string][];
  setCookie: string[];
  contentType: string | null;
  isResponse: boolean;
  body: unknown;
  bodyUsed: boolean;
  again: string;
}

async function fetchIn(extension: string, input: Record<string, unknown>) {
  return (await host.run(extension, "fetch", input)) as {
    response?: Described;
    error?: { name: string; message: string; cause: { name: string; code: string; message: string } | null };
  };
}

describe("fetch in the sandbox", () => {
  it("reads a text body, the status and the headers", async () => {
    const { response } = await fetchIn("fetcher", { url: `${base}/text` });
    expect(response).toMatchObject({
      status: 200,
      ok: true,
      statusText: "",
      url: `${base}/text`,
      redirected: false,
      type: "basic",
      contentType: "text/plain; charset=utf-8",
      isResponse: true,
      body: TEXT,
      bodyUsed: true,
      again: "TypeError: Body is unusable: Body has already been read",
    });
    // Sorted by name, repeats joined; the host joins Set-Cookie too, so it comes back as one.
    expect(response?.headers).toEqual(
      expect.arrayContaining([
        ["content-type", "text/plain; charset=utf-8"],
        ["x-multi", "one, two"],
        ["set-cookie", "a=1; Path=/, b=2; Path=/"],
      ]),
    );
    const names = response?.headers.map(([name]) => name) ?? [];
    expect(names).toEqual([...names].sort());
    expect(response?.setCookie).toEqual(["a=1; Path=/, b=2; Path=/"]);
  });

  it("reads JSON, ArrayBuffer and byte bodies", async () => {
    const json = await fetchIn("fetcher", { url: `${base}/json`, read: "json" });
    expect(json.response?.body).toEqual({ hello: "json", n: [1, 2, 3] });
    const utf8 = [...Buffer.from(TEXT, "utf8")];
    const buffer = await fetchIn("fetcher", { url: `${base}/text`, read: "arrayBuffer" });
    expect(buffer.response?.body).toEqual(utf8);
    const bytes = await fetchIn("fetcher", { url: `${base}/text`, read: "bytes" });
    expect(bytes.response?.body).toEqual(utf8);
  });

  it("resolves with an error status as a response, and gives a 204 and a HEAD a null body", async () => {
    const teapot = await fetchIn("fetcher", { url: `${base}/teapot` });
    expect(teapot.response).toMatchObject({ status: 418, ok: false, body: "I refuse" });
    expect(teapot.response?.headers).toContainEqual(["x-reason", "short and stout"]);
    const empty = await fetchIn("fetcher", { url: `${base}/no-content` });
    // A null body reads as "" and is never used up.
    expect(empty.response).toMatchObject({ status: 204, body: "", bodyUsed: false, again: "read twice" });
    const head = await fetchIn("fetcher", { url: `${base}/text`, init: { method: "HEAD" } });
    expect(head.response).toMatchObject({ status: 200, body: "", bodyUsed: false });
    expect(hits("/text").some((s) => s.method === "HEAD")).toBe(true);
  });

  it("POSTs a JSON body built as a Request", async () => {
    const document = { items: [1, 2, 3], name: "ünïcödé" };
    expect(await host.run("fetcher", "post-json", { url: `${base}/echo`, document })).toEqual({
      requestBodyUsed: true,
      method: "POST",
      answer: { method: "POST", contentType: "application/json", custom: "from the sandbox", body: document },
    });
  });

  it("follows a redirect on the same host and to another allowed host", async () => {
    const same = await fetchIn("fetcher", { url: `${base}/redirect-same` });
    expect(same.response).toMatchObject({ status: 200, url: `${base}/text`, redirected: true, body: TEXT });
    const elsewhere = await fetchIn("fetcher", { url: `${base}/redirect-other` });
    expect(elsewhere.response).toMatchObject({
      status: 200,
      url: `http://127.0.0.1:${other.port}/landing`,
      redirected: true,
      body: "landed elsewhere",
    });
    expect(hits("/landing", other)).toHaveLength(1);
  });

  it("rejects a redirect to a host the manifest does not allow, before any request reaches it", async () => {
    const { error } = await fetchIn("fetcher", { url: `${base}/redirect-refused` });
    expect(error).toMatchObject({
      name: "TypeError",
      message: "fetch failed",
      cause: { name: "HostCallError", code: "KILN_HOST_NOT_ALLOWED" },
    });
    expect(error?.cause?.message).toMatch(
      /redirect from .*\/redirect-refused to http:\/\/localhost:\d+\/secret refused/,
    );
    expect(hits("/secret")).toEqual([]);
  });

  it("rejects a fetch to a host that is not allowed, and methods http.fetch cannot send", async () => {
    const refused = await fetchIn("fetcher", { url: "http://example.invalid/nope" });
    expect(refused.error).toMatchObject({ message: "fetch failed", cause: { code: "KILN_HOST_NOT_ALLOWED" } });
    const before = main.seen.length;
    const method = await fetchIn("fetcher", { url: `${base}/text`, init: { method: "PROPFIND" } });
    expect(method.error).toMatchObject({ name: "TypeError", cause: null });
    expect(method.error?.message).toMatch(/cannot send PROPFIND requests/);
    expect(main.seen.length).toBe(before);
  });

  it("rejects when the allowed server cannot be reached, with the host's code and reason", async () => {
    const { error } = await fetchIn("fetcher", { url: `http://127.0.0.1:${closedPort}/nobody` });
    expect(error).toMatchObject({
      name: "TypeError",
      message: "fetch failed",
      cause: { name: "HostCallError", code: "KILN_OPERATION_FAILED" },
    });
    expect(error?.cause?.message).toMatch(/ECONNREFUSED/);
    // The application hears of it too: a failure that is not a refusal is logged as a warning.
    expect(logs).toContainEqual(
      expect.objectContaining({
        extensionId: "fetcher",
        level: "warn",
        message: expect.stringMatching(/ECONNREFUSED/),
      }),
    );
  });

  it.each([
    ["does not declare http.fetch", "undeclared", "KILN_PERMISSION_NOT_DECLARED"],
    ["declares http.fetch but was not granted it", "ungranted", "KILN_PERMISSION_DENIED"],
  ])("an extension that %s gets a rejected fetch and the server sees nothing", async (_, extension, code) => {
    const { error } = await fetchIn(extension, { url: `${base}/${extension}` });
    expect(error).toMatchObject({ name: "TypeError", message: "fetch failed", cause: { name: "HostCallError", code } });
    expect(hits(`/${extension}`)).toEqual([]);
  });

  it("AbortSignal.timeout rejects a slow fetch with a TimeoutError, without waiting for the server", async () => {
    const result = (await host.run("fetcher", "timeout", { url: `${base}/slow`, ms: 150 })) as {
      error: { name: string; message: string; isDOMException: boolean };
      elapsedMs: number;
    };
    expect(result.error).toMatchObject({
      name: "TimeoutError",
      message: "The operation was aborted due to timeout",
      isDOMException: true,
    });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(140);
    expect(result.elapsedMs).toBeLessThan(1_500);
  });

  it("an AbortController rejects a pending fetch with its reason; the host's late reply is ignored", async () => {
    const before = hits("/delayed").length;
    // Aborted at 20 ms; the server answers at 100 ms, while the job still runs.
    const during = (await host.run("fetcher", "abort", { url: `${base}/delayed`, abortAfterMs: 20, waitMs: 300 })) as {
      rejectedAfterMs: number;
    };
    expect(during).toMatchObject({ aborted: true, sameReason: true });
    expect(during.rejectedAfterMs).toBeLessThan(90);
    // The host had sent the request: aborting stops the waiting, not the request.
    expect(hits("/delayed").length).toBe(before + 1);
    const early = await host.run("fetcher", "abort", { url: `${base}/never-asked`, abortAfterMs: null, waitMs: 0 });
    expect(early).toMatchObject({ aborted: true, sameReason: true });
    expect(hits("/never-asked")).toEqual([]);
  });

  it("runs ten fetches at once: Promise.all of ten 100 ms answers takes about one", async () => {
    type Parallel = { bodies: string[]; elapsedMs: number };
    // The first fetch of an instance also loads the URL and fetch groups and warms the paths
    // through the host: measured apart, so that the ten measure concurrency only.
    const first = (await host.run("fetcher", "parallel", { url: `${base}/delayed`, n: 1 })) as Parallel;
    const started = performance.now();
    const result = (await host.run("fetcher", "parallel", { url: `${base}/delayed`, n: 10 })) as Parallel;
    const hostMs = performance.now() - started;
    console.log(
      `one 100 ms fetch, the instance's first: ${first.elapsedMs.toFixed(0)} ms; Promise.all of 10 such fetches: ` +
        `${result.elapsedMs.toFixed(0)} ms in the sandbox, ${hostMs.toFixed(0)} ms for host.run`,
    );
    expect(result.bodies).toEqual(Array.from({ length: 10 }, (_, i) => `done ${i}`));
    // One after another would take at least 1,000 ms.
    expect(result.elapsedMs).toBeLessThan(600);
  });
});

/**
 * Scripts that print values with `emit(value)` and may `await`: run as an async export in a real
 * plugin instance, and as an async function in Node on Node's own classes. No host is involved:
 * none of them calls `fetch`.
 */
const SAME_AS_NODE: Record<string, string> = {
  "Headers: names are case-insensitive, repeats join, iteration is sorted": `
const h = new Headers({ "X-B": "1", "x-a": " padded\\t" });
h.append("X-A", "second");
h.append("Set-Cookie", "a=1");
h.append("set-cookie", "b=2, still b");
emit([h.get("x-a"), h.get("X-B"), h.has("x-B"), h.get("missing"), h.get("SET-COOKIE"), h.getSetCookie()]);
emit([...h]);
emit([[...h.keys()], [...h.values()], [...h.entries()].length]);
const seen = [];
h.forEach(function (value, name, self) { seen.push([name, value, self === h, this]); }, "this");
emit(seen);
h.set("x-a", "only");
h.delete("x-b");
emit([...h]);
emit([...new Headers([["a", "1"], ["A", "2"]])]);
emit([...new Headers(h)].length === [...h].length);
emit([Object.prototype.toString.call(h), h instanceof Headers]);
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return e.name + ": " + e.message; } };
emit([attempt(() => h.append("a b", "x")), attempt(() => h.set("x", "1\\n2")), attempt(() => h.get("é"))]);
emit([attempt(() => new Headers([["just one"]])), attempt(() => new Headers(5)).split(":")[0]]);
`,
  "Request: URL, method, headers, body and clone": `
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return e.name + ": " + e.message; } };
const r = new Request("HTTP://Example.COM/a/../b?q=1#frag");
emit([r.url, r.method, r.redirect, r.bodyUsed, [...r.headers], r.signal instanceof AbortSignal, r.signal.aborted]);
emit(["get", "Post", "delete", "options", "head", "put", "PATCH", "CUSTOM"].map((method) => new Request("http://x/", { method }).method));
emit([
  attempt(() => new Request("/relative")).split(":")[0],
  attempt(() => new Request("http://u:p@x/")),
  attempt(() => new Request("http://x/", { method: "a b" })),
  attempt(() => new Request("http://x/", { method: "trace" })),
  attempt(() => new Request("http://x/", { body: "x" })),
  attempt(() => new Request("http://x/", { method: "HEAD", body: "" })),
  attempt(() => new Request("http://x/", { redirect: "sometimes" })).split(":")[0],
  attempt(() => new Request("http://x/", { signal: {} })).split(":")[0],
]);
const post = new Request("http://x/", { method: "POST", body: "payload", headers: [["X-Custom", "yes"]] });
emit([post.headers.get("content-type"), post.headers.get("x-custom")]);
const copy = post.clone();
emit([await copy.text(), copy.bodyUsed, post.bodyUsed, await post.text(), post.bodyUsed]);
emit(attempt(() => post.clone()));
const source = new Request("http://x/", { method: "PUT", body: "moved" });
const moved = new Request(source, { headers: { "X-Other": "1" } });
emit([source.bodyUsed, moved.method, [...moved.headers], await moved.text()]);
emit(attempt(() => new Request(source)));
const form = new Request("http://x/", { method: "POST", body: new URLSearchParams({ a: "1 2", b: "ü" }) });
emit([form.headers.get("content-type"), await form.text()]);
const typed = new Uint8Array([0, 104, 105, 0]).subarray(1, 3);
const binary = new Request("http://x/", { method: "POST", body: typed });
emit([binary.headers.get("content-type"), [...new Uint8Array(await binary.arrayBuffer())]]);
emit([new Request("http://x/", { method: "POST", body: "kept", headers: { "content-type": "text/csv" } }).headers.get("content-type")]);
`,
  "fetch rejects what it cannot send before any host call": `
const outcome = (promise) => promise.then(() => "resolved", (e) => e.name + ": " + e.message);
const pending = fetch("/relative");
emit(pending instanceof Promise);
emit(await outcome(pending));
emit(await outcome(fetch("http://x/", { body: "a GET with a body" })));
emit(await outcome(fetch("http://x/", { signal: AbortSignal.abort(new RangeError("early")) })));
emit(await outcome(fetch("http://x/", { signal: AbortSignal.abort() })));
emit(await outcome(fetch(new Request("http://x/", { method: "POST", body: "used" }).clone(), { method: "CONNECT" })));
`,
  "Response: construction, statics and reading the body": `
const attempt = (f) => { try { f(); return "no error"; } catch (e) { return e.name + ": " + e.message; } };
const plain = new Response();
emit([plain.status, plain.ok, plain.statusText, plain.type, plain.url, plain.redirected, plain.bodyUsed, [...plain.headers]]);
emit([await plain.text(), plain.bodyUsed, await plain.text()]);
const made = new Response("made", { status: 404, statusText: "Not Here", headers: { "X-Y": "z" } });
emit([made.status, made.ok, made.statusText, [...made.headers]]);
emit([
  attempt(() => new Response("x", { status: 99 })),
  attempt(() => new Response("x", { status: 600 })),
  attempt(() => new Response("x", { status: 204 })),
  attempt(() => new Response(null, { status: 204 })),
  attempt(() => new Response("x", { statusText: "bad\\n" })).split(":")[0],
  attempt(() => Response.json(undefined)),
  attempt(() => Response.redirect("http://x/", 200)).split(":")[0],
]);
const json = Response.json({ a: [1, "two"] }, { status: 202, headers: { "X-J": "1" } });
emit([json.status, [...json.headers], await json.json()]);
const error = Response.error();
emit([error.type, error.status, error.ok, error.statusText, [...error.headers]]);
const redirect = Response.redirect("http://example.com/a b", 307);
emit([redirect.status, redirect.headers.get("location"), redirect.type]);
const body = new Response("héllo 🙂");
const twin = body.clone();
emit([body.headers.get("content-type"), await body.text(), body.bodyUsed, twin.bodyUsed]);
emit([[...new Uint8Array(await twin.arrayBuffer())], twin.bodyUsed]);
emit(attempt(() => twin.clone()));
try { await twin.text(); } catch (e) { emit([e.name, e.message]); }
try { await new Response("{ nope").json(); } catch (e) { emit(e.name); }
emit([...(await new Response(new Uint8Array([1, 2, 250]).buffer).bytes())]);
emit([Object.prototype.toString.call(body), body instanceof Response]);
`,
};

/** A real plugin instance that runs `source` as the body of an async export. */
async function inSandbox(source: string): Promise<{ stdout: string[]; stderr: string }> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const plugin = await PluginInstance.create({ onStdout: (b) => out.push(b), onStderr: (b) => err.push(b) });
  const emit = "const emit = (v) => Javy.IO.writeSync(1, new TextEncoder().encode(JSON.stringify(v) + '\\n'));";
  plugin.invoke(plugin.compile(`${emit}\nexport async function run() {\n${source}\n}`), "run");
  const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString("utf8");
  return { stdout: text(out).trimEnd().split("\n"), stderr: text(err) };
}

/** What `source` prints on Node's own classes. */
async function inNode(source: string): Promise<string[]> {
  const out: string[] = [];
  const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (emit: unknown) => Promise<void>;
  await new AsyncFunction("emit", source)((value: unknown) => out.push(JSON.stringify(value)));
  return out;
}

describe("Headers, Request and Response behave as Node's", () => {
  it.each(Object.entries(SAME_AS_NODE))("%s", async (_, source) => {
    const sandbox = await inSandbox(source);
    expect(sandbox.stderr).toBe("");
    const node = await inNode(source);
    expect(node.length).toBeGreaterThan(3);
    expect(sandbox.stdout).toEqual(node);
  });
});
