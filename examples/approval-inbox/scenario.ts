// The offline scenario of the inbox: several conversations whose scripted model asks for commands
// and file changes. The model answers from each request's body (the kit's respond(fn)): the prompt
// says which conversation it is, the tool results since the prompt say how far it got.
import path from "node:path";
import { model, type ModelResponder, type ModelResponse } from "codex-app-server-sdk/testing";

const ask = (justification: string) => ({ escalate: { justification } });

export interface ScenarioConversation {
  name: string;
  prompt: string;
  /** The model's tool calls, one per step; then it sums up. */
  steps: (workspace: string) => ModelResponse[];
  /** A shorter approval timeout for this conversation's turn. */
  approvalTimeoutMs?: number;
}

export const CONVERSATIONS: ScenarioConversation[] = [
  {
    name: "Build",
    prompt: "Build the project",
    steps: () => [model.exec("echo built > build.txt", ask("Write the build output to build.txt"))],
  },
  {
    name: "Release notes",
    prompt: "Draft the release notes",
    steps: (ws) => [
      model.applyPatch(
        `*** Begin Patch\n*** Add File: ${path.join(ws, "NOTES.md")}\n+# Release 1.2\n+\n+- Faster builds\n+- An approval inbox\n*** End Patch\n`,
      ),
    ],
  },
  {
    name: "Tests",
    prompt: "Run the tests twice",
    steps: () => [
      model.exec("echo passed >> tests.log", ask("Record a test run in tests.log")),
      model.exec("echo passed >> tests.log", ask("Record a test run in tests.log")),
    ],
  },
  {
    name: "Cleanup",
    prompt: "Clean the cache",
    steps: () => [model.exec("rm -rf cache", ask("Remove the cache folder"))],
    approvalTimeoutMs: 60_000,
  },
  {
    name: "Deploy",
    prompt: "Deploy to staging",
    steps: () => [model.exec("echo deployed > deploy.txt", ask("Record the deployment"))],
  },
];

/** Answers every model step of the scenario's conversations. */
export function scenarioModel(workspace: string): ModelResponder {
  return (request) => {
    const conversation = CONVERSATIONS.find((c) => c.prompt === request.userText);
    if (!conversation) return undefined;
    const step = conversation.steps(workspace)[request.toolOutputs.length];
    if (step) return step;
    const declined = request.toolOutputs.some((o) => /rejected|declined|not approved/i.test(o.output));
    return model.say(`${conversation.name}: ${declined ? "stopped, a step was declined" : "done"}.`);
  };
}
