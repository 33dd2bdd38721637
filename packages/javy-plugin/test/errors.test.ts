/** Every error the package throws is a KilnError with a code from the one error table. */
import { ERRORS, isKilnError, KilnError } from "@kiln/contracts";
import { describe, expect, it } from "vitest";
import { JavyModuleFailedError, JsError, PluginCompileError, PluginTrapError, WasiExit } from "../src/errors.js";
import { createWasi } from "../src/wasi.js";

describe("plugin errors", () => {
  it("are KilnErrors with their code, name and extra fields", () => {
    const cause = new Error("unreachable");
    const cases: [KilnError, string, string, Record<string, unknown>][] = [
      [
        new PluginCompileError("SyntaxError: x"),
        "KILN_JS_COMPILE_FAILED",
        "PluginCompileError",
        { quickjsMessage: "SyntaxError: x" },
      ],
      [
        new JsError({ name: "TypeError", message: "m", stack: "    at f" }, "f"),
        "KILN_JS_ERROR",
        "JsError",
        { jsName: "TypeError", jsMessage: "m", jsStack: "    at f", exportName: "f" },
      ],
      [
        new PluginTrapError("invoke", cause),
        "KILN_PLUGIN_TRAP",
        "PluginTrapError",
        { trapMessage: "unreachable", cause },
      ],
      [new WasiExit(3), "KILN_WASI_EXIT", "WasiExit", { exitCode: 3 }],
      [new JavyModuleFailedError("boom", "err\n"), "KILN_MODULE_FAILED", "JavyModuleFailedError", { stderr: "err\n" }],
    ];
    for (const [error, code, name, fields] of cases) {
      expect(error).toBeInstanceOf(KilnError);
      expect(isKilnError(error)).toBe(true);
      expect(Object.hasOwn(ERRORS, error.code)).toBe(true);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error).toMatchObject(fields);
    }
  });

  it("keep their messages", () => {
    expect(new JsError({ name: "Error", message: "nope" }).message).toBe("Error in the module's top-level code: nope");
    expect(new WasiExit(1).message).toMatch(/^The WebAssembly module called proc_exit\(1\)/);
    expect(new JavyModuleFailedError("x", "line\n").message).toBe("the module failed: x\nline");
  });

  it("include WASI used before bind, as a bad option", () => {
    const wasi = createWasi();
    expect(() => wasi.imports.fd_write?.(...([1, 0, 0, 0] as never[]))).toThrow(
      expect.objectContaining({ code: "KILN_INVALID_OPTION" }),
    );
  });
});
