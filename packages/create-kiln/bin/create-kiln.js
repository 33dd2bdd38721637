#!/usr/bin/env node
// The `create-kiln` executable, what `npm create kiln` runs. Plain JS checked in (not built) so
// that package managers can link it before the first build; it runs the compiled command.
import { main } from "../dist/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`create-kiln: internal error: ${error?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
