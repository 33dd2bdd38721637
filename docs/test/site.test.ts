/**
 * The docs site as readers get it: built (API reference, changelog, VitePress), served on loopback
 * as a static host serves it, and driven in the system's Chromium (Debian's `chromium`; `.ci/run`
 * installs it when missing). Every page loads without a console error, every internal link (and
 * its `#anchor`) resolves, search finds a guide sentence, and screenshots of a landing page, a guide
 * and an API page are written to `artifacts/screenshots/` with the check's figures.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join, relative } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SITE } from "../scripts/site.mjs";
import { serveSite } from "./serve.js";

const docs = new URL("..", import.meta.url).pathname;
const root = join(docs, "..");
const dist = join(docs, ".vitepress/dist");
const artifacts = join(root, "artifacts");
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];
// Without Chromium a developer's run skips this file; CI sets CI and installs it, so there the
// check always runs (a missing browser fails the launch).
const skip = !existsSync(CHROMIUM) && !process.env.CI;
/** Pages loaded at once by the link check. */
const TABS = 4;

/** Pages the link check found, with the ids each one has (for `#anchor` links). */
interface Visited {
  readonly ids: ReadonlySet<string>;
  readonly errors: readonly string[];
}

function step(what: string, cmd: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(cmd, args, { cwd: docs, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return performance.now() - started;
}

/** Every page of the build, as its clean URL path under the base (`/kiln/jobs`, `/kiln/api/`). */
function builtPages(dir = dist): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "assets" ? [] : builtPages(path);
    if (!entry.name.endsWith(".html") || entry.name === "404.html") return [];
    const clean = relative(dist, path)
      .replace(/(^|\/)index\.html$/, "$1")
      .replace(/\.html$/, "");
    return [`${SITE.base}${clean}`];
  });
}

describe.skipIf(skip)("the docs site in Chromium", () => {
  let server: Server;
  let origin = "";
  let browser: Browser;
  let page: Page;
  const figures: Record<string, number | string> = {};

  beforeAll(async () => {
    figures.prepareMs = Math.round(step("docs/scripts/prepare.mjs", process.execPath, ["scripts/prepare.mjs"]));
    const vitepress = join(docs, "node_modules/vitepress/bin/vitepress.js");
    figures.buildMs = Math.round(step("vitepress build", process.execPath, [vitepress, "build", "."]));
    ({ server, origin } = await serveSite(dist, SITE.base));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    mkdirSync(join(artifacts, "screenshots"), { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    writeFileSync(join(artifacts, "docs-site.json"), `${JSON.stringify(figures, null, 2)}\n`);
    console.log("docs site:", figures);
  });

  /** Loads a page in `tab`; returns its ids, its internal links and what it logged as errors. */
  async function visit(tab: Page, path: string): Promise<Visited & { links: string[]; status: number }> {
    const errors: string[] = [];
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === "error") errors.push(m.text());
    };
    const onError = (e: Error) => errors.push(e.message);
    tab.on("console", onConsole);
    tab.on("pageerror", onError);
    try {
      const response = await tab.goto(`${origin}${path}`, { waitUntil: "load" });
      const found = await tab.evaluate(() => ({
        ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
        links: [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href),
      }));
      const links = found.links.filter((href) => href.startsWith(`${origin}${SITE.base}`));
      return { ids: new Set(found.ids), links, errors, status: response?.status() ?? 0 };
    } finally {
      tab.off("console", onConsole);
      tab.off("pageerror", onError);
    }
  }

  it("loads every page without a console error, and every internal link resolves", { timeout: 900_000 }, async () => {
    const pages = builtPages();
    expect(pages.length).toBeGreaterThan(100);
    const visited = new Map<string, Visited>();
    const linksFrom = new Map<string, string[]>();
    const seen = new Set(pages);
    const queue = [...pages];
    const broken: string[] = [];
    const started = performance.now();
    // A few tabs at once: each page's load is mostly waiting (parse, hydrate, fonts).
    const context = await browser.newContext();
    const tabs = await Promise.all(Array.from({ length: TABS }, () => context.newPage()));
    await Promise.all(
      tabs.map(async (tab) => {
        for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
          const result = await visit(tab, path);
          visited.set(path, result);
          if (result.status !== 200) broken.push(`${path}: HTTP ${result.status}`);
          linksFrom.set(path, result.links);
          for (const href of result.links) {
            const target = new URL(href).pathname;
            if (!seen.has(target)) {
              seen.add(target);
              queue.push(target);
            }
          }
        }
      }),
    );
    await context.close();
    figures.visitMs = Math.round(performance.now() - started);
    let links = 0;
    for (const [from, hrefs] of linksFrom)
      for (const href of new Set(hrefs)) {
        links++;
        const url = new URL(href);
        const target = visited.get(url.pathname);
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (!target) broken.push(`${from} → ${url.pathname}: not a page`);
        else if (anchor && !target.ids.has(anchor)) broken.push(`${from} → ${url.pathname}#${anchor}: no such anchor`);
      }
    figures.pages = visited.size;
    figures.internalLinks = links;
    const errors = [...visited].flatMap(([path, v]) => v.errors.map((e) => `${path}: ${e}`));
    expect(errors).toEqual([]);
    expect(broken).toEqual([]);
    expect(visited.size).toBeGreaterThanOrEqual(pages.length);
  });

  it("finds a guide's sentence with the local search", async () => {
    await page.goto(`${origin}${SITE.base}`, { waitUntil: "load" });
    await page.click("button.DocSearch-Button");
    await page.fill("#localsearch-input", "resumes from its last checkpoint");
    const result = page.locator(".results .result").first();
    await result.waitFor({ timeout: 10_000 });
    const hrefs = await page
      .locator(".results .result")
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""));
    figures.searchResults = hrefs.length;
    expect(hrefs.some((href) => href.includes("/jobs"))).toBe(true);
    await page.screenshot({ path: join(artifacts, "screenshots/search.png") });
  });

  it.each([
    ["landing", ""],
    ["guide", "getting-started"],
    ["api", "api/@kiln/host/classes/ExtensionHost"],
  ])("screenshots the %s page", async (name, path) => {
    const response = await page.goto(`${origin}${SITE.base}${path}`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    const file = join(artifacts, `screenshots/${name}.png`);
    await page.screenshot({ path: file, fullPage: name !== "api" });
    expect(existsSync(file)).toBe(true);
  });
});
