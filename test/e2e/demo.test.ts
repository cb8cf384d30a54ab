// The README's main command, `npm run demo`, run the ways a user runs it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { startTerminal } from "../support/terminal.js";
import "../support/deprecation-guard.js";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const demo = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "demo/demo.ts", ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "" },
    timeout: 90_000,
  });

describe("the offline demo", () => {
  it("--yes runs unattended: both approvals accepted, both files written, no colour on a pipe", async () => {
    const { stdout } = await demo("--yes");
    assert.match(stdout, /Offline: the real codex app-server/);
    assert.match(stdout, /I'll start by recording the Node\.js version/);
    assert.match(stdout, /Approval needed: run a command\n {2}command: .*node --version > versions\.txt/);
    assert.match(stdout, /Approval needed: change files\n {2}add .*NOTES\.md\n {4}\+# Notes/);
    assert.match(stdout, /✓ commandExecution completed \(exit 0\)/);
    assert.match(stdout, /✓ fileChange completed/);
    assert.match(stdout, /Turn completed\./);
    assert.match(stdout, new RegExp(`versions\\.txt: ${process.version.replace(/\./g, "\\.")}`));
    assert.match(stdout, /NOTES\.md: # Notes/);
    assert.ok(!stdout.includes("\u001b["), "escape codes on a pipe");
  });

  it("--no declines everything: nothing is written and the turn still completes", async () => {
    const { stdout } = await demo("--no");
    assert.match(stdout, /✗ commandExecution declined/);
    assert.match(stdout, /✗ fileChange declined/);
    assert.match(stdout, /Turn completed\./);
    assert.match(stdout, /Workspace now holds: nothing/);
  });

  it("bad flags get a usage message and exit code 2", async () => {
    await assert.rejects(demo("--yes", "--no"), (e: { code?: number; stderr?: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr ?? "", /--yes and --no cannot be combined/);
      return true;
    });
  });

  it("in a terminal: n declines the command at its prompt, y accepts the file change", async () => {
    const term = startTerminal(`${process.execPath} --import tsx demo/demo.ts`, root, process.env);
    try {
      await term.waitFor(/Approval needed: run a command[\s\S]*Allow\?[^\n]*\n> ?$/m);
      term.press("n");
      await term.waitFor(/✗ commandExecution declined/);
      await term.waitFor(/Approval needed: change files[\s\S]*\+# Notes[\s\S]*Allow\?/);
      term.press("y");
      const screen = await term.waitFor(/EXIT=\d+/, 60_000);
      assert.match(screen, /> n\n/);
      assert.match(screen, /✓ fileChange completed/);
      assert.match(screen, /Workspace now holds:\n {2}NOTES\.md: # Notes/);
      assert.doesNotMatch(screen, /versions\.txt:/);
      assert.match(screen, /EXIT=0/);
    } finally {
      term.close();
    }
  });
});
