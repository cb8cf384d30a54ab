// Goals: one objective the runtime pursues over as many turns as it chains by itself. The SDK
// reads them as one stream, routes their approvals to the goal's handler and bounds the chain.
//   node --import tsx examples/goal-run.ts [--mock]
import { existsSync } from "node:fs";
import path from "node:path";
import { CodexGoalRunningError, type ApprovalRequest } from "codex-app-server-sdk";
import { model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

const updateGoal = (status: string) => model.functionCall("update_goal", { status });

await using session = await openSession({
  script: () => [
    // Goal 1, turn 1: the model looks around; the goal stays active, so the runtime chains turn 2.
    model.say("The workspace has no STATUS.md yet."),
    // Turn 2: a command that needs approval, then a message.
    model.exec("echo green > STATUS.md", { escalate: { justification: "write STATUS.md" } }),
    model.say("Wrote STATUS.md."),
    // Turn 3: the model marks the goal complete (the `update_goal` tool goals offer) and sums up.
    updateGoal("complete"),
    model.say("STATUS.md exists and says green."),
    // Goal 2: two model steps of 15 tokens each exhaust a budget of 20.
    model.say("Counting…"),
    model.say("Still counting…"),
  ],
});
const { client, cwd } = session;
const thread = await client.startThread({ cwd, approvalPolicy: "on-request", sandbox: "read-only" });

// 1. startGoal: a live handle. Its approvals go to its own handler, not the client's.
const goal = await thread.startGoal("Create STATUS.md containing the word green", {
  tokenBudget: 100_000,
  maxTurns: 10,
  inactivityTimeoutMs: 60_000,
  approvalHandler: (req: ApprovalRequest) => {
    console.log(`goal approval: ${req.type} in turn ${goal.turnIds.length} -> accept`);
    return "accept";
  },
});
goal.onUpdate((g) => console.log(`goal update: ${g.status}, ${g.tokensUsed} tokens used`));

try {
  await thread.chatOnce("Something else, meanwhile?");
} catch (error) {
  if (error instanceof CodexGoalRunningError) console.log("refused: a goal is running on this thread");
  else throw error;
}

for await (const step of goal.steps()) {
  console.log(`turn ${goal.turnIds.indexOf(step.turnId) + 1} ${step.stepType}: ${step.text}`);
}
const result = await goal.done();
console.log(`result: ${result.status} after ${result.turnIds.length} turns, ${result.tokensUsed} tokens`);
console.log(`final: ${result.finalText}`);
console.log(`STATUS.md written: ${existsSync(path.join(cwd, "STATUS.md"))}`);

// 2. runGoal: wait for the result. Running out of budget is a result, not an exception.
const limited = await thread.runGoal("Count to a million", { tokenBudget: 20 });
console.log(`second goal: ${limited.status} (${limited.tokensUsed}/${limited.tokenBudget} tokens)`);
