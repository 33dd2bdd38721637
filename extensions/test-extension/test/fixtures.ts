/**
 * Shared by the tests of test-extension (and by @kiln/testing's, which run it): fakes of the
 * application operations the extension asks for, and where a piece of source text is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeOperation } from "@kiln/testing";

/** `test.echo` answers `{ echoed: input }`; `test.sleep` waits `ms`, or until the call is aborted. */
export const appOperations = {
  "test.echo": (input: unknown) => ({ echoed: input }),
  "test.sleep": {
    input: { type: "object", properties: { ms: { type: "number" } }, required: ["ms"], additionalProperties: false },
    handler: ({ ms }: { ms: number }, ctx) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(null), ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new Error("aborted"));
        });
      }),
  },
} satisfies Record<string, FakeOperation>;

/** `{ file, line, column }` (1-based) of the first `needle` in `file` of `projectDir`: what a mapped location shows. */
export function sourceLocation(
  projectDir: string,
  file: string,
  needle: string,
): { file: string; line: number; column: number } {
  const text = readFileSync(join(projectDir, file), "utf8");
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} is not in ${file}`);
  const before = text.slice(0, index).split("\n");
  return { file, line: before.length, column: (before[before.length - 1] as string).length + 1 };
}
