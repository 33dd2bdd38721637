/**
 * Helpers the hostile cases share. Bundled into each case by `kiln build` (a local import), so
 * everything here runs inside QuickJS.
 */

/** The door the Kiln plugin installs: what the SDK itself calls, used here raw. */
declare const __kiln: { call(op: string, payload: string): string };
/** Javy's I/O global: raw writes to fd 1 and 2 bypass `ctx.log`. */
declare const Javy: { IO: { writeSync(fd: number, data: Uint8Array): number } };

/** A host-call reply as the extension sees it. */
export type Reply = { ok: true; value?: unknown } | { ok: false; error: { code: string; message: string } };

/** `__kiln.call(op, payload)` without the SDK: the reply text, unparsed. */
export function rawCall(op: string, payload: string): string {
  return __kiln.call(op, payload);
}

/** {@link rawCall}, parsed; a reply that is not JSON comes back as `{ ok: false, error: { code: "NOT_JSON" } }`. */
export function raw(op: string, payload: string): Reply {
  const text = rawCall(op, payload);
  try {
    return JSON.parse(text) as Reply;
  } catch {
    return { ok: false, error: { code: "NOT_JSON", message: text.slice(0, 200) } };
  }
}

/** The reply's code, or "OK". */
export function replyCode(reply: Reply): string {
  return reply.ok ? "OK" : String(reply.error?.code);
}

/** Writes bytes to stdout directly (no newline unless given). */
export function writeStdout(bytes: Uint8Array): number {
  return Javy.IO.writeSync(1, bytes);
}

/** `[[[…0…]]]`, `depth` arrays deep, built without recursion. */
export function deep(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** The JSON text of {@link deep}, built without JSON.stringify (which recurses). */
export function deepJson(depth: number): string {
  return `${"[".repeat(depth)}0${"]".repeat(depth)}`;
}

/** What a caught error says: a `HostCallError`'s code, else `Name: message`. */
export function codeOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error) return String(error.code);
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Spins for `ms` milliseconds (QuickJS has no timers). */
export function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose.
  }
}

/** True, in a way no bundler can fold: keeps code after an endless loop reachable to the compilers. */
export function always(): boolean {
  return typeof globalThis === "object";
}
