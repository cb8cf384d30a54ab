// Several threads on one connection, turns running at the same time: each handle only sees its own
// thread's events.
//   node --import tsx examples/thread-concurrent-handles.ts [--mock]
import { lastUserText, model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

const topics = ["rivers", "mountains", "deserts"];
await using session = await openSession({
  // The mock answers each request with what it was asked, whatever order the turns reach it in.
  script: () =>
    topics.map(() => (request) => model.say(`One fact about ${lastUserText(request).split(" ").at(-1)}`)),
});
const { client, cwd } = session;

const threads = await Promise.all(topics.map(() => client.startThread({ cwd })));
const answers = await Promise.all(threads.map((t, i) => t.chatOnce(`Tell me one fact about ${topics[i]}`)));
answers.forEach((a, i) => {
  const ok = a.threadId === threads[i]?.threadId && a.finalText.endsWith(topics[i] as string);
  console.log(`${topics[i]}: ${a.finalText} [${ok ? "routed correctly" : "MIXED UP"}]`);
});
