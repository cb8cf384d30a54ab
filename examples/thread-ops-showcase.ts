// The thread operations: name, list, read, roll back, archive and unarchive.
//   node --import tsx examples/thread-ops-showcase.ts [--mock]
import { model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

await using session = await openSession({
  script: () => [model.say("first answer"), model.say("second answer")],
});
const { client, cwd } = session;

const thread = await client.startThread({ cwd });
await thread.chatOnce("first question");
await thread.chatOnce("second question");
await client.setThreadName(thread.threadId, "showcase");

// The history is paged (thread/turns/list): count the turns as they come.
const turns = async () => {
  let n = 0;
  for await (const _turn of thread.turns({ pageSize: 50 })) n++;
  return n;
};
console.log(`turns: ${await turns()}`);
const listed = await client.listThreads({});
console.log(`listed: ${listed.data.some((t) => t.id === thread.threadId && t.name === "showcase")}`);

await client.rollbackThread(thread.threadId, { numTurns: 1 });
console.log(`after rolling back one turn: ${await turns()}`);

await client.archiveThread(thread.threadId);
const archived = await client.listThreads({ archived: true });
console.log(`archived: ${archived.data.some((t) => t.id === thread.threadId)}`);
await client.unarchiveThread(thread.threadId);
const active = await client.listThreads({});
console.log(`unarchived: ${active.data.some((t) => t.id === thread.threadId)}`);
