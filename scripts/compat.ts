/**
 * `npm run compat`: installs the pinned @openai/codex and the two stable releases before it into a
 * scratch folder, runs the end-to-end smoke suite (test/compat) against each binary, and writes
 * COMPATIBILITY.md. Not part of `npm test`: it downloads each release (~360 MB unpacked).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const scratch = path.join(os.homedir(), ".codex-sdk-compat");
const pinned = (
  JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  }
).dependencies["@openai/codex"] as string;

const byVersion = (a: string, b: string) => {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
};
const all = JSON.parse(
  execFileSync("npm", ["view", "@openai/codex", "versions", "--json"], { encoding: "utf8" }),
) as string[];
const stable = all.filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(byVersion);
const older = stable.filter((v) => byVersion(v, pinned) < 0).slice(-2);
const versions = [pinned, ...older.reverse()];
console.log(`compat: ${versions.join(", ")}`);

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

interface Result {
  version: string;
  binary: string | undefined;
  pass: number;
  fail: number;
  failures: string[];
}
const results: Result[] = [];
for (const version of versions) {
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
  if (!binary) {
    results.push({
      version,
      binary,
      pass: 0,
      fail: 0,
      failures: ["the release's native binary was not found after install"],
    });
    continue;
  }
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter=tap", "--test-timeout=60000", "test/compat/smoke.test.ts"],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CODEX_APP_SERVER_CMD: `${binary} app-server` },
      timeout: 300_000,
    },
  );
  const out = run.stdout ?? "";
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  const failures = [...out.matchAll(/^\s*not ok \d+ - (.+)$/gm)]
    .map((m) => m[1] as string)
    .filter((t) => !t.startsWith("smoke against"));
  results.push({ version, binary, pass: count("pass"), fail: count("fail"), failures });
  console.log(`${version}: ${count("pass")} passed, ${count("fail")} failed`);
}

const lines = [
  "# Compatibility",
  "",
  `Written by \`npm run compat\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${os.platform()} ${os.arch()}).`,
  "It installs each `@openai/codex` release into a scratch folder and runs the end-to-end smoke suite",
  "(`test/compat/smoke.test.ts`: initialize, a streamed reply, a command approval, a declined file",
  "change, an interrupt) against its binary, through `CODEX_APP_SERVER_CMD`.",
  "",
  "| codex | Role | Passed | Failed | Failures |",
  "| --- | --- | --- | --- | --- |",
  ...results.map(
    (r) =>
      `| ${r.version} | ${r.version === pinned ? "pinned" : "previous stable"} | ${r.pass} | ${r.fail} | ${r.failures.join("; ") || "none"} |`,
  ),
  "",
  "The SDK's types are generated from the pinned release; a method an older server lacks raises",
  "`CodexMethodNotFoundError` with the method and the server's version.",
  "",
];
writeFileSync(path.join(root, "COMPATIBILITY.md"), lines.join("\n"));
console.log("wrote COMPATIBILITY.md");
