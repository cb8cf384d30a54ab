// Telemetry over the in-memory pair: the trace context on the wire, a turn span's life from
// turn/start to turn/completed, and what happens without telemetry or without @opentelemetry/api.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { CodexClient } from "../../src/client/client.js";
import { BoundedSpans } from "../../src/telemetry/bounded-spans.js";
import { createFakeServer, INITIALIZE_RESULT, type FakeServer } from "../support/fake-server.js";
import { onlySpan, parentId, startTestTelemetry } from "../support/otel.js";

const otel = startTestTelemetry();
after(() => otel.shutdown());
const root = path.resolve(import.meta.dirname, "../..");

async function initialized(server: FakeServer): Promise<void> {
  const init = await server.next((m) => m.method === "initialize");
  await server.send({ id: init.id, result: INITIALIZE_RESULT });
}

describe("telemetry over the in-memory pair", () => {
  beforeEach(() => otel.exporter.reset());

  it("a request sent inside a span carries its W3C trace context; outside one, no trace field", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { telemetry: { tracer: otel.tracer } });
    const outside = client.request("model/list", {});
    await initialized(server);
    const plain = await server.next((m) => m.method === "model/list");
    assert.equal("trace" in plain, false);
    await server.send({ id: plain.id, result: { data: [], nextCursor: null } });
    await outside;
    await otel.tracer.startActiveSpan("caller", async (span) => {
      const listing = client.request("model/list", {});
      const traced = await server.next((m) => m.method === "model/list");
      const { traceId, spanId } = span.spanContext();
      assert.deepEqual(traced.trace, { traceparent: `00-${traceId}-${spanId}-01` });
      await server.send({ id: traced.id, result: { data: [], nextCursor: null } });
      await listing;
      span.end();
    });
    await client.close();
  });

  it("turn/start carries the turn span's context; an interrupted turn ends it with ERROR", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { telemetry: { tracer: otel.tracer } });
    const started = otel.tracer.startActiveSpan("caller", async (span) => {
      try {
        return await client.request("turn/start", {
          threadId: "th1",
          input: [{ type: "text", text: "hi", text_elements: [] }],
        });
      } finally {
        span.end();
      }
    });
    await initialized(server);
    const turnStart = await server.next((m) => m.method === "turn/start");
    await server.send({
      id: turnStart.id,
      result: { turn: { id: "tu1", items: [], status: "inProgress", error: null } },
    });
    await started;
    await server.send({
      method: "turn/completed",
      params: { threadId: "th1", turn: { id: "tu1", items: [], status: "interrupted", error: null } },
    });
    await client.close();
    const turn = onlySpan(otel.spans(), "invoke_agent codex");
    const { traceId, spanId } = turn.spanContext();
    assert.equal((turnStart.trace as { traceparent: string }).traceparent, `00-${traceId}-${spanId}-01`);
    assert.equal(parentId(turn), onlySpan(otel.spans(), "caller").spanContext().spanId);
    assert.equal(turn.attributes["codex.turn.id"], "tu1");
    assert.equal(turn.attributes["codex.turn.status"], "interrupted");
    assert.equal(turn.attributes["error.type"], "interrupted");
    assert.equal(turn.status.code, SpanStatusCode.ERROR);
  });

  it("a turn interrupted while the server retries its model: error.type is the server's error", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { telemetry: { tracer: otel.tracer } });
    const started = client.request("turn/start", { threadId: "th1", input: [] });
    await initialized(server);
    const turnStart = await server.next((m) => m.method === "turn/start");
    await server.send({
      id: turnStart.id,
      result: { turn: { id: "tu3", items: [], status: "inProgress", error: null } },
    });
    await started;
    const notice = (n: number) => ({
      method: "error",
      params: {
        threadId: "th1",
        turnId: "tu3",
        willRetry: true,
        error: {
          message: `Reconnecting... ${n}/5`,
          codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } },
          additionalDetails: null,
        },
      },
    });
    await server.send(notice(1));
    await server.send(notice(2));
    await server.send({
      method: "turn/completed",
      params: { threadId: "th1", turn: { id: "tu3", items: [], status: "interrupted", error: null } },
    });
    await client.close();
    const turn = onlySpan(otel.spans(), "invoke_agent codex");
    assert.equal(turn.attributes["codex.turn.status"], "interrupted");
    assert.equal(turn.attributes["error.type"], "responseStreamDisconnected");
    assert.equal(turn.status.code, SpanStatusCode.ERROR);
    assert.deepEqual(
      turn.events.map((e) => [e.name, e.attributes?.["codex.error.will_retry"]]),
      [
        ["codex.error", true],
        ["codex.error", true],
      ],
    );
  });

  it("a turn still open when the connection closes ends with error.type connection_closed", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { telemetry: { tracer: otel.tracer } });
    const started = client.request("turn/start", { threadId: "th1", input: [] });
    await initialized(server);
    const turnStart = await server.next((m) => m.method === "turn/start");
    await server.send({
      id: turnStart.id,
      result: { turn: { id: "tu2", items: [], status: "inProgress", error: null } },
    });
    await started;
    await client.close();
    const turn = onlySpan(otel.spans(), "invoke_agent codex");
    assert.equal(turn.attributes["error.type"], "connection_closed");
    assert.equal(turn.status.code, SpanStatusCode.ERROR);
  });

  it("MCP, dynamic tool and web search items: their own spans under the turn, content only when asked", async () => {
    for (const captureContent of [false, true]) {
      otel.exporter.reset();
      const { clientTransport, server } = createFakeServer();
      const client = new CodexClient(clientTransport, { telemetry: { tracer: otel.tracer, captureContent } });
      const started = client.request("turn/start", { threadId: "th1", input: [] });
      await initialized(server);
      const turnStart = await server.next((m) => m.method === "turn/start");
      await server.send({
        id: turnStart.id,
        result: { turn: { id: "tu1", items: [], status: "inProgress", error: null } },
      });
      await started;
      const mcp = {
        type: "mcpToolCall",
        id: "i1",
        server: "docs",
        tool: "lookup",
        arguments: { q: "secret-q" },
      };
      const dyn = {
        type: "dynamicToolCall",
        id: "i2",
        namespace: null,
        tool: "my_tool",
        arguments: { a: 1 },
      };
      const web = { type: "webSearch", id: "i3", query: "secret-search", action: null };
      const ends = [
        { ...mcp, status: "failed", result: null, error: { message: "boom" } },
        {
          ...dyn,
          status: "completed",
          contentItems: [{ type: "inputText", text: "tool says" }],
          success: true,
        },
        { ...web, results: [{ title: "found" }] },
      ];
      for (const item of [mcp, dyn, web])
        await server.send({ method: "item/started", params: { threadId: "th1", turnId: "tu1", item } });
      for (const item of ends)
        await server.send({ method: "item/completed", params: { threadId: "th1", turnId: "tu1", item } });
      await server.send({
        method: "turn/completed",
        params: { threadId: "th1", turn: { id: "tu1", items: [], status: "completed", error: null } },
      });
      await client.close();
      const spans = otel.spans();
      const turn = onlySpan(spans, "invoke_agent codex");
      const lookup = onlySpan(spans, "execute_tool lookup");
      const myTool = onlySpan(spans, "execute_tool my_tool");
      const search = onlySpan(spans, "execute_tool web_search");
      for (const span of [lookup, myTool, search]) assert.equal(parentId(span), turn.spanContext().spanId);
      assert.equal(lookup.attributes["gen_ai.tool.type"], "extension");
      assert.equal(lookup.attributes["codex.mcp.server"], "docs");
      assert.equal(lookup.attributes["error.type"], "failed");
      assert.equal(lookup.status.code, SpanStatusCode.ERROR);
      assert.equal(myTool.attributes["gen_ai.tool.type"], "function");
      assert.equal(myTool.attributes["gen_ai.tool.call.id"], "i2");
      assert.equal(search.attributes["gen_ai.tool.call.id"], "i3");
      if (captureContent) {
        assert.equal(lookup.attributes["gen_ai.tool.call.arguments"], JSON.stringify({ q: "secret-q" }));
        assert.equal(lookup.attributes["gen_ai.tool.call.result"], JSON.stringify({ message: "boom" }));
        assert.match(String(myTool.attributes["gen_ai.tool.call.result"]), /tool says/);
        assert.equal(search.attributes["gen_ai.tool.call.arguments"], "secret-search");
        assert.match(String(search.attributes["gen_ai.tool.call.result"]), /found/);
      } else {
        const all = JSON.stringify(spans.map((s) => s.attributes));
        assert.doesNotMatch(all, /secret-q|secret-search|tool says|found|boom/);
      }
    }
  });

  it("listeners run outside the span that was active when the connection started", async () => {
    // A child's pipes carry the context they were created in; without this, a request sent from a
    // listener would join the trace of whatever call happened to start the connection.
    const fake = path.join(root, "bench/fake-app-server.mjs");
    const client = CodexClient.connectStdio({
      command: [process.execPath, fake],
      telemetry: { tracer: otel.tracer },
    });
    try {
      await otel.tracer.startActiveSpan("first call", async (span) => {
        await client.initialize();
        span.end();
      });
      let active: string | undefined = "not called";
      client.on(
        "turn/completed",
        () => (active = (trace.getSpan(context.active()) as { name?: string } | undefined)?.name),
      );
      const thread = await client.startThread();
      await thread.chatOnce(JSON.stringify({ flood: "items", n: 1 }));
      assert.equal(active, undefined);
    } finally {
      await client.close();
    }
  });

  it("without telemetry, no trace field is sent even inside a span", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    await otel.tracer.startActiveSpan("caller", async (span) => {
      const listing = client.request("model/list", {});
      await initialized(server);
      const sent = await server.next((m) => m.method === "model/list");
      assert.equal("trace" in sent, false);
      await server.send({ id: sent.id, result: { data: [], nextCursor: null } });
      await listing;
      span.end();
    });
    await client.close();
    assert.equal(otel.spans().filter((s) => s.name !== "caller").length, 0);
  });
});

describe("open spans are bounded", () => {
  it("past the limit the oldest is ended and dropped; a key set again counts once", () => {
    const evicted: string[] = [];
    const open = new BoundedSpans<string>((entry) => evicted.push(entry), 2);
    open.set("a", "turn a");
    open.set("b", "turn b");
    open.set("a", "turn a again");
    open.set("c", "turn c");
    assert.deepEqual(evicted, ["turn b"]);
    assert.deepEqual([...open.values()], ["turn a again", "turn c"]);
  });
});

describe("telemetry option checks", () => {
  it("a value that is not true or options of the right kinds is a TypeError saying what to pass", () => {
    const { clientTransport } = createFakeServer();
    const bad: unknown[] = [
      "yes",
      1,
      [],
      { tracer: {} },
      { meter: { createCounter() {} } },
      { captureContent: "no" },
    ];
    for (const telemetry of bad)
      assert.throws(
        () => new CodexClient(clientTransport, { telemetry } as never),
        (e: unknown) => e instanceof TypeError && /telemetry/.test(e.message),
        JSON.stringify(telemetry),
      );
  });
});

describe("loading @opentelemetry/api", () => {
  /** Runs `code` in a fresh process (tsx, the sources), optionally with the package hidden. */
  function run(code: string, hide: boolean): string {
    const hook = path.join(root, "test/support/hide-otel-api.mjs");
    return execFileSync(
      process.execPath,
      [...(hide ? ["--import", hook] : []), "--import", "tsx", "--input-type=module", "-e", code],
      { cwd: root, encoding: "utf8" },
    ).trim();
  }
  const client = `import { CodexClient } from "./src/index.ts";
import { createRequire } from "node:module";
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("@opentelemetry"));`;

  it("is never loaded without telemetry (it works with the package hidden), and is loaded with it", () => {
    const hidden = run(
      `${client}
const c = CodexClient.connectStdio({ command: ["node"] });
await c.close();
console.log("ok");`,
      true,
    );
    assert.equal(hidden, "ok");
    const out = run(
      `${client}
CodexClient.connectStdio({ command: ["node"] });
const before = loaded();
CodexClient.connectStdio({ command: ["node"], telemetry: true });
console.log(JSON.stringify([before, loaded()]));`,
      false,
    );
    assert.deepEqual(JSON.parse(out), [false, true]);
  });

  it("missing, `telemetry` throws a TypeError that says what to install", () => {
    const out = run(
      `${client}
try { CodexClient.connectStdio({ command: ["node"], telemetry: true }); console.log("no error"); }
catch (e) { console.log(JSON.stringify([e.constructor.name, e.message])); }`,
      true,
    );
    const [name, message] = JSON.parse(out) as [string, string];
    assert.equal(name, "TypeError");
    assert.match(message, /npm install @opentelemetry\/api/);
  });
});
