// What installing and importing the built package costs: its contents as `npm pack` sees them,
// and the time a fresh Node process spends in `import()` / `require()` of it.
import { execFileSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** Builds dist/ as `npm pack` would (scripts/build.mjs), so the import rows time the shipped code. */
export function buildPackage(): void {
  execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "ignore" });
}

export interface PackageContents {
  files: number;
  jsModules: number;
  packedBytes: number;
  unpackedBytes: number;
}

/** File count and sizes from `npm pack --dry-run --json` (no scripts: dist/ is already built). */
export function packageContents(): PackageContents {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [pack] = JSON.parse(out) as {
    entryCount: number;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  if (!pack) throw new Error("npm pack --dry-run --json printed no package");
  return {
    files: pack.entryCount,
    jsModules: pack.files.filter((f) => /\.c?js$/.test(f.path)).length,
    packedBytes: pack.size,
    unpackedBytes: pack.unpackedSize,
  };
}

/**
 * Milliseconds a fresh `node` spends loading `specifier` as ESM (`await import()`) or CommonJS
 * (`require()`), timed inside that process around the one call: Node's own start-up is not in it,
 * and nothing is subtracted. Run from the repository root, so `codex-app-server-sdk` resolves to
 * dist/ through the package's own `exports` (self-reference), as it would from node_modules.
 */
export function coldImportMs(specifier: string, format: "esm" | "cjs"): number {
  const load =
    format === "esm" ? `await import(${JSON.stringify(specifier)})` : `require(${JSON.stringify(specifier)})`;
  const script = `const t0 = performance.now(); ${load}; process.stdout.write(String(performance.now() - t0));`;
  const args = format === "esm" ? ["--input-type=module", "-e", script] : ["-e", script];
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: "utf8", env: coldEnv() });
  const ms = Number(out);
  if (!Number.isFinite(ms)) throw new Error(`cold import of ${specifier} (${format}) printed ${out}`);
  return ms;
}

/** The bench's own environment minus what would change how the child loads modules (tsx's hooks). */
function coldEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}
