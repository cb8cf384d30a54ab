/**
 * `npm run codex:upgrade -- <version|latest> [--from <version>]`: moves the SDK to another codex
 * release in one command.
 *
 * 1. refuses a dirty work tree (the upgrade must be reviewable as one diff);
 * 2. moves the exact pin in package.json and package-lock.json (`npm install --save-exact`);
 * 3. regenerates src/protocol/generated (the generator swaps its output in only on success; on a
 *    failure the old pin is put back);
 * 4. prints the protocol diff against the release pinned before (or `--from`): methods,
 *    notifications and server requests added and removed, types changed, new enum values, and the
 *    hand-written files under src/ that use a changed name;
 * 5. typechecks;
 * 6. runs the compat smoke suite on the new release and the two before it, rewriting
 *    COMPATIBILITY.md;
 * 7. adds a CHANGELOG line when the pin moved.
 * It exits non-zero at the first failing step, leaving the tree as that step left it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findPinnedCodexBinary } from "../src/client/command.js";
import { installRelease, latestRelease, pinnedVersion, root } from "./codex-releases.js";
import {
  diffProtocols,
  formatProtocolDiff,
  generateRawTypes,
  summarizeProtocolDiff,
} from "./protocol-diff.js";

const argv = process.argv.slice(2);
const fromIndex = argv.indexOf("--from");
const fromArg = fromIndex >= 0 ? argv[fromIndex + 1] : undefined;
const positional = argv.filter((a, i) => !a.startsWith("--") && !(fromIndex >= 0 && i === fromIndex + 1));
const requested = positional[0];
if (!requested || (fromIndex >= 0 && !fromArg)) {
  console.error("usage: npm run codex:upgrade -- <version|latest> [--from <version>]  (e.g. 0.171.0)");
  process.exit(2);
}

const step = (title: string) => console.log(`\n== ${title}`);
const run = (command: string, args: string[]) => {
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return r.status === 0;
};
const fail = (message: string): never => {
  console.error(`\ncodex:upgrade stopped: ${message}`);
  process.exit(1);
};

const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).trim();
if (dirty !== "") fail(`the work tree has uncommitted changes; commit or stash them first:\n${dirty}`);

const target = requested === "latest" ? latestRelease() : requested;
if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(target)) fail(`"${target}" is not a codex version (e.g. 0.171.0)`);
const previous = pinnedVersion();
const from = fromArg ?? previous;
step(`codex ${previous} → ${target} (protocol diff from ${from})`);

// The old protocol is read before the install replaces the pinned binary.
const oldBinary = from === previous ? findPinnedCodexBinary() : installRelease(from);
if (!oldBinary) fail("the pinned binary is not installed; run npm install first");
const oldTypes = generateRawTypes(oldBinary as string);

const files = ["package.json", "package-lock.json"].map((f) => path.join(root, f));
const saved = files.map((f) => readFileSync(f, "utf8"));
const restorePin = () => {
  files.forEach((f, i) => writeFileSync(f, saved[i] as string));
  run("npm", ["install", "--no-audit", "--no-fund"]);
};

try {
  step(`npm install --save-exact @openai/codex@${target}`);
  if (!run("npm", ["install", "--save-exact", "--no-audit", "--no-fund", `@openai/codex@${target}`]))
    fail(`npm could not install @openai/codex@${target}`);
  const binary = findPinnedCodexBinary();
  const installed = binary ? execFileSync(binary, ["--version"], { encoding: "utf8" }).trim() : "";
  if (!installed.endsWith(` ${target}`)) {
    restorePin();
    fail(`the installed binary reports "${installed}", not ${target}; the pin is back at ${previous}`);
  }

  step("npm run protocol:generate");
  if (!run("npm", ["run", "protocol:generate"])) {
    restorePin();
    fail(
      `the generator cannot read ${target}'s schema; src/protocol/generated is unchanged and the pin ` +
        `is back at ${previous}. Teach scripts/protocol-generate.ts the new shape and run again.`,
    );
  }

  step("protocol diff");
  const newTypes = generateRawTypes(binary as string);
  const diff = diffProtocols(
    { version: from, dir: oldTypes },
    { version: target, dir: newTypes },
    path.join(root, "src"),
  );
  rmSync(newTypes, { recursive: true, force: true });
  const experimentalText = readFileSync(path.join(root, "src/protocol/generated/experimental.ts"), "utf8");
  const experimental = new Set(
    [
      ...(/EXPERIMENTAL_METHODS[^[]*\[([^\]]*)\]/.exec(experimentalText)?.[1] ?? "").matchAll(/"([^"]+)"/g),
    ].map((m) => m[1] as string),
  );
  console.log(formatProtocolDiff(diff, experimental));

  step("npm run typecheck");
  if (!run("npm", ["run", "typecheck"]))
    fail("the SDK does not typecheck on the new types; adapt the hand-written files listed above");

  step("npm run compat (the new release and the two before it)");
  const compatOk = run(process.execPath, ["--import", "tsx", "scripts/compat.ts"]);

  if (target !== previous) {
    step("CHANGELOG.md");
    const line =
      `- Supports codex ${target} (the pin moves from ${previous}; protocol: ${summarizeProtocolDiff(diff)}). ` +
      "COMPATIBILITY.md lists the releases checked.";
    addChangelogLine(line);
    console.log(line);
  } else {
    step(`CHANGELOG.md: unchanged (the pin stays at ${target})`);
  }
  if (!compatOk) fail("the compat suite failed on a release; see COMPATIBILITY.md");
  console.log(`\ncodex:upgrade: done. Review \`git diff\`, run the tests, and commit.`);
} finally {
  rmSync(oldTypes, { recursive: true, force: true });
}

/** Adds `line` to a "codex releases" group at the top of the Unreleased section. */
function addChangelogLine(line: string): void {
  const file = path.join(root, "CHANGELOG.md");
  const text = readFileSync(file, "utf8");
  const heading = "### codex releases\n\n";
  const unreleased = text.indexOf("## Unreleased\n");
  if (unreleased < 0) fail("CHANGELOG.md has no `## Unreleased` section");
  const group = text.indexOf(heading, unreleased);
  const nextRelease = text.indexOf("\n## ", unreleased + 1);
  const updated =
    group >= 0 && (nextRelease < 0 || group < nextRelease)
      ? text.slice(0, group + heading.length) + line + "\n" + text.slice(group + heading.length)
      : text.replace("## Unreleased\n", `## Unreleased\n\n${heading}${line}\n`);
  writeFileSync(file, updated);
}
