/**
 * `files.list`, `files.read`, `files.stat`: read-only access to folders the application granted.
 *
 * Confinement rules, all answered with `KILN_PATH_ESCAPE`:
 * - paths are relative and `/`-separated: absolute paths, drive letters, backslashes, NUL bytes and
 *   `..` segments are refused before the disk is touched;
 * - every component under the root is `lstat`ed and a symbolic link anywhere, including the final
 *   file, is refused, even one that points back inside the folder. Allowing "inside" links would
 *   make safety depend on where a link points at the moment of use, which another process can
 *   change between check and use; refusing them all keeps the rule simple to state and to audit;
 * - finally the resolved real path must lie inside the root's real path (defence in depth).
 *
 * The root itself may be a symlink: the application chose it. Hard links cannot be told apart from
 * ordinary files; only someone who can already write into the granted folder can plant one, and
 * extensions cannot (there is no `files.write`). Error messages name paths relative to the folder,
 * never the absolute paths on this machine.
 *
 * @module
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, readdir, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { OperationErrorCodes as Codes, OperationError } from "../errors.js";
import type { OperationRegistry } from "../registry.js";
import type { OperationContext } from "../types.js";

/** Default ceiling of `files.read`: the whole file travels as one JSON reply. */
export const DEFAULT_MAX_READ_BYTES = 8 * 1024 * 1024;

const MAX_PATH_LENGTH = 4096;

/** Kind of a directory entry; symbolic links, sockets and devices are all `other`. */
export type FileType = "file" | "directory" | "other";

/** One entry of `files.list`. `size` is 0 for anything but files. */
export interface FileEntry {
  readonly name: string;
  readonly type: FileType;
  readonly size: number;
}

/** Reply of `files.read`. `size` is the file's size in bytes. */
export interface FileContent {
  readonly content: string;
  readonly size: number;
  readonly encoding: "utf8" | "base64";
}

/** Reply of `files.stat`. */
export interface FileStat {
  readonly type: FileType;
  readonly size: number;
  readonly mtimeMs: number;
}

const folder = { type: "string", minLength: 1, maxLength: 256 } as const;
const path = { type: "string", maxLength: MAX_PATH_LENGTH } as const;

/** Registers the `files.*` operations, all behind permission `files.read`. */
export function registerFiles(registry: OperationRegistry, options: { maxReadBytes?: number } = {}): void {
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;

  registry.register<{ folder: string; path?: string }, FileEntry[]>({
    name: "files.list",
    permission: "files.read",
    description: "Entries of a directory in a granted folder, sorted by name.",
    input: { type: "object", additionalProperties: false, required: ["folder"], properties: { folder, path } },
    handler: (input, ctx) => listDirectory(ctx, input.folder, input.path ?? ""),
  });

  registry.register<{ folder: string; path: string; encoding?: "utf8" | "base64"; maxBytes?: number }, FileContent>({
    name: "files.read",
    permission: "files.read",
    description: `Contents of a file in a granted folder, as UTF-8 text or base64 (at most ${maxReadBytes} bytes).`,
    input: {
      type: "object",
      additionalProperties: false,
      required: ["folder", "path"],
      properties: {
        folder,
        path,
        encoding: { enum: ["utf8", "base64"] },
        maxBytes: { type: "integer", minimum: 0 },
      },
    },
    handler: (input, ctx) =>
      readFileInFolder(
        ctx,
        input.folder,
        input.path,
        input.encoding ?? "utf8",
        Math.min(input.maxBytes ?? maxReadBytes, maxReadBytes),
      ),
  });

  registry.register<{ folder: string; path: string }, FileStat>({
    name: "files.stat",
    permission: "files.read",
    description: "Type, size and modification time of an entry in a granted folder.",
    input: { type: "object", additionalProperties: false, required: ["folder", "path"], properties: { folder, path } },
    handler: async (input, ctx) => {
      const { stats } = await resolveInFolder(ctx, input.folder, input.path);
      return { type: typeOf(stats), size: stats.isFile() ? stats.size : 0, mtimeMs: stats.mtimeMs };
    },
  });
}

interface Resolved {
  /** Absolute path under the root's real path; every component checked not to be a link. */
  readonly full: string;
  readonly stats: Stats;
  /** How messages name it: `"a/b.txt" in folder "docs"`. */
  readonly shown: string;
}

async function listDirectory(ctx: OperationContext, folderName: string, relPath: string): Promise<FileEntry[]> {
  const { full, stats, shown } = await resolveInFolder(ctx, folderName, relPath);
  if (!stats.isDirectory()) throw new OperationError(Codes.notADirectory, `${shown} is not a directory`);
  const dirents = await fsCall(shown, () => readdir(full, { withFileTypes: true }));
  const entries = await Promise.all(
    dirents.map(async (d): Promise<FileEntry | undefined> => {
      if (!d.isFile()) return { name: d.name, type: d.isDirectory() ? "directory" : "other", size: 0 };
      // Gone between readdir and lstat: the listing simply no longer contains it.
      const st = await lstat(join(full, d.name)).catch(() => undefined);
      return st === undefined ? undefined : { name: d.name, type: typeOf(st), size: st.isFile() ? st.size : 0 };
    }),
  );
  return entries
    .filter((e): e is FileEntry => e !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function readFileInFolder(
  ctx: OperationContext,
  folderName: string,
  relPath: string,
  encoding: "utf8" | "base64",
  limit: number,
): Promise<FileContent> {
  const { full, stats, shown } = await resolveInFolder(ctx, folderName, relPath);
  if (!stats.isFile()) throw new OperationError(Codes.notAFile, `${shown} is not a file`);
  checkSize(shown, stats.size, limit);
  // O_NOFOLLOW: should the file be swapped for a link after the check, opening it fails.
  const handle = await fsCall(shown, () => open(full, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)));
  try {
    const bytes = await readAtMost(handle, limit + 1);
    checkSize(shown, bytes.length, limit); // it may have grown since the stat
    return { content: decode(bytes, encoding, shown), size: bytes.length, encoding };
  } finally {
    await handle.close();
  }
}

async function readAtMost(handle: FileHandle, max: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.min(max, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < max) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, max - total), null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

function checkSize(shown: string, size: number, limit: number): void {
  if (size > limit) {
    throw new OperationError(Codes.fileTooLarge, `${shown} is ${size} bytes, over the read limit of ${limit} bytes`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Buffer, encoding: "utf8" | "base64", shown: string): string {
  if (encoding === "base64") return bytes.toString("base64");
  try {
    return utf8.decode(bytes);
  } catch {
    throw new OperationError(Codes.fileNotUtf8, `${shown} is not UTF-8 text; read it with encoding: "base64"`);
  }
}

/**
 * Maps `folderName` + `relPath` to a checked absolute path. See the module comment for the rules;
 * each refusal throws {@link OperationError}.
 */
async function resolveInFolder(ctx: OperationContext, folderName: string, relPath: string): Promise<Resolved> {
  const root = grantedRoot(ctx, folderName);
  const segments = splitRelativePath(relPath, folderName);
  const shown =
    segments.length === 0 ? `the root of folder "${folderName}"` : `"${segments.join("/")}" in folder "${folderName}"`;
  const realRoot = await fsCall(`folder "${folderName}"`, () => realpath(root));
  let full = realRoot;
  let stats = await fsCall(`folder "${folderName}"`, () => lstat(realRoot));
  for (const [i, segment] of segments.entries()) {
    if (!stats.isDirectory()) {
      throw new OperationError(
        Codes.notFound,
        `${shown} does not exist: "${segments.slice(0, i).join("/")}" is not a directory`,
      );
    }
    full = join(full, segment);
    stats = await fsCall(shown, () => lstat(full));
    if (stats.isSymbolicLink()) {
      const link = segments.slice(0, i + 1).join("/");
      throw new OperationError(
        Codes.pathEscape,
        `${shown} is refused: "${link}" is a symbolic link, and files.* never follows links`,
      );
    }
  }
  const real = await fsCall(shown, () => realpath(full));
  if (!isInside(realRoot, real)) throw new OperationError(Codes.pathEscape, `${shown} resolves outside the folder`);
  return { full, stats, shown };
}

function grantedRoot(ctx: OperationContext, folderName: string): string {
  const folders = ctx.grants.folders;
  // Own properties only: "constructor" or "__proto__" must not name a folder.
  const root = Object.hasOwn(folders, folderName) ? folders[folderName] : undefined;
  if (root === undefined) {
    const granted = Object.keys(folders);
    throw new OperationError(
      Codes.folderNotGranted,
      `folder "${folderName}" is not granted to extension "${ctx.extensionId}" (granted: ${granted.length ? granted.map((f) => `"${f}"`).join(", ") : "none"})`,
    );
  }
  return root;
}

/**
 * Checks a relative path's text and splits it. Empty and `.` segments are dropped (`a//b`,
 * `./a`); anything that could name a place outside the folder is refused.
 */
export function splitRelativePath(relPath: string, folderName: string): string[] {
  const refuse = (why: string): never => {
    throw new OperationError(
      Codes.pathEscape,
      `path ${JSON.stringify(relPath)} in folder "${folderName}" is refused: ${why}`,
    );
  };
  if (relPath.includes("\0")) refuse("it contains a NUL byte");
  if (relPath.includes("\\")) refuse("it contains a backslash; separate components with '/'");
  if (relPath.startsWith("/")) refuse("it is absolute; give a path relative to the folder");
  if (/^[A-Za-z]:/.test(relPath)) refuse("it starts with a drive letter; give a path relative to the folder");
  const segments = relPath.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) refuse("it contains a '..' segment");
  return segments;
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

function typeOf(stats: Stats): FileType {
  return stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
}

/**
 * Runs a file system call, turning "not there" into `KILN_NOT_FOUND` and any other failure into
 * an error that names the path as the extension knows it, not the absolute path on this machine.
 */
async function fsCall<T>(shown: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new OperationError(Codes.notFound, `${shown} does not exist`);
    if (code === "ELOOP") throw new OperationError(Codes.pathEscape, `${shown} is refused: it is a symbolic link`);
    throw new Error(`cannot access ${shown}: ${code ?? "unknown error"}`, { cause: e });
  }
}
