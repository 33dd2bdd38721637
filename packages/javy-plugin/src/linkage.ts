/**
 * The link rule for a module and its manifest, kept in one place: the host refuses a module on
 * these problems (`KILN_MODULE_LINK`) and `kiln inspect` reports them in the same words.
 *
 * @module
 */
import type { Manifest } from "@kiln/contracts";
import { MODULE_IMPORTS } from "./abi.js";

/** A module's imports and exports, as `WebAssembly.Module.imports` and `.exports` list them. */
export interface ModuleLinkage {
  readonly imports: readonly { readonly module: string; readonly name: string; readonly kind: string }[];
  readonly exports: readonly { readonly name: string }[];
}

/**
 * Why `module` cannot be linked to the plugin of `namespace` as `manifest` describes it, each
 * problem a clause ("it imports …", "it does not export …"); empty when it links. A module may
 * import only {@link MODULE_IMPORTS} from the plugin's namespace, and must export every job and
 * hook its manifest names.
 */
export function moduleLinkProblems(manifest: Manifest, module: ModuleLinkage, namespace: string): string[] {
  const problems: string[] = [];
  if (manifest.module.plugin !== namespace) {
    problems.push(`it was built for plugin "${manifest.module.plugin}", but this host runs "${namespace}"`);
  }
  for (const imp of module.imports) {
    if (imp.module !== namespace || !MODULE_IMPORTS.some((a) => a.name === imp.name && a.kind === imp.kind)) {
      problems.push(`it imports ${imp.kind} "${imp.module}"."${imp.name}", which the host does not provide`);
    }
  }
  const exported = new Set(module.exports.map((e) => e.name));
  const wanted = [...manifest.jobs.map((j) => j.export), manifest.hooks.init, manifest.hooks.cleanup];
  for (const name of wanted) {
    if (name !== undefined && !exported.has(name))
      problems.push(`it does not export "${name}", which its manifest names`);
  }
  return problems;
}
