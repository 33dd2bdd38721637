import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestExtensionOptions, type TestRun, testExtension } from "@kiln/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const projectDir = new URL("..", import.meta.url);
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end("<title>Home</title>hello");
    else if (req.url === "/away") res.writeHead(302, { location: "http://127.0.0.2:9/" }).end();
    else res.writeHead(404).end("nope");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

async function check(options: TestExtensionOptions, urls: string[]): Promise<TestRun> {
  const ext = await testExtension(projectDir, options);
  try {
    return await ext.run("check-links", { urls });
  } finally {
    await ext.close();
  }
}

describe("link-checker", () => {
  it("fetches allowed hosts through http.fetch, and reports refused ones without contacting them", async () => {
    requests.length = 0;
    const run = await check({}, [`${base}/`, `${base}/missing`, "http://127.0.0.2:9/x", `${base}/away`]);
    expect(run.state).toBe("completed");
    expect(run.result).toEqual({
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
    // Every link went through the built-in, then the report went to kv.
    expect(run.calls.map((c) => [c.name, c.error?.code])).toEqual([
      ["http.fetch", undefined],
      ["http.fetch", undefined],
      ["http.fetch", "KILN_HOST_NOT_ALLOWED"],
      ["http.fetch", "KILN_HOST_NOT_ALLOWED"],
      ["kv.set", undefined],
    ]);
  });

  it("gets KILN_PERMISSION_DENIED for every fetch when the app withholds http.fetch", async () => {
    const run = await check({ grants: ["kv.write"] }, [`${base}/`]);
    expect(run.state).toBe("completed");
    expect(run.result).toMatchObject({ results: [{ url: `${base}/`, error: "KILN_PERMISSION_DENIED" }] });
  });

  it("fails, naming the operation, when a denial is not caught (kv.write withheld)", async () => {
    const run = await check({ grants: ["http.fetch"] }, [`${base}/`]);
    expect(run.state).toBe("failed");
    expect(run.error?.message).toMatch(/HostCallError: .*kv\.set/);
  });

  it("checks links against a fake http.fetch, with no network at all", async () => {
    const run = await check(
      {
        operations: {
          "http.fetch": ({ url }: { url: string }) => ({
            status: url.endsWith("/gone") ? 410 : 200,
            headers: {},
            body: "<title>Fake</title>",
          }),
        },
      },
      ["https://example.com/", "https://example.com/gone"],
    );
    expect(run.result).toMatchObject({
      ok: 1,
      broken: 1,
      results: [{ status: 200, title: "Fake" }, { status: 410 }],
    });
    expect(run.calls.filter((c) => c.name === "http.fetch").map((c) => c.input)).toEqual([
      { url: "https://example.com/" },
      { url: "https://example.com/gone" },
    ]);
  });
});
