// The README's main command, `npm run demo`, run the ways a user runs it.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
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
    // The demo's command asks to escalate: accepting it runs outside the sandbox, and the prompt says so.
    assert.match(stdout, /\n {2}cwd: .*\n {2}sandbox: accepting runs this OUTSIDE the sandbox\n/);
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
      assert.match(screen, /sandbox: accepting runs this OUTSIDE the sandbox/);
      assert.match(screen, /✓ fileChange completed/);
      assert.match(screen, /Workspace now holds:\n {2}NOTES\.md: # Notes/);
      assert.doesNotMatch(screen, /versions\.txt:/);
      assert.match(screen, /EXIT=0/);
    } finally {
      term.close();
    }
  });

  it("SIGTERM while a piped prompt waits removes the scratch folder and exits 143", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "demo/demo.ts"], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const exited = once(child, "exit");
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/Allow\?[^\n]*\n> $/.test(stdout)) resolve();
        });
        void exited.then(() => reject(new Error(`the demo ended before its prompt:\n${stdout}`)));
      });
      const workspace = /Workspace: (\S+)/.exec(stdout)?.[1] ?? "";
      assert.ok(existsSync(workspace), `the demo's workspace ${workspace} exists while it runs`);
      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 143);
      assert.match(stdout, /Interrupted \(SIGTERM\): removing the scratch folder/);
      assert.equal(stderr, "", "no error shown for a requested stop");
      assert.equal(existsSync(path.dirname(workspace)), false, "the scratch folder was removed");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("in a terminal: an unknown key gets a hint; Ctrl-C at a prompt removes the scratch folder", async () => {
    const term = startTerminal(`${process.execPath} --import tsx demo/demo.ts`, root, process.env);
    try {
      const shown = await term.waitFor(/Approval needed: run a command[\s\S]*Allow\?[^\n]*\n> ?$/m);
      const workspace = /Workspace: (\S+)/.exec(shown)?.[1] ?? "";
      const scratch = path.dirname(workspace);
      assert.ok(existsSync(workspace), `the demo's workspace ${workspace} exists while it runs`);
      assert.match(path.basename(scratch), /^\.codex-sdk-test-/);
      term.press("x");
      await term.waitFor(/"x" is not an answer: press y, a, n, c \(Ctrl-C quits\)\.\n> ?$/m);
      term.press("\u0003");
      const screen = await term.waitFor(/EXIT=\d+/, 60_000);
      assert.match(screen, /Interrupted \(SIGINT\): removing the scratch folder/);
      assert.match(screen, /EXIT=130/);
      assert.doesNotMatch(screen, /Error/);
      assert.equal(existsSync(scratch), false, `${scratch} was removed`);
    } finally {
      term.close();
    }
  });
});
