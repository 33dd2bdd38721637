/**
 * Shapes esbuild's source map of the bundle into the one a module carries (the `kiln_source_map`
 * section): only the segments a stack frame can use, with paths the author recognises.
 *
 * QuickJS 2021-03-27 records a line, never a column, per bytecode position, and the line it records
 * for a call is the line of the call's last token (its `)`). A frame therefore gives the host a
 * bundle line and, from the frame above it, the name of the function called there. So per bundle
 * line the stored map keeps the first segment (where a frame lands when nothing better is known)
 * and one segment per call or `new` on that line, named after the callee, at the callee's name (a
 * call) or at `new`, the column a V8 stack would show; a call that spans lines is marked again on
 * the line of its `)`, the line QuickJS reports.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { decodeMappings, encodeMappings, type MappingSegment, type StoredSourceMap } from "@kiln/javy-plugin";
import { ts } from "ts-morph";
import { isOwnFile } from "./analyze/cache.js";

/** The file name esbuild gives the generated glue (its stdin); stored as {@link GLUE_SOURCE}. */
export const GLUE_FILE = "kiln-glue.js";

/** The glue's name in stored maps: Kiln's code, not the author's. */
export const GLUE_SOURCE = "kiln:glue.js";

/** Prefix of a stored source that is Kiln's own code: the glue, and the files of `@kiln/*` packages. */
export const INTERNAL_SOURCE_PREFIX = "kiln:";

/** What esbuild writes as its external source map (the fields used here). */
interface EsbuildMap {
  readonly sources: readonly string[];
  readonly names?: readonly string[];
  readonly mappings: string;
}

/**
 * The map to store for `bundle`, from esbuild's map of it (`mapJson`, with paths relative to
 * `projectDir`). Deterministic for the same input.
 */
export function compactSourceMap(mapJson: string, bundle: string, projectDir: string): StoredSourceMap {
  const map = JSON.parse(mapJson) as EsbuildMap;
  const generated = decodeMappings(map.mappings);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const lines: MappingSegment[][] = generated.map((segments) => {
    const first = segments.find((s) => s.source !== undefined);
    return first ? [strip(first)] : [];
  });

  for (const site of callSites(bundle)) {
    const original = segmentAt(generated[site.line] ?? [], site.column);
    if (!original) continue;
    let name = nameIndex.get(site.name);
    if (name === undefined) {
      name = names.push(site.name) - 1;
      nameIndex.set(site.name, name);
    }
    const mark = { ...strip(original), name };
    lines[site.line]?.push({ ...mark, column: site.column });
    if (site.endLine !== site.line) lines[site.endLine]?.push({ ...mark, column: site.endColumn });
  }

  // Keep only the sources some segment still points at, renumbered in order of first use.
  const used = new Map<number, number>();
  const sources: string[] = [];
  const paths = new SourcePaths(projectDir);
  const stored = lines.map((segments) =>
    sortByColumn(segments).map((s) => {
      const old = s.source as number;
      let index = used.get(old);
      if (index === undefined) {
        index = sources.push(paths.display(map.sources[old] ?? "")) - 1;
        used.set(old, index);
      }
      return { ...s, source: index };
    }),
  );
  // Trailing lines without segments carry nothing.
  while (stored.length > 0 && (stored[stored.length - 1] as MappingSegment[]).length === 0) stored.pop();
  return { version: 3, sources, names, mappings: encodeMappings(stored) };
}

/** A call or `new` in the bundle, 0-based positions. */
interface CallSite {
  /** The callee's name: the identifier, or a member access's property name. */
  readonly name: string;
  /** Where its name (a call) or `new` starts. */
  readonly line: number;
  readonly column: number;
  /** Where its last token (`)`) is: the line QuickJS records for the call. */
  readonly endLine: number;
  readonly endColumn: number;
}

/** Every call and `new` with a named callee in `bundle`, found by parsing it (no regex guesses). */
function callSites(bundle: string): CallSite[] {
  const file = ts.createSourceFile("bundle.js", bundle, ts.ScriptTarget.ES2020, false, ts.ScriptKind.JS);
  const sites: CallSite[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = node.expression;
      const named = ts.isIdentifier(callee)
        ? callee
        : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)
          ? callee.name
          : undefined;
      if (named) {
        const at = ts.isNewExpression(node) ? node.getStart(file) : named.getStart(file);
        const start = file.getLineAndCharacterOfPosition(at);
        const end = file.getLineAndCharacterOfPosition(Math.max(at, node.end - 1));
        sites.push({
          name: named.text,
          line: start.line,
          column: start.character,
          endLine: end.line,
          endColumn: end.character,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return sites;
}

/** The segment with an original position at `column` of a generated line, else the last one before it. */
function segmentAt(segments: readonly MappingSegment[], column: number): MappingSegment | undefined {
  let found: MappingSegment | undefined;
  for (const s of segments) {
    if (s.column > column) break;
    if (s.source !== undefined) found = s;
  }
  return found;
}

/** The segment without its name (esbuild names only renamed identifiers, which frames never need). */
function strip(s: MappingSegment): MappingSegment {
  const { column, source, sourceLine = 0, sourceColumn = 0 } = s;
  return source === undefined ? { column } : { column, source, sourceLine, sourceColumn };
}

/** By column; a named segment after an unnamed one at the same column, duplicates dropped. */
function sortByColumn(segments: MappingSegment[]): MappingSegment[] {
  const sorted = [...segments].sort((a, b) => a.column - b.column || (a.name ?? -1) - (b.name ?? -1));
  return sorted.filter((s, i) => {
    const prev = sorted[i - 1];
    return !prev || prev.column !== s.column || prev.name !== s.name;
  });
}

/**
 * How a source esbuild names is shown: relative to the project for the author's files,
 * `node_modules/<package>/<path>` for a dependency (wherever the package manager put it), and
 * `kiln:<package>/<path>` for Kiln's own packages (`kiln:sdk/src/runtime.ts`) and the glue.
 */
class SourcePaths {
  readonly #projectDir: string;
  /** Package root → its name (undefined: no name), per directory looked at. */
  readonly #packages = new Map<string, { root: string; name: string | undefined } | undefined>();

  constructor(projectDir: string) {
    this.#projectDir = resolve(projectDir);
  }

  display(source: string): string {
    if (source === GLUE_FILE) return GLUE_SOURCE;
    const file = resolve(this.#projectDir, source);
    const pkg = isOwnFile(this.#projectDir, file) ? undefined : this.#packageOf(dirname(file));
    if (!pkg?.name) return posix(relative(this.#projectDir, file));
    const within = posix(relative(pkg.root, file));
    if (pkg.name.startsWith("@kiln/")) return `${INTERNAL_SOURCE_PREFIX}${pkg.name.slice("@kiln/".length)}/${within}`;
    return `node_modules/${pkg.name}/${within}`;
  }

  /** The nearest folder at or above `dir` with a package.json, and its package's name. */
  #packageOf(dir: string): { root: string; name: string | undefined } | undefined {
    if (this.#packages.has(dir)) return this.#packages.get(dir);
    let found: { root: string; name: string | undefined } | undefined;
    try {
      const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
      found = { root: dir, name: typeof json.name === "string" ? json.name : undefined };
    } catch {
      const parent = dirname(dir);
      found = parent === dir ? undefined : this.#packageOf(parent);
    }
    this.#packages.set(dir, found);
    return found;
  }
}

function posix(path: string): string {
  return path.split(sep).join("/");
}
