// The Python SDK's two approval examples, ported to plain JavaScript (see docs/migrating.md):
// callback mode with an execpolicy amendment and "acceptForSession" (Python: "accept_for_session"),
// then stream mode with approveApproval(req, { forSession: true }).
//   npm run build && node examples/approvals-from-python.mjs [--mock]
import { existsSync } from "node:fs";
import path from "node:path";
import {
  CodexClient,
  CommandApprovalRequest,
  CommandApprovalWithExecpolicyAmendment,
  FileChangeApprovalRequest,
} from "codex-app-server-sdk";

const mock = process.argv.includes("--mock");

/** A connected client and the folder the agent works in; `close()` releases everything. */
async function open() {
  if (!mock) {
    const client = CodexClient.connectStdio();
    return { client, cwd: process.cwd(), close: () => client.close() };
  }
  const { model, startTestClient } = await import("codex-app-server-sdk/testing");
  const t = await startTestClient();
  const escalate = (why) => ({ escalate: { justification: why } });
  const notes = path.join(t.workspace, "notes.txt");
  t.modelServer.enqueue(
    // Callback mode: the first echo is asked about; the amendment covers the second (a prefix
    // rule covers a simple command, not one with a redirection).
    model.exec("echo a", escalate("print a")),
    model.exec("echo b", escalate("print b")),
    model.applyPatch(`*** Begin Patch\n*** Add File: ${notes}\n+notes\n*** End Patch\n`),
    model.say("Callback mode done."),
    // Stream mode.
    model.exec("touch streamed.txt", escalate("create streamed.txt")),
    model.say("Stream mode done."),
  );
  return { client: t.client, cwd: t.workspace, close: () => t.dispose() };
}

const session = await open();
const { client, cwd } = session;
const written = (name) => existsSync(path.join(cwd, name));
let commandsAsked = 0;

try {
  // Callback mode. Python: client.set_approval_handler(handler).
  client.setApprovalHandler(async (req) => {
    if (req instanceof CommandApprovalRequest) {
      commandsAsked++;
      console.log(`callback: command ${req.command}`);
      if (req.reason?.toLowerCase().includes("network")) return "decline";
      return new CommandApprovalWithExecpolicyAmendment(["echo"]); // Python: ["uv", "run"]
    }
    if (req instanceof FileChangeApprovalRequest) {
      console.log(`callback: file change ${req.changes.map((c) => path.basename(c.path)).join(", ")}`);
      return "acceptForSession"; // Python: "accept_for_session"
    }
    return "decline";
  });
  const thread = await client.startThread({ cwd, approvalPolicy: "on-request", sandbox: "read-only" });
  const first = await thread.chatOnce("Print a and b with echo, then add notes.txt.");
  const ran = first.items.filter((i) => i.type === "commandExecution" && i.status === "completed");
  console.log(`codex: ${first.finalText}`);
  console.log(`commands run: ${ran.length}, asked about: ${commandsAsked}`);
  console.log(`written: notes.txt ${written("notes.txt")}`);

  // Stream mode. Python needs approval_mode="manual"; here an open iterator owns the requests
  // once no handler is set.
  client.setApprovalHandler(null);
  const stop = new AbortController();
  const approvals = (async () => {
    for await (const req of client.approvalRequests({ signal: stop.signal })) {
      if (req instanceof CommandApprovalRequest) {
        console.log(`stream: approve for session ${req.command}`);
        client.approveApproval(req, { forSession: true }); // Python: approve_approval(req, for_session=True)
      } else {
        client.declineApproval(req);
      }
    }
  })();
  try {
    const second = await thread.chatOnce("Create streamed.txt.");
    console.log(`codex: ${second.finalText}`);
  } finally {
    stop.abort(); // Python: approval_task.cancel()
    await approvals;
  }
  console.log(`written: streamed.txt ${written("streamed.txt")}`);
} finally {
  await session.close();
}
