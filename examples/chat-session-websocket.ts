// The same chat over WebSocket, to `codex app-server --listen ws://127.0.0.1:PORT`.
//   node --import tsx examples/chat-session-websocket.ts [--mock]
// Without --mock it connects to CODEX_APP_SERVER_WS_URL (default ws://127.0.0.1:8765), with the
// token in CODEX_APP_SERVER_TOKEN if the server wants one.
import { CodexClient } from "codex-app-server-sdk";
import {
  createTestCodexHome,
  MockModelServer,
  model,
  startListeningAppServer,
} from "codex-app-server-sdk/testing";
import { MOCK } from "./support/session.js";

let cleanup = async () => {};
let options: { url?: string; token?: string } = {};
if (MOCK) {
  const modelServer = await MockModelServer.start([model.say("Hello over WebSocket!")]);
  const home = createTestCodexHome({ modelServer });
  const server = await startListeningAppServer({ home, transport: "websocket", token: true });
  options = { url: server.url as string, token: server.token as string };
  cleanup = async () => {
    await server.stop();
    await modelServer.close();
    home.dispose();
  };
}
try {
  await using client = CodexClient.connectWebSocket(options);
  const info = await client.initialize();
  console.log(`connected: ${info.userAgent.split(" ")[0]}`);
  const reply = await client.chatOnce("Say hello.", { threadConfig: { cwd: process.cwd() } });
  console.log(`codex: ${reply.finalText}`);
} finally {
  await cleanup();
}
