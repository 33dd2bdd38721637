import { testExtension } from "@kiln/testing";
import { afterAll, describe, expect, it } from "vitest";

// Builds the extension from src/ (cached until a source changes) and loads it in a real Kiln host.
const ext = await testExtension(new URL("..", import.meta.url));
afterAll(() => ext.close());

describe("{{id}}", () => {
  it("greets, with a log line and progress", async () => {
    const run = await ext.run("hello", { name: "Kiln" });
    expect(run.result).toEqual({ greeting: "Hello, Kiln!" });
    expect(run.logs.map((entry) => entry.message)).toEqual(["Hello, Kiln!"]);
    expect(run.progress.at(-1)).toMatchObject({ done: 1, total: 1 });
  });

  it("counts, checkpointing after each number", async () => {
    const run = await ext.run("count", { to: 4 });
    expect(run.result).toEqual({ sum: 10 });
    expect(run.checkpoints).toEqual([
      { done: 1, sum: 1 },
      { done: 2, sum: 3 },
      { done: 3, sum: 6 },
      { done: 4, sum: 10 },
    ]);
  });

  it("resumes from its last checkpoint after a pause", async () => {
    const run = await ext.pauseAndResume("count", { to: 5 }, { afterCheckpoints: 2 });
    expect(run.resumedFrom).toEqual({ done: 2, sum: 3 });
    expect(run.result).toEqual({ sum: 15 });
    expect(run.logs.map((entry) => entry.message)).toContain("resuming after 2");
  });
});
