// The approval inbox, offline: the real pinned app-server with a scripted model (the testing kit),
// five conversations, and a page at the printed URL. Ctrl-C (or SIGTERM) stops it and cleans up.
//   node --import tsx examples/approval-inbox/main.ts
import { startTestClient } from "codex-app-server-sdk/testing";
import { startInbox } from "./inbox.js";
import { CONVERSATIONS, scenarioModel } from "./scenario.js";

const t = await startTestClient({ approvalPolicy: "on-request", sandbox: "read-only" });
t.modelServer.respond(scenarioModel(t.workspace));
const inbox = await startInbox(t.client, { user: process.env.USER ?? "you" });
for (const c of CONVERSATIONS) {
  await inbox.startConversation(c.name, c.prompt, {
    cwd: t.workspace,
    ...(c.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: c.approvalTimeoutMs }),
  });
}
// Printed once: the link carries this launch's secret, which the first visit trades for a cookie.
console.log(`Approval inbox: ${inbox.url}  (workspace ${t.workspace}; share the link with no one)`);
const stop = () => {
  void (async () => {
    await inbox.close();
    await t.dispose();
  })();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
