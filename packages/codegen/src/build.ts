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
import { build as esbuild } from "esbuild";
import { analyzeProject } from "./analyze.js";
import { DiagnosticsError } from "./diagnostics.js";
import { generateGlue, generateManifest } from "./generate.js";
import type { ExtensionModel } from "./model.js";
import { moduleExports } from "./names.js";
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
   * Refuse `any` in a job's input, result and checkpoint state types (`KILN_TYPE_NOT_JSON`)
   * instead of giving them the schema `{}`, which accepts any JSON value. Default false.
   */
  readonly strict?: boolean;
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
export type BuildErrorCode = "KILN_BUNDLE_FAILED" | "KILN_JS_COMPILE_FAILED" | "KILN_MANIFEST_INVALID";

/**
 * A step after the analysis failed: bundling (`KILN_BUNDLE_FAILED`, with each file:line:col),
 * compiling the bundle to bytecode (`KILN_JS_COMPILE_FAILED`), or the generated manifest failing
 * its schema (`KILN_MANIFEST_INVALID`, an internal error). `extensionId` is the extension's id.
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
export async function buildExtension(options: BuildOptions): Promise<BuildResult> {
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
  });
  const errors = analysis.diagnostics.filter((d) => d.severity === "error");
  if (!analysis.model || errors.length) throw new DiagnosticsError(analysis.diagnostics);
  const model = analysis.model;
  lap("analyze");

  const bundle = await bundleGlue(model, projectDir);
  lap("bundle");

  let bytecode: Uint8Array;
  try {
    bytecode = await compileSource(bundle);
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

/** Bundles the glue and everything it imports into one ES2020 module, decorators lowered. */
async function bundleGlue(model: ExtensionModel, projectDir: string): Promise<string> {
  const entry = `./${relative(projectDir, join(projectDir, model.entryFile)).split("\\").join("/")}`;
  try {
    const result = await esbuild({
      stdin: { contents: generateGlue(model, entry), resolveDir: projectDir, sourcefile: "kiln-glue.js", loader: "js" },
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
      // Smaller bytecode; identifiers are kept so that stack traces name the author's functions.
      minifyWhitespace: true,
      minifySyntax: true,
      charset: "utf8",
    });
    return result.outputFiles[0]?.text ?? "";
  } catch (cause) {
    const messages = (
      cause as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }
    ).errors;
    const detail = messages?.length
      ? messages
          .map((m) =>
            m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text,
          )
          .join("\n")
      : (cause as Error).message;
    throw new BuildError("KILN_BUNDLE_FAILED", `bundling failed:\n${detail}`, { cause, extensionId: model.id });
  }
}
