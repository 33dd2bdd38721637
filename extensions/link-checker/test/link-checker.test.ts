import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExtension } from "@kiln/codegen";
import { ExtensionHost, type LoadOptions } from "@kiln/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const projectDir = new URL("..", import.meta.url).pathname;
let work: string;
let dist: string;
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-links-"));
  dist = join(work, "dist");
  await buildExtension({ projectDir, outDir: dist });
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end("<title>Home</title>hello");
    else if (req.url === "/away") res.writeHead(302, { location: "http://127.0.0.2:9/" }).end();
    else res.writeHead(404).end("nope");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await rm(work, { recursive: true, force: true });
});

async function check(load: LoadOptions, urls: string[]) {
  const host = new ExtensionHost({ store: ":memory:", logger: () => {} });
  await host.load(dist, load);
  const id = await host.jobs.dispatch("link-checker", "check-links", { urls });
  const done = await host.jobs.wait(id);
  await host.close();
  return done;
}

describe("link-checker", () => {
  it("fetches allowed hosts through http.fetch, and reports refused ones without contacting them", async () => {
    requests.length = 0;
    const done = await check({ permissions: "*" }, [
      `${base}/`,
      `${base}/missing`,
      "http://127.0.0.2:9/x",
      `${base}/away`,
    ]);
    expect(done.state).toBe("completed");
    expect(done.result).toEqual({
      checked: 4,
      ok: 1,
      broken: 3,
      results: [
        { url: `${base}/`, status: 200, bytes: 24, title: "Home" },
        { url: `${base}/missing`, status: 404, bytes: 4 },
        { url: "http://127.0.0.2:9/x", error: "KILN_HOST_NOT_ALLOWED" },
        { url: `${base}/away`, error: "KILN_HOST_NOT_ALLOWED" },
      ],
    });
    expect(requests).toEqual(["/", "/missing", "/away"]);
  });

  it("gets KILN_PERMISSION_DENIED for every fetch when the app withholds http.fetch", async () => {
    const done = await check({ permissions: ["kv.write"] }, [`${base}/`]);
    expect(done.state).toBe("completed");
    expect(done.result).toMatchObject({ results: [{ url: `${base}/`, error: "KILN_PERMISSION_DENIED" }] });
  });

  it("fails, naming the operation, when a denial is not caught (kv.write withheld)", async () => {
    const done = await check({ permissions: ["http.fetch"] }, [`${base}/`]);
    expect(done.state).toBe("failed");
    expect(done.error?.message).toMatch(/HostCallError: .*kv\.set/);
  });
});
