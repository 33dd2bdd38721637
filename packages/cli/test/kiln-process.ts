/**
 * Runs the real `kiln` CLI (`bin/kiln.js`, i.e. the built dist) as a child process, for the CLI
 * tests. Every child is tracked so that a test that fails midway leaves no process behind.
 * `execArgv` (e.g. `--import` of a loader hook) goes to Node before the CLI's path.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The CLI entry point under test. */
export const KILN = fileURLToPath(new URL("../bin/kiln.js", import.meta.url));

/** The reference extension's project folder. */
export const TEST_EXTENSION = fileURLToPath(new URL("../../../extensions/test-extension", import.meta.url));

/** How a `kiln` process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A `kiln` child process and a promise of how it ended. */
export interface Child {
  readonly process: ChildProcess;
  readonly exit: Promise<Exit>;
  /** What it printed so far. */
  readonly output: () => { stdout: string; stderr: string };
}

const children = new Set<ChildProcess>();

/**
 * Starts `kiln ...args` in `cwd` with pipes (not a terminal), `stdin` (if given) as its input. It
 * is SIGKILLed after `timeoutMs`.
 */
export function startKiln(
  cwd: string,
  args: readonly string[],
  timeoutMs = 60_000,
  stdin?: Uint8Array,
  execArgv: readonly string[] = [],
): Child {
  const child = spawn(process.execPath, [...execArgv, KILN, ...args], {
    cwd,
    stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  if (stdin) child.stdin?.end(stdin);
  return track(child, args, timeoutMs);
}

/** Runs `kiln ...args` in `cwd` and resolves when it exits. */
export function runKiln(
  cwd: string,
  args: readonly string[],
  timeoutMs = 60_000,
  stdin?: Uint8Array,
  execArgv: readonly string[] = [],
): Promise<Exit> {
  return startKiln(cwd, args, timeoutMs, stdin, execArgv).exit;
}

/** Watches any child the same way (e.g. `script` wrapping kiln in a pseudo-terminal). */
export function track(child: ChildProcess, args: readonly string[], timeoutMs = 60_000): Child {
  const started = performance.now();
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exit = new Promise<Exit>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")} did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { process: child, exit, output: () => ({ stdout, stderr }) };
}

/** Kills every child still running (call in `afterEach`). */
export function killAll(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}
