/**
 * The `@openai/codex` releases on the registry, and scratch installs of them (one folder per
 * version under ~/.codex-sdk-compat), for `npm run compat` and `npm run codex:upgrade`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..");
const scratch = path.join(os.homedir(), ".codex-sdk-compat");

/** The exact version package.json pins. */
export function pinnedVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  return pkg.dependencies["@openai/codex"] as string;
}

export const byVersion = (a: string, b: string): number => {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};

/** Every stable (x.y.z) release on the registry, oldest first. */
export function stableReleases(): string[] {
  const all = JSON.parse(
    execFileSync("npm", ["view", "@openai/codex", "versions", "--json"], { encoding: "utf8" }),
  ) as string[];
  return all.filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(byVersion);
}

/** The registry's `latest` tag. */
export function latestRelease(): string {
  return execFileSync("npm", ["view", "@openai/codex", "dist-tags.latest"], { encoding: "utf8" }).trim();
}

/** `version` and the two stable releases before it, newest first. */
export function withTwoPrevious(version: string): string[] {
  const older = stableReleases()
    .filter((v) => byVersion(v, version) < 0)
    .slice(-2);
  return [version, ...older.reverse()];
}

function findBinary(dir: string): string | undefined {
  const stack = [path.join(dir, "node_modules", "@openai")];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    if (!existsSync(current)) continue;
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const stat = statSync(full);
      if (stat.isDirectory()) stack.push(full);
      else if (name === "codex" && /vendor\/[^/]+\/(bin|codex)\/codex$/.test(full)) return full;
    }
  }
  return undefined;
}

/** The native binary of `version`, installed into the scratch folder on first use. */
export function installRelease(version: string): string {
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version))
    throw new Error(`"${version}" is not a codex version (e.g. 0.171.0)`);
  const dir = path.join(scratch, version);
  mkdirSync(dir, { recursive: true });
  if (!findBinary(dir)) {
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: `compat-${version}`, private: true }),
    );
    console.log(`installing @openai/codex@${version}…`);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", `@openai/codex@${version}`], {
      cwd: dir,
      stdio: "inherit",
    });
  }
  const binary = findBinary(dir);
  if (!binary) throw new Error(`@openai/codex@${version} installed, but its native binary was not found`);
  return binary;
}
