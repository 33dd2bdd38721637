/**
 * The SQLite job store across real processes: a child SIGKILLed while checkpointing loses no
 * checkpoint it was told was written, and several processes racing to start the same jobs each start
 * a job at most once. Node 20 cannot run TypeScript, so the store's sources and the child are first
 * transpiled (TypeScript's transpileModule, no type check) into a folder inside this package, where
 * `better-sqlite3` resolves as it does for the package itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteJobStore } from "../src/index.js";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
let built: string;
let dir: string;

/** Transpiles the store, the modules it imports and the child; returns the child's path. */
function buildChild(): string {
  built = join(packageRoot, "node_modules", ".cache", `kiln-store-crash-${process.pid}`);
  const sources = [
    "src/errors.ts",
    "src/json-safety.ts",
    "test/store-crash-child.ts",
    ...readdirSync(join(packageRoot, "src/store"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => `src/store/${f}`),
  ];
  for (const source of sources) {
    const { outputText } = ts.transpileModule(readFileSync(join(packageRoot, source), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: source,
    });
    const out = join(built, source.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return join(built, "test/store-crash-child.js");
}

let child: string;

beforeAll(() => {
  child = buildChild();
  dir = mkdtempSync(join(tmpdir(), "kiln-store-crash-"));
});

afterAll(() => {
  rmSync(built, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** A child process and how it ended (listened for from the start, so no exit is missed). */
interface Child {
  proc: ChildProcess;
  exit: Promise<NodeJS.Signals | number | null>;
}

function start(args: string[]): Child {
  const proc = spawn(process.execPath, [child, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return { proc, exit };
}

describe("a host killed while checkpointing", () => {
  it.each([1, 40, 300])("loses no checkpoint it reported (SIGKILL after #%i)", async (killAfter) => {
    const file = join(dir, `checkpoint-${killAfter}.db`);
    const { proc, exit } = start(["checkpoint", file]);
    let jobId = "";
    let lastReported = 0;
    if (!proc.stdout) throw new Error("child has no stdout");
    for await (const line of createInterface({ input: proc.stdout })) {
      if (line.startsWith("job ")) jobId = line.slice(4);
      else lastReported = Math.max(lastReported, Number(line));
      if (lastReported >= killAfter && proc.exitCode === null && !proc.killed) proc.kill("SIGKILL");
    }
    expect(await exit).toBe("SIGKILL");

    const store = SqliteJobStore.open(file);
    try {
      const record = await store.get(jobId);
      expect(record?.checkpointSeq).toBeGreaterThanOrEqual(lastReported);
      // Checkpoint, its sequence number and the progress sent with it were written as one.
      expect(record?.checkpoint).toMatchObject({ i: record?.checkpointSeq });
      expect(record?.progress.done).toBe(record?.checkpointSeq);
      expect((await store.recoverInterrupted()).map((r) => r.id)).toEqual([jobId]);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });
});

describe("processes racing to start the same jobs", () => {
  it("start each job exactly once", async () => {
    const file = join(dir, "race.db");
    const store = SqliteJobStore.open(file);
    const jobs = await Promise.all(
      Array.from({ length: 200 }, () => store.create({ extensionId: "race.test", jobName: "j", input: null })),
    );
    const ids = jobs.map((j) => j.id);
    const children = [0, 1, 2, 3].map((seed) => start(["race", file, JSON.stringify(ids), String(seed)]));
    const procs = children.map((c) => c.proc);
    let ready = 0;
    const outputs = procs.map(async (proc) => {
      const lines: string[] = [];
      if (!proc.stdout) throw new Error("child has no stdout");
      for await (const line of createInterface({ input: proc.stdout })) {
        lines.push(line);
        // Start all at once: the first "ready" from everyone releases the lot.
        if (line === "ready" && ++ready === procs.length) for (const p of procs) p.stdin?.write("go\n");
      }
      return lines;
    });
    const results = await Promise.all(outputs);
    expect(await Promise.all(children.map((c) => c.exit))).toEqual([0, 0, 0, 0]);

    const won = results.flatMap((lines) => JSON.parse(lines.at(-1) ?? "[]") as string[]);
    expect([...won].sort()).toEqual([...ids].sort());
    for (const record of await store.list()) expect(record).toMatchObject({ state: "running", attempts: 1 });
    await store.close();
  });
});
