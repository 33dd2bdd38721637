// The main job: build every package and every extension under extensions/ (turbo, cached), then
// run each extension's demo jobs in the host through the `kiln` CLI, showing logs, progress and
// results. An extension lists its demo jobs in its package.json:
//   "kiln": { "demo": [{ "job", "input", "grant"?: [...], "folders"?: { name: path } }] }
// `{{server}}` in an input is the address of a small HTTP server this script runs on 127.0.0.1.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };

console.log("\n== building packages and extensions (turbo) ==");
const build = spawnSync(join(root, "node_modules/.bin/turbo"), ["run", "build", "--output-logs=new-only"], {
  stdio: "inherit",
  cwd: root,
  env,
});
if (build.status !== 0) process.exit(build.status ?? 1);

const pages = {
  "/": "<html><head><title>Kiln demo site</title></head><body><a href='/docs'>docs</a></body></html>",
  "/docs": "<html><head><title>Docs</title></head><body>Extensions run in a sandbox.</body></html>",
};
const server = createServer((req, res) => {
  const page = pages[req.url ?? ""];
  res.writeHead(page ? 200 : 404, { "content-type": "text/html" }).end(page ?? "not found");
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = `http://127.0.0.1:${server.address().port}`;
const work = mkdtempSync(join(tmpdir(), "kiln-demo-"));

let failed = 0;
try {
  for (const name of readdirSync(join(root, "extensions")).sort()) {
    const dir = join(root, "extensions", name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const demo of pkg.kiln?.demo ?? []) {
      const input = JSON.stringify(demo.input ?? null).replaceAll("{{server}}", address);
      const args = ["run", join(dir, "dist"), demo.job, "--input", input, "--store", join(work, `${name}.db`)];
      for (const grant of demo.grant ?? []) args.push("--grant", grant);
      for (const [folder, path] of Object.entries(demo.folders ?? {}))
        args.push("--folder", `${folder}=${join(dir, path)}`);
      console.log(`\n== ${name}: ${demo.job} ${input} ==`);
      // Asynchronous spawn: the HTTP server above must keep answering while the job runs.
      const code = await new Promise((resolve) => {
        spawn(process.execPath, [join(root, "packages/cli/bin/kiln.js"), ...args], {
          stdio: "inherit",
          cwd: root,
          env,
        }).on("exit", (c) => resolve(c ?? 1));
      });
      if (code !== 0) failed++;
    }
  }
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.error(`\n${failed} demo job(s) failed.`);
  process.exit(1);
}
console.log("\nAll extensions built and run.");
