/**
 * `@kiln/cli`: the `kiln` command. Use the executable; {@link main} runs it in-process.
 *
 * @packageDocumentation
 */
export { main } from "./main.js";
