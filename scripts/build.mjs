// Builds dist/esm (tsc: JS + .d.ts) and dist/cjs (the ESM output transformed by esbuild, plus the
// same declarations). `import.meta.url` is replaced in CommonJS by the URL of `__filename`.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { transformSync } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  {
    cwd: root,
    stdio: "inherit",
  },
);

const esm = path.join(dist, "esm");
const cjs = path.join(dist, "cjs");
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
for (const file of walk(esm)) {
  const rel = path.relative(esm, file);
  const out = path.join(cjs, rel);
  mkdirSync(path.dirname(out), { recursive: true });
  if (file.endsWith(".js")) {
    const { code } = transformSync(readFileSync(file, "utf8"), {
      format: "cjs",
      target: "node20",
      sourcefile: rel,
      define: { "import.meta.url": "__sdkImportMetaUrl" },
      banner: 'const __sdkImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
    });
    writeFileSync(out, code);
  } else if (file.endsWith(".d.ts")) {
    cpSync(file, out);
  }
}
writeFileSync(path.join(cjs, "package.json"), JSON.stringify({ type: "commonjs" }, null, 2) + "\n");
writeFileSync(path.join(esm, "package.json"), JSON.stringify({ type: "module" }, null, 2) + "\n");
console.log("build: dist/esm and dist/cjs written");
