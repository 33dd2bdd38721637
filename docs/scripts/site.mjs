/** Where the site and the repository live: the one place for these addresses. */
export const SITE = {
  /** The site's public address; pages are at `${url}<page>` (clean URLs, no `.html`). */
  url: "https://kiln-dev.github.io/kiln/",
  /** The path the site is served under. */
  base: "/kiln/",
  repository: "https://github.com/kiln-dev/kiln",
};
