/**
 * `files.list`, `files.read`, `files.stat`: read-only access to folders the application granted.
 *
 * Confinement rules, all answered with `KILN_PATH_ESCAPE`:
 * - paths are relative and `/`-separated: absolute paths, drive letters, backslashes, NUL bytes and
 *   `..` segments are refused before the disk is touched;
 * - a symbolic link anywhere under the root, including the final entry, is refused, even one that
 *   points back inside the folder. Allowing "inside" links would make safety depend on where a link
 *   points at the moment of use; refusing them all keeps the rule simple to state and to audit.
 *
 * **Race-free resolution.** Another process may rearrange the granted folder while a call runs, for
 * instance swap a parent directory for a link to `/etc`. Checking each component by name and then
 * opening the whole path by name cannot be made safe: the kernel resolves the name again at open
 * time. So the path is walked one component at a time *through open directory descriptors*, the
 * way `openat(dirfd, name, O_NOFOLLOW)` would: the root is opened, then each component is looked up
 * inside the directory already held, opened with `O_NOFOLLOW | O_DIRECTORY`, and becomes the next
 * anchor. Node has no `openat`, but on Linux `/proc/self/fd/<n>/<name>` is exactly that: the kernel
 * follows the magic link to the very directory descriptor `n` holds (not to a path, which could be
 * swapped) and looks `name` up in it, and `O_NOFOLLOW` refuses `name` itself being a link. Every
 * lookup is thus made in a directory that was already verified, and what is read, listed or
 * stat'ed is the descriptor (or the entry of the directory descriptor) that came out of the walk:
 * no later name lookup can redirect it. A directory moved out of the folder while it is held keeps
 * only what was inside it, which is no more than someone able to write there could copy in anyway.
 *
 * Where `/proc/self/fd` is not available (macOS, a Linux without `/proc`), the same walk opens each
 * component by its full name and, after the work is done, checks with `lstat` that every component
 * still is the very (device, inode) that was opened. That catches a redirection that lasted across
 * the call, but a process that swaps a link in and out in step with those checks could still slip
 * through: it is best effort, and the docs say so.
 *
 * **No blocking.** Files are opened `O_NONBLOCK | O_NOCTTY` and `fstat`ed before any read; anything
 * but a regular file is refused with `KILN_NOT_A_FILE`. A FIFO opened that way does not wait for a
 * writer, so a FIFO swapped in cannot park one of libuv's four threads (which the host's own `fs`
 * and `dns.lookup` share). Directories are opened with `O_DIRECTORY`, which the kernel checks
 * before opening anything else. Reads come from the verified descriptor and stop one byte past the
 * limit, however much the file grows meanwhile.
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
import { join } from "node:path";
import {
  type FileContent,
  type FileEncoding,
  type FileEntry,
  type FileStat,
  type FileType,
  KilnError,
} from "@kiln/contracts";
import { readAtMost } from "../../fs-safe.js";
import type { OperationRegistry } from "../registry.js";
import type { OperationContext } from "../types.js";
import { builtin } from "./define.js";

/** Default ceiling of `files.read`: the whole file travels as one JSON reply. */
export const DEFAULT_MAX_READ_BYTES = 8 * 1024 * 1024;

// Absent on Windows; there the portable mode's checks are all that is left.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_NOCTTY = constants.O_NOCTTY ?? 0;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
/** A directory on the walk: never a link, never blocks. */
const DIRECTORY_FLAGS = constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;
/** The file `files.read` reads: never a link, never waits for a FIFO's writer, never a terminal. */
const FILE_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

/** Options of {@link registerFiles}. */
export interface FilesOptions {
  /** Largest file `files.read` returns, in bytes. Default {@link DEFAULT_MAX_READ_BYTES}. */
  readonly maxReadBytes?: number;
  /**
   * Walk paths through `/proc/self/fd` (race-free; see the module comment). Default: whenever the
   * system has it. `false` forces the portable, best-effort mode, which exists for systems without
   * `/proc` and is exposed so that it can be tested on Linux too.
   */
  readonly descriptorPaths?: boolean;
}

/**
 * Registers the `files.*` operations, all behind permission `files.read`; names, permissions and
 * schemas are the rows of `BUILTIN_OPERATIONS` (`@kiln/contracts`).
 */
export function registerFiles(registry: OperationRegistry, options: FilesOptions = {}): void {
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  const mode = (): Promise<Mode> =>
    options.descriptorPaths === false
      ? Promise.resolve("portable")
      : descriptorPathsWork().then((works) => (works ? "descriptor" : "portable"));

  registry.register(
    builtin("files.list", async (input, ctx) => listDirectory(await mode(), ctx, input.folder, input.path ?? "")),
  );

  registry.register(
    builtin("files.read", async (input, ctx) =>
      readFileInFolder(
        await mode(),
        ctx,
        input.folder,
        input.path,
        input.encoding ?? "utf8",
        Math.min(input.maxBytes ?? maxReadBytes, maxReadBytes),
      ),
    ),
  );

  registry.register(
    builtin("files.stat", async (input, ctx) => statInFolder(await mode(), ctx, input.folder, input.path)),
  );
}

/** `descriptor`: lookups through `/proc/self/fd/<n>/`; `portable`: by full name, checked after. */
type Mode = "descriptor" | "portable";

/** An open directory on the walk. */
interface Dir {
  readonly handle: FileHandle;
  /** Absolute path by name: used for lookups in portable mode and for its after-the-fact checks. */
  readonly path: string;
}

/** The (device, inode) a name must still lead to when a portable-mode call ends. */
interface Expected {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

/** Where a walk ended: the directory it holds, and what remains to look up in it. */
interface Walked {
  readonly mode: Mode;
  /** The deepest directory opened; the caller closes it. */
  readonly dir: Dir;
  /** The last segment, when the walk stopped at its parent; absent for the folder's root. */
  readonly last: string | undefined;
  readonly segments: readonly string[];
  /** How messages name the target: `"a/b.txt" in folder "docs"`. */
  readonly shown: string;
  /** Portable mode only: every directory opened, to re-check once the work is done. */
  readonly expected: Expected[];
}

/** The name the kernel resolves for `name` inside `dir`; see the module comment. */
function childPath(mode: Mode, dir: Dir, name: string): string {
  return mode === "descriptor" ? `/proc/self/fd/${dir.handle.fd}/${name}` : join(dir.path, name);
}

/** The name of `dir` itself, for `readdir`. */
function selfPath(mode: Mode, dir: Dir): string {
  return mode === "descriptor" ? `/proc/self/fd/${dir.handle.fd}` : dir.path;
}

async function listDirectory(
  mode: Mode,
  ctx: OperationContext,
  folderName: string,
  relPath: string,
): Promise<FileEntry[]> {
  const walked = await walk(mode, ctx, folderName, relPath, "all");
  const { dir, shown } = walked;
  try {
    const dirents = await fsCall(shown, () => readdir(selfPath(mode, dir), { withFileTypes: true }));
    const entries = await Promise.all(
      dirents.map(async (d): Promise<FileEntry | undefined> => {
        if (!d.isFile()) return { name: d.name, type: d.isDirectory() ? "directory" : "other", size: 0 };
        // Gone between readdir and lstat: the listing simply no longer contains it.
        const st = await lstat(childPath(mode, dir, d.name)).catch(() => undefined);
        return st === undefined ? undefined : { name: d.name, type: typeOf(st), size: st.isFile() ? st.size : 0 };
      }),
    );
    await recheck(walked);
    return entries
      .filter((e): e is FileEntry => e !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } finally {
    await dir.handle.close();
  }
}

async function statInFolder(mode: Mode, ctx: OperationContext, folderName: string, relPath: string): Promise<FileStat> {
  const walked = await walk(mode, ctx, folderName, relPath, "parents");
  const { dir, last, shown } = walked;
  try {
    let stats: Stats;
    if (last === undefined) {
      stats = await fsCall(shown, () => dir.handle.stat());
    } else {
      // lstat: the entry itself, inside the directory held; a link is reported, not followed.
      stats = await fsCall(shown, () => lstat(childPath(mode, dir, last)));
      if (stats.isSymbolicLink()) throw linkRefused(shown, walked.segments.join("/"));
      if (mode === "portable") walked.expected.push(expectedOf(join(dir.path, last), stats));
    }
    await recheck(walked);
    return { type: typeOf(stats), size: stats.isFile() ? stats.size : 0, mtimeMs: stats.mtimeMs };
  } finally {
    await dir.handle.close();
  }
}

async function readFileInFolder(
  mode: Mode,
  ctx: OperationContext,
  folderName: string,
  relPath: string,
  encoding: FileEncoding,
  limit: number,
): Promise<FileContent> {
  const walked = await walk(mode, ctx, folderName, relPath, "parents");
  const { dir, last, shown } = walked;
  let file: FileHandle | undefined;
  try {
    if (last === undefined) throw new KilnError("KILN_NOT_A_FILE", `${shown} is not a file`);
    const name = last;
    const target: Target = { mode, dir, name, prefix: walked.segments.join("/"), shown, role: "file" };
    file = await open(childPath(mode, dir, name), FILE_FLAGS).catch((e: unknown) => explainOpenFailure(e, target));
    const handle = file;
    // From here on only the descriptor is used: whatever happens to names, this is what is read.
    const stats = await fsCall(shown, () => handle.stat());
    if (!stats.isFile()) throw new KilnError("KILN_NOT_A_FILE", `${shown} is not a file (${kindOf(stats)})`);
    if (mode === "portable") walked.expected.push(expectedOf(join(dir.path, name), stats));
    await recheck(walked);
    checkSize(shown, stats.size, limit);
    const read = await fsCall(shown, () => readAtMost(handle, limit + 1, stats.size + 1));
    checkSize(shown, read.length, limit); // it may have grown since the fstat
    const bytes = Buffer.from(read.buffer, read.byteOffset, read.byteLength);
    return { content: decode(bytes, encoding, shown), size: bytes.length, encoding };
  } finally {
    await file?.close();
    await dir.handle.close();
  }
}

/**
 * Opens the granted root and then each directory of `relPath` (all of them, or all but the last
 * segment), each looked up in the one before. Throws a {@link KilnError} for every refusal;
 * on success the caller owns (and closes) `dir.handle`, and no other handle is left open.
 */
async function walk(
  mode: Mode,
  ctx: OperationContext,
  folderName: string,
  relPath: string,
  depth: "all" | "parents",
): Promise<Walked> {
  const root = grantedRoot(ctx, folderName);
  const segments = splitRelativePath(relPath, folderName);
  const shown =
    segments.length === 0 ? `the root of folder "${folderName}"` : `"${segments.join("/")}" in folder "${folderName}"`;
  const rootShown = `folder "${folderName}"`;
  // Portable mode works with the root's real path, so that lstat of each component can be compared
  // with what was opened. In descriptor mode names are never used again after the root's open.
  const rootPath = mode === "portable" ? await fsCall(rootShown, () => realpath(root)) : root;
  const rootHandle = await fsCall(rootShown, () => open(rootPath, constants.O_RDONLY | O_DIRECTORY | O_NONBLOCK));
  let dir: Dir = { handle: rootHandle, path: rootPath };
  const expected: Expected[] = [];
  try {
    if (mode === "portable") expected.push(expectedOf(rootPath, await rootHandle.stat()));
    const count = depth === "all" ? segments.length : segments.length - 1;
    for (let i = 0; i < count; i++) {
      const name = segments[i] as string;
      const target: Target = {
        mode,
        dir,
        name,
        prefix: segments.slice(0, i + 1).join("/"),
        shown,
        role: i === segments.length - 1 ? "directory" : "parent",
      };
      const next = await open(childPath(mode, dir, name), DIRECTORY_FLAGS).catch((e: unknown) =>
        explainOpenFailure(e, target),
      );
      const parent = dir;
      dir = { handle: next, path: join(parent.path, name) };
      await parent.handle.close();
      if (mode === "portable") expected.push(expectedOf(dir.path, await next.stat()));
    }
  } catch (e) {
    await dir.handle.close();
    throw e;
  }
  const last = depth === "parents" ? segments[segments.length - 1] : undefined;
  return { mode, dir, last, segments, shown, expected };
}

/**
 * Portable mode: once the work is done, every name on the walk must still lead to the (device,
 * inode) that was opened, or the call is refused. Descriptor mode needs no such check.
 */
async function recheck(walked: Walked): Promise<void> {
  if (walked.mode !== "portable") return;
  for (const want of walked.expected) {
    const now = await lstat(want.path).catch(() => undefined);
    if (now === undefined || now.dev !== want.dev || now.ino !== want.ino) {
      throw new KilnError(
        "KILN_PATH_ESCAPE",
        `${walked.shown} is refused: the folder changed while it was being read (a component was moved or replaced)`,
      );
    }
  }
}

function expectedOf(path: string, stats: Stats): Expected {
  return { path, dev: stats.dev, ino: stats.ino };
}

/** An entry whose open failed, with what is needed to say why. */
interface Target {
  readonly mode: Mode;
  readonly dir: Dir;
  readonly name: string;
  /** The segments up to and including `name`, `/`-joined. */
  readonly prefix: string;
  /** How messages name the whole path asked for. */
  readonly shown: string;
  /** `parent`: a directory on the way; `directory`: the one to list; `file`: the one to read. */
  readonly role: "parent" | "directory" | "file";
}

/**
 * Turns a failed open into the refusal the extension should read. The entry is `lstat`ed (inside
 * the same directory, so the answer is about the same entry) only to word the message; that the
 * open failed is what refuses the call.
 */
async function explainOpenFailure(error: unknown, target: Target): Promise<never> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const { shown, prefix, role } = target;
  if (code === "ENOENT") throw new KilnError("KILN_NOT_FOUND", `${shown} does not exist`);
  const entry = await lstat(childPath(target.mode, target.dir, target.name)).catch(() => undefined);
  if (code === "ELOOP" || entry?.isSymbolicLink()) throw linkRefused(shown, prefix);
  if (code === "ENOTDIR" && role !== "file" && entry === undefined) {
    throw new KilnError("KILN_NOT_FOUND", `${shown} does not exist`);
  }
  if (code === "ENOTDIR" && role !== "file" && entry?.isDirectory()) {
    // Not a directory when opened, one now: something else was there for a moment.
    throw new KilnError("KILN_PATH_ESCAPE", `${shown} is refused: "${prefix}" was replaced while being opened`);
  }
  if (code === "ENOTDIR" && role === "directory") {
    throw new KilnError("KILN_NOT_A_DIRECTORY", `${shown} is not a directory`);
  }
  if (code === "ENOTDIR" && role === "parent") {
    throw new KilnError("KILN_NOT_FOUND", `${shown} does not exist: "${prefix}" is not a directory`);
  }
  if (role === "file" && (code === "ENXIO" || (entry !== undefined && !entry.isFile()))) {
    // ENXIO: a socket, or a device with nothing behind it.
    throw new KilnError("KILN_NOT_A_FILE", `${shown} is not a file${entry ? ` (${kindOf(entry)})` : ""}`);
  }
  throw new Error(`cannot access ${shown}: ${code ?? "unknown error"}`, { cause: error });
}

function linkRefused(shown: string, link: string): KilnError {
  return new KilnError(
    "KILN_PATH_ESCAPE",
    `${shown} is refused: "${link}" is a symbolic link, and files.* never follows links`,
  );
}

let descriptorProbe: Promise<boolean> | undefined;

/**
 * Whether `/proc/self/fd/<n>/` leads into the directory descriptor `n` holds (Linux with `/proc`
 * mounted). Asked once per process; a probe that fails for another reason (say, out of file
 * descriptors) fails the call and is asked again next time, rather than quietly settling for the
 * weaker portable mode.
 */
function descriptorPathsWork(): Promise<boolean> {
  descriptorProbe ??= probeDescriptorPaths().catch((e: unknown) => {
    descriptorProbe = undefined;
    throw e;
  });
  return descriptorProbe;
}

async function probeDescriptorPaths(): Promise<boolean> {
  if (process.platform !== "linux") return false;
  const handle = await open("/", constants.O_RDONLY | O_DIRECTORY);
  try {
    const held = await handle.stat();
    const named = await lstat(`/proc/self/fd/${handle.fd}/.`).catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException | undefined)?.code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "EPERM") return undefined;
      throw e;
    });
    return named !== undefined && held.dev === named.dev && held.ino === named.ino;
  } finally {
    await handle.close();
  }
}

function checkSize(shown: string, size: number, limit: number): void {
  if (size > limit) {
    throw new KilnError("KILN_FILE_TOO_LARGE", `${shown} is ${size} bytes, over the read limit of ${limit} bytes`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Buffer, encoding: FileEncoding, shown: string): string {
  if (encoding === "base64") return bytes.toString("base64");
  try {
    return utf8.decode(bytes);
  } catch {
    throw new KilnError("KILN_FILE_NOT_UTF8", `${shown} is not UTF-8 text; read it with encoding: "base64"`);
  }
}

function grantedRoot(ctx: OperationContext, folderName: string): string {
  const folders = ctx.grants.folders;
  // Own properties only: "constructor" or "__proto__" must not name a folder.
  const root = Object.hasOwn(folders, folderName) ? folders[folderName] : undefined;
  if (root === undefined) {
    const granted = Object.keys(folders);
    throw new KilnError(
      "KILN_FOLDER_NOT_GRANTED",
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
    throw new KilnError(
      "KILN_PATH_ESCAPE",
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

function typeOf(stats: Stats): FileType {
  return stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
}

/** Words for what a non-regular entry is, for messages. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return stats.isFile() ? "a file" : "not a regular file";
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
    if (code === "ENOENT" || code === "ENOTDIR") throw new KilnError("KILN_NOT_FOUND", `${shown} does not exist`);
    if (code === "ELOOP") throw new KilnError("KILN_PATH_ESCAPE", `${shown} is refused: it is a symbolic link`);
    throw new Error(`cannot access ${shown}: ${code ?? "unknown error"}`, { cause: e });
  }
}
