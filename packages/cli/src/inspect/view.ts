/**
 * The human view of a `kiln inspect` report: the extension's facts, each job with its schemas
 * rendered compactly (a TypeScript-like type per schema, an object's properties one level deeper
 * each), the module's sizes, producers, imports and exports, in aligned columns.
 *
 * @module
 */
import { type JsonSchema, MANIFEST_VERSION, unescapePointerToken } from "@kiln/contracts";
import { JAVY_SOURCE_SECTION, SOURCE_MAP_SECTION } from "@kiln/javy-plugin";
import type { InspectedJob, InspectedKind, InspectReport } from "./report.js";

/** Bytes as the build line shows them: `13.2 KiB`, or `60 B` below a KiB. */
function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const width = (text: string) => [...text].length;

/** Rows as columns aligned on the widest cell, two spaces apart, each line indented. */
function columns(rows: readonly (readonly string[])[], indent: string, rightAlign: readonly number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows.map((row) => {
    let last = row.length - 1;
    while (last > 0 && row[last] === "") last--;
    const cells = row.slice(0, last + 1).map((cell, i) => {
      const pad = " ".repeat((widths[i] ?? 0) - width(cell));
      if (rightAlign.includes(i)) return pad + cell;
      return i === last ? cell : cell + pad;
    });
    return indent + cells.join("  ");
  });
}

const KIND_LABELS: Record<InspectedKind, string> = {
  kiln: "Kiln module, linked to the plugin namespace",
  "javy-dynamic": "stock Javy dynamic module (run it with kiln run --plugin), linked to the plugin namespace",
  "javy-static": "Javy static module: QuickJS compiled in, imports WASI only (not loadable by the Kiln host)",
  wasm: "WebAssembly module that is neither a Kiln nor a Javy module",
};

/** The report as `kiln inspect` prints it without `--json`. */
export function render(report: InspectReport): string {
  const { manifest: m, module, integrity } = report;
  const out: string[] = [];
  const facts: string[][] = [];
  if (m) {
    out.push(`${m.id} ${m.version}: ${m.name}`);
    if (m.description) out.push(`  ${m.description}`);
    out.push("");
  }
  if (module) {
    const ns = module.namespace === null ? "" : ` "${module.namespace}"`;
    facts.push([
      "kind",
      `${KIND_LABELS[module.kind]}${module.kind === "kiln" || module.kind === "javy-dynamic" ? ns : ""}`,
    ]);
  }
  if (report.files.manifest !== null) {
    const v = m
      ? ` (manifest version ${m.manifestVersion}${m.manifestVersion !== MANIFEST_VERSION ? `, read as version ${MANIFEST_VERSION}` : ""})`
      : "";
    facts.push(["manifest", `${report.files.manifest}${m ? v : " (invalid: see stderr)"}`]);
  } else {
    facts.push(["manifest", "none: what follows is what the module says"]);
  }
  if (report.files.module !== null) facts.push(["module", report.files.module]);
  if (integrity) {
    facts.push([
      "sha256",
      integrity.matches
        ? `${integrity.actual} (matches the manifest)`
        : `${integrity.actual} DOES NOT MATCH the manifest, which expects ${integrity.expected} for ${integrity.file}`,
    ]);
  } else if (module) {
    facts.push(["sha256", module.sha256]);
  }
  if (m) {
    facts.push(["generator", m.generator]);
    facts.push(["permissions", m.permissions.length ? m.permissions.join(", ") : "none"]);
    facts.push(["allowed hosts", m.allowedHosts.length ? m.allowedHosts.join(", ") : "none"]);
    const asked = Object.entries(m.limits.asked).map(([k, v]) => `${k} ${v}`);
    facts.push(["limits", asked.length ? `${asked.join(", ")}; the rest the host's` : "none asked: the host's apply"]);
    const hooks = [m.hooks.init && `init ${m.hooks.init}`, m.hooks.cleanup && `cleanup ${m.hooks.cleanup}`];
    facts.push(["hooks", hooks.filter(Boolean).join(", ") || "none"]);
  }
  out.push(...columns(facts, ""));

  if (m) {
    out.push("", `jobs (${m.jobs.length}; "name?" marks an optional property)`);
    for (const job of m.jobs) out.push(...renderJob(job));
  }

  if (module) {
    out.push("", "sizes");
    const rows: string[][] = [["module", size(module.bytes), ""]];
    if (module.bytecodeBytes !== null) rows.push(["bytecode", size(module.bytecodeBytes), "QuickJS bytecode"]);
    for (const s of module.customSections) {
      let about = s.about ?? "";
      if (s.name === JAVY_SOURCE_SECTION && module.source) {
        about += module.source.compressed ? ` (Brotli; ${size(module.source.bytes)} as JS)` : " (uncompressed)";
      }
      if (s.name === SOURCE_MAP_SECTION && module.sourceMap) {
        const n = module.sourceMap.sources.length;
        about += ` (${n} file${n === 1 ? "" : "s"})`;
      }
      rows.push([`section ${s.name}`, size(s.bytes), about]);
    }
    out.push(...columns(rows, "  ", [1]));
    const producers = Object.entries(module.producers).map(
      ([field, tools]) => [field, tools.map((t) => `${t.name} ${t.version}`.trim()).join(", ")] as string[],
    );
    if (producers.length) out.push("", "producers", ...columns(producers, "  "));
    out.push("", `imports (${module.imports.length})`);
    out.push(
      ...columns(
        module.imports.map((i) => [i.module, i.name, i.kind]),
        "  ",
      ),
    );
    out.push("", `exports (${module.exports.length})`);
    out.push(
      ...columns(
        module.exports.map((e) => [e.name, e.kind]),
        "  ",
      ),
    );
  }
  return `${out.join("\n")}\n`;
}

// --- job schemas, compactly ------------------------------------------------------------------------

/** How deep nested objects are expanded; deeper ones show by their type's name. */
const MAX_DEPTH = 4;

function renderJob(job: InspectedJob): string[] {
  const lines = [`  ${job.name}  (export ${job.export})`];
  if (job.description) lines.push(`    ${job.description}`);
  const rows: string[][] = [];
  const nested: string[][] = [];
  for (const kind of ["input", "output", "state"] as const) {
    const schema = job[kind];
    rows.push([kind, label(schema, schema), describe(schema, schema)]);
    nested.push(properties(schema, schema, "      ", new Set(), 0));
  }
  // One column layout for the three kinds, each followed by its properties.
  columns(rows, "    ").forEach((line, i) => {
    lines.push(line, ...(nested[i] ?? []));
  });
  return lines;
}

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A schema's keywords: `true` is `{}`, `false` is "never". */
function keywords(schema: unknown): JsonSchema {
  if (schema === false) return { not: {} };
  return isSchema(schema) ? schema : {};
}

/** The schema a local `$ref` (`#/$defs/Name`) points to in `root`, with the name it is known by. */
function target(ref: string, root: JsonSchema): { schema: JsonSchema; name: string } | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  const tokens = ref.slice(1).split("/").filter(Boolean).map(unescapePointerToken);
  for (const token of tokens) node = isSchema(node) ? node[token] : undefined;
  return isSchema(node) || typeof node === "boolean"
    ? { schema: keywords(node), name: tokens.at(-1) ?? "root" }
    : undefined;
}

/** Follows `$ref`s from `schema`: the schema they end at and the refs passed through. */
function follow(schema: unknown, root: JsonSchema): { schema: JsonSchema; refs: string[] } {
  let s = keywords(schema);
  const refs: string[] = [];
  while (typeof s.$ref === "string" && !refs.includes(s.$ref)) {
    const t = target(s.$ref, root);
    if (!t) break;
    refs.push(s.$ref);
    s = t.schema;
  }
  return { schema: s, refs };
}

/** The one-line description: the schema's own, else that of what its `$ref` points to. */
function describe(schema: unknown, root: JsonSchema): string {
  const own = keywords(schema).description;
  const text = typeof own === "string" ? own : follow(schema, root).schema.description;
  return typeof text === "string" ? text.replace(/\s+/g, " ").trim() : "";
}

const META_KEYWORDS = new Set([
  "description",
  "title",
  "$defs",
  "definitions",
  "$schema",
  "$id",
  "$comment",
  "examples",
]);

/** A TypeScript-like name for a schema's type: `number`, `string[]`, `LinkResult`, `"a" | "b"`, `any`. */
function label(schema: unknown, root: JsonSchema): string {
  const s = keywords(schema);
  if (typeof s.$ref === "string") return target(s.$ref, root)?.name ?? s.$ref;
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(s.anyOf)) return s.anyOf.map((x) => label(x, root)).join(" | ");
  if (Array.isArray(s.oneOf)) return s.oneOf.map((x) => label(x, root)).join(" | ");
  if (Array.isArray(s.allOf)) return s.allOf.map((x) => label(x, root)).join(" & ");
  if (isSchema(s.not) && Object.keys(s.not).length === 0) return "never";
  const types = Array.isArray(s.type) ? s.type : typeof s.type === "string" ? [s.type] : [];
  if (!types.length) {
    if (isSchema(s.properties)) return "object";
    return Object.keys(s).every((k) => META_KEYWORDS.has(k)) ? "any" : "(schema)";
  }
  return types.map((t) => typeLabel(String(t), s, root)).join(" | ");
}

function typeLabel(type: string, s: JsonSchema, root: JsonSchema): string {
  const wrap = (text: string) => (/[|&]/.test(text) ? `(${text})` : text);
  if (type === "array") {
    if (Array.isArray(s.prefixItems)) return `[${s.prefixItems.map((x) => label(x, root)).join(", ")}]`;
    return `${wrap(s.items === undefined ? "any" : label(s.items, root))}[]`;
  }
  if (type === "object" && !isSchema(s.properties) && isSchema(s.additionalProperties)) {
    return `Record<string, ${label(s.additionalProperties, root)}>`;
  }
  if (type === "string" && typeof s.format === "string") return `string (${s.format})`;
  return type;
}

/**
 * The properties of the object `schema` is (through `$ref`s and arrays), one aligned row each,
 * `name?` when optional, each followed by its own properties one level deeper. A type that
 * contains itself is expanded once.
 */
function properties(
  schema: unknown,
  root: JsonSchema,
  indent: string,
  open: ReadonlySet<string>,
  depth: number,
): string[] {
  let { schema: s, refs } = follow(schema, root);
  // An array of objects: its items' properties.
  while (s.type === "array" && s.items !== undefined) {
    const items = follow(s.items, root);
    refs = [...refs, ...items.refs];
    s = items.schema;
  }
  if (!isSchema(s.properties) || depth >= MAX_DEPTH || refs.some((r) => open.has(r))) return [];
  const inside = new Set([...open, ...refs]);
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const entries = Object.entries(s.properties);
  const rows = entries.map(([name, p]) => [required.has(name) ? name : `${name}?`, label(p, root), describe(p, root)]);
  const lines: string[] = [];
  columns(rows, indent).forEach((line, i) => {
    lines.push(line, ...properties(entries[i]?.[1], root, `${indent}  `, inside, depth + 1));
  });
  return lines;
}
