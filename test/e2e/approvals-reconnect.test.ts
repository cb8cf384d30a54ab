// Approval keys across a reconnect, against the real app-server over WebSocket: the server's
// request ids restart at 0 on the new connection, the keys do not, and a key from before the drop
// is refused with the outcome its request had.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, it } from "node:test";
import { CodexClient, type ReconnectInfo } from "../../src/index.js";
import type { ApprovalRequest, ApprovalSettledRecord } from "../../src/approvals/requests.js";
import { CodexApprovalNotPendingError } from "../../src/errors/index.js";
import {
  createTestCodexHome,
  MockModelServer,
  model,
  startListeningAppServer,
  type ListeningAppServer,
  type TestCodexHome,
} from "../../src/testing/index.js";
import "../support/deprecation-guard.js";

const escalate = { escalate: { justification: "write a file" } };
let modelServer: MockModelServer;
let home: TestCodexHome;
let server: ListeningAppServer | undefined;

before(async () => {
  modelServer = await MockModelServer.start();
  home = createTestCodexHome({ modelServer });
});
after(async () => {
  await server?.stop();
  await modelServer.close();
  home.dispose();
});

async function nextRequest(client: CodexClient): Promise<ApprovalRequest> {
  const watch = client.approvalRequests({ observe: true });
  const r = await watch.next();
  await watch.return?.();
  return r.value as ApprovalRequest;
}

it("a key stays unique across a reconnect; the request the drop ended settles as closed", async () => {
  server = await startListeningAppServer({ home });
  const port = Number(new URL(server.url as string).port);
  const client = CodexClient.connectWebSocket({
    url: server.url,
    reconnect: { maxAttempts: 50, backoffMs: 100 },
  });
  try {
    const settled: ApprovalSettledRecord[] = [];
    client.onApprovalSettled((r) => settled.push(r));
    const reconnected = new Promise<ReconnectInfo>((resolve) => client.onReconnected(resolve));
    const thread = await client.startThread({ cwd: home.workspace });
    thread.setApprovalHandler("hold");
    modelServer.enqueueForThread(thread.threadId, model.exec("echo 1 > before.txt", escalate));
    const first = thread.chatOnce("before the drop").catch((e: unknown) => e);
    const before = await nextRequest(client);
    assert.equal(before.requestId, 0);

    await server.stop();
    while (settled.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      settled.map((r) => [r.key, r.outcome]),
      [[before.key, "closed"]],
    );
    assert.throws(
      () => client.respondApproval(before.key, "accept"),
      (e: unknown) => e instanceof CodexApprovalNotPendingError && e.outcome === "closed",
    );

    server = await startListeningAppServer({ home, port });
    await reconnected;
    await first; // reported as interrupted by the reconnect, never lost
    modelServer.reset();
    modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo 2 > after.txt", escalate),
      model.say("ok"),
    );
    const second = thread.chatOnce("after the drop");
    const afterDrop = await nextRequest(client);
    assert.equal(afterDrop.requestId, 0, "the new server counts from 0 again");
    assert.notEqual(afterDrop.key, before.key);
    client.approveApproval(afterDrop.key, { by: "carol" });
    assert.equal((await second).finalText, "ok");
    assert.ok(existsSync(path.join(home.workspace, "after.txt")));
    assert.equal(existsSync(path.join(home.workspace, "before.txt")), false);
  } finally {
    await client.close();
  }
});
