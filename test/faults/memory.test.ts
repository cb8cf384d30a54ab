// Memory that must not grow: an approval request a product keeps (an audit log of answered
// approvals) must not keep its turn's state alive once the turn is over.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import type { ApprovalRequest } from "../../src/approvals/requests.js";
import { createFakeServer, INITIALIZE_RESULT } from "../support/fake-server.js";
import { guardProcess } from "./support.js";

guardProcess();

const gc = (globalThis as { gc?: () => void }).gc;

/** A fake server that runs each turn as: one command approval, then turn/completed after the reply. */
function turnsWithOneApproval() {
  const { clientTransport, server } = createFakeServer();
  const record = server.transport.onmessage;
  let turns = 0;
  let approvals = 0;
  const pendingTurns = new Map<number, string>();
  server.transport.onmessage = (message) => {
    record?.(message);
    const m = message as { id?: number; method?: string; result?: unknown };
    if (m.method === undefined && m.id !== undefined) {
      // the reply to an approval request: the command ran, the turn ends
      const turnId = pendingTurns.get(m.id);
      if (turnId === undefined) return;
      pendingTurns.delete(m.id);
      void server.send({
        method: "turn/completed",
        params: { threadId: "T", turn: { id: turnId, items: [], status: "completed", error: null } },
      });
      return;
    }
    const reply = (result: unknown) => void server.send({ id: m.id, result });
    switch (m.method) {
      case "initialize":
        return reply(INITIALIZE_RESULT);
      case "thread/start":
        return reply({ thread: { id: "T", turns: [] } });
      case "turn/start": {
        const turnId = `turn-${++turns}`;
        reply({ turn: { id: turnId, items: [], status: "inProgress", error: null } });
        const id = 1000 + approvals++;
        pendingTurns.set(id, turnId);
        // A moment after the turn started, as a real command would: the turn's stream is bound.
        setTimeout(
          () =>
            void server.send({
              id,
              method: "item/commandExecution/requestApproval",
              params: {
                threadId: "T",
                turnId,
                itemId: `c${id}`,
                startedAtMs: 1,
                command: "echo hi",
                cwd: "/w",
              },
            }),
          2,
        );
        return;
      }
    }
  };
  return clientTransport;
}

describe("memory", () => {
  it("answered approval requests kept by the application do not keep their turns' state alive", async () => {
    assert.ok(gc, "run with --expose-gc");
    // A large turn buffer makes each turn's state weigh ~400 kB (its event ring), so 40 kept turns
    // would show as 16 MB.
    const client = new CodexClient(turnsWithOneApproval(), { turnBufferSize: 50_000 });
    const kept: ApprovalRequest[] = [];
    client.onApprovalDecided((record) => kept.push(record.request));
    client.setApprovalHandler(() => "accept");
    const thread = await client.startThread();
    const run = async () => {
      const turn = await thread.streamTurn("run echo");
      for await (const event of turn) void event;
    };
    for (let i = 0; i < 5; i++) await run(); // warm up
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 40; i++) await run();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    assert.equal(kept.length, 45);
    assert.ok(kept.every((r) => !r.pending && r.outcome === "answered" && r.signal.aborted));
    assert.ok(grownMb < 4, `the heap grew by ${grownMb.toFixed(1)} MB over 40 turns with kept requests`);
    await client.close();
  });
});
