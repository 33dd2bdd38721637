import { extension, type JobContext, job } from "@kiln/sdk";

/** What the `page-info` job reports about a page. */
export interface PageInfo {
  url: string;
  /** The HTTP status. */
  status: number;
  /** The page's `<title>`, or null when it has none. */
  title: string | null;
  /** The body's size in bytes. */
  bytes: number;
}

/**
 * Fetches pages with `fetch`, which in Kiln's sandbox goes through the host's `http.fetch`
 * operation: the extension asks for that permission, and can reach only the hosts it lists in
 * `allowedHosts` (the host refuses any other, redirects included). The application decides
 * whether to grant the permission.
 */
@extension({
  id: "{{id}}",
  name: "{{name}}",
  version: "0.1.0",
  description: "{{description}}",
  permissions: ["http.fetch"],
  // Host names, with an optional port. 127.0.0.1 is for the tests' local server.
  allowedHosts: ["example.com", "127.0.0.1"],
})
export class PageFetcher {
  @job({ name: "page-info", description: "Fetches `input.url` and reports its status, title and size." })
  async pageInfo(ctx: JobContext<{ url: string }>): Promise<PageInfo> {
    const { url } = ctx.input;
    ctx.progress(0, 1, url);
    const response = await fetch(url);
    const body = await response.text();
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim() ?? null;
    ctx.log(`${response.status} ${url}`);
    ctx.progress(1, 1, url);
    return { url, status: response.status, title, bytes: new TextEncoder().encode(body).length };
  }
}
