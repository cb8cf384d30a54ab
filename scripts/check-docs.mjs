// Checks the Markdown the project ships: every relative link points at a file or folder that
// exists, every #anchor at a heading of its target, and every `<!-- snippet: path -->` code block is
// identical to the file it names. External links are listed, not fetched (CI has no network).
// Code blocks must run on Node 20, our minimum: a ```js block must parse as plain JavaScript there
// (`node --check`, as an ES module, so no types and no `await using`), and a ```ts block that uses
// `await using` must be followed by a ```js block with the try/finally form.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const files = [
  ...readdirSync(root).filter((f) => f.endsWith(".md")),
  ...readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => path.join("docs", f)),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, duplicates numbered. */
function anchorsOf(markdown) {
  const seen = new Map();
  const anchors = new Set();
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const problems = [];
let checked = 0;
let external = 0;
for (const file of files) {
  const text = readFileSync(path.join(root, file), "utf8");
  const withoutFences = text.replace(/^\s*```[\s\S]*?^\s*```/gm, "");
  for (const m of withoutFences.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target)) {
      external++;
      continue;
    }
    checked++;
    const [rel, anchor] = target.split("#");
    const resolved = rel ? path.resolve(path.dirname(path.join(root, file)), rel) : path.join(root, file);
    if (!existsSync(resolved)) {
      problems.push(`${file}: link to missing ${target}`);
      continue;
    }
    if (anchor !== undefined && statSync(resolved).isFile()) {
      if (!anchorsOf(readFileSync(resolved, "utf8")).has(anchor))
        problems.push(`${file}: no heading for #${anchor} in ${path.relative(root, resolved)}`);
    }
  }
  const markers = text.match(/<!-- snippet: /g)?.length ?? 0;
  const snippets = [...text.matchAll(/<!-- snippet: (\S+) -->\s*\n```[a-z]*\n([\s\S]*?)^```/gm)];
  if (snippets.length !== markers)
    problems.push(`${file}: a snippet marker is not followed by a fenced code block`);
  for (const m of snippets) {
    checked++;
    const source = path.join(root, m[1]);
    if (!existsSync(source)) problems.push(`${file}: snippet source ${m[1]} is missing`);
    else if (readFileSync(source, "utf8") !== m[2])
      problems.push(
        `${file}: the snippet of ${m[1]} differs from the file; copy the file into the page again`,
      );
  }
}
const scratch = mkdtempSync(path.join(os.tmpdir(), "check-docs-"));
let jsBlocks = 0;
try {
  for (const file of files) {
    const text = readFileSync(path.join(root, file), "utf8");
    const blocks = [...text.matchAll(/^```([a-z]*)\n([\s\S]*?)^```/gm)].map((m) => ({
      lang: m[1],
      code: m[2],
      line: text.slice(0, m.index).split("\n").length,
    }));
    blocks.forEach((block, i) => {
      const where = `${file}:${block.line}`;
      if (["js", "javascript", "mjs"].includes(block.lang)) {
        jsBlocks++;
        if (/\bawait using\b/.test(block.code))
          problems.push(`${where}: \`await using\` is a SyntaxError on Node 20; use try/finally`);
        const snippet = path.join(scratch, `snippet-${jsBlocks}.mjs`);
        writeFileSync(snippet, block.code);
        try {
          execFileSync(process.execPath, ["--check", snippet], { stdio: ["ignore", "ignore", "pipe"] });
        } catch (error) {
          const message =
            String(error.stderr)
              .split("\n")
              .find((l) => /Error/.test(l)) ?? "does not parse";
          problems.push(`${where}: the js block is not plain JavaScript for Node 20: ${message.trim()}`);
        }
      } else if (["ts", "typescript"].includes(block.lang) && /\bawait using\b/.test(block.code)) {
        const next = blocks[i + 1];
        if (!next || next.lang !== "js" || !/\bfinally\b/.test(next.code))
          problems.push(
            `${where}: a ts block with \`await using\` needs a js block with try/finally right after it`,
          );
      }
    });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`check-docs: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `check-docs: ${files.length} Markdown files, ${checked} relative links and snippets ok, ${jsBlocks} js blocks parse on Node 20 (${external} external links not fetched).`,
);
