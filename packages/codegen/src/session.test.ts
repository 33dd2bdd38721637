/**
 * A `BuildSession` builds what a one-shot build builds, byte for byte, and follows edits between
 * its builds (a new job, a broken save and its fix): the warm state never leaks an old build.
 * Real builds (analysis, esbuild, the plugin's compiler, the module emitter) of a project inside
 * the workspace, so that `@kiln/sdk` resolves as it does for an installed extension.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildExtension } from "./build.js";
import { DiagnosticsError } from "./diagnostics.js";
import { BuildSession } from "./session.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

const source = (jobs: string) =>
  `import { extension, type JobContext, job } from "@kiln/sdk";
@extension({ id: "session-test", name: "Session test", version: "1.0.0" })
export class SessionTest {
  @job()
  count(ctx: JobContext<{ to: number }>): number {
    return ctx.input.to;
  }
${jobs}
}
`;

function project(): { dir: string; entry: string } {
  const dir = mkdtempSync(path.join(here, "../node_modules/.session-test-"));
  temporary.push(dir);
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "package.json"), '{ "name": "session-test", "type": "module" }');
  const entry = path.join(dir, "src", "index.ts");
  writeFileSync(entry, source(""));
  return { dir, entry };
}

describe("BuildSession", () => {
  it("builds the same files as buildExtension, and follows the edits between its builds", async () => {
    const { dir, entry } = project();
    const session = new BuildSession({ projectDir: dir, outDir: path.join(dir, "warm") });
    const first = await session.build();
    const cold = await buildExtension({ projectDir: dir, outDir: path.join(dir, "cold") });
    for (const file of ["manifest", "module", "types"] as const) {
      expect(readFileSync(first.files[file]), file).toEqual(readFileSync(cold.files[file]));
    }
    expect(first.manifest.jobs.map((j) => j.name)).toEqual(["count"]);

    writeFileSync(entry, source("  @job({ name: \"added\" })\n  added(): string {\n    return 'added';\n  }"));
    const second = await session.build();
    expect(second.manifest.jobs.map((j) => j.name)).toEqual(["count", "added"]);
    expect(readFileSync(second.files.types, "utf8")).toContain("added: {");

    // A broken save fails as a one-shot build would; the next good one builds again.
    writeFileSync(entry, `${source("")}\nconst = ;\n`);
    const broken = await session.build().catch((error: unknown) => error);
    expect(broken).toBeInstanceOf(DiagnosticsError);
    expect((broken as DiagnosticsError).diagnostics.map((d) => d.code)).toContain("KILN_SYNTAX_ERROR");

    writeFileSync(entry, source(""));
    const fixed = await session.build();
    expect(fixed.manifest.jobs.map((j) => j.name)).toEqual(["count"]);
    expect(fixed.manifest.module.sha256).toBe(first.manifest.module.sha256);
  });
});
