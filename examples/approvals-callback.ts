// Callback mode: one function decides every approval the agent asks for.
//   node --import tsx examples/approvals-callback.ts [--mock]
import { existsSync } from "node:fs";
import path from "node:path";
import { CommandApprovalRequest, type ApprovalRequest } from "codex-app-server-sdk";
import { model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

await using session = await openSession({
  script: (ws) => [
    model.exec("echo hello > hello.txt", { escalate: { justification: "write hello.txt" } }),
    model.applyPatch(
      `*** Begin Patch\n*** Add File: ${path.join(ws, "..", "outside.txt")}\n+no\n*** End Patch\n`,
    ),
    model.say("I wrote hello.txt; the file outside the workspace was refused."),
  ],
});
const { client, cwd } = session;

client.setApprovalHandler((req: ApprovalRequest) => {
  if (req instanceof CommandApprovalRequest) {
    console.log(`command: ${req.command} (reason: ${req.reason ?? "none"})`);
    // true: accepting runs it outside the sandbox; null: the SDK cannot tell, so assume it may.
    console.log(`outside the sandbox if accepted: ${req.escalated ?? "maybe"}`);
    return req.command?.includes("echo") ? "acceptForSession" : "decline";
  }
  const inside = req.changes.every((c) => !path.relative(cwd, c.path).startsWith(".."));
  console.log(`file change: ${req.changes.map((c) => c.path).join(", ")}`);
  return inside ? "accept" : "decline";
});
client.onApprovalDecided((r) =>
  console.log(`decision: ${r.request.type} -> ${JSON.stringify(r.decision)} (by ${r.decidedBy})`),
);

const thread = await client.startThread({ cwd, approvalPolicy: "on-request", sandbox: "read-only" });
const result = await thread.chatOnce("Write hello.txt with 'hello', then add ../outside.txt.");
console.log(`final: ${result.finalText}`);
console.log(`hello.txt written: ${existsSync(path.join(cwd, "hello.txt"))}`);
