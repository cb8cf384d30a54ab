// One way to subscribe: every on… registration returns a Subscription (a function that is also a
// Disposable); and problems the SDK absorbs are never silent, even with no onError listener.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFakeServer, startedClient, type FakeServer } from "../support/fake-server.js";
import { CodexClient } from "../../src/client/client.js";

const commandApproval = (id: number) => ({
  id,
  method: "item/commandExecution/requestApproval",
  params: { threadId: "T", turnId: "U", itemId: `c${id}`, startedAtMs: 1, command: "ls", cwd: "/" },
});
const replyTo = (server: FakeServer, id: number) => server.next((m) => m.id === id && !("method" in m));

describe("subscriptions", () => {
  it("every on… returns a Subscription: calling it, or disposing it, unsubscribes", async () => {
    const { client, server } = await startedClient();
    const seen: string[] = [];
    const subs = [
      client.on("thread/started", () => seen.push("on")),
      client.onAny(() => seen.push("onAny")),
      client.onError(() => seen.push("onError")),
      client.onApprovalDecided(() => seen.push("decided")),
      client.onReconnected(() => seen.push("reconnected")),
      client.onDisconnected(() => seen.push("disconnected")),
      client.handleRequest("item/tool/requestUserInput", () => ({ answers: {} })),
      client.registerTool("t", () => "ok"),
    ];
    for (const sub of subs) {
      assert.equal(typeof sub, "function");
      assert.equal(typeof sub[Symbol.dispose], "function");
    }
    await server.send({ method: "thread/started", params: { thread: { id: "T" } } });
    assert.deepEqual(seen, ["on", "onAny"]);
    subs[0]?.();
    subs[1]?.[Symbol.dispose]();
    subs[1]?.(); // a second call does nothing
    await server.send({ method: "thread/started", params: { thread: { id: "T" } } });
    await server.sendRaw("not json\n");
    assert.deepEqual(seen.slice(2), ["onError"]);
    await client.close();
  });

  it("a broken approval handler with no onError listener emits one process warning with a code", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    await client.start();
    const warnings: (Error & { code?: string })[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      client.setApprovalHandler(() => "accept_for_session" as never);
      await server.send(commandApproval(1));
      assert.deepEqual((await replyTo(server, 1)).result, { decision: "decline" });
      await server.send(commandApproval(2));
      assert.deepEqual((await replyTo(server, 2)).result, { decision: "decline" });
      await new Promise((r) => setImmediate(r));
      const ours = warnings.filter((w) => w.code === "CODEX_SDK_APPROVAL_HANDLER_FAILED");
      assert.equal(ours.length, 1, "one warning per kind, not one per request");
      assert.match(ours[0]?.message ?? "", /answered a commandExecution approval wrongly.*onError/s);
    } finally {
      process.off("warning", onWarning);
      await client.close();
    }
  });
});
