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
