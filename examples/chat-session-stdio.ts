// A multi-turn chat over stdio: the SDK starts `codex app-server` as a child process.
//   node --import tsx examples/chat-session-stdio.ts [--mock]
import { model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

await using session = await openSession({
  script: () => [model.say("Paris is the capital of France."), model.say("About 2.1 million people.")],
});
const { client, cwd } = session;

const thread = await client.startThread({ cwd, developerInstructions: "Answer in one sentence." });
for (const question of ["What is the capital of France?", "How many people live there?"]) {
  const { finalText, usage } = await thread.chatOnce(question);
  console.log(`you: ${question}`);
  console.log(`codex: ${finalText} (${usage?.total.totalTokens ?? "?"} tokens so far)`);
}
