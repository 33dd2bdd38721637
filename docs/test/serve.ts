/**
 * A static server for the built site on loopback, as a static host (GitHub Pages) serves it: the
 * site under its base path, clean URLs (`/kiln/jobs` is `jobs.html`), `404.html` with status 404.
 */
import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Serves `dir` under `base`; resolves to the server and its origin (`http://127.0.0.1:port`). */
export async function serveSite(dir: string, base: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const inSite = path.startsWith(base) ? normalize(path.slice(base.length)) : undefined;
    const candidates =
      inSite === undefined || inSite.startsWith("..")
        ? []
        : [inSite, `${inSite}.html`, join(inSite, "index.html")].map((p) => join(dir, p));
    const file = candidates.find(isFile);
    const status = file ? 200 : 404;
    const served = file ?? join(dir, "404.html");
    const headers: Record<string, string> = { "content-type": TYPES[extname(served)] ?? "application/octet-stream" };
    // Hashed asset names never change content: let the browser keep them, as a static host does.
    if (inSite?.startsWith("assets/")) headers["cache-control"] = "public, max-age=31536000, immutable";
    response.writeHead(status, headers);
    createReadStream(served).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}
