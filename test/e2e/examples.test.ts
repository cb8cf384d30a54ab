// Every example runs in --mock mode (the real app-server, a scripted model) and prints what it did.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import "../support/deprecation-guard.js";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const example = async (name: string, ...args: string[]) =>
  (
    await run(process.execPath, ["--import", "tsx", `examples/${name}.ts`, "--mock", ...args], {
      cwd: root,
      timeout: 90_000,
    })
  ).stdout;

const EXPECTED: Record<string, RegExp[]> = {
  "approvals-callback": [
    /outside the sandbox if accepted: true/,
    /decision: commandExecution -> "acceptForSession" \(by handler\)/,
    /decision: fileChange -> "decline" \(by handler\)/,
    /hello\.txt written: true/,
  ],
  "approvals-stream": [
    /approve for session: .*echo streamed/,
    /decline: notes\.txt/,
    /streamed\.txt written: true/,
    /notes\.txt written: false/,
  ],
  "chat-session-stdio": [
    /codex: Paris is the capital of France\./,
    /codex: About 2\.1 million people\. \(30 tokens so far\)/,
  ],
  "chat-session-websocket": [/connected: codex-app-server-sdk/, /codex: Hello over WebSocket!/],
  "chat-steps-rich": [
    /┌─ thinking/,
    /┌─ exec/,
    /\(no event for \d+ ms\)\nresuming the same turn…/,
    /┌─ codex\n│ The workspace is empty/,
  ],
  "goal-run": [
    /refused: a goal is running on this thread/,
    /goal approval: commandExecution in turn 2 -> accept/,
    /turn 2 exec: .*echo green > STATUS\.md/,
    /turn 3 codex: STATUS\.md exists and says green\./,
    /result: complete after 3 turns, \d+ tokens/,
    /STATUS\.md written: true/,
    /second goal: budgetLimited \(30\/20 tokens\)/,
  ],
  "telemetry-span-tree": [
    /codex: Wrote traced\.txt\./,
    /^handle user request \(\d+ ms\)$/m,
    /^└─ invoke_agent codex \(\d+ ms\) gen_ai\.request\.model=gpt-5\.5 codex\.turn\.status=completed gen_ai\.usage\.input_tokens=\d+ gen_ai\.usage\.output_tokens=\d+$/m,
    /^ {3}└─ execute_tool command_execution \(\d+ ms\) gen_ai\.tool\.type=extension process\.exit\.code=0 codex\.tool\.status=completed$/m,
    /^ {6}└─ codex\.approval commandExecution \(\d+ ms\) codex\.approval\.decision=accept codex\.approval\.decided_by=handler$/m,
  ],
  "thread-config-and-fork": [
    /fork is a new thread/,
    /fork: Fork answer to: Suggest a logo/,
    /original: Original answer to: Suggest a slogan/,
    /the fork holds 2 turn\(s\)/,
  ],
  "thread-resume-by-id": [
    /second client resumed the same thread/,
    /second client: It was 'amber'/,
    /the model saw the first turn again: true/,
  ],
  "thread-concurrent-handles": [
    /rivers: .*\[routed correctly\]/,
    /mountains: .*\[routed correctly\]/,
    /deserts: .*\[routed correctly\]/,
  ],
  "thread-ops-showcase": [
    /turns: 2/,
    /listed: true/,
    /after rolling back one turn: 1/,
    /archived: true/,
    /unarchived: true/,
  ],
};

describe("examples in --mock mode", () => {
  it("every example file has expectations here", () => {
    const files = readdirSync(path.join(root, "examples"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""));
    assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
  });

  for (const [name, patterns] of Object.entries(EXPECTED)) {
    it(name, async () => {
      const out = await example(name);
      for (const p of patterns) assert.match(out, p);
      assert.doesNotMatch(out, /script exhausted|MIXED UP|\?!/);
    });
  }

  it("chat-steps-rich --cancel-on-timeout cancels the quiet turn", async () => {
    const out = await example("chat-steps-rich", "--cancel-on-timeout");
    assert.match(out, /cancelled: interrupted=true/);
    assert.doesNotMatch(out, /┌─ codex/);
  });
});
