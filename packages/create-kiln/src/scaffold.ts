/**
 * Writes a new extension project from one of the templates under `templates/`: the files of
 * `templates/common/`, then those of `templates/<name>/` (which win on the same path), with
 * `{{placeholders}}` filled in. Placeholders appear only inside string literals and prose, so the
 * templates stay valid TypeScript and JSON that the linter and formatter check as they are.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { isId, MAX_ID_LENGTH, toId, toTitle } from "./names.js";

/**
 * This package's version, which every `@kiln/*` package shares: a new project depends on
 * `^CREATE_KILN_VERSION` of `@kiln/sdk`, `@kiln/cli` and `@kiln/testing`. Read from package.json
 * (one level up from both `src/` and `dist/`), so that a release's version bump is the only edit.
 */
export const CREATE_KILN_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** What {@link TEMPLATES} says about a template. */
export interface TemplateInfo {
  /** One line: what the project starts with. Also its package.json description. */
  readonly description: string;
  /**
   * What `npm run dev` (`kiln dev`) runs after each build: a job and its input, and the folders
   * to grant (name → path in the project), so that the loop shows a result from the first build.
   */
  readonly dev: {
    readonly job: string;
    readonly input: unknown;
    readonly folders?: Readonly<Record<string, string>>;
  };
}

/** The templates, by name; `basic` is the default. */
export const TEMPLATES = {
  basic: {
    description: "A hello job with progress and a log, and a job that checkpoints as it goes",
    dev: { job: "hello", input: { name: "Kiln" } },
  },
  http: {
    description: "A job that fetches a page with fetch() from a host the extension declares",
    dev: { job: "page-info", input: { url: "https://example.com/" } },
  },
  files: {
    description: "A job that lists and reads the files of a folder the application grants",
    dev: { job: "word-count", input: { folder: "notes" }, folders: { notes: "notes" } },
  },
} as const satisfies Readonly<Record<string, TemplateInfo>>;

/** The name of a template: `"basic"`, `"http"` or `"files"`. */
export type TemplateName = keyof typeof TEMPLATES;

/** The template {@link scaffold} uses when none is named. */
export const DEFAULT_TEMPLATE: TemplateName = "basic";

/** The `--template` option as `create-kiln --help` and `kiln new --help` list it: every template, described. */
export const TEMPLATE_OPTION_HELP: string = `  --template <name>  what the project starts with (default ${DEFAULT_TEMPLATE}):
${Object.entries(TEMPLATES)
  .map(([name, { description }]) => `                       ${name.padEnd(6)} ${description}`)
  .join("\n")}`;

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
  /** The folder to create the project in: new, or empty (a `.git` folder alone is fine). */
  readonly dir: string;
  /** Default {@link DEFAULT_TEMPLATE}. */
  readonly template?: TemplateName | (string & {});
  /**
   * The extension id, also the package name: kebab-case, at most 64 characters. Default: derived
   * from the folder's name (`My Ext` → `my-ext`).
   */
  readonly name?: string;
}

/** What {@link scaffold} wrote. */
export interface ScaffoldResult {
  /** The project folder, absolute. */
  readonly dir: string;
  /** The extension id (in `@extension`) and package name. */
  readonly id: string;
  /** The template it came from. */
  readonly template: TemplateName;
  /** Every file written, relative to {@link ScaffoldResult.dir}, `/`-separated, sorted. */
  readonly files: readonly string[];
  /** The version of the `@kiln/*` packages the project depends on (`^` of it). */
  readonly kilnVersion: string;
}

/** The codes a {@link ScaffoldError} carries, each a row of the error table in `@kiln/contracts`. */
export type ScaffoldErrorCode = "KILN_TARGET_NOT_EMPTY" | "KILN_USAGE";

/**
 * Why {@link scaffold} wrote nothing: the target folder has files in it (`KILN_TARGET_NOT_EMPTY`),
 * or an option is wrong (`KILN_USAGE`: an unknown template, a name that is not a valid id). Shaped
 * like `@kiln/contracts`' `KilnError` (an `Error` with a documented `code`), so `isKilnError` and
 * the `kiln` command treat it as one, without this package depending on anything at run time.
 */
export class ScaffoldError extends Error {
  /** Stable, documented code. */
  readonly code: ScaffoldErrorCode;
  constructor(code: ScaffoldErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `name` is one of {@link TEMPLATES}. */
export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATES, name);
}

const TEMPLATE_ROOT = fileURLToPath(new URL("../templates/", import.meta.url));
/** Template files stored under another name: npm never packs a file called `.gitignore`. */
const RENAMED: Readonly<Record<string, string>> = { gitignore: ".gitignore" };
/** What may already be in the target folder: a repository the author created first. */
const TOLERATED = new Set([".git"]);

/**
 * Creates an extension project in `options.dir` from a template: package.json (ESM, scripts
 * `build`, `dev`, `test`, `typecheck`), tsconfig.json (the SDK's sandbox preset) and
 * tsconfig.test.json (Node, for the tests), src/index.ts, test/index.test.ts, README.md and
 * .gitignore. Writes nothing, throwing a {@link ScaffoldError}, when the folder has files in it, the
 * template is unknown or the name is not a valid extension id. Never overwrites a file, even one
 * created while it runs.
 */
export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const template = options.template ?? DEFAULT_TEMPLATE;
  if (!isTemplateName(template)) {
    throw new ScaffoldError("KILN_USAGE", `unknown template "${template}": the templates are ${listTemplates()}`);
  }
  const dir = resolve(options.dir);
  const id = extensionId(dir, options.name);
  await checkTarget(dir, options.dir);

  const sources = new Map<string, string>();
  for (const layer of ["common", template]) {
    for (const file of await listFiles(join(TEMPLATE_ROOT, layer))) {
      const parts = file.split("/");
      const last = parts.length - 1;
      parts[last] = RENAMED[parts[last] as string] ?? (parts[last] as string);
      sources.set(parts.join("/"), join(TEMPLATE_ROOT, layer, file));
    }
  }
  const values: Readonly<Record<string, string>> = {
    id,
    name: toTitle(id),
    description: TEMPLATES[template].description,
    kilnVersion: CREATE_KILN_VERSION,
    devScript: devScript(TEMPLATES[template]),
  };
  const files = [...sources.keys()].sort();
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const target = join(dir, ...file.split("/"));
    const text = render(await readFile(sources.get(file) as string, "utf8"), values, file);
    await mkdir(dirname(target), { recursive: true });
    // "wx": fail rather than overwrite a file that appeared since the folder was checked.
    await writeFile(target, text, { flag: "wx" });
  }
  return { dir, id, template, files, kilnVersion: CREATE_KILN_VERSION };
}

/**
 * The `dev` script: `kiln dev . <job> --input <json> [--folder <name>=<path>]...`. The JSON is
 * written with `\"` for its quotes, which both a POSIX shell and Windows' cmd pass on as `"` (npm
 * runs scripts with either); the inputs hold no space or comma, which would split the word.
 */
function devScript({ dev }: TemplateInfo): string {
  const input = JSON.stringify(dev.input).replaceAll('"', '\\"');
  const folders = Object.entries(dev.folders ?? {}).map(([name, path]) => ` --folder ${name}=${path}`);
  return `kiln dev . ${dev.job} --input ${input}${folders.join("")}`;
}

/** `basic, http or files`. */
export function listTemplates(): string {
  const names = Object.keys(TEMPLATES);
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

function extensionId(dir: string, name: string | undefined): string {
  if (name !== undefined) {
    if (isId(name)) return name;
    const suggestion = toId(name);
    throw new ScaffoldError(
      "KILN_USAGE",
      `the name "${name}" is not a valid extension id: use lowercase letters, digits and single dashes, ` +
        `starting with a letter, at most ${MAX_ID_LENGTH} characters${suggestion ? ` (for example "${suggestion}")` : ""}`,
    );
  }
  const folder = dir.split(sep).at(-1) ?? "";
  const id = toId(folder);
  if (!id) {
    throw new ScaffoldError(
      "KILN_USAGE",
      `cannot make an extension id from the folder name "${folder}": give one with --name (kebab-case, for example "my-extension")`,
    );
  }
  return id;
}

async function checkTarget(dir: string, given: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      throw new ScaffoldError(
        "KILN_TARGET_NOT_EMPTY",
        `${given} is a file, not a folder: choose a new folder name for the project`,
      );
    }
    entries = (await readdir(dir)).filter((entry) => !TOLERATED.has(entry)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (entries.length) {
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
    throw new ScaffoldError(
      "KILN_TARGET_NOT_EMPTY",
      `${given} is not empty (${entries.length} entr${entries.length === 1 ? "y" : "ies"}: ${shown}); ` +
        "a project is only created in a new or empty folder: choose a new folder name, or empty this one first",
    );
  }
}

/** Every file under `dir`, relative, `/`-separated. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

/** Fills `{{key}}` placeholders; JSON-escapes the values in `.json` files. */
function render(text: string, values: Readonly<Record<string, string>>, file: string): string {
  const json = file.endsWith(".json");
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    // A template naming a value that does not exist is a bug in this package, not the user's.
    if (value === undefined)
      throw new Error(`create-kiln: template file ${file} uses an unknown placeholder {{${key}}}`);
    return json ? JSON.stringify(value).slice(1, -1) : value;
  });
}

/**
 * What to do next, as printed after a project is created: the command that goes into it (when it
 * is not `cwd`), `npm install`, and the scripts `dev`, `build` and `test`.
 */
export function nextSteps(result: ScaffoldResult, cwd: string = process.cwd()): string {
  const fromHere = relative(cwd, result.dir);
  const where = fromHere.startsWith("..") || fromHere === "" ? result.dir : fromHere;
  const steps: [string, string][] = [
    ...(fromHere === "" ? [] : [[`cd ${shellWord(where)}`, ""] as [string, string]]),
    ["npm install", ""],
    ["npm run dev", "rebuild and rerun a job on every change"],
    ["npm run build", "dist/: manifest.json, extension.wasm, types.d.ts"],
    ["npm test", "the tests in test/, in a real Kiln host"],
  ];
  const width = Math.max(...steps.map(([command]) => command.length)) + 3;
  return [
    `Created ${result.id} in ${where} from the ${result.template} template (${result.files.length} files).`,
    "",
    "Next steps:",
    ...steps.map(([command, why]) => `  ${why ? command.padEnd(width) + why : command}`),
    "",
  ].join("\n");
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
