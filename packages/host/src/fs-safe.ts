/**
 * Reading the files the host itself trusts less than its own code: an extension's `manifest.json`
 * and module, which arrive in a folder someone else wrote. `readFile` would wait forever on a FIFO
 * (parking one of libuv's four threads, which `fs` and `dns.lookup` share) and read `/dev/zero`
 * until memory runs out. {@link readRegularFile} opens without blocking, checks what it opened,
 * and reads at most a bounded number of bytes from that very descriptor.
 *
 * @module
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/** Largest `manifest.json` the host reads: generated manifests are a few KiB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Largest extension module the host reads: Kiln modules are a few KiB; the plugin is shared. */
export const MAX_MODULE_BYTES = 64 * 1024 * 1024;

/**
 * Why {@link readRegularFile} refused:
 * - `not-regular`: the path (after following links) is a directory, FIFO, socket or device;
 * - `too-large`: the file is larger than the caller's `maxBytes`, or grew past it while being read;
 * - `unreadable`: it could not be opened or read (missing, no permission, a link loop, an I/O
 *   error); `cause` has the system error.
 */
export type FileReadReason = "not-regular" | "too-large" | "unreadable";

/** Thrown by {@link readRegularFile}; `reason` says which refusal, `path` which file. */
export class FileReadError extends Error {
  /** Which refusal; see {@link FileReadReason}. */
  readonly reason: FileReadReason;
  /** The path as given to {@link readRegularFile}. */
  readonly path: string;
  constructor(reason: FileReadReason, path: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FileReadError";
    this.reason = reason;
    this.path = path;
  }
}

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions {
  /** Refuse a file larger than this many bytes (checked before reading and while reading). */
  readonly maxBytes: number;
  /** What the file is, for messages: `"manifest"`, `"module"`. */
  readonly what: string;
}

// Absent on Windows, where FIFOs and device files do not sit in folders this way.
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_NOCTTY = constants.O_NOCTTY ?? 0;

/**
 * Reads a whole regular file, refusing anything else. A symbolic link is followed (a dist folder
 * may link its files), but what it leads to must be a regular file.
 *
 * The file is opened `O_NONBLOCK | O_NOCTTY`, so opening a FIFO returns at once instead of
 * waiting for a writer, and a terminal cannot become the process's controlling one; the opened
 * descriptor is `fstat`ed and refused unless it is a regular file, before a single byte is read.
 * Size is checked on the descriptor, and the read stops one byte past `maxBytes` whatever the file
 * does meanwhile. Everything is read from that one descriptor, so swapping the path afterwards
 * changes nothing.
 *
 * @throws {FileReadError} with `reason` `"not-regular"`, `"too-large"` or `"unreadable"`.
 */
export async function readRegularFile(path: string, options: ReadRegularFileOptions): Promise<Uint8Array> {
  const { maxBytes, what } = options;
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    // ENXIO: a socket, or a device with nothing behind it; both are simply not files.
    if (code === "ENXIO") {
      throw new FileReadError("not-regular", path, `the ${what} ${path} is not a regular file`, { cause });
    }
    throw new FileReadError("unreadable", path, `the ${what} ${path} cannot be read: ${describe(cause)}`, { cause });
  }
  try {
    const stats = await handle.stat().catch((cause: unknown) => {
      throw new FileReadError("unreadable", path, `the ${what} ${path} cannot be read: ${describe(cause)}`, { cause });
    });
    if (!stats.isFile()) {
      throw new FileReadError("not-regular", path, `the ${what} ${path} is ${kindOf(stats)}, not a regular file`);
    }
    if (stats.size > maxBytes) {
      const message = `the ${what} ${path} is ${stats.size} bytes, over the limit of ${maxBytes} bytes`;
      throw new FileReadError("too-large", path, message);
    }
    // One byte past the size fstat gave: a read that returns fewer bytes than asked reached the end.
    const bytes = await readAtMost(handle, maxBytes + 1, stats.size + 1).catch((cause: unknown) => {
      throw new FileReadError("unreadable", path, `the ${what} ${path} cannot be read: ${describe(cause)}`, { cause });
    });
    if (bytes.length > maxBytes) {
      const message = `the ${what} ${path} grew past the limit of ${maxBytes} bytes while being read`;
      throw new FileReadError("too-large", path, message);
    }
    return bytes;
  } finally {
    // Not waited for: nothing it could report changes the answer, and each wait is a trip through
    // libuv's thread pool (~0.15 ms on a virtual machine).
    handle.close().catch(() => undefined);
  }
}

/** The largest read of {@link readAtMost}. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Reads from the descriptor until end of file or `max` bytes, whichever comes first (also
 * `files.read`'s reader). `expected`
 * (the size fstat gave, plus one) sizes the first read: a regular file that gives fewer bytes than
 * a read asked for is at its end, so a file that did not change is read in one call, not two.
 */
export async function readAtMost(handle: FileHandle, max: number, expected = max): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let buffer = new Uint8Array(Math.min(Math.max(max, 1), Math.max(expected, 1), CHUNK_BYTES));
  while (total < max) {
    const want = Math.min(buffer.length, max - total);
    const { bytesRead } = await handle.read(buffer, 0, want, null);
    if (bytesRead === 0) break;
    chunks.push(buffer.slice(0, bytesRead));
    total += bytesRead;
    if (bytesRead < want) break;
    // It grew past what fstat said: read on in full-size chunks.
    if (buffer.length < CHUNK_BYTES) buffer = new Uint8Array(Math.min(max, CHUNK_BYTES));
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "it does not exist";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "too many symbolic links";
  return code ?? (error instanceof Error ? error.message : String(error));
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "not a regular file";
}
