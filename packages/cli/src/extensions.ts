/**
 * Finding built extensions on disk: the folder `kiln run` is given (with a `KILN_DIST_NOT_FOUND`
 * that suggests the right one), and the extensions under `kiln jobs resume --extensions`.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { KilnError } from "@kiln/contracts";
import { errorLine } from "./errors.js";

/** The manifest the CLI reads itself (to check a job name) only when it is a regular file this small. */
const MAX_PEEK_BYTES = 1 << 20;

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/** `dir/dist` as the user would type it (`./dist` for `.`). */
function distOf(dir: string): string {
  return `${dir.replace(/\/+$/, "")}/dist`;
}

/**
 * Throws `KILN_DIST_NOT_FOUND` unless `dir` holds a manifest.json, saying what is there instead:
 * `no manifest.json in extensions/x: did you mean extensions/x/dist?` when that has one.
 */
export function checkDistFolder(dir: string): void {
  if (existsSync(join(dir, "manifest.json"))) return;
  let message: string;
  if (!existsSync(dir)) {
    message = `no folder ${dir}: give the folder a build wrote (manifest.json and extension.wasm)`;
  } else if (!isDirectory(dir)) {
    message = `${dir} is not a folder: give the folder a build wrote (manifest.json and extension.wasm)`;
  } else if (existsSync(join(dir, "dist", "manifest.json"))) {
    message = `no manifest.json in ${dir}: did you mean ${distOf(dir)}?`;
  } else if (existsSync(join(dir, "package.json"))) {
    message = `no manifest.json in ${dir}: build the extension first (kiln build ${dir}), then run ${distOf(dir)}`;
  } else {
    message = `no manifest.json in ${dir}: give the folder a build wrote (usually <extension>/dist)`;
  }
  throw new KilnError("KILN_DIST_NOT_FOUND", message);
}

/** What {@link peekManifest} reads of a manifest. */
export interface PeekedManifest {
  readonly id: string;
  readonly jobs: string[];
  /** Each job's input schema, as written (not yet checked), by job name. */
  readonly inputs: ReadonlyMap<string, unknown>;
}

/**
 * The id, job names and input schemas of the manifest in `dir`, read without the host, or undefined
 * when it is not a small regular file of the expected shape (the host then says what is wrong when
 * it loads it).
 */
export async function peekManifest(dir: string): Promise<PeekedManifest | undefined> {
  const file = join(dir, "manifest.json");
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile() || stat.size > MAX_PEEK_BYTES) return undefined;
  try {
    const manifest = JSON.parse(await readFile(file, "utf8")) as { id?: unknown; jobs?: unknown };
    if (typeof manifest.id !== "string" || !Array.isArray(manifest.jobs)) return undefined;
    const entries = (manifest.jobs as { name?: unknown; input?: unknown }[]).filter(
      (j): j is { name: string; input?: unknown } => typeof j?.name === "string",
    );
    return {
      id: manifest.id,
      jobs: entries.map((j) => j.name),
      inputs: new Map(entries.map((j) => [j.name, j.input])),
    };
  } catch {
    return undefined;
  }
}

/** A built extension found by `jobs resume`: its folder and id. */
export interface FoundExtension {
  readonly dir: string;
  readonly id: string;
}

/**
 * The built extensions in `dir`: `dir` itself if it holds manifest.json, else each immediate
 * subfolder holding manifest.json or dist/manifest.json. The first folder with an id wins; the
 * folders skipped are reported through `warn`.
 */
export async function findExtensions(
  dir: string,
  warn: (message: string) => void,
): Promise<Map<string, FoundExtension>> {
  if (!isDirectory(dir)) {
    throw new KilnError("KILN_DIST_NOT_FOUND", `--extensions ${dir}: no such folder`);
  }
  let candidates: string[];
  if (isFile(join(dir, "manifest.json"))) {
    candidates = [dir];
  } else {
    const entries = await readdir(dir, { withFileTypes: true });
    candidates = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .flatMap((name) => {
        const sub = join(dir, name);
        if (isFile(join(sub, "manifest.json"))) return [sub];
        if (isFile(join(sub, "dist", "manifest.json"))) return [join(sub, "dist")];
        return [];
      });
  }
  const found = new Map<string, FoundExtension>();
  for (const candidate of candidates) {
    let id: unknown;
    try {
      id = (JSON.parse(await readFile(join(candidate, "manifest.json"), "utf8")) as { id?: unknown }).id;
    } catch (error) {
      warn(`skipping ${candidate}: its manifest.json cannot be read: ${errorLine(error)}`);
      continue;
    }
    if (typeof id !== "string") {
      warn(`skipping ${candidate}: its manifest.json has no id`);
      continue;
    }
    const earlier = found.get(id);
    if (earlier) {
      warn(`skipping ${candidate}: extension "${id}" is already in ${earlier.dir}`);
      continue;
    }
    found.set(id, { dir: candidate, id });
  }
  return found;
}
