/**
 * Which global each group of `globals/` defines: the one table the build reads (to embed each
 * group and make its globals lazy) and the tests read (to compare with what the sandbox holds).
 * A group's source is evaluated the first time one of its globals is read, so an instance pays
 * for `URL` only if it uses it. A group with no globals is internal (loaded by another).
 *
 * @module
 */
export const GLOBAL_GROUPS = {
  "dom-exception": ["DOMException"],
  base64: ["atob", "btoa"],
  url: ["URL", "URLSearchParams"],
  clone: ["structuredClone"],
  crypto: ["crypto"],
  performance: ["performance"],
  events: ["Event", "EventTarget", "AbortController", "AbortSignal"],
  fetch: ["fetch", "Headers", "Request", "Response"],
  inspect: [],
} as const satisfies Record<string, readonly string[]>;

/** A group's name: its file is `globals/<name>.ts`. */
export type GlobalGroup = keyof typeof GLOBAL_GROUPS;
