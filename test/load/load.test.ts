// 100 concurrent threads, each with one approval, over one connection to the real app-server:
// over stdio and over WebSocket.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import {
  createTestCodexHome,
  MockModelServer,
  startListeningAppServer,
  type ListeningAppServer,
  type TestCodexHome,
} from "../../src/testing/index.js";
import { runApprovalLoad } from "../support/approval-load.js";

const N = 100;

describe(`load: ${N} concurrent threads with one approval each`, () => {
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  let listening: ListeningAppServer | undefined;

  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer });
  });
  after(async () => {
    await listening?.stop();
    await modelServer.close();
    home.dispose();
  });

  for (const transport of ["stdio", "websocket"] as const) {
    it(`over ${transport}: every turn completes, every approval reaches the handler with its own thread`, async () => {
      modelServer.reset();
      let client: CodexClient;
      if (transport === "stdio") {
        client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
      } else {
        listening ??= await startListeningAppServer({ home, token: true });
        client = CodexClient.connectWebSocket({ url: listening.url, token: listening.token });
      }
      try {
        const r = await runApprovalLoad(client, modelServer, home.workspace, N);
        console.log(`load over ${transport}: ${N} turns in ${Math.round(r.wallMs)} ms`);
        assert.equal(r.completed, N);
        assert.equal(r.approvals, N);
        assert.equal(r.misrouted, 0);
        assert.equal(r.crossed, 0);
        assert.equal(modelServer.remaining, 0);
      } finally {
        await client.close();
      }
    });
  }
});
