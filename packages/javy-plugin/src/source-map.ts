/**
 * The `kiln_source_map` custom section: a source map (version 3, without `sourcesContent`) from
 * the bundled JS a module's bytecode was compiled from back to the author's files, Brotli-compressed
 * like `javy_source`. Codegen writes it (`emitDynamicModule`'s `sourceMap`), the host reads it to
 * map the frames of a JS stack. Also the Base64 VLQ codec of the map's `mappings`, which both
 * sides need: codegen to read esbuild's map and write the stored one, the host to read it.
 *
 * @module
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from "node:zlib";
import { KilnError } from "@kiln/contracts/errors";
import { BUNDLE_FILE, SOURCE_MAP_SECTION } from "./abi.js";

/**
 * The source map a module carries: the fields of a version 3 source map that mapping needs, so any
 * tool that reads source maps reads it. Codegen keeps only the segments a stack frame can land on
 * (see `docs/jobs.md`, "Stack traces and source maps"), not every segment esbuild wrote.
 */
export interface StoredSourceMap {
  readonly version: 3;
  /**
   * The original files: paths relative to the extension's project (`src/deep.ts`),
   * `node_modules/<package>/…` for dependencies, `kiln:…` for Kiln's own code (the glue, the SDK).
   */
  readonly sources: readonly string[];
  /** Names of the segments that mark a call site: the function or constructor called there. */
  readonly names: readonly string[];
  /** Base64 VLQ segments, `;` between generated lines, `,` between segments of a line. */
  readonly mappings: string;
}

/** One segment of a source map, every position 0-based. */
export interface MappingSegment {
  /** Column in the generated line. */
  readonly column: number;
  /** Index into `sources`; absent for a segment that maps to no original position. */
  readonly source?: number;
  readonly sourceLine?: number;
  readonly sourceColumn?: number;
  /** Index into `names`. */
  readonly name?: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** Highest VLQ digit count read for one value: 7 × 5 bits cover every 32-bit number. */
const MAX_VLQ_DIGITS = 7;

/**
 * Decodes `mappings` into segments per generated line (line 0 first). Throws a
 * `KILN_MODULE_INVALID` {@link KilnError} for text that is not Base64 VLQ or a segment with
 * other than 1, 4 or 5 fields.
 */
export function decodeMappings(mappings: string): MappingSegment[][] {
  const lines: MappingSegment[][] = [];
  let line: MappingSegment[] = [];
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  let name = 0;
  let column = 0;
  const fields: number[] = [];
  let at = 0;
  const end = mappings.length;
  const endSegment = () => {
    if (fields.length === 0) return;
    column += fields[0] as number;
    if (fields.length === 1) line.push({ column });
    else if (fields.length === 4 || fields.length === 5) {
      source += fields[1] as number;
      sourceLine += fields[2] as number;
      sourceColumn += fields[3] as number;
      if (fields.length === 5) {
        name += fields[4] as number;
        line.push({ column, source, sourceLine, sourceColumn, name });
      } else line.push({ column, source, sourceLine, sourceColumn });
    } else invalid(`a segment has ${fields.length} fields (1, 4 or 5 expected)`);
    fields.length = 0;
  };
  while (at < end) {
    const c = mappings.charCodeAt(at);
    if (c === 59 /* ; */) {
      endSegment();
      lines.push(line);
      line = [];
      column = 0;
      at++;
    } else if (c === 44 /* , */) {
      endSegment();
      at++;
    } else {
      let value = 0;
      let shift = 0;
      let digits = 0;
      for (;;) {
        const digit = at < end ? (DIGIT[mappings.charCodeAt(at)] ?? -1) : -1;
        if (digit < 0 || ++digits > MAX_VLQ_DIGITS) invalid(`bad Base64 VLQ at offset ${at}`);
        at++;
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
      }
      fields.push(value % 2 === 1 ? -Math.floor(value / 2) : value / 2);
    }
  }
  endSegment();
  lines.push(line);
  return lines;
}

/** Encodes segments per generated line as `mappings`: the inverse of {@link decodeMappings}. */
export function encodeMappings(lines: readonly (readonly MappingSegment[])[]): string {
  let out = "";
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  let name = 0;
  lines.forEach((segments, i) => {
    if (i > 0) out += ";";
    let column = 0;
    segments.forEach((s, j) => {
      if (j > 0) out += ",";
      out += vlq(s.column - column);
      column = s.column;
      if (s.source === undefined) return;
      out += vlq(s.source - source) + vlq((s.sourceLine ?? 0) - sourceLine) + vlq((s.sourceColumn ?? 0) - sourceColumn);
      source = s.source;
      sourceLine = s.sourceLine ?? 0;
      sourceColumn = s.sourceColumn ?? 0;
      if (s.name === undefined) return;
      out += vlq(s.name - name);
      name = s.name;
    });
  });
  return out;
}

function vlq(n: number): string {
  let value = n < 0 ? -n * 2 + 1 : n * 2;
  let out = "";
  do {
    let digit = value % 32;
    value = Math.floor(value / 32);
    if (value > 0) digit += 32;
    out += BASE64[digit];
  } while (value > 0);
  return out;
}

/** The section's bytes for `map`: its JSON, Brotli-compressed at the highest quality (as `javy_source`). */
export function encodeSourceMapSection(map: StoredSourceMap): Uint8Array {
  const { version, sources, names, mappings } = map;
  const json = JSON.stringify({ version, sources, names, mappings });
  return brotliCompressSync(json, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
}

/**
 * Reads a `kiln_source_map` section's bytes. Throws a `KILN_MODULE_INVALID` {@link KilnError}
 * when they are not Brotli-compressed JSON of a version 3 source map; `mappings` is checked when
 * decoded, not here.
 */
export function decodeSourceMapSection(bytes: Uint8Array): StoredSourceMap {
  let value: unknown;
  try {
    value = JSON.parse(brotliDecompressSync(bytes).toString("utf8"));
  } catch (cause) {
    invalid(`not Brotli-compressed JSON (${(cause as Error).message})`);
  }
  const map = value as Partial<StoredSourceMap> | null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (
    typeof map !== "object" ||
    map === null ||
    map.version !== 3 ||
    !strings(map.sources) ||
    !strings(map.names) ||
    typeof map.mappings !== "string"
  ) {
    invalid("not a version 3 source map with sources, names and mappings");
  }
  return map as StoredSourceMap;
}

function invalid(reason: string): never {
  throw new KilnError(
    "KILN_MODULE_INVALID",
    `a source map (a module's ${SOURCE_MAP_SECTION} section) is corrupted: ${reason}. Rebuild the extension with \`kiln build\`; until then its stacks show bundle positions (${BUNDLE_FILE}:line)`,
  );
}
