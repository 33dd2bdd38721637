/**
 * The built-in operations against real things: temp folders with real symlinks, a real HTTP
 * server on 127.0.0.1, and a small in-memory key-value backend (a test double of the SQLite store,
 * which is tested on its own).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallerContext,
  KilnError,
  KV_DEFAULT_MAX_VALUE_BYTES,
  type KvBackend,
  type KvListOptions,
  type KvListPage,
  OperationRegistry,
  registerBuiltins,
  registerKv,
  SqliteJobStore,
} from "../src/index.js";
import { testManifest } from "./fixtures.js";

/**
 * In-memory stand-in for the SQLite store: one sorted key space per extension, and the store's
 * size rule (`maxValueBytes`, KILN_VALUE_TOO_LARGE).
 */
class MemoryKv implements KvBackend {
  readonly #data = new Map<string, Map<string, unknown>>();
  async get(ext: string, key: string): Promise<unknown> {
    return structuredClone(this.#data.get(ext)?.get(key));
  }
  async set(ext: string, key: string, value: unknown, options: { maxValueBytes?: number } = {}): Promise<void> {
    const bytes = Buffer.byteLength(JSON.stringify(value));
    const max = options.maxValueBytes ?? KV_DEFAULT_MAX_VALUE_BYTES;
    if (bytes > max)
      throw new KilnError("KILN_VALUE_TOO_LARGE", `value of key "${key}" is ${bytes} bytes, over ${max}`);
    const space = this.#data.get(ext) ?? new Map<string, unknown>();
    this.#data.set(ext, space);
    space.set(key, structuredClone(value));
  }
  async delete(ext: string, key: string): Promise<boolean> {
    return this.#data.get(ext)?.delete(key) ?? false;
  }
  async list(ext: string, options: KvListOptions): Promise<KvListPage> {
    const limit = options.limit ?? 100;
    const keys = [...(this.#data.get(ext)?.keys() ?? [])]
      .filter((k) => k.startsWith(options.prefix ?? "") && (options.after === undefined || k > options.after))
      .sort();
    const page = keys.slice(0, limit);
    const last = page[page.length - 1];
    return keys.length > limit && last !== undefined ? { keys: page, next: last } : { keys: page };
  }
}

const ALL = ["files.read", "http.fetch", "kv.read", "kv.write"];

function caller(
  id: string,
  options: {
    permissions?: string[];
    folders?: Record<string, string>;
    allowedHosts?: string[];
    signal?: AbortSignal;
    kv?: KvBackend;
  } = {},
): CallerContext {
  const permissions = options.permissions ?? ALL;
  return {
    extensionId: id,
    manifest: testManifest(id, permissions, options.allowedHosts),
    grants: { permissions: new Set(permissions), folders: options.folders ?? {} },
    signal: options.signal ?? new AbortController().signal,
    kv: options.kv ?? new MemoryKv(),
  };
}

async function ok(promise: Promise<import("@kiln/javy-plugin").HostCallReply>): Promise<unknown> {
  const reply = await promise;
  if (!reply.ok) throw new Error(`expected ok, got ${reply.error.code}: ${reply.error.message}`);
  return reply.value;
}

const MAX_READ = 1024;
const registry = new OperationRegistry({ rateLimit: false });

describe("files.*", () => {
  let tmp: string;
  let docs: string;
  let who: CallerContext;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "kiln-ops-"));
    docs = join(tmp, "docs");
    await mkdir(join(docs, "sub", "deeper"), { recursive: true });
    await mkdir(join(tmp, "outside"));
    await writeFile(join(tmp, "outside", "secret.txt"), "top secret");
    await writeFile(join(docs, "hello.txt"), "héllo wörld\n");
    await writeFile(join(docs, "bytes.bin"), Buffer.from([0, 1, 0xfe, 0xff]));
    await writeFile(join(docs, "big.txt"), "x".repeat(MAX_READ + 1));
    await writeFile(join(docs, "sub", "inner.txt"), "inner");
    await writeFile(join(docs, "sub", "deeper", "deep.txt"), "deep");
    await symlink(join(tmp, "outside", "secret.txt"), join(docs, "link-out.txt"));
    await symlink(join(tmp, "outside"), join(docs, "dir-out"));
    await symlink("hello.txt", join(docs, "link-in.txt"));
    await symlink("sub", join(docs, "dir-in"));
    await symlink("..", join(docs, "sub", "up"));
    await symlink(join(tmp, "nowhere"), join(docs, "dangling"));
    // The application may grant a root that is itself a link: that choice is the application's.
    await symlink(docs, join(tmp, "docs-alias"));
    registerBuiltins(registry, {
      maxReadBytes: MAX_READ,
      maxResponseBytes: 2000,
      httpTimeoutMs: 1000,
      maxKvValueBytes: 100,
    });
    who = caller("reader", { folders: { docs, alias: join(tmp, "docs-alias"), gone: join(tmp, "gone") } });
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("lists a folder sorted by name; links are 'other' and never followed", async () => {
    expect(await ok(registry.call("files.list", { folder: "docs" }, who))).toEqual([
      { name: "big.txt", type: "file", size: MAX_READ + 1 },
      { name: "bytes.bin", type: "file", size: 4 },
      { name: "dangling", type: "other", size: 0 },
      { name: "dir-in", type: "other", size: 0 },
      { name: "dir-out", type: "other", size: 0 },
      { name: "hello.txt", type: "file", size: Buffer.byteLength("héllo wörld\n") },
      { name: "link-in.txt", type: "other", size: 0 },
      { name: "link-out.txt", type: "other", size: 0 },
      { name: "sub", type: "directory", size: 0 },
    ]);
    expect(await ok(registry.call("files.list", { folder: "docs", path: "sub" }, who))).toEqual([
      { name: "deeper", type: "directory", size: 0 },
      { name: "inner.txt", type: "file", size: 5 },
      { name: "up", type: "other", size: 0 },
    ]);
    expect(await ok(registry.call("files.list", { folder: "alias", path: "./sub//deeper/" }, who))).toEqual([
      { name: "deep.txt", type: "file", size: 4 },
    ]);
  });

  it.each([
    ["utf8 by default", { path: "hello.txt" }, { content: "héllo wörld\n", size: 14, encoding: "utf8" }],
    ["base64", { path: "bytes.bin", encoding: "base64" }, { content: "AAH+/w==", size: 4, encoding: "base64" }],
    ["nested", { path: "sub/deeper/deep.txt" }, { content: "deep", size: 4, encoding: "utf8" }],
    ["exactly at maxBytes", { path: "sub/inner.txt", maxBytes: 5 }, { content: "inner", size: 5, encoding: "utf8" }],
  ])("reads a file: %s", async (_, input, expected) => {
    expect(await ok(registry.call("files.read", { folder: "docs", ...input }, who))).toEqual(expected);
  });

  it("stats files and directories", async () => {
    expect(await ok(registry.call("files.stat", { folder: "docs", path: "sub/inner.txt" }, who))).toMatchObject({
      type: "file",
      size: 5,
    });
    const dir = (await ok(registry.call("files.stat", { folder: "docs", path: "sub" }, who))) as {
      type: string;
      mtimeMs: number;
    };
    expect(dir.type).toBe("directory");
    expect(dir.mtimeMs).toBeGreaterThan(0);
    expect(await ok(registry.call("files.stat", { folder: "docs", path: "" }, who))).toMatchObject({
      type: "directory",
    });
  });

  it.each([
    // Textual escapes: refused before the disk is touched.
    ["files.read", "..", "KILN_PATH_ESCAPE", /'\.\.' segment/],
    ["files.read", "../outside/secret.txt", "KILN_PATH_ESCAPE", /'\.\.' segment/],
    ["files.read", "a/../../outside/secret.txt", "KILN_PATH_ESCAPE", /'\.\.' segment/],
    ["files.list", "sub/..", "KILN_PATH_ESCAPE", /'\.\.' segment/],
    ["files.read", "/etc/passwd", "KILN_PATH_ESCAPE", /absolute/],
    ["files.stat", "/etc", "KILN_PATH_ESCAPE", /absolute/],
    ["files.read", "..\\outside\\secret.txt", "KILN_PATH_ESCAPE", /backslash/],
    ["files.read", "hello.txt\0.png", "KILN_PATH_ESCAPE", /NUL byte/],
    // Links: refused wherever they are, whatever they point at.
    ["files.read", "link-out.txt", "KILN_PATH_ESCAPE", /"link-out\.txt" is a symbolic link/],
    ["files.stat", "link-out.txt", "KILN_PATH_ESCAPE", /symbolic link/],
    ["files.read", "dir-out/secret.txt", "KILN_PATH_ESCAPE", /"dir-out" is a symbolic link/],
    ["files.list", "dir-out", "KILN_PATH_ESCAPE", /"dir-out" is a symbolic link/],
    ["files.read", "link-in.txt", "KILN_PATH_ESCAPE", /"link-in\.txt" is a symbolic link/],
    ["files.read", "dir-in/inner.txt", "KILN_PATH_ESCAPE", /"dir-in" is a symbolic link/],
    ["files.list", "sub/up", "KILN_PATH_ESCAPE", /"sub\/up" is a symbolic link/],
    ["files.read", "sub/up/outside/secret.txt", "KILN_PATH_ESCAPE", /"sub\/up" is a symbolic link/],
    ["files.read", "dangling", "KILN_PATH_ESCAPE", /symbolic link/],
    // Everything else that can go wrong.
    ["files.read", "missing.txt", "KILN_NOT_FOUND", /"missing\.txt" in folder "docs" does not exist/],
    ["files.read", "hello.txt/x", "KILN_NOT_FOUND", /"hello\.txt" is not a directory/],
    ["files.read", "sub", "KILN_NOT_A_FILE", /"sub" in folder "docs" is not a file/],
    ["files.list", "hello.txt", "KILN_NOT_A_DIRECTORY", /is not a directory/],
    ["files.read", "big.txt", "KILN_FILE_TOO_LARGE", /1025 bytes, over the read limit of 1024 bytes/],
    ["files.read", "bytes.bin", "KILN_FILE_NOT_UTF8", /encoding: "base64"/],
  ])("%s %j → %s", async (op, path, code, message) => {
    const reply = await registry.call(op, { folder: "docs", path }, who);
    expect(reply).toMatchObject({ ok: false, error: { code } });
    if (reply.ok) return;
    expect(reply.error.message).toMatch(message);
    expect(reply.error.message).toContain(`operation "${op}" failed`);
    // Messages name paths as the extension knows them, never where they live on this machine.
    expect(reply.error.message).not.toContain(tmp);
  });

  it.each([
    [
      "an unknown folder",
      { folder: "photos", path: "a.jpg" },
      "KILN_FOLDER_NOT_GRANTED",
      /folder "photos" is not granted to extension "reader" \(granted: "docs", "alias", "gone"\)/,
    ],
    ["__proto__", { folder: "__proto__", path: "a" }, "KILN_FOLDER_NOT_GRANTED", /not granted/],
    ["constructor", { folder: "constructor", path: "a" }, "KILN_FOLDER_NOT_GRANTED", /not granted/],
    [
      "a granted root that does not exist",
      { folder: "gone", path: "a" },
      "KILN_NOT_FOUND",
      /folder "gone" does not exist/,
    ],
    [
      "a caller maxBytes below the size",
      { folder: "docs", path: "hello.txt", maxBytes: 3 },
      "KILN_FILE_TOO_LARGE",
      /over the read limit of 3 bytes/,
    ],
    [
      "a caller maxBytes above the host's",
      { folder: "docs", path: "big.txt", maxBytes: 1e9 },
      "KILN_FILE_TOO_LARGE",
      /limit of 1024 bytes/,
    ],
    ["a missing folder property", { path: "a" }, "KILN_OPERATION_INPUT_INVALID", /missing required property "folder"/],
    [
      "an unknown encoding",
      { folder: "docs", path: "hello.txt", encoding: "latin1" },
      "KILN_OPERATION_INPUT_INVALID",
      /payload\/encoding must be one of \["utf8","base64"\]/,
    ],
  ])("files.read with %s is refused", async (_, input, code, message) => {
    const reply = await registry.call("files.read", input, who);
    expect(reply).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
  });

  it("needs files.read declared and granted", async () => {
    const undeclared = caller("nofiles", { permissions: ["kv.read"], folders: { docs } });
    expect(await registry.call("files.list", { folder: "docs" }, undeclared)).toMatchObject({
      error: { code: "KILN_PERMISSION_NOT_DECLARED" },
    });
    const ungranted: CallerContext = {
      ...caller("nofiles", { folders: { docs } }),
      grants: { permissions: new Set(), folders: { docs } },
    };
    expect(await registry.call("files.list", { folder: "docs" }, ungranted)).toMatchObject({
      error: { code: "KILN_PERMISSION_DENIED" },
    });
  });
});

describe("http.fetch", () => {
  let server: Server;
  let other: Server;
  let base: string;
  let port: number;
  let otherPort: number;
  const otherHits: string[] = [];
  const seenAuth: Array<string | undefined> = [];

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", base);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const to = (status: number, location: string) => res.writeHead(status, { location }).end();
      switch (url.pathname) {
        case "/hello":
          res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "x-thing": "yes" }).end("hi there ✓");
          return;
        case "/echo":
          seenAuth.push(req.headers.authorization);
          {
            const echoed = {
              method: req.method,
              body: Buffer.concat(chunks).toString(),
              header: req.headers["x-custom"] ?? null,
            };
            res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(echoed));
          }
          return;
        case "/to-hello":
          return to(302, "/hello");
        case "/see-other":
          return to(303, "/echo");
        case "/keep-method":
          return to(307, "/echo");
        case "/to-evil":
          return to(302, "http://evil.example/steal");
        case "/to-other-port":
          return to(302, `http://127.0.0.1:${otherPort}/hit`);
        case "/to-file":
          return to(302, "file:///etc/passwd");
        case "/loop":
          return to(302, `/loop?n=${Number(url.searchParams.get("n") ?? 0) + 1}`);
        case "/big":
          res.writeHead(200).end("y".repeat(2001));
          return;
        case "/big-chunked":
          res.writeHead(200);
          for (let i = 0; i < 30; i++) res.write("z".repeat(100));
          res.end();
          return;
        case "/slow":
          setTimeout(() => res.writeHead(200).end("late"), 5000).unref();
          return;
        default:
          res.writeHead(404).end("no such thing");
      }
    });
  }

  async function listen(s: Server): Promise<number> {
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return (s.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    server = createServer(route);
    port = await listen(server);
    base = `http://127.0.0.1:${port}`;
    other = createServer((req, res) => {
      otherHits.push(req.url ?? "");
      seenAuth.push(req.headers.authorization);
      res.end("other");
    });
    otherPort = await listen(other);
  });

  afterAll(async () => {
    for (const s of [server, other]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  const allowed = () => caller("fetcher", { allowedHosts: [`127.0.0.1:${port}`] });

  it("fetches from an allowed host:port", async () => {
    expect(await ok(registry.call("http.fetch", { url: `${base}/hello` }, allowed()))).toEqual({
      status: 200,
      headers: expect.objectContaining({ "content-type": "text/plain; charset=utf-8", "x-thing": "yes" }),
      body: "hi there ✓",
      url: `${base}/hello`,
    });
  });

  it("sends method, headers and body, and returns non-2xx statuses as values", async () => {
    const value = await ok(
      registry.call(
        "http.fetch",
        { url: `${base}/echo`, method: "POST", headers: { "X-Custom": "v" }, body: "data" },
        allowed(),
      ),
    );
    expect(value).toMatchObject({ status: 201, body: JSON.stringify({ method: "POST", body: "data", header: "v" }) });
    expect(await ok(registry.call("http.fetch", { url: `${base}/missing` }, allowed()))).toMatchObject({
      status: 404,
      body: "no such thing",
    });
  });

  it("matches host names case-insensitively, and a bare host allows every port", async () => {
    const anyPort = caller("fetcher", { allowedHosts: ["127.0.0.1"] });
    expect(await ok(registry.call("http.fetch", { url: `http://127.0.0.1:${otherPort}/x` }, anyPort))).toMatchObject({
      body: "other",
    });
    const upper = caller("fetcher", { allowedHosts: ["LOCALHOST:1"] });
    const reply = await registry.call("http.fetch", { url: "http://LocalHost:1/x" }, upper);
    // Allowed by name, so it got as far as the network, where nothing listens on port 1.
    expect(reply).toMatchObject({
      ok: false,
      error: {
        code: "KILN_OPERATION_FAILED",
        message: expect.stringMatching(/request to http:\/\/localhost:1\/x failed/),
      },
    });
  });

  it("follows redirects within allowed hosts, re-checking every hop", async () => {
    expect(await ok(registry.call("http.fetch", { url: `${base}/to-hello` }, allowed()))).toMatchObject({
      status: 200,
      url: `${base}/hello`,
    });
    expect(
      await ok(registry.call("http.fetch", { url: `${base}/see-other`, method: "POST", body: "x" }, allowed())),
    ).toMatchObject({
      body: JSON.stringify({ method: "GET", body: "", header: null }),
    });
    expect(
      await ok(registry.call("http.fetch", { url: `${base}/keep-method`, method: "PUT", body: "kept" }, allowed())),
    ).toMatchObject({
      body: JSON.stringify({ method: "PUT", body: "kept", header: null }),
    });
  });

  it("drops credentials when a redirect changes origin", async () => {
    seenAuth.length = 0;
    const both = caller("fetcher", { allowedHosts: ["127.0.0.1"] });
    const sameOrigin = await registry.call(
      "http.fetch",
      { url: `${base}/keep-method`, headers: { authorization: "Bearer s3cret" } },
      both,
    );
    expect(sameOrigin.ok).toBe(true);
    expect(seenAuth).toEqual(["Bearer s3cret"]);
    seenAuth.length = 0;
    const cross = await registry.call(
      "http.fetch",
      { url: `${base}/to-other-port`, headers: { authorization: "Bearer s3cret" } },
      both,
    );
    expect(cross).toMatchObject({ ok: true, value: { body: "other", url: `http://127.0.0.1:${otherPort}/hit` } });
    expect(seenAuth).toEqual([undefined]);
  });

  it.each([
    [
      "a host not in allowedHosts",
      () => "http://localhost:1/x",
      "KILN_HOST_NOT_ALLOWED",
      /host "localhost:1" is not in the allowedHosts of extension "fetcher" \(127\.0\.0\.1:\d+\); to allow it, add allowedHosts: \["localhost:1"\]/,
    ],
    [
      "a default-port URL of a host:port entry",
      () => "http://127.0.0.1/x",
      "KILN_HOST_NOT_ALLOWED",
      /host "127\.0\.0\.1" is not in the allowedHosts/,
    ],
    [
      "another port of an allowed host",
      () => `http://127.0.0.1:${otherPort}/hit`,
      "KILN_HOST_NOT_ALLOWED",
      /host "127\.0\.0\.1:\d+" is not/,
    ],
    [
      "a look-alike host",
      () => `http://127.0.0.1.evil.example:${port}/`,
      "KILN_HOST_NOT_ALLOWED",
      /not in the allowedHosts/,
    ],
    [
      "a redirect to a disallowed host",
      () => `${base}/to-evil`,
      "KILN_HOST_NOT_ALLOWED",
      /redirect from http:\/\/127\.0\.0\.1:\d+\/to-evil to http:\/\/evil\.example\/steal refused/,
    ],
    [
      "a redirect to a disallowed port",
      () => `${base}/to-other-port`,
      "KILN_HOST_NOT_ALLOWED",
      /redirect from .* refused/,
    ],
    ["a redirect to file:", () => `${base}/to-file`, "KILN_HOST_NOT_ALLOWED", /only http and https are allowed/],
    ["endless redirects", () => `${base}/loop`, "KILN_TOO_MANY_REDIRECTS", /redirected more than 5 times/],
    ["a file: URL", () => "file:///etc/passwd", "KILN_OPERATION_INPUT_INVALID", /uses file:, but only http and https/],
    ["an ftp: URL", () => `ftp://127.0.0.1:${port}/`, "KILN_OPERATION_INPUT_INVALID", /uses ftp:/],
    ["a data: URL", () => "data:text/plain,hi", "KILN_OPERATION_INPUT_INVALID", /uses data:/],
    ["a relative URL", () => "/hello", "KILN_OPERATION_INPUT_INVALID", /not an absolute URL/],
    [
      "credentials in the URL",
      () => `http://u:p@127.0.0.1:${port}/hello`,
      "KILN_OPERATION_INPUT_INVALID",
      /credentials/,
    ],
    [
      "a declared content-length over the limit",
      () => `${base}/big`,
      "KILN_RESPONSE_TOO_LARGE",
      /larger than the limit of 2000 bytes/,
    ],
    [
      "a streamed body over the limit",
      () => `${base}/big-chunked`,
      "KILN_RESPONSE_TOO_LARGE",
      /larger than the limit of 2000 bytes/,
    ],
    ["a server slower than the timeout", () => `${base}/slow`, "KILN_TIMEOUT", /took longer than 1000 ms/],
  ])("refuses %s", async (_, url, code, message) => {
    otherHits.length = 0;
    const reply = await registry.call("http.fetch", { url: url() }, allowed());
    expect(reply).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
    expect(otherHits).toEqual([]); // the disallowed server was never contacted
  });

  it("refuses a body on GET, and unknown methods", async () => {
    expect(await registry.call("http.fetch", { url: `${base}/echo`, body: "x" }, allowed())).toMatchObject({
      error: { code: "KILN_OPERATION_INPUT_INVALID" },
    });
    expect(await registry.call("http.fetch", { url: `${base}/echo`, method: "TRACE" }, allowed())).toMatchObject({
      error: { code: "KILN_OPERATION_INPUT_INVALID" },
    });
  });

  it("refuses everything when the manifest lists no hosts", async () => {
    const reply = await registry.call("http.fetch", { url: `${base}/hello` }, caller("fetcher"));
    expect(reply).toMatchObject({
      error: { code: "KILN_HOST_NOT_ALLOWED", message: expect.stringContaining("(none)") },
    });
  });

  it("answers KILN_CANCELLED promptly when the job is cancelled mid-request", async () => {
    const controller = new AbortController();
    const pending = registry.call(
      "http.fetch",
      { url: `${base}/slow` },
      caller("fetcher", { allowedHosts: [`127.0.0.1:${port}`], signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 50);
    // CANCELLED rather than TIMEOUT: the reply came from the abort, not from the 1 s time limit.
    expect(await pending).toMatchObject({ ok: false, error: { code: "KILN_CANCELLED" } });
  });
});

describe("kv.*", () => {
  const kv = new MemoryKv();
  const a = caller("ext-a", { kv });
  const b = caller("ext-b", { kv });

  it("keeps each extension's keys apart", async () => {
    expect(await ok(registry.call("kv.set", { key: "shared-name", value: { from: "a" } }, a))).toBeNull();
    expect(await ok(registry.call("kv.get", { key: "shared-name" }, a))).toEqual({ from: "a" });
    expect(await ok(registry.call("kv.get", { key: "shared-name" }, b))).toBeNull();
    expect(await ok(registry.call("kv.list", {}, b))).toEqual({ keys: [] });
    expect(await ok(registry.call("kv.delete", { key: "shared-name" }, b))).toEqual({ deleted: false });
    expect(await ok(registry.call("kv.set", { key: "shared-name", value: [1, 2] }, b))).toBeNull();
    expect(await ok(registry.call("kv.get", { key: "shared-name" }, a))).toEqual({ from: "a" });
    expect(await ok(registry.call("kv.delete", { key: "shared-name" }, a))).toEqual({ deleted: true });
    expect(await ok(registry.call("kv.get", { key: "shared-name" }, a))).toBeNull();
    expect(await ok(registry.call("kv.get", { key: "shared-name" }, b))).toEqual([1, 2]);
  });

  it("lists keys by prefix, page by page", async () => {
    for (const key of ["p:3", "p:1", "q:1", "p:2"]) await ok(registry.call("kv.set", { key, value: key }, a));
    const first = await ok(registry.call("kv.list", { prefix: "p:", limit: 2 }, a));
    expect(first).toEqual({ keys: ["p:1", "p:2"], next: "p:2" });
    expect(await ok(registry.call("kv.list", { prefix: "p:", limit: 2, after: "p:2" }, a))).toEqual({ keys: ["p:3"] });
  });

  it.each([
    ["an empty key", "kv.get", { key: "" }, "KILN_OPERATION_INPUT_INVALID"],
    ["a key over 512 characters", "kv.set", { key: "k".repeat(513), value: 1 }, "KILN_OPERATION_INPUT_INVALID"],
    ["a set without value", "kv.set", { key: "k" }, "KILN_OPERATION_INPUT_INVALID"],
    ["a limit of 0", "kv.list", { limit: 0 }, "KILN_OPERATION_INPUT_INVALID"],
    ["a value over the size limit", "kv.set", { key: "k", value: "v".repeat(200) }, "KILN_VALUE_TOO_LARGE"],
  ])("refuses %s", async (_, op, input, code) => {
    expect(await registry.call(op, input, a)).toMatchObject({ ok: false, error: { code } });
  });

  it("reads need kv.read, writes kv.write", async () => {
    const readOnly = caller("ext-ro", { kv, permissions: ["kv.read"] });
    expect(await ok(registry.call("kv.get", { key: "x" }, readOnly))).toBeNull();
    expect(await registry.call("kv.set", { key: "x", value: 1 }, readOnly)).toMatchObject({
      error: {
        code: "KILN_PERMISSION_NOT_DECLARED",
        message: expect.stringContaining("add 'kv.write' to @extension({ permissions })"),
      },
    });
    const notGranted: CallerContext = { ...readOnly, manifest: testManifest("ext-ro", ["kv.read", "kv.write"]) };
    expect(await registry.call("kv.delete", { key: "x" }, notGranted)).toMatchObject({
      error: { code: "KILN_PERMISSION_DENIED" },
    });
  });
});

describe("kv.set's value limit, with the SQLite store", () => {
  let dir: string;
  let store: SqliteJobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-kv-limit-"));
    store = SqliteJobStore.open(join(dir, "jobs.db"));
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const MiB = 1024 * 1024;
  const big = "x".repeat(2 * MiB);
  const withLimit = (maxValueBytes?: number) => {
    const registry = new OperationRegistry({ rateLimit: false });
    registerKv(registry, maxValueBytes === undefined ? {} : { maxValueBytes });
    return registry;
  };

  it("stores a 2 MiB value when the application raises maxValueBytes to 4 MiB", async () => {
    const registry = withLimit(4 * MiB);
    const who = caller("big-values", { kv: store.kv });
    expect(await ok(registry.call("kv.set", { key: "big", value: big }, who))).toBeNull();
    expect(await ok(registry.call("kv.get", { key: "big" }, who))).toBe(big);
  });

  it("refuses it with KILN_VALUE_TOO_LARGE under the default of 1 MiB", async () => {
    expect(KV_DEFAULT_MAX_VALUE_BYTES).toBe(MiB);
    const registry = withLimit();
    const who = caller("small-values", { kv: store.kv });
    const reply = await registry.call("kv.set", { key: "big", value: big }, who);
    expect(reply).toMatchObject({
      ok: false,
      error: { code: "KILN_VALUE_TOO_LARGE", message: expect.stringContaining(`over the limit of ${MiB}`) },
    });
    expect(await ok(registry.call("kv.get", { key: "big" }, who))).toBeNull();
  });

  it("refuses a maxValueBytes that is not a whole number ≥ 1", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => withLimit(bad)).toThrow(expect.objectContaining({ code: "KILN_INVALID_OPTION" }));
    }
  });
});
