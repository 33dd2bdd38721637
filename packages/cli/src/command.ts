/**
 * The shape of a command module under `commands/`: its usage text and what it does. The
 * dispatcher (`main.ts`) imports a command's module only when that command is asked for, and each
 * module imports the packages it needs only inside {@link Command.run}, so `kiln <cmd> --help`
 * loads nothing heavy and no command loads another's dependencies.
 *
 * @module
 */

/** A `kiln` command. */
export interface Command {
  /** Its words after `kiln`: `"build"`, `"jobs list"`. */
  readonly name: string;
  /** Its full usage, printed by `kiln <command> --help` and `kiln help <command>`. */
  readonly usage: string;
  /** Runs it with the arguments after its words; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}
