// The scripted agent turn of the offline demo: what the mock model "decides", step by step.
import path from "node:path";
import { model, type ModelResponse } from "../src/testing/index.js";

export const DEMO_PROMPT =
  "Record the Node.js version in versions.txt, then add a NOTES.md that explains how to run the project.";

/** One model step per POST /responses: text + a command, then a patch, then the final answer. */
export function demoScript(workspace: string): ModelResponse[] {
  const notes = path.join(workspace, "NOTES.md");
  return [
    {
      output: [
        { type: "reasoning", text: "The user wants two things: a version record and a short guide." },
        {
          type: "message",
          text: "I'll start by recording the Node.js version the project runs on.",
          deltas: 12,
        },
        {
          type: "exec",
          command: "node --version > versions.txt",
          escalate: { justification: "Write versions.txt in the workspace" },
        },
      ],
      delayMs: 400,
    },
    {
      output: [
        { type: "message", text: "Now the notes file.", deltas: 4 },
        {
          type: "applyPatch",
          patch: [
            "*** Begin Patch",
            `*** Add File: ${notes}`,
            "+# Notes",
            "+",
            "+Run `npm install`, then `npm test`.",
            "+The Node.js version used is in versions.txt.",
            "*** End Patch",
            "",
          ].join("\n"),
        },
      ],
      delayMs: 400,
    },
    model.say(
      "All done. versions.txt holds the Node.js version (if you let the command run) and NOTES.md explains how to run the project (if you accepted the change).",
      { deltas: 24 },
    ),
  ];
}
