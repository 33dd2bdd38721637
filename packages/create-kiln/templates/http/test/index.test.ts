import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { testExtension } from "@kiln/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A local server stands in for the real site: 127.0.0.1 is in the extension's allowedHosts.
const server = createServer((request, response) => {
  if (request.url === "/") response.writeHead(200, { "content-type": "text/html" }).end("<title>Home</title>Hi");
  else response.writeHead(404).end("not found");
});
let base: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// Builds the extension from src/ (cached until a source changes) and loads it in a real Kiln host,
// granting the permission it asks for.
const ext = await testExtension(new URL("..", import.meta.url), { grants: ["http.fetch"] });
afterAll(() => ext.close());

describe("{{id}}", () => {
  it("fetches a page from an allowed host", async () => {
    const run = await ext.run("page-info", { url: `${base}/` });
    expect(run.result).toEqual({ url: `${base}/`, status: 200, title: "Home", bytes: 21 });
    expect(run.logs.map((entry) => entry.message)).toEqual([`200 ${base}/`]);
  });

  it("reports an error status as it is", async () => {
    const run = await ext.run("page-info", { url: `${base}/missing` });
    expect(run.result).toEqual({ url: `${base}/missing`, status: 404, title: null, bytes: 9 });
  });

  it("cannot reach a host it does not list", async () => {
    const run = await ext.run("page-info", { url: "http://127.0.0.2:9/" });
    expect(run.state).toBe("failed");
  });
});
