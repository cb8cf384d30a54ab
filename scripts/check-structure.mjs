// Structure checks of src/ (part of `npm test`):
// - no import cycles between files, counting type-only imports and re-exports: each layer must be
//   readable without the ones above it;
// - no hand-written file over 500 lines, and the client facade (src/client/client.ts) at most 400.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
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

const limits = { [path.join(src, "client", "client.ts")]: 400 };
const generated = path.join(src, "protocol", "generated") + path.sep;
const oversized = files
  .filter((f) => !f.startsWith(generated))
  .map((f) => ({ f, lines: readFileSync(f, "utf8").split("\n").length - 1, max: limits[f] ?? 500 }))
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
if (cycles.length > 0 || oversized.length > 0) process.exit(1);
console.log(`check-structure: ${files.length} files under src/, no import cycles, no oversized file`);
