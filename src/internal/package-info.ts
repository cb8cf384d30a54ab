import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sdkModuleUrl } from "./module-url.js";

let cached: { name: string; version: string } | undefined;

/** This SDK's own name and version, read once from its package.json (src/ and dist/ alike). */
export function sdkPackageInfo(): { name: string; version: string } {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(sdkModuleUrl));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "codex-app-server-sdk" && pkg.version) {
        cached = { name: pkg.name, version: pkg.version };
        return cached;
      }
    } catch {
      // no package.json at this level
    }
    dir = path.dirname(dir);
  }
  cached = { name: "codex-app-server-sdk", version: "0.0.0" };
  return cached;
}
