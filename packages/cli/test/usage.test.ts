/**
 * What `kiln` says about its own command line: every command's help, in each of the four ways to
 * ask for it, and one `KILN_USAGE` line (exit 2) with the closest name for anything it does not
 * know. Runs the real executable; nothing here builds or loads an extension.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { type Exit, runKiln } from "./kiln-process.js";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function kiln(...args: string[]): Promise<Exit> {
  return runKiln(tmpdir(), args);
}

/** Each command and a line its own usage has that the others' do not. */
const commands: [string[], string][] = [
  [["build"], "Usage: kiln build <extension-dir> [--out <dir>]"],
  [["run"], "  kiln run --plugin <plugin.wasm> <module.wasm> [--export <name>]"],
  [["jobs", "list"], "Usage: kiln jobs list --store <file.db> [--state <state>]... [--json]"],
  [["jobs", "resume"], "Usage: kiln jobs resume --store <file.db> --extensions <dir> [--paused]"],
];

describe("kiln --help", () => {
  it("lists every command, exit 0", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const r = await kiln(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(new RegExp(`^kiln ${version.replaceAll(".", "\\.")}: `));
      for (const usage of [
        "kiln build",
        "kiln run <dist-dir> <job>",
        "kiln run --plugin",
        "kiln jobs list",
        "kiln jobs resume",
        "kiln help <command>",
      ]) {
        expect(r.stdout).toContain(usage);
      }
    }
  });

  it("prints the overview and exits 2 without a command", async () => {
    const r = await kiln();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("kiln build");
  });

  it("prints the version", async () => {
    expect(await kiln("--version")).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it.each(commands.map(([words, line]) => ({ name: words.join(" "), words, line })))(
    "answers kiln $name --help, -h and kiln help $name with its own usage, exit 0",
    async ({ words, line }) => {
      const asked = [
        [...words, "--help"],
        [...words, "-h"],
        ["help", ...words],
        // --help wins over anything else on the line, even an unknown option.
        [...words, "--bogus", "x", "--help"],
      ];
      for (const args of asked) {
        const r = await kiln(...args);
        expect(r.code, args.join(" ")).toBe(0);
        expect(r.stderr, args.join(" ")).toBe("");
        expect(r.stdout, args.join(" ")).toContain(line);
        expect(r.stdout, args.join(" ")).toContain("-h, --help");
        for (const [others, otherLine] of commands) {
          if (others !== words) expect(r.stdout, args.join(" ")).not.toContain(otherLine);
        }
      }
    },
  );

  it("answers kiln jobs --help with the jobs commands", async () => {
    for (const args of [
      ["jobs", "--help"],
      ["help", "jobs"],
    ]) {
      const r = await kiln(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toContain("kiln jobs list --store");
      expect(r.stdout).toContain("kiln jobs resume --store");
      expect(r.stdout).not.toContain("kiln build");
    }
  });
});

describe("an unknown command or option", () => {
  const cases: [string[], string][] = [
    [["biuld"], 'unknown command "biuld" (did you mean "build"?); see kiln --help'],
    [["rnu", "dist", "counter"], 'unknown command "rnu" (did you mean "run"?); see kiln --help'],
    [["job", "list"], 'unknown command "job" (did you mean "jobs"?); see kiln --help'],
    [["frobnicate"], 'unknown command "frobnicate"; see kiln --help'],
    [["--verison"], 'unknown option "--verison" (did you mean "--version"?); see kiln --help'],
    [["help", "biuld"], 'unknown command "biuld" (did you mean "build"?); see kiln --help'],
    [["build", "--ot", "x", "."], 'unknown option "--ot" (did you mean "--out"?); see kiln build --help'],
    [["build"], "build needs an <extension-dir>; see kiln build --help"],
    [["run", "--plugin"], "--plugin needs a value; see kiln run --help"],
    [["run", "--json"], 'unknown option "--json"; see kiln run --help'],
    [
      ["jobs", "resume", "--pasued"],
      'unknown option "--pasued" (did you mean "--paused"?); see kiln jobs resume --help',
    ],
    [["jobs", "list", "--json=yes"], "--json takes no value; see kiln jobs list --help"],
  ];
  it.each(cases)("kiln %j: one KILN_USAGE line, exit 2", async (args, message) => {
    const r = await kiln(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`kiln: KILN_USAGE: ${message}\n`);
  });
});
