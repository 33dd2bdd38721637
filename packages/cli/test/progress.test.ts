/** The progress display of `kiln run` and `kiln jobs resume`: bars on a terminal, plain lines otherwise. */
import { describe, expect, it } from "vitest";
import { formatBar, formatPlainLine, ProgressView } from "../src/progress.js";

describe("ProgressView", () => {
  function sink(columns?: number) {
    const s = {
      text: "",
      columns,
      write(t: string) {
        s.text += t;
      },
    };
    return s;
  }

  it("formats bars and plain lines", () => {
    const p = { done: 6, total: 10, message: "six" };
    expect(formatPlainLine(p)).toBe("progress 6/10 60% six");
    expect(formatPlainLine({ done: 6, total: null, message: null })).toBe("progress 6 done");
    expect(formatBar("steps", p)).toBe("steps [████████████░░░░░░░░] 60% 6/10 six");
    expect(formatBar("steps", { done: 6, total: null, message: null })).toMatch(/^steps . 6 done$/);
    expect([...formatBar("steps", { ...p, message: "x".repeat(200) }, 0, 40)]).toHaveLength(39);
  });

  it("throttles plain lines and always prints the last one", () => {
    let now = 1000;
    const out = sink();
    const view = new ProgressView({ tty: false, out, err: sink(), now: () => now });
    view.start("a", "steps");
    for (let i = 1; i <= 10; i++) {
      view.update("a", { done: i, total: 10, message: null });
      now += 50;
    }
    view.line("a log line");
    view.finish("a");
    expect(out.text).toBe(
      ["progress 1/10 10%", "progress 5/10 50%", "progress 9/10 90%", "a log line", "progress 10/10 100%", ""].join(
        "\n",
      ),
    );
  });

  it("clears the bars before a log line and redraws them after", () => {
    const out = sink();
    const err = sink(80);
    const view = new ProgressView({ tty: true, out, err, redrawMs: 0 });
    view.start("a", "one");
    view.start("b", "two", { done: 1, total: 2, message: null });
    view.line("hello");
    expect(out.text).toBe("hello\n");
    // Two bars were drawn: up one line, clear to the end of the screen, the log line, both bars again.
    const tail = err.text.slice(err.text.lastIndexOf("\x1b[1A"));
    expect(tail.startsWith("\x1b[1A\r\x1b[J\r\x1b[Jone ")).toBe(true);
    expect(tail.endsWith(" starting\ntwo [██████████░░░░░░░░░░] 50% 1/2")).toBe(true);
    view.close();
    // Both bars removed, the cursor back at the start of the line they were on.
    expect(err.text.endsWith("\x1b[1A\r\x1b[J\r\x1b[Jtwo [██████████░░░░░░░░░░] 50% 1/2\r\x1b[J")).toBe(true);
  });
});
