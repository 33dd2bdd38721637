/**
 * "Did you mean …?": the one place Kiln picks the closest known name for a misspelt one, used by
 * the build's diagnostics, the operation registry and every CLI command.
 *
 * @module
 */

/** Options of {@link closestMatches}. */
export interface SuggestOptions {
  /** Most edits a suggestion may be away. Default: a third of the word's length, at least 2. */
  readonly maxDistance?: number;
  /** Most suggestions returned. Default 3. */
  readonly limit?: number;
}

/**
 * Candidates close to `word` by edit distance, nearest first (ties keep the candidates' order).
 * Cost is bounded for any input: only candidates whose length is within the budget are compared,
 * and only the cells near the diagonal are computed, so a hostile megabyte-long word costs little.
 */
export function closestMatches(word: string, candidates: Iterable<string>, options: SuggestOptions = {}): string[] {
  const budget = options.maxDistance ?? defaultDistance(word);
  const close: Array<{ candidate: string; distance: number; index: number }> = [];
  let index = 0;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate, budget);
    if (distance <= budget) close.push({ candidate, distance, index });
    index++;
  }
  return close
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .slice(0, options.limit ?? 3)
    .map((c) => c.candidate);
}

/**
 * The one candidate to suggest for `word`: the nearest by edit distance when it is a likely typo;
 * else one sharing a long prefix with it, for a half-remembered name (`concurrency` →
 * `concurrentJobs`) that is too many edits away.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  return closestMatches(word, candidates, { limit: 1 })[0] ?? longestSharedPrefix(word, candidates);
}

/**
 * ` (did you mean "build"?)` for the closest candidate, or `""` when none is close: the suffix
 * every "unknown name" message in Kiln ends with.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? "" : ` (did you mean "${match}"?)`;
}

function defaultDistance(word: string): number {
  return Math.max(2, Math.floor(word.length / 3));
}

function longestSharedPrefix(word: string, candidates: readonly string[]): string | undefined {
  const minimum = Math.max(5, Math.ceil(word.length / 2));
  let best: string | undefined;
  let bestLength = minimum - 1;
  for (const candidate of candidates) {
    let length = 0;
    while (length < word.length && word[length] === candidate[length]) length++;
    if (length > bestLength) {
      best = candidate;
      bestLength = length;
    }
  }
  return best;
}

/**
 * Levenshtein distance of `a` and `b` if it is at most `budget`, else `budget + 1`. Only cells
 * within `budget` of the diagonal can stay within budget, so only those are computed.
 */
export function editDistance(a: string, b: string, budget = Number.POSITIVE_INFINITY): number {
  const over = budget + 1;
  if (Math.abs(a.length - b.length) > budget) return over;
  let prev = new Array<number>(b.length + 1);
  let row = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j <= budget ? j : over;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - budget);
    const to = Math.min(b.length, i + budget);
    row.fill(over);
    row[0] = i <= budget ? i : over;
    let best = row[0] as number;
    for (let j = from; j <= to; j++) {
      const substitute = (prev[j - 1] as number) + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      const cell = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, substitute, over);
      row[j] = cell;
      if (cell < best) best = cell;
    }
    if (best > budget) return over;
    [prev, row] = [row, prev];
  }
  return Math.min(prev[b.length] as number, over);
}
