// Stream mode: read approval requests as an async iterable and answer each one.
//   node --import tsx examples/approvals-stream.ts [--mock]
import { existsSync } from "node:fs";
import path from "node:path";
import { model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

await using session = await openSession({
  script: (ws) => [
    model.exec("echo streamed > streamed.txt", { escalate: { justification: "write streamed.txt" } }),
    model.applyPatch(`*** Begin Patch\n*** Add File: ${path.join(ws, "notes.txt")}\n+notes\n*** End Patch\n`),
    model.say("Done: the command ran, the notes file was declined."),
  ],
});
const { client, cwd } = session;

const thread = await client.startThread({ cwd, approvalPolicy: "on-request", sandbox: "read-only" });
const stop = new AbortController();
const approver = (async () => {
  for await (const req of client.approvalRequests({ signal: stop.signal })) {
    if (req.type === "commandExecution") {
      console.log(`approve for session: ${req.command}`);
      client.approveApproval(req, { forSession: true });
    } else {
      console.log(`decline: ${req.changes.map((c) => path.basename(c.path)).join(", ")}`);
      client.declineApproval(req);
    }
  }
})();

const result = await thread.chatOnce("Write streamed.txt, then add notes.txt.");
stop.abort();
await approver;
console.log(`final: ${result.finalText}`);
console.log(`streamed.txt written: ${existsSync(path.join(cwd, "streamed.txt"))}`);
console.log(`notes.txt written: ${existsSync(path.join(cwd, "notes.txt"))}`);
