/**
 * `kiln build`: analyse → model → glue → bundle → bytecode → module + manifest.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { checkManifest, KilnError, type KilnErrorOptions, type Manifest } from "@kiln/contracts";
import { compileSource, emitDynamicModule, loadPluginModule, PLUGIN_NAMESPACE } from "@kiln/javy-plugin";
import { type Message as EsbuildMessage, build as esbuild } from "esbuild";
import { builtinFix, builtinMessage, nodeBuiltinName } from "./analyze/imports.js";
import { type AnalysisCache, analyzeProject } from "./analyze.js";
import { codeFrame, DIAGNOSTIC_CODES, DiagnosticsError } from "./diagnostics.js";
import { generateGlue, generateManifest } from "./generate.js";
import type { ExtensionModel } from "./model.js";
import { moduleExports } from "./names.js";
import type { BuildSession } from "./session.js";
import { compactSourceMap, GLUE_FILE } from "./source-map.js";
import { generateTypes } from "./types.js";
import { CODEGEN_VERSION } from "./version.js";

/** Options of {@link buildExtension}. */
export interface BuildOptions {
  /** The extension project (the folder with its package.json). */
  readonly projectDir: string;
  /** Where to write `manifest.json`, `extension.wasm` and `types.d.ts`. Default `<projectDir>/dist`. */
  readonly outDir?: string;
  /** Permission names the application publishes, besides the built-in ones. */
  readonly knownPermissions?: readonly string[];
  /** Embed the JS source in the `javy_source` section (Brotli, as Javy). Default `"compressed"`. */
  readonly source?: "compressed" | "raw" | "omit";
  /**
   * Store a source map of the bundle in the module's `kiln_source_map` section, so that the host
   * shows stack frames as `src/file.ts:line:col`. Default true; false leaves it out (frames then
   * show bundle lines, `function.mjs:line`).
   */
  readonly sourceMap?: boolean;
  /**
   * Refuse `any` in a job's input, result and checkpoint state types (`KILN_TYPE_NOT_JSON`)
   * instead of giving them the schema `{}`, which accepts any JSON value. Default false.
   */
  readonly strict?: boolean;
  /**
   * Type-check the extension's own files with its tsconfig.json's options (the SDK's preset
   * without one) and fail the build on a type error (`KILN_TYPE_ERROR`, listed with the other
   * diagnostics). Default true; false builds code that does not type-check (`kiln build --no-typecheck`).
   */
  readonly typecheck?: boolean;
  /**
   * The parsed TypeScript project kept for the next build of the same project in this process:
   * pass one {@link AnalysisCache} to every build (a {@link BuildSession} does). The next analysis
   * re-reads only the author's files and the dependencies that changed on disk, and TypeScript
   * builds the new program from the old one, so a rebuild's analysis costs a fraction of the
   * first. The results are the same as without it.
   */
  readonly cache?: AnalysisCache;
}

/** What {@link buildExtension} produced. */
export interface BuildResult {
  readonly model: ExtensionModel;
  readonly manifest: Manifest;
  readonly outDir: string;
  /** The files written: the manifest, the module, and the application's typings of the jobs. */
  readonly files: { readonly manifest: string; readonly module: string; readonly types: string };
  /** Sizes in bytes. */
  readonly sizes: { readonly bundle: number; readonly bytecode: number; readonly module: number };
  /** Milliseconds spent in each step. */
  readonly timings: Readonly<Record<"analyze" | "bundle" | "compile" | "emit", number>>;
}

/** The module's file name in `dist/`. */
export const MODULE_FILE = "extension.wasm";

/** The file name in `dist/` of the declaration that types the extension's jobs for applications. */
export const TYPES_FILE = "types.d.ts";

/** The codes a {@link BuildError} carries, each a row of the error table in `@kiln/contracts`. */
export type BuildErrorCode =
  | "KILN_BUNDLE_FAILED"
  | "KILN_NODE_BUILTIN_IMPORT"
  | "KILN_JS_COMPILE_FAILED"
  | "KILN_MANIFEST_INVALID";

/**
 * A step after the analysis failed: bundling (`KILN_BUNDLE_FAILED`, with each file:line:col, or
 * `KILN_NODE_BUILTIN_IMPORT` when a dependency imports a Node built-in), compiling the bundle to
 * bytecode (`KILN_JS_COMPILE_FAILED`), or the generated manifest failing its schema
 * (`KILN_MANIFEST_INVALID`, an internal error). `extensionId` is the extension's id.
 */
export class BuildError extends KilnError {
  declare readonly code: BuildErrorCode;
  constructor(code: BuildErrorCode, message: string, options?: KilnErrorOptions) {
    super(code, message, options);
  }
}

/**
 * Builds one extension. Throws {@link DiagnosticsError} with every problem in the author's
 * decorators, or {@link BuildError} when bundling or compiling fails.
 */
export function buildExtension(options: BuildOptions): Promise<BuildResult> {
  return buildWith(options, compileSource);
}

/**
 * {@link buildExtension}, compiling the bundle to bytecode with `compile` (a {@link BuildSession}
 * passes its warm plugin instance's).
 * @internal
 */
export async function buildWith(
  options: BuildOptions,
  compile: (source: string) => Promise<Uint8Array>,
): Promise<BuildResult> {
  const projectDir = resolve(options.projectDir);
  const outDir = resolve(options.outDir ?? join(projectDir, "dist"));
  const timings = { analyze: 0, bundle: 0, compile: 0, emit: 0 };
  let t = performance.now();
  const lap = (step: keyof typeof timings) => {
    const now = performance.now();
    timings[step] = Math.round((now - t) * 10) / 10;
    t = now;
  };

  // Compiling the plugin takes about a second; it proceeds off the main thread while the analysis
  // runs. Its error surfaces where it is awaited.
  const warmUp = loadPluginModule();
  warmUp.catch(() => undefined);

  const analysis = analyzeProject({
    projectDir,
    ...(options.knownPermissions ? { knownPermissions: options.knownPermissions } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
    ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
  });
  const errors = analysis.diagnostics.filter((d) => d.severity === "error");
  if (!analysis.model || errors.length) throw new DiagnosticsError(analysis.diagnostics);
  const model = analysis.model;
  lap("analyze");

  const { code: bundle, map } = await bundleGlue(model, projectDir, options.sourceMap !== false);
  lap("bundle");

  let bytecode: Uint8Array;
  try {
    bytecode = await compile(bundle);
  } catch (cause) {
    throw new BuildError(
      "KILN_JS_COMPILE_FAILED",
      `QuickJS could not compile the bundle: ${(cause as Error).message}`,
      { cause, extensionId: model.id },
    );
  }
  lap("compile");

  const moduleBytes = await emitDynamicModule({
    bytecode,
    exports: moduleExports(model),
    namespace: PLUGIN_NAMESPACE,
    source: bundle,
    sourceMode: options.source ?? "compressed",
    producer: { name: "Kiln", version: CODEGEN_VERSION },
    ...(map !== undefined ? { sourceMap: compactSourceMap(map, bundle, projectDir) } : {}),
  });
  const sha256 = createHash("sha256").update(moduleBytes).digest("hex");
  const manifest = generateManifest(model, { file: MODULE_FILE, sha256 });
  const issues = checkManifest(manifest);
  if (issues.length) {
    throw new BuildError(
      "KILN_MANIFEST_INVALID",
      `internal error: the generated manifest fails its schema (${issues.map((i) => `${i.path}: ${i.message}`).join("; ")})`,
      { extensionId: model.id },
    );
  }
  await mkdir(outDir, { recursive: true });
  const files = {
    manifest: join(outDir, "manifest.json"),
    module: join(outDir, MODULE_FILE),
    types: join(outDir, TYPES_FILE),
  };
  await writeFile(files.module, moduleBytes);
  await writeFile(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(files.types, generateTypes(model));
  lap("emit");

  return {
    model,
    manifest,
    outDir,
    files,
    sizes: { bundle: Buffer.byteLength(bundle), bytecode: bytecode.length, module: moduleBytes.length },
    timings,
  };
}

/**
 * Bundles the glue and everything it imports into one ES2020 module, decorators lowered; with
 * `sourceMap`, also esbuild's source map of it (JSON, paths relative to the project).
 */
async function bundleGlue(
  model: ExtensionModel,
  projectDir: string,
  sourceMap: boolean,
): Promise<{ code: string; map?: string }> {
  const entry = `./${relative(projectDir, join(projectDir, model.entryFile)).split("\\").join("/")}`;
  try {
    const result = await esbuild({
      stdin: { contents: generateGlue(model, entry), resolveDir: projectDir, sourcefile: GLUE_FILE, loader: "js" },
      bundle: true,
      write: false,
      format: "esm",
      // QuickJS 2021-03-27 speaks ES2020; esbuild lowers TC39 decorators and newer syntax to it.
      target: "es2020",
      platform: "neutral",
      mainFields: ["module", "main"],
      // Resolves workspace packages to their sources; published @kiln packages do not carry it.
      conditions: ["@kiln/source"],
      logLevel: "silent",
      legalComments: "none",
      // Not minified: QuickJS records only a line per bytecode position, so one statement per
      // line is what lets a frame be mapped to its statement (minified, the bundle was one line).
      // Costs ~3% of bytecode and ~6% of module size. Identifiers are kept either way, so stack
      // traces name the author's functions.
      charset: "utf8",
      // Never written (`write: false`): it makes the map's paths relative to the project.
      outfile: join(projectDir, "kiln-bundle.js"),
      ...(sourceMap ? { sourcemap: "external" as const, sourcesContent: false } : {}),
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text;
    return map === undefined ? { code } : { code, map };
  } catch (cause) {
    throw bundleError(cause, projectDir, model.id);
  }
}

/**
 * esbuild's failure as a {@link BuildError}, each of its messages at file:line:col (relative to
 * the project) with its line as a frame. A Node built-in that does not resolve is
 * `KILN_NODE_BUILTIN_IMPORT` with the way out: the author's own imports of built-ins are diagnostics
 * before anything is bundled, so this one comes from a dependency. Anything else is
 * `KILN_BUNDLE_FAILED`.
 */
function bundleError(cause: unknown, projectDir: string, extensionId: string): BuildError {
  const messages = (cause as { errors?: EsbuildMessage[] }).errors ?? [];
  if (messages.length === 0) {
    return new BuildError("KILN_BUNDLE_FAILED", `bundling failed: ${(cause as Error).message}`, { cause, extensionId });
  }
  let builtin = false;
  const detail = messages.map((m) => {
    const specifier = /^Could not resolve "([^"]+)"$/.exec(m.text)?.[1];
    // esbuild tried node_modules already: a bare built-in name here is not an installed package.
    const name = specifier === undefined ? undefined : nodeBuiltinName(specifier);
    if (specifier === undefined || name === undefined) {
      return formatBundleMessage(
        m,
        projectDir,
        m.text,
        m.notes.map((n) => `  note: ${n.text}`),
      );
    }
    builtin = true;
    const fix = builtinFix(name) ?? DIAGNOSTIC_CODES.KILN_NODE_BUILTIN_IMPORT.fix;
    return formatBundleMessage(m, projectDir, builtinMessage(specifier, name), [`  fix: ${fix}`]);
  });
  return builtin
    ? new BuildError("KILN_NODE_BUILTIN_IMPORT", `a dependency cannot be bundled:\n${detail.join("\n\n")}`, {
        cause,
        extensionId,
      })
    : new BuildError("KILN_BUNDLE_FAILED", `bundling failed:\n${detail.join("\n\n")}`, { cause, extensionId });
}

/** `file:line:col: text`, the line with carets under the span, then `extra` lines. */
function formatBundleMessage(m: EsbuildMessage, projectDir: string, text: string, extra: string[]): string {
  const at = m.location;
  if (at === null) return [text, ...extra].join("\n");
  // esbuild names files relative to its working directory (the process's) and counts columns in bytes.
  const file = at.file === GLUE_FILE ? at.file : relative(projectDir, resolve(at.file)).split("\\").join("/");
  const bytes = Buffer.from(at.lineText);
  const column = bytes.subarray(0, at.column).toString().length + 1;
  const endColumn = bytes.subarray(0, at.column + Math.max(at.length, 1)).toString().length + 1;
  const frame = codeFrame(at.lineText, { line: at.line, column, endLine: at.line, endColumn }, at.line);
  return [`${file}:${at.line}:${column}: ${text}`, frame, ...extra].join("\n");
}
