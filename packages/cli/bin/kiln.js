#!/usr/bin/env node
// The `kiln` executable. Plain JS checked in (not built) so that package managers can link it
// before the first build; it runs the compiled CLI, whose dispatcher loads only the command asked for.
import module from "node:module";

// Node 22.1+ keeps V8's compiled code of the modules it loads on disk: TypeScript alone takes
// ~0.3 s to compile on every `kiln build` without it. Node 20 has no such cache; this is a no-op there.
module.enableCompileCache?.();
const { main } = await import("../dist/main.js");

/**
 * Exits as soon as the output is flushed. Waiting for the event loop to drain instead costs a
 * quarter of a second after `kiln run`: V8 finishes compiling the plugin's Wasm in the background
 * before a process may end, though nothing will run it.
 */
function exit(code) {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

main(process.argv.slice(2)).then(exit, (error) => {
  process.stderr.write(`kiln: internal error: ${error?.stack ?? String(error)}\n`);
  exit(1);
});
