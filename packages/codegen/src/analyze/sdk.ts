/**
 * Which decorators are Kiln's: a decorator counts when its name resolves, through imports,
 * re-exports, aliases and namespace imports, to the `extension` or `job` export of `@kiln/sdk`,
 * whatever it is called locally. A local function named `extension` does not count.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type CallExpression,
  type Decorator,
  type Symbol as MorphSymbol,
  Node,
  type SourceFile,
  SyntaxKind,
  type ts,
} from "ts-morph";
import { isRecord } from "./config.js";
import { unwrapParentheses } from "./syntax.js";

/** The package whose decorators the analysis reads. */
export const SDK_MODULE = "@kiln/sdk";

export type KilnDecoratorName = "extension" | "job";

/** A decorator that resolves to `@kiln/sdk`'s `extension` or `job`. */
export interface KilnDecorator {
  readonly kind: KilnDecoratorName;
  readonly decorator: Decorator;
  /** The call `extension({...})`; undefined when the decorator was written without calling it. */
  readonly call: CallExpression | undefined;
}

/** Resolves symbols to `@kiln/sdk`; one per analysis, as it caches package names per directory. */
export class SdkResolver {
  /** Package name of the nearest package.json, per directory: decides what lives in `@kiln/sdk`. */
  private readonly packageNames = new Map<string, string | undefined>();

  /** Every decorator in the file that is Kiln's, wherever it stands (checked for its target later). */
  findKilnDecorators(file: SourceFile): KilnDecorator[] {
    const found: KilnDecorator[] = [];
    for (const decorator of file.getDescendantsOfKind(SyntaxKind.Decorator)) {
      const expression = unwrapParentheses(decorator.getExpression());
      const call = Node.isCallExpression(expression) ? expression : undefined;
      const kind = this.sdkDecoratorName(call ? unwrapParentheses(call.getExpression()) : expression);
      if (kind !== undefined) found.push({ kind, decorator, call });
    }
    return found;
  }

  /** True for files of the `@kiln/sdk` package, found by its package.json, wherever it is installed. */
  isInSdk(file: SourceFile): boolean {
    return this.packageNameOf(path.dirname(file.getFilePath())) === SDK_MODULE;
  }

  /** `extension` or `job` when `callee` refers to that export of `@kiln/sdk`, whatever it is called locally. */
  private sdkDecoratorName(callee: Node): KilnDecoratorName | undefined {
    let name: string | undefined;
    if (Node.isIdentifier(callee)) name = this.sdkMember(callee.getSymbol());
    if (Node.isPropertyAccessExpression(callee)) {
      const fromNamespace = this.isSdkNamespace(callee.getExpression().getSymbol());
      name = fromNamespace ? callee.getName() : this.sdkMember(callee.getNameNode().getSymbol());
    }
    return name === "extension" || name === "job" ? name : undefined;
  }

  /** The `@kiln/sdk` export that `symbol` stands for, following import and re-export aliases. */
  private sdkMember(symbol: MorphSymbol | undefined): string | undefined {
    for (const step of aliasChain(symbol)) {
      for (const declaration of step.getDeclarations()) {
        const reference = this.sdkReference(declaration);
        if (reference === "namespace") return undefined;
        if (reference !== undefined) return reference === "self" ? step.getName() : reference;
      }
    }
    return undefined;
  }

  private isSdkNamespace(symbol: MorphSymbol | undefined): boolean {
    for (const step of aliasChain(symbol)) {
      if (step.getDeclarations().some((d) => this.sdkReference(d) === "namespace")) return true;
    }
    return false;
  }

  /**
   * How `declaration` refers to `@kiln/sdk`: `"namespace"` for the module as a whole, `"self"` when
   * it is declared inside the SDK package (the checker resolved the import), the exported name when
   * it imports or re-exports one from the `"@kiln/sdk"` specifier (works when the SDK does not
   * resolve), or undefined.
   */
  private sdkReference(declaration: Node): "namespace" | "self" | string | undefined {
    if (this.isInSdk(declaration.getSourceFile())) return Node.isSourceFile(declaration) ? "namespace" : "self";
    if (Node.isImportSpecifier(declaration)) {
      return declaration.getImportDeclaration().getModuleSpecifierValue() === SDK_MODULE
        ? declaration.getName()
        : undefined;
    }
    if (Node.isExportSpecifier(declaration)) {
      return declaration.getExportDeclaration().getModuleSpecifierValue() === SDK_MODULE
        ? declaration.getName()
        : undefined;
    }
    if (Node.isNamespaceImport(declaration)) {
      const module = declaration.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)?.getModuleSpecifierValue();
      return module === SDK_MODULE ? "namespace" : undefined;
    }
    if (Node.isNamespaceExport(declaration)) {
      const module = declaration.getFirstAncestorByKind(SyntaxKind.ExportDeclaration)?.getModuleSpecifierValue();
      return module === SDK_MODULE ? "namespace" : undefined;
    }
    return undefined;
  }

  private packageNameOf(dir: string): string | undefined {
    if (this.packageNames.has(dir)) return this.packageNames.get(dir);
    const manifest = path.join(dir, "package.json");
    const parent = path.dirname(dir);
    let name: string | undefined;
    if (existsSync(manifest)) name = readPackageName(manifest);
    else if (parent !== dir) name = this.packageNameOf(parent);
    this.packageNames.set(dir, name);
    return name;
  }
}

/** `symbol` and every symbol it aliases, one import or re-export at a time. */
function* aliasChain(symbol: MorphSymbol | undefined): Generator<MorphSymbol> {
  const seen = new Set<ts.Symbol>();
  let current = symbol;
  while (current !== undefined && !seen.has(current.compilerSymbol)) {
    seen.add(current.compilerSymbol);
    yield current;
    current = current.isAlias() ? current.getImmediatelyAliasedSymbol() : undefined;
  }
}

function readPackageName(file: string): string | undefined {
  try {
    const pkg: unknown = JSON.parse(readFileSync(file, "utf8"));
    return isRecord(pkg) && typeof pkg.name === "string" ? pkg.name : undefined;
  } catch {
    return undefined;
  }
}
