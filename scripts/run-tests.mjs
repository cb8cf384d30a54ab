// The test command (`npm test`): runs every phase in order, each as its own npm script, even when
// an earlier one fails, so one failure never hides the others. Ends with a summary table (phase,
// result, duration) and exits non-zero if any phase failed.
//
//   npm test                 every phase
//   npm test -- unit e2e     only the phases named (in the order below)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const PHASES = [
  ["check", "check"],
  ["unit", "test:unit"],
  ["faults", "test:faults"],
  ["e2e", "test:e2e"],
  ["load", "test:load"],
  ["docs", "docs"],
  ["pack", "test:pack"],
];

const wanted = process.argv.slice(2);
if (wanted.includes("-h") || wanted.includes("--help")) {
  console.log(
    `Usage: npm test [-- <phase>…]\nRuns each phase (all by default, in this order) and prints a summary:\n` +
      PHASES.map(([phase, script]) => `  ${phase.padEnd(7)} npm run ${script}`).join("\n"),
  );
  process.exit(0);
}
const unknown = wanted.filter((name) => !PHASES.some(([phase]) => phase === name));
if (unknown.length > 0) {
  console.error(
    `Unknown phase: ${unknown.join(", ")}. The phases are: ${PHASES.map(([p]) => p).join(", ")}.`,
  );
  process.exit(2);
}
const phases = wanted.length === 0 ? PHASES : PHASES.filter(([phase]) => wanted.includes(phase));

// A test that skips itself for a reason the user should act on (no Chromium, say) appends one
// line to this file; the lines are repeated under the summary, where they cannot scroll away.
const notesDir = mkdtempSync(path.join(os.tmpdir(), "sdk-test-notes-"));
const notesFile = path.join(notesDir, "notes.txt");
const notes = () => {
  try {
    return readFileSync(notesFile, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let current;
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    // The child shares the terminal and gets a Ctrl-C too; stop after it, and run nothing more.
    stopping = true;
    current?.kill(signal);
  });
}

const runPhase = (script) =>
  new Promise((resolve) => {
    current = spawn(npm, ["run", script], {
      stdio: "inherit",
      env: { ...process.env, SDK_TEST_NOTES: notesFile },
    });
    current.on("error", (error) => resolve({ code: null, error }));
    current.on("exit", (code, signal) => resolve({ code, signal }));
  });

const results = [];
for (const [phase, script] of phases) {
  if (stopping) {
    results.push({ phase, result: "not run", ms: 0 });
    continue;
  }
  console.log(`\n=== ${phase} (npm run ${script}) ===\n`);
  const started = Date.now();
  const { code, signal, error } = await runPhase(script);
  const ms = Date.now() - started;
  const result =
    code === 0
      ? "passed"
      : error
        ? `failed (${error.message})`
        : signal
          ? `failed (${signal})`
          : `failed (exit ${code})`;
  results.push({ phase, result, ms });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const width = Math.max(...results.map((r) => r.phase.length), "phase".length);
const rwidth = Math.max(...results.map((r) => r.result.length), "result".length);
console.log(`\n=== summary ===\n`);
console.log(`${"phase".padEnd(width)}  ${"result".padEnd(rwidth)}  duration`);
for (const { phase, result, ms } of results)
  console.log(`${phase.padEnd(width)}  ${result.padEnd(rwidth)}  ${seconds(ms)}`);
const failed = results.filter((r) => r.result !== "passed");
const total = results.reduce((sum, r) => sum + r.ms, 0);
console.log(
  failed.length === 0
    ? `\nAll ${results.length} phases passed in ${seconds(total)}.`
    : `\n${failed.length} of ${results.length} phases did not pass: ${failed.map((r) => r.phase).join(", ")}. ` +
        `Rerun one with npm test -- <phase>, or its own npm script.`,
);
const noted = [...new Set(notes())];
if (noted.length > 0) console.log(`\nNotes:\n${noted.map((n) => `- ${n}`).join("\n")}`);
rmSync(notesDir, { recursive: true, force: true });
process.exitCode = failed.length === 0 ? 0 : 1;
