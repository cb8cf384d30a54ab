// OpenTelemetry against the real app-server and a scripted model: the spans of a turn, its tools
// and approvals, their metrics, a failed turn, a goal, and content capture.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { model, startTestClient } from "../../src/testing/index.js";
import { useRealServer } from "../support/real-server.js";
import { onlySpan, parentId, startTestTelemetry } from "../support/otel.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";

const escalate = { escalate: { justification: "needs to write a file" } };
const addFile = (file: string) =>
  `*** Begin Patch\n*** Add File: ${file}\n+secret-diff-line\n*** End Patch\n`;
const otel = startTestTelemetry();
after(() => otel.shutdown());

describe("telemetry against the real app-server (on-request, read-only sandbox)", () => {
  const rs = useRealServer({
    home: { approvalPolicy: "on-request", sandbox: "read-only" },
    clientOptions: { telemetry: { tracer: otel.tracer, meter: otel.meter } },
  });
  beforeEach(() => otel.exporter.reset());

  it("a turn with an approved command and a declined file change: one tree under the caller's span", async () => {
    const ws = rs.home.workspace;
    const outside = path.join(path.dirname(ws), `outside-${process.pid}.txt`);
    rs.modelServer.enqueue(
      model.exec("echo approved > approved.txt", escalate),
      model.applyPatch(addFile(outside)),
      model.say("one of two"),
    );
    rs.client.setApprovalHandler((req) => (req.type === "commandExecution" ? "accept" : "decline"));
    const thread = await rs.client.startThread({ cwd: ws });
    const result = await otel.tracer.startActiveSpan("handle request", async (root) => {
      try {
        return await thread.chatOnce("write two files");
      } finally {
        root.end();
      }
    });
    rs.client.setApprovalHandler(null);
    assert.equal(readFileSync(path.join(ws, "approved.txt"), "utf8").trim(), "approved");
    assert.equal(existsSync(outside), false);

    const spans = otel.spans();
    const root = onlySpan(spans, "handle request");
    const turn = onlySpan(spans, "invoke_agent codex");
    assert.equal(parentId(turn), root.spanContext().spanId);
    assert.equal(turn.spanContext().traceId, root.spanContext().traceId);
    assert.equal(turn.kind, SpanKind.CLIENT);
    assert.equal(turn.attributes["gen_ai.operation.name"], "invoke_agent");
    assert.equal(turn.attributes["gen_ai.agent.name"], "codex");
    assert.equal(turn.attributes["gen_ai.provider.name"], "mock_provider");
    assert.equal(turn.attributes["gen_ai.request.model"], "gpt-5.5");
    assert.equal(turn.attributes["gen_ai.conversation.id"], thread.threadId);
    assert.equal(turn.attributes["codex.turn.id"], result.turnId);
    assert.equal(turn.attributes["codex.turn.status"], "completed");
    assert.equal(turn.status.code, SpanStatusCode.UNSET);
    assert.ok((turn.attributes["gen_ai.usage.input_tokens"] as number) > 0);
    assert.ok((turn.attributes["gen_ai.usage.output_tokens"] as number) > 0);

    const command = onlySpan(spans, "execute_tool command_execution");
    const patch = onlySpan(spans, "execute_tool file_change");
    for (const tool of [command, patch]) {
      assert.equal(parentId(tool), turn.spanContext().spanId);
      assert.equal(tool.attributes["gen_ai.operation.name"], "execute_tool");
      assert.equal(tool.attributes["gen_ai.tool.type"], "extension");
    }
    const items = result.items as { type: string; id: string }[];
    assert.equal(
      command.attributes["gen_ai.tool.call.id"],
      items.find((i) => i.type === "commandExecution")?.id,
    );
    assert.equal(command.attributes["process.exit.code"], 0);
    assert.equal(command.attributes["codex.tool.status"], "completed");
    assert.equal(patch.attributes["codex.tool.status"], "declined");

    const accepted = onlySpan(spans, "codex.approval commandExecution");
    const declined = onlySpan(spans, "codex.approval fileChange");
    assert.equal(parentId(accepted), command.spanContext().spanId);
    assert.equal(parentId(declined), patch.spanContext().spanId);
    assert.equal(accepted.attributes["codex.approval.decision"], "accept");
    assert.equal(accepted.attributes["codex.approval.decided_by"], "handler");
    assert.equal(accepted.attributes["codex.approval.outcome"], "answered");
    assert.equal(declined.attributes["codex.approval.decision"], "decline");
    assert.match(String(accepted.attributes["codex.approval.key"]), /.+/);
    // Timed from request to settlement: inside its tool span.
    assert.ok(hrMs(accepted.startTime) >= hrMs(command.startTime) - 1);
    assert.ok(hrMs(accepted.endTime) <= hrMs(command.endTime) + 1);

    // No content by default.
    for (const span of spans)
      for (const [key, value] of Object.entries(span.attributes)) {
        assert.doesNotMatch(key, /messages|arguments|result|reason|objective/, `${span.name}: ${key}`);
        assert.doesNotMatch(String(value), /write two files|echo approved|secret-diff-line|one of two/);
      }

    const tokens = await otel.points("gen_ai.client.token.usage");
    const types = tokens.map((p) => p.attributes["gen_ai.token.type"]).sort();
    assert.deepEqual(types, ["input", "output"]);
    assert.equal((await otel.points("gen_ai.client.operation.duration")).length, 1);
    const counted = await otel.points("codex.approval.count");
    const byDecision = Object.fromEntries(
      counted.map((p) => [p.attributes["codex.approval.decision"], p.value]),
    );
    assert.deepEqual(byDecision, { accept: 1, decline: 1 });
    const waits = await otel.points("codex.approval.wait.duration");
    assert.equal(waits.length, 2);
  });

  it("a failed turn: status ERROR and the server's error type", async () => {
    rs.modelServer.enqueue(model.httpError(500));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const stream = await thread.streamTurn("fail please");
    for await (const _ of stream) void _;
    const turn = onlySpan(otel.spans(), "invoke_agent codex");
    assert.equal(turn.attributes["codex.turn.status"], "failed");
    assert.equal(turn.status.code, SpanStatusCode.ERROR);
    assert.equal(turn.attributes["error.type"], "internalServerError");
    const failed = (await otel.points("gen_ai.client.operation.duration")).filter(
      (p) => p.attributes["error.type"] === "internalServerError",
    );
    assert.equal(failed.length, 1);
  });

  it("a goal of two turns: one goal span parents both turn spans", async () => {
    rs.modelServer.enqueue(
      model.say("first turn, not done yet"),
      model.functionCall("update_goal", { status: "complete" }),
      model.say("done"),
    );
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const result = await otel.tracer.startActiveSpan("run goal", async (root) => {
      try {
        return await thread.runGoal("finish in two turns");
      } finally {
        root.end();
      }
    });
    assert.equal(result.turnIds.length, 2);
    const spans = otel.spans();
    const goal = onlySpan(spans, "codex.goal");
    assert.equal(parentId(goal), onlySpan(spans, "run goal").spanContext().spanId);
    assert.equal(goal.attributes["codex.goal.turns"], 2);
    assert.equal(goal.attributes["codex.goal.status"], "complete");
    const turns = spans.filter((s) => s.name === "invoke_agent codex");
    assert.deepEqual(
      turns.map((t) => t.attributes["codex.turn.id"]),
      result.turnIds,
    );
    for (const t of turns) assert.equal(parentId(t), goal.spanContext().spanId);
  });
});

describe("telemetry with captureContent", () => {
  const rs = useRealServer({
    home: { approvalPolicy: "on-request", sandbox: "read-only" },
    clientOptions: { telemetry: { tracer: otel.tracer, captureContent: true } },
  });
  before(() => otel.exporter.reset());

  it("records the prompt, the reply, the command, its output and the justification", async () => {
    rs.modelServer.enqueue(model.exec("echo captured", escalate), model.say("the reply"));
    rs.client.setApprovalHandler(() => "accept");
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    await thread.chatOnce("the prompt");
    const spans = otel.spans();
    const turn = onlySpan(spans, "invoke_agent codex");
    assert.deepEqual(JSON.parse(String(turn.attributes["gen_ai.input.messages"])), [
      { role: "user", parts: [{ type: "text", content: "the prompt" }] },
    ]);
    assert.match(String(turn.attributes["gen_ai.output.messages"]), /the reply/);
    const command = onlySpan(spans, "execute_tool command_execution");
    assert.match(String(command.attributes["gen_ai.tool.call.arguments"]), /echo captured/);
    assert.match(String(command.attributes["gen_ai.tool.call.result"]), /captured/);
    const approval = onlySpan(spans, "codex.approval commandExecution");
    assert.equal(approval.attributes["codex.approval.reason"], "needs to write a file");
  });
});

function hrMs(t: [number, number]): number {
  return t[0] * 1000 + t[1] / 1e6;
}

describe("codex's own spans (its [otel] trace exporter, OTLP/HTTP JSON to 127.0.0.1)", () => {
  it("join the trace: codex's turn/start span is a child of the SDK's invoke_agent span", async () => {
    otel.exporter.reset();
    const receiver = await startOtlpReceiver();
    try {
      const t = await startTestClient({
        script: [model.say("hello back")],
        telemetry: { tracer: otel.tracer },
        extraToml:
          "[otel]\n" +
          `trace_exporter = { otlp-http = { endpoint = "${receiver.endpoint}", protocol = "json", headers = {} } }\n`,
      });
      try {
        const thread = await t.client.startThread({ cwd: t.workspace });
        await otel.tracer.startActiveSpan("caller", async (root) => {
          await thread.chatOnce("hello");
          root.end();
        });
      } finally {
        // The server exports its batch when it shuts down.
        await t.dispose();
      }
      const turn = onlySpan(otel.spans(), "invoke_agent codex");
      const traceId = turn.spanContext().traceId;
      await receiver.waitFor(
        (spans) => spans.some((s) => s.name === "turn/start" && s.traceId === traceId),
        20_000,
      );
      const serverTurnStart = receiver.spans.find((s) => s.name === "turn/start" && s.traceId === traceId);
      assert.equal(serverTurnStart?.parentSpanId, turn.spanContext().spanId);
      // Below it, codex's own work on that turn is in the same trace.
      assert.ok(receiver.spans.filter((s) => s.traceId === traceId).length > 1);
    } finally {
      await receiver.close();
    }
  });
});
