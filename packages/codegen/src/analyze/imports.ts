/**
 * Imports of Node.js built-in modules (`node:fs`, `fs`, `path`, `child_process`, …) in the
 * author's files: the sandbox has none of them, and esbuild, bundling for no platform, would stop
 * at the first with "Could not resolve". Found here they are all reported at once, each at its
 * specifier with a fix that names the operation to use instead.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import type { BuiltinOperationName } from "@kiln/contracts";
import { type Node, type SourceFile, SyntaxKind } from "ts-morph";
import type { Reporter, TextSpan } from "./reporter.js";

const BUILTINS: ReadonlySet<string> = new Set(builtinModules);

const FILES_READ: BuiltinOperationName = "files.read";
const FILES_LIST: BuiltinOperationName = "files.list";
const HTTP_FETCH: BuiltinOperationName = "http.fetch";

/** Built-ins with a counterpart in the sandbox worth naming in the fix; the others get the table's. */
const FILES_FIX = `Read files through operations: \`await ctx.call("${FILES_READ}", { folder, path })\` (and "${FILES_LIST}"), with the "${FILES_READ}" permission and a folder the application grants (see docs/operations.md).`;
const NETWORK_FIX = `Use \`fetch(url)\` (or \`ctx.call("${HTTP_FETCH}", …)\`) with the "${HTTP_FETCH}" permission and the host in allowedHosts (see docs/operations.md).`;
const TIMERS_FIX =
  "Use the global `setTimeout` and `setInterval`; for a delay, `await new Promise((resolve) => setTimeout(resolve, ms))`.";
const FIX_OF: Readonly<Record<string, string>> = {
  fs: FILES_FIX,
  "fs/promises": FILES_FIX,
  http: NETWORK_FIX,
  https: NETWORK_FIX,
  http2: NETWORK_FIX,
  net: NETWORK_FIX,
  tls: NETWORK_FIX,
  dns: NETWORK_FIX,
  "dns/promises": NETWORK_FIX,
  path: 'Paths in file operations are relative and "/"-separated: join them as strings.',
  crypto:
    "Use the sandbox's Web Crypto global: `crypto.getRandomValues`, `crypto.randomUUID()` and `crypto.subtle.digest` (see docs/sandbox.md).",
  timers: TIMERS_FIX,
  "timers/promises": TIMERS_FIX,
  url: "Use the global `URL` and `URLSearchParams`.",
  buffer: "Use `Uint8Array`, the global `TextEncoder` and `TextDecoder`, and `atob`/`btoa` for base64.",
  events: "Use the global `EventTarget` and `Event`, or a bundlable emitter package.",
};

/**
 * The built-in `specifier` names (`"fs"` for `"node:fs"` and `"fs"`), or undefined when it names
 * none. `node:` always means a built-in; a bare name does not when a package of that name is
 * installed where `fromDir` would find it (esbuild bundles `events` or `buffer` from npm then).
 */
export function nodeBuiltinName(specifier: string, fromDir?: string): string | undefined {
  if (specifier.startsWith("node:")) return specifier.slice("node:".length);
  if (!BUILTINS.has(specifier)) return undefined;
  const packageName = specifier.split("/")[0] as string;
  return fromDir !== undefined && isInstalled(packageName, fromDir) ? undefined : specifier;
}

/** How to do without built-in `name`: the operation that replaces it, or the error table's fix. */
export function builtinFix(name: string): string | undefined {
  return Object.hasOwn(FIX_OF, name) ? FIX_OF[name] : undefined;
}

/** The diagnostic message for an import of built-in `name`, written as `specifier`. */
export function builtinMessage(specifier: string, name: string): string {
  const written = specifier === name ? `"${name}"` : `"${name}" (as "${specifier}")`;
  return `imports the Node.js built-in module ${written}, which Kiln's sandbox does not have`;
}

function isInstalled(packageName: string, fromDir: string): boolean {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "node_modules", packageName, "package.json"))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/**
 * Reports every import of a built-in in `file`: `import … from`, `export … from`,
 * `import x = require(…)`, `require(…)` and `import(…)` with a literal specifier. Type-only imports
 * are left alone (nothing of them reaches the bundle). Returns the span of each import statement
 * or call, where the type checker's "Cannot find module" adds nothing.
 */
export function reportBuiltinImports(file: SourceFile, report: Reporter): TextSpan[] {
  const spans: TextSpan[] = [];
  const fromDir = path.dirname(file.getFilePath());
  const check = (specifier: Node | undefined, whole: Node) => {
    if (specifier === undefined) return;
    if (!specifier.isKind(SyntaxKind.StringLiteral) && !specifier.isKind(SyntaxKind.NoSubstitutionTemplateLiteral)) {
      return;
    }
    const text = specifier.getLiteralValue();
    const name = nodeBuiltinName(text, fromDir);
    if (name === undefined) return;
    report.error(specifier, "KILN_NODE_BUILTIN_IMPORT", builtinMessage(text, name), builtinFix(name));
    spans.push({ start: whole.getStart(), end: whole.getEnd() });
  };
  for (const declaration of file.getImportDeclarations()) {
    if (!declaration.isTypeOnly()) check(declaration.getModuleSpecifier(), declaration);
  }
  for (const declaration of file.getExportDeclarations()) {
    if (!declaration.isTypeOnly()) check(declaration.getModuleSpecifier(), declaration);
  }
  for (const declaration of file.getDescendantsOfKind(SyntaxKind.ImportEqualsDeclaration)) {
    const reference = declaration.getModuleReference();
    if (!declaration.isTypeOnly() && reference.isKind(SyntaxKind.ExternalModuleReference)) {
      check(reference.getExpression(), declaration);
    }
  }
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const isImport = callee.isKind(SyntaxKind.ImportKeyword);
    if (isImport || (callee.isKind(SyntaxKind.Identifier) && callee.getText() === "require" && !isLocalName(callee))) {
      check(call.getArguments()[0], call);
    }
  }
  return spans;
}

/** True when `require` is a function or variable of the author's, not the CommonJS one. */
function isLocalName(identifier: Node): boolean {
  const declarations = identifier.getSymbol()?.getDeclarations() ?? [];
  return declarations.some((d) => d.getSourceFile() === identifier.getSourceFile());
}
