/**
 * The compiler options an extension is written against: its own tsconfig.json (the one next to
 * package.json, `extends` followed by TypeScript itself) or, without one, the SDK's preset
 * (`@kiln/sdk/tsconfig.json`). The analysis and the type check use them, so that `kiln build`
 * judges the code as the author's editor does. Also finds where in the `extends` chain an option is
 * set, so that a diagnostic about it points at the line to change.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ts } from "ts-morph";

/** The SDK's preset, which an extension's tsconfig.json extends, and the options used without one. */
export const SDK_TSCONFIG = "@kiln/sdk/tsconfig.json";

/**
 * The export condition of the workspace packages' TypeScript sources. esbuild bundles with it, so
 * the checker resolves with it too: both see the same files.
 */
const SOURCE_CONDITION = "@kiln/source";

/** TS18003, "No inputs were found in config file": the analysis takes its files from the entry. */
const NO_INPUTS = 18003;

/** What the project's TypeScript configuration says, as far as the build cares. */
export interface ProjectTsconfig {
  /** The project's tsconfig.json; undefined when it has none and the SDK's preset stands in. */
  readonly file: string | undefined;
  /**
   * The options the author's code is checked with: as configured, with `noEmit` forced (and what
   * only emitting needs dropped), TypeScript's deprecation errors silenced (they are about
   * TypeScript's next version, not this build) and the workspace source condition added.
   */
  readonly options: ts.CompilerOptions;
  /** Declaration files the tsconfig includes: globals the author declares without importing them. */
  readonly declarationFiles: readonly string[];
  /** Problems in the configuration itself: reported when types are checked. */
  readonly problems: readonly ts.Diagnostic[];
  /** The parsed tsconfig.json (or the stand-in that extends the preset), for finding options in it. */
  readonly source: ts.TsConfigSourceFile;
}

/** Reads the project's tsconfig.json, or the SDK's preset when there is none. Never throws. */
export function readProjectTsconfig(projectDir: string): ProjectTsconfig {
  const own = path.join(projectDir, "tsconfig.json");
  const file = existsSync(own) ? own : undefined;
  const preset = file === undefined ? resolvePreset(projectDir) : undefined;
  const source =
    file !== undefined
      ? ts.readJsonConfigFile(file, ts.sys.readFile)
      : // A project without a tsconfig.json is checked as if it had the one-line file the docs show.
        ts.parseJsonText(own, JSON.stringify({ extends: preset?.file }));
  const parsed = ts.parseJsonSourceFileConfigFileContent(source, ts.sys, projectDir, undefined, own);
  const options = buildOptions(parsed.options);
  const declarationFiles = parsed.fileNames.filter((name) => /\.d\.[cm]?ts$/.test(name));
  if (preset && !preset.fromProject) {
    // The preset's `types` entry resolves from the project, which has no SDK of its own: the
    // sandbox's globals then come from the SDK this compiler came with, as a root file.
    options.types = (options.types ?? []).filter((name) => name !== SDK_SANDBOX_TYPES);
    // The export has only a `types` condition, so it is found beside the preset, in the same package.
    declarationFiles.push(path.join(path.dirname(preset.file), "sandbox.d.ts"));
  }
  return {
    file,
    options,
    declarationFiles,
    problems: parsed.errors.filter((d) => d.code !== NO_INPUTS),
    source,
  };
}

/** The preset's `types` entry: the sandbox's globals. */
const SDK_SANDBOX_TYPES = "@kiln/sdk/sandbox";

/** The preset as the project would resolve it, else the one of the SDK this compiler came with. */
function resolvePreset(projectDir: string): { file: string; fromProject: boolean } {
  try {
    return { file: createRequire(path.join(projectDir, "package.json")).resolve(SDK_TSCONFIG), fromProject: true };
  } catch {
    return { file: createRequire(import.meta.url).resolve(SDK_TSCONFIG), fromProject: false };
  }
}

function buildOptions(configured: ts.CompilerOptions): ts.CompilerOptions {
  const options: ts.CompilerOptions = { ...configured, noEmit: true };
  // Emit-only options that TypeScript refuses next to noEmit.
  for (const name of ["emitDeclarationOnly", "composite", "incremental", "tsBuildInfoFile"] as const) {
    delete options[name];
  }
  options.ignoreDeprecations ??= "6.0";
  const resolution = options.moduleResolution;
  if (
    resolution === ts.ModuleResolutionKind.Bundler ||
    resolution === ts.ModuleResolutionKind.Node16 ||
    resolution === ts.ModuleResolutionKind.NodeNext
  ) {
    options.customConditions = [...(options.customConditions ?? []), SOURCE_CONDITION];
  }
  return options;
}

/**
 * Whether the checker runs with `strictNullChecks`: the job schemas need it (`T | null` and
 * optional properties mean something in a schema), so without it the analysis uses options of its own.
 */
export function checksNulls(options: ts.CompilerOptions): boolean {
  return options.strictNullChecks ?? options.strict ?? true;
}

/** Where a compiler option is set: the file and the `"name": value` pair in it. */
export interface OptionSetting {
  readonly source: ts.TsConfigSourceFile;
  readonly node: ts.PropertyAssignment;
}

/**
 * Finds the file of the `extends` chain that sets `compilerOptions[name]` as it takes effect: the
 * file itself first, then what it extends (the last of an `extends` list first, as TypeScript
 * lets later ones win).
 */
export function findOptionSetting(tsconfig: ProjectTsconfig, name: string): OptionSetting | undefined {
  return findIn(tsconfig.source, name, new Set());
}

function findIn(source: ts.TsConfigSourceFile, name: string, seen: Set<string>): OptionSetting | undefined {
  if (seen.has(source.fileName)) return undefined;
  seen.add(source.fileName);
  const root = rootObject(source);
  const compilerOptions = root && property(root, "compilerOptions");
  const options =
    compilerOptions && ts.isObjectLiteralExpression(compilerOptions.initializer) ? compilerOptions : undefined;
  const own = options && property(options.initializer as ts.ObjectLiteralExpression, name);
  if (own) return { source, node: own };
  const extended = root && property(root, "extends")?.initializer;
  const specifiers = !extended
    ? []
    : ts.isStringLiteral(extended)
      ? [extended.text]
      : ts.isArrayLiteralExpression(extended)
        ? extended.elements.filter(ts.isStringLiteral).map((e) => e.text)
        : [];
  for (const specifier of specifiers.reverse()) {
    const file = resolveExtends(specifier, path.dirname(source.fileName));
    if (file === undefined) continue;
    const found = findIn(ts.readJsonConfigFile(file, ts.sys.readFile), name, seen);
    if (found) return found;
  }
  return undefined;
}

function rootObject(source: ts.TsConfigSourceFile): ts.ObjectLiteralExpression | undefined {
  const expression = source.statements[0]?.expression;
  return expression && ts.isObjectLiteralExpression(expression) ? expression : undefined;
}

function property(object: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return object.properties.find(
    (p): p is ts.PropertyAssignment =>
      ts.isPropertyAssignment(p) && (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name)) && p.name.text === name,
  );
}

/** An `extends` value as TypeScript resolves it: a path, or a package's export or tsconfig.json. */
function resolveExtends(specifier: string, fromDir: string): string | undefined {
  if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
    const file = path.resolve(fromDir, specifier);
    if (existsSync(file)) return file;
    return existsSync(`${file}.json`) ? `${file}.json` : undefined;
  }
  const require = createRequire(path.join(fromDir, "tsconfig.json"));
  for (const candidate of [specifier, `${specifier}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // Try the next form.
    }
  }
  return undefined;
}
