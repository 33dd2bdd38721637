// The main job: build every package and every extension under extensions/ (turbo, cached), then
// run each extension's demo jobs in the host through the `kiln` CLI, printing logs and results.
// An extension lists its demo jobs in its package.json: "kiln": { "demo": [{ "job", "input" }] }.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.FORCE_COLOR ?? "1" };
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

console.log("\n== building packages and extensions (turbo) ==");
run(join(root, "node_modules/.bin/turbo"), ["run", "build", "--output-logs=errors-only"]);

for (const name of readdirSync(join(root, "extensions")).sort()) {
  const pkg = JSON.parse(readFileSync(join(root, "extensions", name, "package.json"), "utf8"));
  for (const { job, input } of pkg.kiln?.demo ?? []) {
    console.log(`\n== ${name}: ${job} ${JSON.stringify(input)} ==`);
    run(process.execPath, [
      join(root, "packages/codegen/bin/kiln.js"),
      "run",
      join("extensions", name, "dist"),
      job,
      "--input",
      JSON.stringify(input),
    ]);
  }
}
console.log("\nAll extensions built and run.");
