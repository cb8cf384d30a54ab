// ThreadConfig sets a thread's defaults; forkThread copies its history into a new thread that then
// goes its own way.
//   node --import tsx examples/thread-config-and-fork.ts [--mock]
import { lastUserText, model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

await using session = await openSession({
  script: () => [
    model.say("Let's call the project Falcon."),
    (request) => model.say(`Fork answer to: ${lastUserText(request)}`),
    (request) => model.say(`Original answer to: ${lastUserText(request)}`),
  ],
});
const { client, cwd } = session;

const original = await client.startThread({
  cwd,
  approvalPolicy: "on-request",
  sandbox: "read-only",
  developerInstructions: "Be brief.",
  // undefined leaves a setting to the server's config; null would send JSON null.
  model: undefined,
});
console.log(`original: ${(await original.chatOnce("Name the project.")).finalText}`);

const fork = await client.forkThread(original.threadId);
console.log(`fork ${fork.threadId === original.threadId ? "is the same thread?!" : "is a new thread"}`);
console.log(`fork: ${(await fork.chatOnce("Suggest a logo for it.")).finalText}`);
console.log(`original: ${(await original.chatOnce("Suggest a slogan for it.")).finalText}`);

let forkTurns = 0;
for await (const _turn of fork.turns()) forkTurns++;
console.log(`the fork holds ${forkTurns} turn(s): its parent's and its own`);
