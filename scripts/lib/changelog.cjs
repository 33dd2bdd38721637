// The changelog format of `changeset version` (.changeset/config.json `changelog`): the standard
// one (@changesets/cli/changelog), less what is not for users: no commit hash before each entry,
// and a package's updated workspace dependencies on one line, not one "Updated dependencies" line
// per changeset that caused them.

/** One changeset's text as an entry: its first line a list item, the rest indented under it. */
async function getReleaseLine(changeset) {
  const [first, ...rest] = changeset.summary.split("\n").map((line) => line.trimEnd());
  return [`- ${first}`, ...rest.map((line) => (line ? `  ${line}` : line))].join("\n");
}

/** The workspace dependencies whose new versions this release depends on, on one line. */
async function getDependencyReleaseLine(_changesets, dependenciesUpdated) {
  if (dependenciesUpdated.length === 0) return "";
  const list = dependenciesUpdated.map((dependency) => `\`${dependency.name}@${dependency.newVersion}\``);
  return `- Updated dependencies: ${list.join(", ")}.`;
}

module.exports = { getReleaseLine, getDependencyReleaseLine };
