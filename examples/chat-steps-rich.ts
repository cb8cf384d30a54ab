// chat() yields one step per completed item: shown here as thinking / exec / codex blocks.
// A turn that goes quiet for longer than the inactivity timeout is resumed automatically from its
// continuation, or cancelled with --cancel-on-timeout.
//   node --import tsx examples/chat-steps-rich.ts [--mock] [--cancel-on-timeout]
import { CodexTurnInactiveError, type ConversationStep, type TurnContinuation } from "codex-app-server-sdk";
import { openSession } from "./support/session.js";

const cancelOnTimeout = process.argv.includes("--cancel-on-timeout");
await using session = await openSession({
  client: { inactivityTimeoutMs: process.argv.includes("--mock") ? 1_000 : 60_000 },
  mock: { approvalPolicy: "never", sandbox: "workspace-write" },
  script: () => [
    {
      output: [
        { type: "reasoning", text: "List the files, then summarise." },
        { type: "exec", command: "ls -a" },
      ],
    },
    // A slow model: nothing happens for 2.5 s, longer than the 1 s inactivity timeout.
    {
      output: [{ type: "message", text: "The workspace is empty apart from . and ..", deltas: 5 }],
      delayMs: 2_500,
    },
  ],
});
const { client, cwd } = session;

function show(step: ConversationStep): void {
  console.log(`┌─ ${step.stepType}`);
  for (const line of step.text.trimEnd().split("\n")) console.log(`│ ${line}`);
  console.log("└─");
}

const thread = await client.startThread({ cwd });
let continuation: TurnContinuation | undefined;
let input: string | undefined = "What is in this folder?";
for (;;) {
  try {
    const steps = continuation ? thread.chat(undefined, { continuation }) : thread.chat(input);
    for await (const step of steps) show(step);
    break;
  } catch (error) {
    if (!(error instanceof CodexTurnInactiveError)) throw error;
    console.log(`(no event for ${error.idleMs} ms)`);
    if (cancelOnTimeout) {
      const cancelled = await client.cancel(error.continuation);
      console.log(
        `cancelled: interrupted=${cancelled.wasInterrupted}, ${cancelled.steps.length} unread step(s)`,
      );
      break;
    }
    console.log("resuming the same turn…");
    continuation = error.continuation;
    input = undefined;
  }
}
