// Checks the published declarations (after `npm run build`): internals stay internal. The public
// TurnStream exposes no state-machine methods, and no declaration offers the connection's error
// reporting or default-handler installation to users.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

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

if (problems.length > 0) {
  console.error(`Published declarations expose internals:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(
  `check-declarations: ${declarations.length} declaration files, TurnStream and the connection keep their internals private`,
);
