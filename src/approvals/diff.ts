import type { FileUpdateChange } from "../protocol/generated/v2/FileUpdateChange.js";

/**
 * One change of a file-change approval: the server's fields as sent, plus a real unified diff.
 *
 * What codex 0.169 puts in `diff` (checked against the real server):
 * - `kind.type === "add"`: the new file's whole content, no `+` prefixes and no headers;
 * - `kind.type === "delete"`: the deleted file's whole content;
 * - `kind.type === "update"`: the hunks (`@@ -1,3 +1,3 @@` then ` `/`-`/`+` lines), without the
 *   `---`/`+++` file headers. `kind.move_path` is the new path of a renamed file, else null.
 */
export interface FileChange extends FileUpdateChange {
  /**
   * The change as a unified diff with `---`/`+++` headers and `@@` hunks, for every kind: an added
   * file is diffed against `/dev/null`, a deleted one to `/dev/null`. Paths are the server's
   * (absolute) paths, without `a/`/`b/` prefixes, so `patch -p0` reads it.
   */
  unifiedDiff: string;
}

/** Adds `unifiedDiff` to each change the server announced. */
export function withUnifiedDiffs(changes: readonly FileUpdateChange[]): FileChange[] {
  return changes.map((change) => ({ ...change, unifiedDiff: unifiedDiff(change) }));
}

/** The unified diff of one change (see {@link FileChange}). */
export function unifiedDiff(change: FileUpdateChange): string {
  const kind = change.kind;
  switch (kind.type) {
    case "add":
      return `--- /dev/null\n+++ ${change.path}\n${wholeFileHunk(change.diff, "+")}`;
    case "delete":
      return `--- ${change.path}\n+++ /dev/null\n${wholeFileHunk(change.diff, "-")}`;
    case "update": {
      const body = change.diff;
      // The server's update diff is already hunks; only the file headers are missing.
      const hunks = body === "" || body.endsWith("\n") ? body : `${body}\n`;
      return `--- ${change.path}\n+++ ${kind.move_path ?? change.path}\n${hunks}`;
    }
    default:
      return "";
  }
}

/** One hunk that adds (`+`) or removes (`-`) every line of `content`. */
function wholeFileHunk(content: string, sign: "+" | "-"): string {
  if (content === "") return "";
  const endsWithNewline = content.endsWith("\n");
  const lines = (endsWithNewline ? content.slice(0, -1) : content).split("\n");
  const n = lines.length;
  const header =
    sign === "+" ? `@@ -0,0 +1${n === 1 ? "" : `,${n}`} @@` : `@@ -1${n === 1 ? "" : `,${n}`} +0,0 @@`;
  const body = lines.map((line) => `${sign}${line}`).join("\n");
  return `${header}\n${body}\n${endsWithNewline ? "" : "\\ No newline at end of file\n"}`;
}
