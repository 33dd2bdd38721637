// The peers the suite compares Kiln with, each installed by the suite into a folder of its own
// (bench/.peers/<peer>/, gitignored) on first run, never by `npm run setup`. A peer that does not
// install is reported as unavailable with the reason; the suite goes on without it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PEERS } from "./common.mjs";

/** Each peer: the npm packages it needs (exact versions) and what the tables call it. */
export const PEER_SPECS = {
  "quickjs-emscripten": {
    label: "quickjs-emscripten 0.32",
    dependencies: { "quickjs-emscripten": "0.32.0" },
    probe: "quickjs-emscripten",
  },
  "quickjs-wasi": {
    label: "quickjs-wasi 3.6",
    dependencies: { "quickjs-wasi": "3.6.2" },
    probe: "quickjs-wasi",
  },
  extism: {
    label: "Extism JS 1.0.3",
    // wabt assembles the hand-written plugin (fixtures/extism-plugin.wat).
    dependencies: { "@extism/extism": "1.0.3", wabt: "1.0.39" },
    probe: "@extism/extism",
  },
  javy: {
    label: "Javy (javy-plugin-api 6)",
    dependencies: { "@chainlink/cre-sdk-javy-plugin": "1.7.0" },
    // Its package exports no path to the wasm: the file is checked where npm puts it.
    file: "node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
  },
  // Last: it compiles a native addon from source with node-gyp (a minute or more on 2 cores).
  "isolated-vm": {
    label: "isolated-vm 5.0",
    dependencies: { "isolated-vm": "5.0.4" },
    probe: "isolated-vm",
  },
};

const MARKER = ".kiln-bench-installed.json";
const INSTALL_TIMEOUT_MS = 20 * 60_000;

function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout ?? INSTALL_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: String(error) });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `${signal}` : code, output });
    });
  });
}

const lastLines = (text, n = 6) => text.trim().split("\n").slice(-n).join(" | ").slice(0, 600);

/**
 * Installs (once) and checks each peer in `names`. Resolves to name → `{ available, label,
 * version, reason? }`. Never throws for a peer's sake.
 */
export async function ensurePeers(names, { install = true, log = () => {} } = {}) {
  const status = {};
  for (const name of names) {
    const spec = PEER_SPECS[name];
    const dir = join(PEERS, name);
    const wanted = JSON.stringify(spec.dependencies);
    const marker = join(dir, MARKER);
    const installed = existsSync(marker) && readFileSync(marker, "utf8") === wanted;
    if (!installed) {
      if (!install) {
        status[name] = { available: false, label: spec.label, reason: "not installed (--no-install)" };
        continue;
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "package.json"),
        `${JSON.stringify({ name: `kiln-bench-peer-${name}`, private: true, dependencies: spec.dependencies }, null, 2)}\n`,
      );
      log(`installing ${spec.label} into bench/.peers/${name} ...`);
      const started = Date.now();
      const result = await run("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: dir,
      });
      if (result.code !== 0) {
        status[name] = {
          available: false,
          label: spec.label,
          reason: `npm install failed (${result.code}): ${lastLines(result.output)}`,
        };
        log(`  ${name}: unavailable`);
        continue;
      }
      writeFileSync(marker, wanted);
      log(`  done in ${Math.round((Date.now() - started) / 1000)} s`);
    }
    if (spec.file) {
      status[name] = existsSync(join(dir, spec.file))
        ? { available: true, label: spec.label, version: Object.values(spec.dependencies)[0] }
        : { available: false, label: spec.label, reason: `the package has no ${spec.file}` };
      continue;
    }
    // Loads it in a child: an addon built for another Node, or a broken package, shows here.
    const probe = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { createRequire } from "node:module"; const r = createRequire(${JSON.stringify(join(dir, "package.json"))}); await import(r.resolve(${JSON.stringify(spec.probe)}));`,
      ],
      { cwd: dir, timeout: 60_000 },
    );
    if (probe.code !== 0) {
      status[name] = { available: false, label: spec.label, reason: `does not load: ${lastLines(probe.output, 3)}` };
      continue;
    }
    status[name] = { available: true, label: spec.label, version: Object.values(spec.dependencies)[0] };
  }
  return status;
}
