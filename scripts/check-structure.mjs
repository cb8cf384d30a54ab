// Structure checks of src/ (part of `npm test`):
// - no import cycles between files, counting type-only imports and re-exports: each layer must be
//   readable without the ones above it;
// - no import from a lower layer to a higher one (type-only imports and re-exports included). The
//   order is the table of docs/architecture.md, read here, so the map and the check cannot drift:
//   each row is a layer (top to bottom), its Folder cell the src/ folders in it; every folder under
//   src/ must be in the table;
// - no hand-written file over 500 lines.
//
// `node scripts/check-structure.mjs [root]` checks another copy of the repository (its tests plant
// an upward import in a copy).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, ".."));
const src = path.join(root, "src");

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith(".ts") ? [full] : [];
  });
}

const files = walk(src);
const known = new Set(files);
const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g;
const graph = new Map();
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const targets = new Set();
  for (const match of text.matchAll(importPattern)) {
    const target = path.resolve(path.dirname(file), match[1].replace(/\.js$/, ".ts"));
    if (known.has(target)) targets.add(target);
  }
  graph.set(file, [...targets]);
}

/** Layer rank of each src/ folder (higher is further up), from the table of docs/architecture.md. */
function readLayers() {
  const doc = readFileSync(path.join(root, "docs", "architecture.md"), "utf8");
  const rows = [...doc.matchAll(/^\|\s*([a-z][a-z -]*?)\s*\|\s*((?:`src\/[\w-]+\/`(?:,\s*)?)+)\s*\|/gm)];
  const layers = new Map();
  rows.forEach((row, i) => {
    for (const folder of row[2].matchAll(/`src\/([\w-]+)\/`/g))
      layers.set(folder[1], { rank: rows.length - i, name: row[1] });
  });
  return layers;
}
const layers = readLayers();
const folderOf = (file) => {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length > 1 ? rel[0] : undefined; // src/index.ts is the entry, above every layer
};
const unmapped = [...new Set(files.map(folderOf).filter((f) => f !== undefined && !layers.has(f)))];
for (const folder of unmapped)
  console.error(`src/${folder}/ is not in the layer table of docs/architecture.md: add it to a row.`);
const upward = [];
for (const [file, targets] of graph) {
  const from = layers.get(folderOf(file));
  if (!from) continue;
  for (const target of targets) {
    const to = layers.get(folderOf(target));
    if (to && to.rank > from.rank)
      upward.push(
        `- ${path.relative(root, file)} (${from.name}) imports ${path.relative(root, target)} (${to.name})`,
      );
  }
}
if (upward.length > 0) {
  console.error(`Imports from a lower layer to a higher one (${upward.length}), by docs/architecture.md:`);
  for (const line of upward) console.error(line);
  console.error("Move the shared piece down, or pass it in from above (a parameter, a callback).");
}

// Tarjan's strongly connected components: every component with more than one file is a cycle.
let index = 0;
const indices = new Map();
const lowlink = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function connect(node) {
  indices.set(node, index);
  lowlink.set(node, index);
  index++;
  stack.push(node);
  onStack.add(node);
  for (const next of graph.get(node)) {
    if (!indices.has(next)) {
      connect(next);
      lowlink.set(node, Math.min(lowlink.get(node), lowlink.get(next)));
    } else if (onStack.has(next)) {
      lowlink.set(node, Math.min(lowlink.get(node), indices.get(next)));
    }
  }
  if (lowlink.get(node) === indices.get(node)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node).includes(node)) cycles.push(component);
  }
}
for (const file of files) if (!indices.has(file)) connect(file);

const generated = path.join(src, "protocol", "generated") + path.sep;
const oversized = files
  .filter((f) => !f.startsWith(generated))
  .map((f) => ({ f, lines: readFileSync(f, "utf8").split("\n").length - 1, max: 500 }))
  .filter(({ lines, max }) => lines > max);
for (const { f, lines, max } of oversized) {
  console.error(`${path.relative(root, f)} has ${lines} lines (at most ${max}): split it by concern.`);
}

if (cycles.length > 0) {
  console.error(`Import cycles among src/ files (${cycles.length}):`);
  for (const cycle of cycles)
    console.error(
      `- ${cycle
        .map((f) => path.relative(root, f))
        .sort()
        .join(" <-> ")}`,
    );
  console.error("Move the shared piece into a file both can import, or pass it in as a parameter.");
}
if (cycles.length > 0 || oversized.length > 0 || upward.length > 0 || unmapped.length > 0) process.exit(1);
console.log(
  `check-structure: ${files.length} files under src/, ${new Set([...layers.values()].map((l) => l.name)).size} layers, ` +
    "no import cycles, no upward import, no oversized file",
);
