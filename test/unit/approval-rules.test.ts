import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandApprovalRequest, FileChangeApprovalRequest } from "../../src/approvals/requests.js";
import type { ApprovalDecisionRecord, ApprovalSettledRecord } from "../../src/approvals/requests.js";
import { approvalRules, commandWords, ruleThatDecided } from "../../src/approvals/rules.js";
import { CodexClient } from "../../src/client/client.js";
import { createFakeServer } from "../support/fake-server.js";

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

describe("approvalRules: which rule decided", () => {
  it("names the rule for each request it answers, and `fallback` when none matched", async () => {
    const rules = approvalRules({
      allowCommands: [
        ["git", "status"],
        ["npm", "test"],
      ],
      allowFileChangesUnder: ["/repo"],
    });
    const cases = [
      [command("/bin/bash -lc 'npm test'"), "accept", "allowCommands[1]"],
      [command("git status"), "accept", "allowCommands[0]"],
      [command("curl https://example.com"), "decline", "denyNetwork"],
      [command("rm -rf data"), "decline", "fallback"],
      [fileChange(["/repo/a.txt"]), "accept", "allowFileChangesUnder"],
      [fileChange(["/etc/passwd"]), "decline", "fallback"],
    ] as const;
    for (const [request, decision, rule] of cases) {
      assert.equal(await rules(request), decision, rule);
      assert.equal(ruleThatDecided(request), rule);
    }
  });

  it("a fallback that is itself approvalRules adds its own rule after `fallback.`", async () => {
    const inner = approvalRules({ allowCommands: [["ls"]] });
    const outer = approvalRules({ allowCommands: [["git", "status"]], fallback: inner });
    const ls = command("ls -la");
    assert.equal(await outer(ls), "accept");
    assert.equal(ruleThatDecided(ls), "fallback.allowCommands[0]");
    const rm = command("rm x");
    assert.equal(await outer(rm), "decline");
    assert.equal(ruleThatDecided(rm), "fallback.fallback");
  });

  it("onApprovalDecided and onApprovalSettled records carry the rule; other deciders have none", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    await client.start();
    const decided: ApprovalDecisionRecord[] = [];
    const settled: ApprovalSettledRecord[] = [];
    client.onApprovalDecided((r) => decided.push(r));
    client.onApprovalSettled((r) => settled.push(r));
    const ask = async (id: number, cmd: string) => {
      await server.send({
        id,
        method: "item/commandExecution/requestApproval",
        params: {
          kind: "command",
          threadId: "t",
          turnId: "u",
          itemId: `i${id}`,
          startedAtMs: 1,
          environmentId: "local",
          reason: null,
          command: cmd,
          cwd: "/work",
        },
      });
      return (await server.next((m) => m.id === id && !("method" in m))).result;
    };
    client.setApprovalHandler(approvalRules({ allowCommands: [["git", "status"], ["touch"]] }));
    assert.deepEqual(await ask(1, "/bin/bash -lc 'touch a.txt'"), { decision: "accept" });
    assert.deepEqual(await ask(2, "/bin/bash -lc 'rm -rf data'"), { decision: "decline" });
    client.setApprovalHandler(() => "accept");
    assert.deepEqual(await ask(3, "rm -rf data"), { decision: "accept" });
    client.onError(() => {}); // the failing fallback below is reported there
    client.setApprovalHandler(
      approvalRules({
        fallback: () => {
          throw new Error("fallback bug");
        },
      }),
    );
    assert.deepEqual(await ask(4, "rm -rf data"), { decision: "decline" });
    assert.deepEqual(
      decided.map((r) => [r.decidedBy, r.decision, r.rule, r.error?.message]),
      [
        ["rules", "accept", "allowCommands[1]", undefined],
        ["rules", "decline", "fallback", undefined],
        ["handler", "accept", undefined, undefined],
        ["rules", "decline", "fallback", "The approval handler threw; the request was declined."],
      ],
    );
    assert.deepEqual(
      settled.map((r) => [r.outcome, r.rule]),
      [
        ["answered", "allowCommands[1]"],
        ["answered", "fallback"],
        ["answered", undefined],
        ["answered", "fallback"],
      ],
    );
    assert.ok(!("rule" in (decided[2] as object)), "no rule key when rules did not decide");
    await client.close();
  });
});
