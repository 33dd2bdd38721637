import { extension, type JobContext, job } from "@kiln/sdk";

/** Input of the `word-count` job. */
export interface WordCountInput {
  /** The name of a folder the application granted (`kiln run … --folder notes=./my-notes`). */
  folder: string;
  /** A sub-folder to start from, relative to the granted folder; default the whole folder. */
  path?: string;
}

/** What the `word-count` job returns. */
export interface WordCountResult {
  /** Words per text file, by path relative to the granted folder. */
  files: Record<string, number>;
  words: number;
}

const TEXT_FILE = /\.(md|txt)$/i;

/**
 * Reads files through the host's `files.*` operations, behind the `files.read` permission: the
 * extension sees only the folders the application grants, by the names it gives them, and never a
 * path outside them.
 */
@extension({
  id: "{{id}}",
  name: "{{name}}",
  version: "0.1.0",
  description: "{{description}}",
  permissions: ["files.read"],
})
export class WordCounter {
  @job({ name: "word-count", description: "Counts the words of every .md and .txt file under a granted folder." })
  async wordCount(ctx: JobContext<WordCountInput>): Promise<WordCountResult> {
    const { folder, path = "" } = ctx.input;
    const paths = await textFiles(ctx, folder, path);
    ctx.log(`${paths.length} text files in ${folder}/${path}`);
    const files: Record<string, number> = {};
    let words = 0;
    for (const [i, file] of paths.entries()) {
      const { content, size } = await ctx.call("files.read", { folder, path: file });
      const count = content.split(/\s+/).filter(Boolean).length;
      files[file] = count;
      words += count;
      ctx.counters.items++;
      ctx.counters.bytes += size;
      ctx.progress(i + 1, paths.length, file);
    }
    return { files, words };
  }
}

/** The text files under `path`, sub-folders included, in name order. */
async function textFiles(ctx: JobContext, folder: string, path: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await ctx.call("files.list", { folder, path })) {
    const child = path ? `${path}/${entry.name}` : entry.name;
    if (entry.type === "directory") found.push(...(await textFiles(ctx, folder, child)));
    else if (entry.type === "file" && TEXT_FILE.test(entry.name)) found.push(child);
  }
  return found;
}
