// Builds the published package into dist/:
//
//   index.js, testing.js          ESM bundles of the `.` and `./testing` entry points
//   index.cjs, testing.cjs        the same as CommonJS
//   index.d.cts, testing.d.cts    the declarations of each entry, rolled up into one file
//   index.d.ts, testing.d.ts      their ESM face: a re-export of the .d.cts
//
// Bundling matters for import time: the sources are ~1,000 modules, most of them type-only
// generated protocol files, and loading each as its own module cost 40-110 ms per import. A bundle
// per entry point loads one module (two for ./testing).
//
// The testing bundle does not contain the SDK: an import of a module that src/index.ts re-exports
// becomes an import of the main bundle (`./index.js` / `./index.cjs`), so `CodexClient` and the
// error classes exist once and `instanceof` holds across the two entry points. Such an import must
// name something that src/index.ts exports; the packed-package check imports both entry points.
// Internals that only the kit uses (the in-memory transport, the pinned binary's lookup) are
// bundled into it. The options checker
// (src/internal/option-check.ts) is such an internal: stateless functions, no classes.
//
// The declarations: tsc emits one .d.ts per source file into a scratch folder, then API Extractor
// rolls each entry point's up into one file (~1,000 files would otherwise ship) and compares the
// entry's surface with its committed report in etc/. A surface that changed without its report
// fails the build; `npm run api:update` (this script with --update-api) rewrites the reports for
// review. The testing rollup imports the SDK's own types from "codex-app-server-sdk", as its
// bundle does, so a `CodexClient` from either entry is the same type.
//
// `ws` and `@openai/codex` stay external (dependencies). In CommonJS, `import.meta.url` is
// replaced by the URL of `__filename` (src/internal/module-url.ts relies on it).
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { rollUpDeclarations } from "./declarations.mjs";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
rmSync(dist, { recursive: true, force: true });
try {
  await rollUpDeclarations({ updateReports: process.argv.includes("--update-api") });
} catch (error) {
  console.error(`build: ${error.message}`);
  process.exit(1);
}

const testingDir = path.join(root, "src", "testing");
const mainModules = mainEntryModules();
/** In the testing bundle, a module the main entry re-exports comes from the main bundle, not a copy. */
const mainEntryAsExternal = (mainFile) => ({
  name: "main-entry-as-external",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      if (!target.startsWith(testingDir + path.sep) && mainModules.has(target))
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
console.log("build: dist/{index,testing}.{js,cjs,d.ts,d.cts} written");

/** The source files (absolute, .ts) that src/index.ts re-exports from. */
function mainEntryModules() {
  const text = readFileSync(path.join(root, "src", "index.ts"), "utf8");
  return new Set(
    [...text.matchAll(/^export\s[^;]*?from\s+"(\.\/[^"]+)\.js";/gm)].map((m) =>
      path.join(root, "src", m[1] + ".ts"),
    ),
  );
}
