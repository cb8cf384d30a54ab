// Resume a thread by id from another client (another process, a restart…): the history is kept.
// A thread has one writer: the first client closes before the second resumes.
//   node --import tsx examples/thread-resume-by-id.ts [--mock]
import { CodexClient, type StdioConnectOptions } from "codex-app-server-sdk";
import { createTestCodexHome, MockModelServer, model } from "codex-app-server-sdk/testing";
import { MOCK } from "./support/session.js";

let connect: StdioConnectOptions = {};
let cwd = process.cwd();
let cleanup = async () => {};
let modelServer: MockModelServer | undefined;
if (MOCK) {
  modelServer = await MockModelServer.start([
    model.say("Noted: the code word is 'amber'."),
    model.say("It was 'amber'."),
  ]);
  const home = createTestCodexHome({ modelServer });
  connect = { env: home.env, cwd: home.workspace };
  cwd = home.workspace;
  cleanup = async () => {
    await modelServer?.close();
    home.dispose();
  };
}
try {
  let threadId: string;
  {
    await using first = CodexClient.connectStdio(connect);
    const thread = await first.startThread({ cwd });
    threadId = thread.threadId;
    console.log(`first client: ${(await thread.chatOnce("Remember the code word 'amber'.")).finalText}`);
  }
  {
    await using second = CodexClient.connectStdio(connect);
    const thread = await second.resumeThread(threadId);
    console.log(
      `second client resumed ${thread.threadId === threadId ? "the same thread" : "another thread?!"}`,
    );
    console.log(`second client: ${(await thread.chatOnce("What was the code word?")).finalText}`);
  }
  if (modelServer) {
    const sent = JSON.stringify(modelServer.modelRequests.at(-1)?.body);
    console.log(`the model saw the first turn again: ${sent.includes("Remember the code word")}`);
  }
} finally {
  await cleanup();
}
