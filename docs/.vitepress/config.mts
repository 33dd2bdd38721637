// The Kiln docs site. `pnpm --filter @kiln/docs site` writes the API reference (typedoc) and the
// changelog page, then builds the site into .vitepress/dist; `dev` serves it with live reload.
import { existsSync, readFileSync } from "node:fs";
import { type DefaultTheme, defineConfig } from "vitepress";
import { TS_LANGUAGES, visiblePart } from "../scripts/code-blocks.mjs";
import { SITE } from "../scripts/site.mjs";

const apiSidebarFile = new URL("../api/typedoc-sidebar.json", import.meta.url);
/** typedoc's sidebar for the API pages; absent until `scripts/prepare.mjs` has run typedoc. */
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(apiSidebarFile)
  ? JSON.parse(readFileSync(apiSidebarFile, "utf8"))
  : [];

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: "Start",
    items: [
      { text: "What is Kiln?", link: "/" },
      { text: "Install and tsconfig", link: "/installation" },
      { text: "Your first extension", link: "/getting-started" },
    ],
  },
  {
    text: "Writing extensions",
    items: [
      { text: "Jobs and checkpoints", link: "/jobs" },
      { text: "Operations and permissions", link: "/operations" },
      { text: "The typed contract", link: "/typed-contract" },
      { text: "The sandbox", link: "/sandbox" },
      { text: "Testing", link: "/testing" },
      { text: "The CLI", link: "/cli" },
    ],
  },
  {
    text: "Running extensions",
    items: [
      { text: "Embedding the host", link: "/embedding" },
      { text: "Limits", link: "/limits" },
      { text: "Deployment and scaling", link: "/deployment" },
      { text: "Troubleshooting", link: "/troubleshooting" },
      { text: "Errors", link: "/errors" },
    ],
  },
  {
    text: "Inside Kiln",
    items: [
      { text: "Architecture", link: "/architecture" },
      { text: "The plugin ABI", link: "/plugin-abi" },
      { text: "Benchmarks", link: "/benchmarks" },
    ],
  },
  {
    text: "Reference",
    items: [
      { text: "CLI reference", link: "/reference/cli" },
      { text: "Example extensions", link: "/extensions/" },
      { text: "API reference", link: "/api/" },
      { text: "Changelog", link: "/changelog" },
    ],
  },
];

export default defineConfig({
  title: "Kiln",
  description: "Sandboxed TypeScript extensions: QuickJS in WebAssembly, durable jobs, a Node.js host.",
  base: SITE.base,
  cleanUrls: true,
  lastUpdated: false,
  // Generated pages that are inputs, not pages of their own.
  srcExclude: ["**/node_modules/**", "test/**", "scripts/**", "api/_media/**"],
  head: [
    ["link", { rel: "icon", type: "image/svg+xml", href: `${SITE.base}logo.svg` }],
    ["meta", { name: "theme-color", content: "#c2410c" }],
  ],
  vite: {
    // The local search index of every guide and API page is one chunk (about 1 MB, loaded when the
    // search box opens).
    build: { chunkSizeWarningLimit: 2048 },
  },
  markdown: {
    config(md) {
      // A TypeScript block's setup, above its `// ---cut---` line, is type-checked by the tests
      // but not shown (scripts/code-blocks.mjs).
      md.core.ruler.push("kiln-cut", (state) => {
        for (const token of state.tokens)
          if (token.type === "fence" && TS_LANGUAGES.has(token.info.trim().split(/[\s[{]/)[0] ?? ""))
            token.content = visiblePart(token.content);
      });
    },
  },
  themeConfig: {
    logo: "/logo.svg",
    nav: [
      { text: "Guide", link: "/getting-started", activeMatch: "^/(?!api/|reference/|extensions/|changelog)" },
      { text: "CLI", link: "/reference/cli", activeMatch: "^/reference/" },
      { text: "API", link: "/api/", activeMatch: "^/api/" },
      { text: "Examples", link: "/extensions/", activeMatch: "^/extensions/" },
      { text: "Changelog", link: "/changelog" },
    ],
    sidebar: {
      "/api/": [{ text: "API reference", link: "/api/", items: apiSidebar }],
      "/": guide,
    },
    search: { provider: "local" },
    outline: { level: [2, 3] },
    socialLinks: [{ icon: "github", link: SITE.repository }],
    editLink: { pattern: `${SITE.repository}/edit/main/docs/:path`, text: "Edit this page" },
    footer: { message: "MIT licensed.", copyright: "The Kiln authors" },
  },
});
