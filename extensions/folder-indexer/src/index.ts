import { extension, HostCallError, type JobContext, job } from "@kiln/sdk";

/** Input of `index-folder`. */
export interface IndexInput {
  /** Name of a folder the app granted (`kiln run … --folder notes=./my-notes`). */
  folder: string;
  /** Sub-folder to start from, relative; default the whole folder. */
  path?: string;
}

/** What `index-folder` checkpoints: the file list (walked once) and how far it got. */
export interface IndexState {
  files?: string[];
  next?: number;
  words?: number;
}

/** What the index stores per document, under `doc:<path>`. */
export interface IndexedDoc {
  path: string;
  title: string;
  words: number;
  bytes: number;
  /** Distinct lower-case words, at most 200, for `search`. */
  terms: string[];
}

const TEXT_FILE = /\.(md|markdown|txt|text)$/i;
const MAX_TERMS = 200;

/**
 * Walks a granted folder and indexes its text files into the extension's key-value store. It
 * checkpoints after every file, so a paused or crashed run resumes with the next file.
 */
@extension({
  id: "folder-indexer",
  name: "Folder Indexer",
  version: "0.1.0",
  description: "Indexes the text files of a granted folder into kv, resumably; then searches them.",
  permissions: ["files.read", "kv.read", "kv.write"],
})
export class FolderIndexer {
  @job({ name: "index-folder", description: "Index every .md/.txt file under a granted folder." })
  async indexFolder(ctx: JobContext<IndexInput>, state: IndexState): Promise<{ files: number; words: number }> {
    const { folder, path = "" } = ctx.input;
    let files = state.files;
    if (!files) {
      files = await walk(ctx, folder, path);
      ctx.log(`found ${files.length} text files in ${folder}/${path}`);
      await ctx.checkpoint({ files, next: 0, words: 0 });
    } else {
      ctx.log(`resuming at file ${(state.next ?? 0) + 1} of ${files.length}`);
    }
    let next = state.next ?? 0;
    let words = state.words ?? 0;
    while (next < files.length) {
      const file = files[next] as string;
      const { content, size } = await ctx.call("files.read", { folder, path: file });
      const doc = analyse(file, content, size);
      await ctx.call("kv.set", { key: `doc:${file}`, value: doc });
      words += doc.words;
      ctx.counters.items++;
      ctx.counters.bytes += size;
      next++;
      ctx.progress(next, files.length, file);
      await ctx.checkpoint({ files, next, words });
    }
    await ctx.call("kv.set", { key: "summary", value: { folder, path, files: files.length, words } });
    return { files: files.length, words };
  }

  @job({ name: "search", description: "Documents containing a word, from the index." })
  async search(ctx: JobContext<{ word: string }>): Promise<{ word: string; matches: string[] }> {
    const word = ctx.input.word.toLowerCase();
    const matches: string[] = [];
    let after: string | undefined;
    do {
      const page = await ctx.call("kv.list", { prefix: "doc:", limit: 100, ...(after ? { after } : {}) });
      for (const key of page.keys) {
        const doc = (await ctx.call("kv.get", { key })) as IndexedDoc | null;
        if (doc?.terms.includes(word)) matches.push(doc.path);
      }
      after = page.next;
    } while (after);
    return { word, matches };
  }
}

/** Every text file under `path`, depth first, in name order. */
async function walk(ctx: JobContext<IndexInput>, folder: string, path: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [path];
  while (pending.length) {
    const dir = pending.shift() as string;
    let entries: { name: string; type: string }[];
    try {
      entries = await ctx.call("files.list", { folder, path: dir });
    } catch (error) {
      if (error instanceof HostCallError && error.code === "KILN_NOT_A_DIRECTORY") continue;
      throw error;
    }
    const subdirs: string[] = [];
    for (const entry of entries) {
      const child = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.type === "directory") subdirs.push(child);
      else if (entry.type === "file" && TEXT_FILE.test(entry.name)) found.push(child);
    }
    pending.unshift(...subdirs);
  }
  return found;
}

function analyse(path: string, content: string, bytes: number): IndexedDoc {
  const words = content.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const heading = content.split("\n").find((line) => line.trim().length > 0) ?? path;
  return {
    path,
    title: heading.replace(/^#+\s*/, "").trim(),
    words: words.length,
    bytes,
    terms: [...new Set(words)].slice(0, MAX_TERMS),
  };
}
