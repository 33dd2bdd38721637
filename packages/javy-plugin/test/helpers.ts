import { expect } from "vitest";
import { PluginInstance, type PluginInstanceOptions } from "../src/plugin.js";

/** A real plugin instance whose stdout/stderr are captured as text. */
export interface Harness {
  readonly plugin: PluginInstance;
  /** Everything written to fd 1 so far. */
  stdout(): string;
  /** Everything written to fd 2 so far. */
  stderr(): string;
  /** Forgets captured output. */
  reset(): void;
  /** compile + invoke; returns the bytecode for reuse. */
  run(source: string, fn?: string): Uint8Array;
}

/** Creates a real plugin instance (default plugin, real WASI) and captures its output. */
export async function harness(options: Omit<PluginInstanceOptions, "onStdout" | "onStderr"> = {}): Promise<Harness> {
  let out: Uint8Array[] = [];
  let err: Uint8Array[] = [];
  const plugin = await PluginInstance.create({
    ...options,
    onStdout: (bytes) => out.push(bytes),
    onStderr: (bytes) => err.push(bytes),
  });
  const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString("utf8");
  return {
    plugin,
    stdout: () => text(out),
    stderr: () => text(err),
    reset() {
      out = [];
      err = [];
    },
    run(source, fn) {
      const bytecode = plugin.compile(source);
      plugin.invoke(bytecode, fn);
      return bytecode;
    },
  };
}

/** JS prelude for test modules: print a value as a line of JSON on stdout via Javy.IO. */
export const emit = `const emit = (value) => Javy.IO.writeSync(1, new TextEncoder().encode(JSON.stringify(value) + '\\n'));\n`;

/**
 * The cases of a differential test whose answers differ, each with its input, the sandbox's answer
 * and Node's (compared as JSON); both answer lists must have one entry per input.
 */
export function mismatches<T>(inputs: readonly T[], sandbox: readonly unknown[], node: readonly unknown[]) {
  expect(sandbox).toHaveLength(inputs.length);
  expect(node).toHaveLength(inputs.length);
  return inputs.flatMap((input, i) =>
    JSON.stringify(sandbox[i]) === JSON.stringify(node[i]) ? [] : [{ input, sandbox: sandbox[i], node: node[i] }],
  );
}

/** mulberry32: a small seeded generator, so that a failure names inputs that can be replayed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
