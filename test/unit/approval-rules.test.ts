import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandApprovalRequest, FileChangeApprovalRequest } from "../../src/approvals/requests.js";
import { approvalRules, commandWords } from "../../src/approvals/rules.js";

const signal = new AbortController().signal;

function command(cmd: string, over: Record<string, unknown> = {}) {
  return new CommandApprovalRequest(
    0,
    {
      kind: "command",
      threadId: "t",
      turnId: "u",
      itemId: "i",
      startedAtMs: 0,
      environmentId: null,
      command: cmd,
      ...over,
    } as ConstructorParameters<typeof CommandApprovalRequest>[1],
    signal,
  );
}

function fileChange(paths: string[], grantRoot: string | null = null) {
  return new FileChangeApprovalRequest(
    1,
    { threadId: "t", turnId: "u", itemId: "f", startedAtMs: 0, grantRoot },
    paths.map((p) => ({ path: p, kind: { type: "add" as const }, diff: "+x\n" })),
    signal,
  );
}

describe("commandWords", () => {
  it("unwraps bash -lc and splits the script", () => {
    assert.deepEqual(commandWords("/bin/bash -lc 'git status --short'"), ["git", "status", "--short"]);
    assert.deepEqual(commandWords("npm test"), ["npm", "test"]);
  });

  it("refuses anything with shell operators", () => {
    for (const c of [
      "/bin/bash -lc 'git status; rm -rf ~'",
      "/bin/bash -lc 'git status && curl x'",
      "/bin/bash -lc 'echo $(id)'",
      "/bin/bash -lc 'echo hi > out.txt'",
      "git status | sh",
      "/bin/bash -lc 'echo `id`'",
    ]) {
      assert.equal(commandWords(c), undefined, c);
    }
  });
});

describe("approvalRules", () => {
  const rules = approvalRules({
    allowCommands: [
      ["git", "status"],
      ["npm", "test"],
    ],
    allowFileChangesUnder: ["/repo"],
  });

  it("accepts allowed prefixes only as whole simple commands", async () => {
    assert.equal(await rules(command("/bin/bash -lc 'git status'")), "accept");
    assert.equal(await rules(command("/usr/bin/git status -s")), "accept");
    assert.equal(await rules(command("/bin/bash -lc 'npm test -- --watch'")), "accept");
    assert.equal(await rules(command("/bin/bash -lc 'git status; rm -rf ~'")), "decline");
    assert.equal(await rules(command("/bin/bash -lc 'git stash'")), "decline");
    assert.equal(await rules(command("/bin/bash -lc 'npm'")), "decline");
  });

  it("denies network access even for an allowed prefix", async () => {
    const net = approvalRules({ allowCommands: [["curl"], ["git"]] });
    assert.equal(await net(command("curl https://example.com")), "decline");
    assert.equal(await net(command("git clone https://example.com/r.git")), "decline");
    assert.equal(await net(command("git log", { reason: "needs network access" })), "decline");
    assert.equal(
      await net(command("git log", { proposedNetworkPolicyAmendments: [{ host: "x", action: "allow" }] })),
      "decline",
    );
    assert.equal(await net(command("git log")), "accept");
    const open = approvalRules({ allowCommands: [["curl"]], denyNetwork: false });
    assert.equal(await open(command("curl https://example.com")), "accept");
  });

  it("accepts file changes only when every path is under a root", async () => {
    assert.equal(await rules(fileChange(["/repo/a.txt", "/repo/src/b.ts"])), "accept");
    assert.equal(await rules(fileChange(["/repo/a.txt", "/etc/passwd"])), "decline");
    assert.equal(await rules(fileChange(["/repo/../etc/passwd"])), "decline");
    assert.equal(await rules(fileChange(["/repository/x"])), "decline");
    assert.equal(await rules(fileChange(["/repo/a.txt"], "/")), "decline");
    assert.equal(await rules(fileChange([])), "decline", "an unknown change set is not accepted");
  });

  it("falls back to a decision or a handler", async () => {
    const ask = approvalRules({
      fallback: (req) => (req.type === "fileChange" ? "cancel" : "acceptForSession"),
    });
    assert.equal(await ask(fileChange(["/x"])), "cancel");
    assert.equal(await ask(command("ls")), "acceptForSession");
  });

  it("rejects malformed rules up front", () => {
    assert.throws(() => approvalRules({ allowCommands: [[]] }), /allowCommands\[0\]/);
    assert.throws(() => approvalRules({ allowFileChangesUnder: ["relative/dir"] }), /absolute/);
  });
});
