// The load scenario shared by the e2e load test and `npm run bench`: n threads on one connection,
// each running a turn with one escalated command (one approval) at the same time, against the real
// app-server and a model that answers each request from its own content.
import { performance } from "node:perf_hooks";
import type { CodexClient } from "../../src/client/client.js";
import {
  lastUserText,
  model,
  type MockModelServer,
  type RecordedModelRequest,
} from "../../src/testing/index.js";

export interface LoadResult {
  wallMs: number;
  completed: number;
  approvals: number;
  /** Approvals whose thread id, or command, did not belong to the turn that asked. */
  misrouted: number;
  /** Turns whose final text was another thread's. */
  crossed: number;
}

const hasToolOutput = (request: RecordedModelRequest) =>
  JSON.stringify(request.body).includes('"function_call_output"');

export async function runApprovalLoad(
  client: CodexClient,
  modelServer: MockModelServer,
  cwd: string,
  n: number,
): Promise<LoadResult> {
  for (let i = 0; i < 2 * n; i++) {
    modelServer.enqueue((request) => {
      const tag = lastUserText(request).replace(/^load /, "");
      return hasToolOutput(request)
        ? model.say(`done ${tag}`)
        : model.exec(`echo ${tag}`, { escalate: { justification: `approve ${tag}` } });
    });
  }
  const threads = await Promise.all(Array.from({ length: n }, () => client.startThread({ cwd })));
  const tagOf = new Map(threads.map((t, i) => [t.threadId, `t${i}`]));
  let approvals = 0;
  let misrouted = 0;
  client.setApprovalHandler((req) => {
    approvals++;
    const tag = tagOf.get(req.threadId);
    if (tag === undefined || req.type !== "commandExecution" || !req.command?.includes(`echo ${tag}`))
      misrouted++;
    return "accept";
  });
  const t0 = performance.now();
  const results = await Promise.all(threads.map((t, i) => t.chatOnce(`load t${i}`)));
  const wallMs = performance.now() - t0;
  client.setApprovalHandler(null);
  const crossed = results.filter(
    (r, i) => r.finalText !== `done t${i}` || r.threadId !== threads[i]?.threadId,
  ).length;
  return {
    wallMs,
    completed: results.filter((r) => r.status === "completed").length,
    approvals,
    misrouted,
    crossed,
  };
}
