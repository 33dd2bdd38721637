#!/usr/bin/env node
// The `kiln` executable. Plain JS checked in (not built) so that package managers can link it
// before the first build; it runs the compiled CLI, whose dispatcher loads only the command asked for.
import { main } from "../dist/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`kiln: internal error: ${error?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
