import { extension, HostCallError, type JobContext, job } from "@kiln/sdk";

/** One checked link. */
export interface LinkResult {
  url: string;
  /** HTTP status, when the request was made. */
  status?: number;
  /** Body size in bytes. */
  bytes?: number;
  /** The page's `<title>`, if any. */
  title?: string;
  /** Why the link could not be checked (`KILN_HOST_NOT_ALLOWED`, …). */
  error?: string;
}

/** What `check-links` checkpoints. */
export interface CheckState {
  results?: LinkResult[];
}

/**
 * Checks a list of URLs with the host's `http.fetch`, which only reaches the hosts this extension
 * declares in `allowedHosts`. Checkpoints after every link.
 */
@extension({
  id: "link-checker",
  name: "Link Checker",
  version: "0.1.0",
  description: "Fetches each URL through http.fetch and reports status, size and title.",
  permissions: ["http.fetch", "kv.write"],
  allowedHosts: ["127.0.0.1", "localhost"],
})
export class LinkChecker {
  @job({ name: "check-links", description: "Check every URL in `input.urls`; broken links are reported, not fatal." })
  async checkLinks(
    ctx: JobContext<{ urls: string[] }>,
    state: CheckState,
  ): Promise<{ checked: number; ok: number; broken: number; results: LinkResult[] }> {
    const urls = ctx.input.urls;
    const results = state.results ?? [];
    while (results.length < urls.length) {
      const url = urls[results.length] as string;
      const result = await check(ctx, url);
      results.push(result);
      ctx.counters.items++;
      ctx.counters.bytes += result.bytes ?? 0;
      ctx.log(`${result.status ?? result.error} ${url}`);
      ctx.progress(results.length, urls.length, url);
      await ctx.checkpoint({ results });
    }
    const ok = results.filter((r) => r.status !== undefined && r.status < 400).length;
    await ctx.call("kv.set", { key: "last-report", value: { at: Date.now(), ok, total: results.length } });
    return { checked: results.length, ok, broken: results.length - ok, results };
  }
}

async function check(ctx: JobContext, url: string): Promise<LinkResult> {
  try {
    const response = await ctx.call("http.fetch", { url });
    const title = /<title>([^<]*)<\/title>/i.exec(response.body)?.[1]?.trim();
    return {
      url,
      status: response.status,
      bytes: new TextEncoder().encode(response.body).length,
      ...(title ? { title } : {}),
    };
  } catch (error) {
    if (error instanceof HostCallError) {
      ctx.warn(`${url}: ${error.message}`);
      return { url, error: error.code };
    }
    throw error;
  }
}
