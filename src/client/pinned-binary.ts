// The native `codex` binary of the pinned `@openai/codex` package. Its own file because the testing
// kit uses it too, and the testing bundle includes it rather than reaching for an internal of the
// main entry.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { sdkModuleUrl } from "../internal/module-url.js";

/** The npm package whose binary this SDK is built and tested against (its version is pinned). */
export const PINNED_CODEX_PACKAGE = "@openai/codex";

const TARGET_TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

/**
 * Finds the native `codex` binary shipped by the pinned `@openai/codex` package, or `undefined`.
 * The binary is started directly (not through the package's Node wrapper) so that signals reach it
 * and `close()` leaves no grandchild behind.
 */
export function findPinnedCodexBinary(): string | undefined {
  const triple = TARGET_TRIPLES[`${process.platform}-${process.arch}`];
  if (triple === undefined) return undefined;
  const require = createRequire(sdkModuleUrl);
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  let codexRoot: string;
  try {
    codexRoot = path.dirname(require.resolve(`${PINNED_CODEX_PACKAGE}/package.json`));
  } catch {
    return undefined;
  }
  const candidates: string[] = [];
  try {
    const platformPkg = JSON.parse(readFileSync(path.join(codexRoot, "package.json"), "utf8")) as {
      optionalDependencies?: Record<string, string>;
    };
    const suffix = `${process.platform}-${process.arch}`;
    for (const name of Object.keys(platformPkg.optionalDependencies ?? {})) {
      if (!name.endsWith(suffix)) continue;
      const platformRequire = createRequire(path.join(codexRoot, "package.json"));
      try {
        const root = path.dirname(platformRequire.resolve(`${name}/package.json`));
        candidates.push(path.join(root, "vendor", triple, "bin", exe));
        candidates.push(path.join(root, "vendor", triple, "codex", exe));
      } catch {
        // not installed; try the next candidate
      }
    }
  } catch {
    // unreadable package.json: fall through to the bundled vendor folder
  }
  candidates.push(path.join(codexRoot, "vendor", triple, "bin", exe));
  candidates.push(path.join(codexRoot, "vendor", triple, "codex", exe));
  return candidates.find((c) => existsSync(c));
}
