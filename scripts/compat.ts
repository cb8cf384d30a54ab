/**
 * `npm run compat`: installs @openai/codex releases into a scratch folder (~/.codex-sdk-compat) and
 * runs an end-to-end suite against each binary through CODEX_APP_SERVER_CMD. Not part of `npm test`:
 * it downloads each release (~360 MB unpacked), so CI stays hermetic.
 *
 *   npm run compat                      the smoke suite (test/compat) on the pin and the two releases before it;
 *                                       rewrites COMPATIBILITY.md
 *   npm run compat -- --full            the whole e2e suite instead of the smoke suite
 *   npm run compat -- --latest          the registry's newest release only
 *   npm run compat -- 0.169.1 0.171.0   these releases only
 *
 * COMPATIBILITY.md is rewritten only by a run over the default set of releases.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { installRelease, latestRelease, pinnedVersion, root, withTwoPrevious } from "./codex-releases.js";

const argv = process.argv.slice(2);
const full = argv.includes("--full");
const latest = argv.includes("--latest");
const explicit = argv.filter((a) => !a.startsWith("--"));
const unknown = argv.filter((a) => a.startsWith("--") && a !== "--full" && a !== "--latest");
if (unknown.length > 0) {
  console.error(`compat: unknown option ${unknown.join(" ")}; use --full, --latest or versions.`);
  process.exit(2);
}
const pinned = pinnedVersion();
const defaultSet = !latest && explicit.length === 0;
const versions = latest ? [latestRelease()] : explicit.length > 0 ? explicit : withTwoPrevious(pinned);
const SMOKE = ["test/compat/smoke.test.ts"];
const FULL = ["test/e2e/*.test.ts", "examples/testing/*.test.ts", "examples/approval-inbox/*.test.ts"];
console.log(`compat: ${versions.join(", ")} (${full ? "full e2e suite" : "smoke suite"})`);

interface Result {
  version: string;
  pass: number;
  fail: number;
  failures: string[];
}
const results: Result[] = [];
for (const version of versions) {
  let binary: string;
  try {
    binary = installRelease(version);
  } catch (error) {
    results.push({ version, pass: 0, fail: 1, failures: [(error as Error).message] });
    continue;
  }
  // Globs are expanded by node:test itself (Node 21+) or by the shell: go through the shell.
  const files = (full ? FULL : SMOKE).join(" ");
  const run = spawnSync(
    `"${process.execPath}" --unhandled-rejections=strict --import tsx --test --test-concurrency=${full ? 2 : 1} --test-reporter=tap --test-timeout=120000 ${files}`,
    {
      cwd: root,
      shell: true,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CODEX_APP_SERVER_CMD: `'${binary}' app-server` },
      timeout: full ? 3_600_000 : 600_000,
    },
  );
  const out = run.stdout ?? "";
  const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  // Failed tests, not the suites around them: TAP prints a suite's line after its children's, so a
  // `not ok` right after a deeper `not ok` is the enclosing suite.
  const notOk = [...out.matchAll(/^( *)not ok \d+ - (.+)$/gm)];
  const failures = notOk
    .filter((m, i) => i === 0 || (notOk[i - 1]?.[1]?.length ?? 0) <= (m[1]?.length ?? 0))
    .map((m) => m[2] as string);
  const pass = count("pass");
  const fail = count("fail") + (run.error || (run.status !== 0 && count("fail") === 0) ? 1 : 0);
  if (run.error) failures.push(`the run did not finish: ${run.error.message}`);
  results.push({ version, pass, fail, failures });
  console.log(
    `${version}: ${pass} passed, ${fail} failed${failures.length ? `\n  ${failures.join("\n  ")}` : ""}`,
  );
}

if (defaultSet) {
  const lines = [
    "# Compatibility",
    "",
    `Written by \`npm run compat${full ? " -- --full" : ""}\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${os.platform()} ${os.arch()}).`,
    "It installs each `@openai/codex` release into a scratch folder and runs",
    full
      ? "the whole end-to-end suite (`test/e2e`, and the examples' tests) against its binary, through"
      : "the end-to-end smoke suite (`test/compat/smoke.test.ts`: initialize, a streamed reply, a command approval, a declined file change, an interrupt, paged history, no deprecation notice) against its binary, through",
    "`CODEX_APP_SERVER_CMD`. `npm run compat -- --full` runs the whole end-to-end suite instead, and",
    "`npm run compat -- --latest` tries the registry's newest release.",
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
}
if (results.some((r) => r.fail > 0 || r.pass === 0)) process.exitCode = 1;
