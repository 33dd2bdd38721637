/**
 * Maps the frames of a JS stack from an extension's bundle (`function.mjs:12`) back to the
 * author's files (`src/deep.ts:7:19`), with the source map its module carries in the
 * `kiln_source_map` section (see `docs/jobs.md`, "Stack traces and source maps").
 *
 * @module
 */
import {
  BUNDLE_FILE,
  decodeMappings,
  decodeSourceMapSection,
  type MappingSegment,
  SOURCE_MAP_SECTION,
} from "@kiln/javy-plugin";

/** A position in an original file, 1-based as people count. */
export interface SourcePosition {
  /** As stored: `src/deep.ts`, `node_modules/<package>/…`, `kiln:…` for Kiln's own code. */
  readonly source: string;
  readonly line: number;
  readonly column: number;
}

/** A frame line of QuickJS's stack: `    at name (location)`. */
const FRAME_LINE = /^(\s*at )(.*) \(([^()]*)\)$/;

/** `function.mjs:12`: a frame in the bundle, with its line. */
const BUNDLE_LOCATION = new RegExp(`^${BUNDLE_FILE.replace(/[.]/g, "\\.")}:(\\d+)$`);

/**
 * The source map of one module, decoded. QuickJS gives a frame a bundle line and no column, so a
 * frame is mapped through its line and, when the line has several calls, the name of the function
 * it called (the frame above it), which picks the call's segment: codegen stores one per call,
 * named after the callee (`packages/codegen/src/source-map.ts`).
 */
export class SourceMapper {
  readonly #sources: readonly string[];
  readonly #names: readonly string[];
  /** Segments per bundle line (index 0 is line 1), each with an original position. */
  readonly #lines: readonly (readonly MappingSegment[])[];

  /** Throws a `KILN_MODULE_INVALID` error when `section` (the section's bytes) is not a source map. */
  constructor(section: Uint8Array) {
    const map = decodeSourceMapSection(section);
    this.#sources = map.sources;
    this.#names = map.names;
    this.#lines = decodeMappings(map.mappings).map((line) =>
      line.filter((s) => s.source !== undefined && map.sources[s.source] !== undefined),
    );
  }

  /**
   * The mapper for `module`'s `kiln_source_map` section, or undefined when it has none (built with
   * `sourceMap: false`, or by another tool). Throws as the constructor does.
   */
  static fromModule(module: WebAssembly.Module): SourceMapper | undefined {
    const [section] = WebAssembly.Module.customSections(module, SOURCE_MAP_SECTION);
    return section ? new SourceMapper(new Uint8Array(section)) : undefined;
  }

  /**
   * Where bundle line `line` (1-based, as QuickJS counts) comes from: the call of `callee` on that
   * line when there is one, else the line's first mapped position. Undefined for a line the map
   * does not cover (esbuild's own helpers).
   */
  position(line: number, callee?: string): SourcePosition | undefined {
    const segments = this.#lines[line - 1];
    if (!segments?.length) return undefined;
    const call =
      callee === undefined ? undefined : segments.find((s) => s.name !== undefined && this.#names[s.name] === callee);
    const s = call ?? (segments[0] as MappingSegment);
    return {
      source: this.#sources[s.source as number] as string,
      line: (s.sourceLine as number) + 1,
      column: (s.sourceColumn as number) + 1,
    };
  }

  /**
   * `stack` (QuickJS's text, a `    at name (location)` line per frame, innermost first) with every
   * bundle frame that has a line rewritten as `    at name (source:line:column)`; other lines
   * (native frames, Kiln's sandbox globals, frames without a line) unchanged. `errorName` (the
   * error's `name`) picks the innermost frame's call: the `new RangeError(…)` that made it.
   */
  mapStack(stack: string, errorName?: string): string {
    const lines = stack.split("\n");
    const frames = lines.map((line) => FRAME_LINE.exec(line));
    return lines
      .map((line, i) => {
        const frame = frames[i];
        const at = frame && BUNDLE_LOCATION.exec(frame[3] as string);
        if (!frame || !at) return line;
        const above = i === 0 ? undefined : frames[i - 1];
        const callee = above ? above[2] : i === 0 ? errorName : undefined;
        const position = this.position(Number(at[1]), callee);
        if (!position) return line;
        return `${frame[1]}${frame[2]} (${position.source}:${position.line}:${position.column})`;
      })
      .join("\n");
  }
}
