/**
 * The TypeScript code blocks of the guides, for the test that type-checks them and for the site,
 * which hides each block's setup.
 *
 * A block may start with setup that the page does not show (declarations a fragment needs to
 * compile): everything up to a line `// ---cut---` is type-checked but not rendered, as in twoslash.
 * A block titled after its language (`ts [src/name.ts]`) is written under that name, so that a
 * later block of the same page can import it; untitled blocks are `block-<n>.ts`.
 *
 * @module
 */

/** The line that ends a block's hidden setup. */
export const CUT = "// ---cut---";

/** Languages of the fences that are type-checked. */
export const TS_LANGUAGES = new Set(["ts", "typescript", "mts"]);

/**
 * The fenced code blocks of a markdown page, in order.
 *
 * @param {string} markdown
 * @returns {{ lang: string, title: string | undefined, code: string, line: number }[]} `line` is
 *   the 1-based line of the block's first code line in the page.
 */
export function codeBlocks(markdown) {
  const lines = markdown.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, meta] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith(`${indent}${fence}`)) end++;
    const title = /\[([^\]]+)\]/.exec(meta)?.[1];
    const code = lines
      .slice(start, end)
      .map((l) => l.slice(indent.length))
      .join("\n");
    blocks.push({ lang: lang.toLowerCase(), title, code, line: start + 1 });
    i = end;
  }
  return blocks;
}

/** What the page shows of a block: the code after its `// ---cut---` line, if it has one. */
export function visiblePart(code) {
  const at = code.indexOf(`${CUT}\n`);
  return at === -1 ? code : code.slice(at + CUT.length + 1);
}
