// Checks the published declarations (after `npm run build`): internals stay internal. The public
// TurnStream exposes no state-machine methods, no declaration offers the connection's error
// reporting or default-handler installation to users, and neither the declarations nor the bundle
// of the main entry export the internals that once leaked (the in-memory transport belongs to
// /testing). The API reports (etc/*.api.md) show the whole surface; this names what must not return.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dist = path.resolve(import.meta.dirname, "..", "dist");
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : /\.d\.[cm]?ts$/.test(full) ? [full] : [];
  });
}

const declarations = walk(dist).map((file) => ({ file, text: readFileSync(file, "utf8") }));
if (declarations.length === 0) throw new Error("no declarations under dist/: run `npm run build` first");
const problems = [];

/** The public members (not private, protected or #private) declared in the body of `class name`. */
function publicMembers(text, name) {
  const start = text.search(new RegExp(`(?:export )?(?:declare )?class ${name}\\b`));
  if (start === -1) return undefined;
  const open = text.indexOf("{", start);
  let depth = 0;
  let end = open;
  for (; end < text.length; end++) {
    if (text[end] === "{") depth++;
    else if (text[end] === "}" && --depth === 0) break;
  }
  const body = text.slice(open + 1, end);
  return [
    ...body.matchAll(
      /^\s{4}(?!private |protected |#)(?:readonly |static |get |set |async )*\[?([A-Za-z_$][\w$.]*)\]?[?(<:]/gm,
    ),
  ].map((m) => m[1]);
}

const streams = declarations.filter(({ text }) => /class TurnStream\b/.test(text));
if (streams.length === 0) problems.push("no declaration of class TurnStream was found");
for (const { file, text } of streams) {
  const members = publicMembers(text, "TurnStream") ?? [];
  for (const internal of ["push", "fail", "disconnected", "releaseOnce", "abandon", "nextEvent", "cursor"]) {
    if (members.includes(internal))
      problems.push(`${path.relative(dist, file)}: TurnStream exposes "${internal}"`);
  }
}
for (const { file, text } of declarations) {
  for (const internal of ["reportError", "setFallbackHandler"]) {
    if (new RegExp(`^\\s+(?!private |protected )(?:readonly )?${internal}\\b`, "m").test(text))
      problems.push(`${path.relative(dist, file)}: a public "${internal}" is declared`);
  }
}

const INTERNALS = [
  "BoundedQueue",
  "shellSplit",
  "findPinnedCodexBinary",
  "NO_REPLY",
  "ApprovalSignalSource",
  "ApprovalRequestMeta",
  "AccountConnection",
  "ClientCore",
  "MemoryTransport",
  "createLinkedTransports",
];
/** The names a rolled-up declaration file exports (`export declare …` and `export { … }`). */
function exportedNames(text) {
  const names = new Set();
  for (const m of text.matchAll(
    /^export declare (?:abstract )?(?:class|function|const|interface|type|enum|namespace) ([\w$]+)/gm,
  ))
    names.add(m[1]);
  for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm))
    for (const part of m[1].split(","))
      names.add(
        part
          .trim()
          .split(/\s+as\s+/)
          .at(-1),
      );
  return names;
}
for (const entry of ["index", "testing"]) {
  // The ESM face re-exports the CommonJS rollup: one copy of the declarations for both formats.
  const face = declarations.find(({ file }) => file === path.join(dist, `${entry}.d.ts`));
  if (face?.text !== `export * from "./${entry}.cjs";\n`)
    problems.push(`dist/${entry}.d.ts is not the one-line re-export of dist/${entry}.d.cts`);
}
const main = declarations.find(({ file }) => file === path.join(dist, "index.d.cts"));
const testing = declarations.find(({ file }) => file === path.join(dist, "testing.d.cts"));
if (!main || !testing) problems.push("dist/index.d.cts or dist/testing.d.cts is missing");
else {
  const exported = exportedNames(main.text);
  if (!exported.has("CodexClient")) problems.push("dist/index.d.cts does not export CodexClient");
  for (const internal of INTERNALS)
    if (exported.has(internal)) problems.push(`dist/index.d.cts exports the internal ${internal}`);
  for (const kit of ["MemoryTransport", "createLinkedTransports"])
    if (!exportedNames(testing.text).has(kit)) problems.push(`dist/testing.d.cts does not export ${kit}`);
}
const runtime = await import(pathToFileURL(path.join(dist, "index.js")).href);
for (const internal of INTERNALS)
  if (internal in runtime) problems.push(`dist/index.js exports the internal ${internal}`);

if (problems.length > 0) {
  console.error(`Published declarations expose internals:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(
  `check-declarations: ${declarations.length} declaration files, TurnStream and the connection keep their internals private, the main entry exports none of ${INTERNALS.length} internals`,
);
