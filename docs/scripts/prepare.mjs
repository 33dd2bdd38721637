// Writes the site's generated inputs that are not checked in, before `vitepress build`:
// - api/: the API reference, typedoc + typedoc-plugin-markdown, from every package's index.ts
//   (typedoc.json at the repository root; it fails on an undocumented export or a broken link);
// - changelog.md: every package's CHANGELOG.md, and the changes not released yet (.changeset/).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const docs = join(root, "docs");

rmSync(join(docs, "api"), { recursive: true, force: true });
const typedoc = spawnSync(join(root, "node_modules/.bin/typedoc"), [], { cwd: root, stdio: "inherit" });
if (typedoc.status !== 0) process.exit(typedoc.status ?? 1);

/** The publishable packages, in the order of the workspace's folders. */
const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => !pkg.private);

/** Pending changesets: `{ package → [{ bump, text }] }`. */
const pending = new Map();
const changesets = join(root, ".changeset");
for (const file of readdirSync(changesets)
  .filter((f) => f.endsWith(".md") && f !== "README.md")
  .sort()) {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readFileSync(join(changesets, file), "utf8"));
  if (!match) continue;
  for (const line of match[1].split("\n")) {
    const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
    if (!entry) continue;
    const list = pending.get(entry[1]) ?? [];
    list.push({ bump: entry[2], text: match[2].trim() });
    pending.set(entry[1], list);
  }
}

/** Demotes a changelog's headings by `by` levels so they nest under the package's heading. */
const demote = (text, by) => text.replace(/^(#+) /gm, (_, hashes) => `${"#".repeat(hashes.length + by)} `);

const lines = [
  "# Changelog",
  "",
  "<!-- Written by docs/scripts/prepare.mjs from each package's CHANGELOG.md and .changeset/. -->",
  "",
  "Each package has its own version and changelog; `changeset version` writes them at a release.",
];
for (const { dir, pkg } of packages) {
  lines.push("", `## ${pkg.name}`, "");
  const changes = pending.get(pkg.name) ?? [];
  if (changes.length) {
    lines.push("### Unreleased", "");
    for (const { bump, text } of changes) {
      const [first, ...rest] = demote(text, 3).split("\n");
      lines.push(`- ${first} (${bump})`, ...rest.map((l) => (l ? `  ${l}` : l)));
    }
  }
  const changelog = join(root, "packages", dir, "CHANGELOG.md");
  if (existsSync(changelog)) {
    const body = readFileSync(changelog, "utf8").replace(/^# .*\n/, "");
    lines.push("", demote(body.trim(), 1));
  } else if (!changes.length) lines.push("Not released yet.");
}
writeFileSync(join(docs, "changelog.md"), `${lines.join("\n")}\n`);
console.log(`wrote ${join(docs, "changelog.md")}`);
