// The published declarations: one rolled-up file per entry point and module format, and the API
// report of each entry (etc/*.api.md), both made by API Extractor from tsc's per-file output.
//
// - tsc emits a .d.ts per source file into a scratch folder (dist/.declarations, deleted after).
// - The main entry is rolled up first; every type a public signature names must be exported by the
//   entry: a "forgotten export" fails the build (but for ALLOWED_FORGOTTEN_EXPORTS).
// - The testing entry's files import the SDK's own modules relatively; those imports are rewritten
//   to "codex-app-server-sdk" (the package's self-reference) before its roll-up, so the testing
//   declarations name the main entry's types instead of carrying copies of them.
// - Each rollup is then moved to .d.cts, a CommonJS declaration file, which `require` resolves to;
//   the .d.ts that `import` resolves to re-exports it (ESM may import CommonJS, not the other way
//   round), so one copy of the declarations serves both formats.
//
// `updateReports` (npm run api:update) rewrites etc/*.api.md; without it a report that differs
// from the surface fails the build, and the new report is left in .tmp/api/ for comparison.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
const scratch = path.join(dist, ".declarations");
const PACKAGE = "codex-app-server-sdk";

/** The entry points: the report's name, the source entry, the rollup's base name. */
export const ENTRIES = [
  { report: PACKAGE, source: "index", out: "index" },
  { report: "testing", source: "testing/index", out: "testing" },
];

/** Types a public signature may name although the entry does not export them: none. */
const ALLOWED_FORGOTTEN_EXPORTS = new Set([]);

/** API Extractor messages: the report lists forgotten exports; doc-comment style is not checked. */
const messages = {
  compilerMessageReporting: { default: { logLevel: "warning" } },
  extractorMessageReporting: {
    default: { logLevel: "warning" },
    "ae-missing-release-tag": { logLevel: "none" },
    "ae-forgotten-export": { logLevel: "none", addToApiReportFile: true },
    "ae-internal-missing-underscore": { logLevel: "none" },
    "ae-unresolved-link": { logLevel: "none" },
    "ae-undocumented": { logLevel: "none" },
  },
  tsdocMessageReporting: { default: { logLevel: "none" } },
};

export async function rollUpDeclarations({ updateReports }) {
  const { Extractor, ExtractorConfig } = await import("@microsoft/api-extractor");
  rmSync(scratch, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      path.relative(root, scratch),
    ],
    { cwd: root, stdio: "inherit" },
  );
  const changed = [];
  try {
    for (const entry of ENTRIES) {
      if (entry.out === "testing") importSdkBySelfReference();
      const rollup = path.join(dist, `${entry.out}.d.ts`);
      const config = ExtractorConfig.prepare({
        configObjectFullPath: undefined,
        packageJsonFullPath: path.join(root, "package.json"),
        configObject: {
          projectFolder: root,
          mainEntryPointFilePath: path.join(scratch, `${entry.source}.d.ts`),
          compiler: {
            overrideTsconfig: {
              compilerOptions: {
                module: "nodenext",
                moduleResolution: "nodenext",
                target: "es2022",
                lib: ["es2023", "esnext.disposable"],
                types: ["node"],
                typeRoots: [path.join(root, "node_modules/@types")],
                strict: true,
                skipLibCheck: true,
              },
              files: [path.join(scratch, `${entry.source}.d.ts`)],
            },
          },
          apiReport: {
            enabled: true,
            reportFileName: entry.report,
            reportFolder: path.join(root, "etc"),
            reportTempFolder: path.join(root, ".tmp", "api"),
          },
          docModel: { enabled: false },
          tsdocMetadata: { enabled: false },
          dtsRollup: { enabled: true, untrimmedFilePath: rollup },
          messages,
          newlineKind: "lf",
        },
      });
      const result = Extractor.invoke(config, { localBuild: updateReports, showVerboseMessages: false });
      if (result.errorCount > 0) throw new Error(`API Extractor failed on the ${entry.out} entry`);
      if (result.apiReportChanged) changed.push(`etc/${entry.report}.api.md`);
      // The report is always written to the temp folder first; read the forgotten exports there.
      const report = readFileSync(path.join(root, ".tmp", "api", `${entry.report}.api.md`), "utf8");
      const forgotten = [...report.matchAll(/\(ae-forgotten-export\) The symbol "([^"]+)"/g)]
        .map((m) => m[1])
        .filter((name) => !ALLOWED_FORGOTTEN_EXPORTS.has(name));
      if (forgotten.length > 0) {
        throw new Error(
          `the ${entry.out} entry's public signatures name types it does not export: ${[...new Set(forgotten)].join(", ")}. ` +
            `Export them from src/${entry.source}.ts (with \`export type\`), or stop naming them in public signatures.`,
        );
      }
      renameSync(rollup, path.join(dist, `${entry.out}.d.cts`));
      writeFileSync(rollup, `export * from "./${entry.out}.cjs";\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (changed.length > 0 && !updateReports) {
    throw new Error(
      `The public API changed: ${changed.join(", ")} differ from the build (the new reports are in .tmp/api/). ` +
        "Run `npm run api:update` and commit the reports, so the change shows up in review.",
    );
  }
  if (changed.length > 0) console.log(`api:update: rewrote ${changed.join(", ")}`);
}

/**
 * Rewrites, in every scratch declaration file outside what the main entry re-exports, a relative
 * import of a module the main entry re-exports into an import of the package itself.
 */
function importSdkBySelfReference() {
  // API Extractor keeps an import external only when TypeScript resolves it from a node_modules
  // folder (a self-reference would be bundled): give the scratch folder a package.json without a
  // name, and the main rollup as an installed "codex-app-server-sdk".
  const installed = path.join(scratch, "node_modules", PACKAGE);
  mkdirSync(installed, { recursive: true });
  writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(
    path.join(installed, "package.json"),
    JSON.stringify({ name: PACKAGE, type: "module", types: "index.d.ts" }),
  );
  copyFileSync(path.join(dist, "index.d.cts"), path.join(installed, "index.d.ts"));
  const indexText = readFileSync(path.join(root, "src", "index.ts"), "utf8");
  const mainModules = new Set(
    [...indexText.matchAll(/^export\s[^;]*?from\s+"(\.\/[^"]+)\.js";/gm)].map((m) =>
      path.join(scratch, `${m[1]}.d.ts`),
    ),
  );
  mainModules.add(path.join(scratch, "index.d.ts"));
  for (const file of walk(scratch)) {
    if (mainModules.has(file)) continue;
    const text = readFileSync(file, "utf8");
    const rewritten = text.replace(
      /(\bfrom\s+|\bimport\()(["'])(\.\.?\/[^"']+)\.js\2/g,
      (whole, lead, quote, specifier) =>
        mainModules.has(path.resolve(path.dirname(file), `${specifier}.d.ts`))
          ? `${lead}${quote}${PACKAGE}${quote}`
          : whole,
    );
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "node_modules") return [];
    return statSync(full).isDirectory() ? walk(full) : full.endsWith(".d.ts") ? [full] : [];
  });
}
