/**
 * A minimal WASI preview1 for plugins and modules: stdio through callbacks, clocks and randomness,
 * and nothing else. Deny by default: no files, no preopens, no environment, no arguments, no
 * sockets. Node's `node:wasi` would do, but it is experimental, hands out the real clock and
 * stdio, and cannot route output to a per-extension logger.
 *
 * @module
 */
import { KilnError } from "@kiln/contracts/errors";
import { WasiExit } from "./errors.js";

/** What the WASI imports may touch. Everything not given is denied or empty. */
export interface WasiOptions {
  /** Bytes for fd 0, or a function producing them, called on the first read. */
  readonly stdin?: Uint8Array | (() => Uint8Array);
  /** Receives each `fd_write` to fd 1 (a copy, one call per `fd_write`). */
  readonly onStdout?: (bytes: Uint8Array) => void;
  /** Receives each `fd_write` to fd 2. */
  readonly onStderr?: (bytes: Uint8Array) => void;
  /** Wall-clock time in nanoseconds since the epoch (the realtime clock); defaults to the host's. */
  readonly now?: () => bigint;
}

/** A WASI import value: numbers and bigints in, an errno out. */
export type WasiFunction = (...args: never[]) => number;

/** A WASI instance: the import object, to be bound to the memory of the instance that uses it. */
export interface Wasi {
  /** The `wasi_snapshot_preview1` import object. Holds every preview1 function name. */
  readonly imports: Record<string, WasiFunction>;
  /** Points the imports at the instance's memory; call before running any of its code. */
  bind(memory: WebAssembly.Memory): void;
  /** Replaces what fd 0 yields from now on (read position back to 0). */
  setStdin(bytes: Uint8Array): void;
}

/** The errno values we return (WASI preview1 numbering). */
export const Errno = {
  success: 0,
  badf: 8,
  fault: 21,
  inval: 28,
  nosys: 52,
  spipe: 70,
} as const;

/**
 * Every function of `wasi_snapshot_preview1`. Those we do not implement are still supplied, as
 * stubs answering ENOSYS, so that plugins built against a fuller WASI still link.
 */
export const WASI_PREVIEW1_FUNCTIONS = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
] as const;

const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_WRITE = 1n << 6n;
const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const CLOCK_PROCESS_CPUTIME = 2;
const CLOCK_THREAD_CPUTIME = 3;
/** crypto.getRandomValues refuses more than this per call. */
const RANDOM_CHUNK = 65536;

/** Raised by the bounds checks; turned into EFAULT at the import boundary. */
class Fault extends Error {}

/** Creates WASI imports with the given (deny-by-default) capabilities. */
export function createWasi(options: WasiOptions = {}): Wasi {
  let memory: WebAssembly.Memory | undefined;
  let stdin: Uint8Array | undefined = typeof options.stdin === "function" ? undefined : options.stdin;
  let stdinSource = typeof options.stdin === "function" ? options.stdin : undefined;
  let stdinPos = 0;
  const now = options.now ?? (() => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)));

  const buffer = (): ArrayBuffer => {
    if (!memory) {
      throw new KilnError("KILN_INVALID_OPTION", "WASI was called before bind(memory): bind the instance memory first");
    }
    return memory.buffer;
  };
  /** A view of [ptr, ptr+len) of memory, or a Fault. Pointers are u32 from Wasm's view. */
  const bytes = (ptr: number, len: number): Uint8Array => {
    const buf = buffer();
    const start = ptr >>> 0;
    const length = len >>> 0;
    if (start + length > buf.byteLength) throw new Fault();
    return new Uint8Array(buf, start, length);
  };
  const view = (ptr: number, len: number): DataView => {
    const b = bytes(ptr, len);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const setU32 = (ptr: number, value: number) => view(ptr, 4).setUint32(0, value, true);
  const setU64 = (ptr: number, value: bigint) => view(ptr, 8).setBigUint64(0, value, true);
  /** The (ptr, len) pairs of an iovec array, checked. */
  const iovecs = (iovs: number, count: number): Uint8Array[] => {
    const table = view(iovs, (count >>> 0) * 8);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count >>> 0; i++) {
      out.push(bytes(table.getUint32(i * 8, true), table.getUint32(i * 8 + 4, true)));
    }
    return out;
  };
  const stdinBytes = (): Uint8Array => {
    if (stdin === undefined) {
      stdin = stdinSource ? stdinSource() : new Uint8Array(0);
      stdinSource = undefined;
    }
    return stdin;
  };
  const isStdio = (fd: number) => fd >= 0 && fd <= 2;

  const implemented: Record<string, (...args: never[]) => number> = {
    fd_write(fd: number, iovs: number, count: number, nwrittenPtr: number): number {
      if (fd !== 1 && fd !== 2) return Errno.badf;
      const sink = fd === 1 ? options.onStdout : options.onStderr;
      const parts = iovecs(iovs, count);
      const total = parts.reduce((n, p) => n + p.length, 0);
      setU32(nwrittenPtr, 0); // checked before anything is emitted
      if (sink && total > 0) {
        const out = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        sink(out);
      }
      setU32(nwrittenPtr, total);
      return Errno.success;
    },
    fd_read(fd: number, iovs: number, count: number, nreadPtr: number): number {
      if (fd !== 0) return Errno.badf;
      const parts = iovecs(iovs, count);
      setU32(nreadPtr, 0);
      const input = stdinBytes();
      let read = 0;
      for (const p of parts) {
        const n = Math.min(p.length, input.length - stdinPos);
        p.set(input.subarray(stdinPos, stdinPos + n));
        stdinPos += n;
        read += n;
        if (n < p.length) break;
      }
      setU32(nreadPtr, read);
      return Errno.success;
    },
    fd_close: (fd: number) => (isStdio(fd) ? Errno.success : Errno.badf),
    fd_seek: (fd: number) => (isStdio(fd) ? Errno.spipe : Errno.badf),
    fd_tell: (fd: number) => (isStdio(fd) ? Errno.spipe : Errno.badf),
    fd_fdstat_get(fd: number, statPtr: number): number {
      if (!isStdio(fd)) return Errno.badf;
      const stat = view(statPtr, 24);
      stat.setUint8(0, FILETYPE_CHARACTER_DEVICE);
      stat.setUint16(2, 0, true); // no fdflags
      stat.setBigUint64(8, fd === 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE, true);
      stat.setBigUint64(16, 0n, true);
      return Errno.success;
    },
    fd_prestat_get: () => Errno.badf, // no preopens: wasi-libc stops scanning at the first EBADF
    fd_prestat_dir_name: () => Errno.badf,
    clock_time_get(id: number, _precision: bigint, timePtr: number): number {
      let t: bigint;
      if (id === CLOCK_REALTIME) t = now();
      else if (id === CLOCK_MONOTONIC || id === CLOCK_PROCESS_CPUTIME || id === CLOCK_THREAD_CPUTIME) {
        t = process.hrtime.bigint();
      } else return Errno.inval;
      setU64(timePtr, t);
      return Errno.success;
    },
    clock_res_get(id: number, resPtr: number): number {
      if (id < CLOCK_REALTIME || id > CLOCK_THREAD_CPUTIME) return Errno.inval;
      setU64(resPtr, 1000n);
      return Errno.success;
    },
    random_get(ptr: number, len: number): number {
      const target = bytes(ptr, len);
      for (let at = 0; at < target.length; at += RANDOM_CHUNK) {
        crypto.getRandomValues(target.subarray(at, Math.min(at + RANDOM_CHUNK, target.length)));
      }
      return Errno.success;
    },
    proc_exit(code: number): number {
      throw new WasiExit(code >>> 0);
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      setU32(countPtr, 0);
      setU32(sizePtr, 0);
      return Errno.success;
    },
    environ_get: () => Errno.success,
    args_sizes_get(countPtr: number, sizePtr: number): number {
      setU32(countPtr, 0);
      setU32(sizePtr, 0);
      return Errno.success;
    },
    args_get: () => Errno.success,
    sched_yield: () => Errno.success,
    poll_oneoff: () => Errno.nosys,
  };

  const imports: Record<string, WasiFunction> = {};
  for (const name of WASI_PREVIEW1_FUNCTIONS) {
    const fn = implemented[name];
    imports[name] = fn
      ? (...args: never[]) => {
          try {
            return fn(...args);
          } catch (error) {
            if (error instanceof Fault) return Errno.fault;
            throw error;
          }
        }
      : () => Errno.nosys;
  }

  return {
    imports,
    bind(m: WebAssembly.Memory): void {
      memory = m;
    },
    setStdin(b: Uint8Array): void {
      stdin = b;
      stdinSource = undefined;
      stdinPos = 0;
    },
  };
}
