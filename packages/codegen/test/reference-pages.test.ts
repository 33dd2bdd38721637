/**
 * The reference pages `kiln docs` writes (`src/reference.ts`), for fixtures that cover every shape
 * a job schema takes (`valid-schemas`), declared limits and hosts, application permissions, and
 * the example extensions. Goldens hold the pages; `UPDATE_GOLDEN=1` rewrites them. Each page is
 * also checked for what would break VitePress: raw `<` or `{{` that markdown or Vue would read
 * as markup, and tables whose rows do not have the header's number of cells.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyzeProject } from "../src/analyze.js";
import { formatDiagnostic } from "../src/diagnostics.js";
import { generateReference } from "../src/reference.js";
import { expectGolden } from "./golden.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");

const projects: [name: string, dir: string][] = [
  ["valid-schemas", path.join(here, "fixtures/valid-schemas")],
  ["valid-hosts-limits", path.join(here, "fixtures/valid-hosts-limits")],
  ["valid-app-permissions", path.join(here, "fixtures/valid-app-permissions")],
  ["valid-basic", path.join(here, "fixtures/valid-basic")],
  ["folder-indexer", path.join(repo, "extensions/folder-indexer")],
  ["link-checker", path.join(repo, "extensions/link-checker")],
  ["test-extension", path.join(repo, "extensions/test-extension")],
];

/**
 * What VitePress would trip on, line by line: `<` outside code spans, HTML comments and
 * `<code v-pre>` spans; `{{` outside `<code v-pre>`; a table row with another number of cells
 * than its header.
 */
function vitepressProblems(page: string): string[] {
  const problems: string[] = [];
  let columns: number | undefined;
  page.split("\n").forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    const safe = line
      .replace(/^<!-- .* -->$/, "")
      .replace(/<code v-pre>[^<]*<\/code>/g, "")
      .replace(/(`+)[^`](?:.*?[^`])?\1(?!`)/g, (span) => span.replaceAll("<", ""));
    if (safe.includes("<")) problems.push(`raw <: ${where}`);
    if (line.replace(/<code v-pre>[^<]*<\/code>/g, "").includes("{{")) problems.push(`{{: ${where}`);
    if (line.startsWith("|")) {
      const cells = line.replace(/\\\|/g, "").split("|").length - 2;
      columns ??= cells;
      if (cells !== columns) problems.push(`${cells} cells, not ${columns}: ${where}`);
    } else columns = undefined;
  });
  return problems;
}

describe("generateReference on analysed projects", () => {
  it.each(projects)("%s: matches its golden page, which VitePress can read", (name, dir) => {
    const result = analyzeProject({ projectDir: dir });
    expect(result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([]);
    if (!result.model) throw new Error("no model");
    const page = generateReference(result.model);
    expectGolden(`${name}.reference.md`, page);
    expect(vitepressProblems(page)).toEqual([]);
    expect(generateReference(result.model)).toBe(page);
  });

  it("finds what VitePress would trip on (the check above checks something)", () => {
    expect(vitepressProblems("a <b> c")).toHaveLength(1);
    expect(vitepressProblems("a {{ b }}")).toHaveLength(1);
    expect(vitepressProblems("| a | b |\n| --- | --- |\n| x |")).toHaveLength(1);
    expect(vitepressProblems("`<b>` <code v-pre>{{ b }}</code> \\| &lt;")).toEqual([]);
  });
});
