// Builds the published package into dist/:
//
//   index.js, testing.js        ESM bundles of the `.` and `./testing` entry points
//   index.cjs, testing.cjs      the same as CommonJS
//   index.d.ts, testing.d.ts    ESM declaration entry points: `export *` from types/
//   types/                      the declarations, emitted by tsc (CommonJS-format, see below)
//
// Bundling matters for import time: the sources are ~1,000 modules, most of them type-only
// generated protocol files, and loading each as its own module cost 40-110 ms per import. A bundle
// per entry point loads one module (two for ./testing).
//
// The testing bundle does not contain the SDK: every import it makes of code outside src/testing/
// becomes an import of the main bundle (`./index.js` / `./index.cjs`), so `CodexClient` and the
// error classes exist once and `instanceof` holds across the two entry points. Such an import must
// name something that src/index.ts exports; the packed-package check imports both entry points.
// The one exception is the options checker (src/internal/option-check.ts): stateless functions and
// no classes, so the testing bundle carries its own copy instead of widening the public API.
//
// The declarations are emitted once, as a CommonJS-format tree (types/package.json says so), which
// a CommonJS consumer reads directly. An ESM consumer reads index.d.ts, an ESM file that re-exports
// the tree: ESM may import CommonJS, not the other way round, so one tree serves both formats.
//
// `ws` and `@openai/codex` stay external (dependencies). In CommonJS, `import.meta.url` is
// replaced by the URL of `__filename` (src/internal/module-url.ts relies on it).
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
rmSync(dist, { recursive: true, force: true });

execFileSync(
  process.execPath,
  [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  { cwd: root, stdio: "inherit" },
);
writeFileSync(path.join(dist, "types", "package.json"), JSON.stringify({ type: "commonjs" }, null, 2) + "\n");
for (const entry of ["index", "testing"]) {
  const from = entry === "index" ? "./types/index.js" : "./types/testing/index.js";
  writeFileSync(path.join(dist, `${entry}.d.ts`), `export * from "${from}";\n`);
}

const testingDir = path.join(root, "src", "testing");
/** Modules outside src/testing/ that the testing bundle copies: stateless, no classes. */
const copiedIntoTesting = new Set([path.join(root, "src", "internal", "option-check.ts")]);
/** In the testing bundle, code outside src/testing/ comes from the main bundle, not a copy. */
const mainEntryAsExternal = (mainFile) => ({
  name: "main-entry-as-external",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (
        args.importer &&
        args.importer.startsWith(testingDir + path.sep) &&
        !target.startsWith(testingDir + path.sep) &&
        !copiedIntoTesting.has(target.replace(/\.js$/, ".ts"))
      )
        return { path: mainFile, external: true };
      return undefined;
    });
  },
});

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  external: Object.keys(pkg.dependencies ?? {}),
  // No sourcemaps: they would double the package (+840 kB unpacked, +190 kB packed), and the
  // bundles are not minified, so a stack trace already names the SDK's own functions and classes.
  sourcemap: false,
  logLevel: "warning",
  legalComments: "none",
};
const entries = [
  { name: "index", src: "src/index.ts", plugins: () => [] },
  { name: "testing", src: "src/testing/index.ts", plugins: (ext) => [mainEntryAsExternal(`./index${ext}`)] },
];
for (const { name, src, plugins } of entries) {
  await build({
    ...common,
    entryPoints: [path.join(root, src)],
    outfile: path.join(dist, `${name}.js`),
    format: "esm",
    plugins: plugins(".js"),
  });
  await build({
    ...common,
    entryPoints: [path.join(root, src)],
    outfile: path.join(dist, `${name}.cjs`),
    format: "cjs",
    plugins: plugins(".cjs"),
    define: { "import.meta.url": "__sdkImportMetaUrl" },
    banner: { js: 'const __sdkImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
}
console.log("build: dist/index.{js,cjs}, dist/testing.{js,cjs} and dist/types written");
