import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RpcErrorCode } from "../../src/rpc/messages.js";
import { startedClient, type FakeServer } from "../support/fake-server.js";

const setup = startedClient;

let nextId = 100;
async function ask(server: FakeServer, method: string, params: unknown) {
  const id = nextId++;
  await server.send({ id, method, params });
  const reply = await server.next((m) => m.id === id && !("method" in m));
  return reply;
}

const permissionParams = {
  threadId: "t",
  turnId: "u",
  itemId: "rp1",
  environmentId: "local",
  startedAtMs: 1,
  cwd: "/w",
  reason: "need net",
  permissions: { network: { enabled: true }, fileSystem: { read: ["/data"], write: null } },
};
const userInputParams = {
  threadId: "t",
  turnId: "u",
  itemId: "ui1",
  isBlocking: true,
  autoResolutionMs: null,
  questions: [
    { id: "q1", header: "Pick", question: "Which?", isOther: false, isSecret: false, options: null },
  ],
};
const elicitationParams = {
  threadId: "t",
  turnId: "u",
  serverName: "docs",
  mode: "form",
  _meta: null,
  message: "Your name?",
  requestedSchema: { type: "object", properties: {} },
};
const toolCallParams = (tool: string, namespace: string | null = null) => ({
  threadId: "t",
  turnId: "u",
  callId: "c1",
  namespace,
  tool,
  arguments: { city: "Paris" },
});

describe("server requests: safe defaults with no hook", () => {
  it("every kind gets a valid reply that grants nothing; unknown kinds get -32601", async () => {
    const { client, server } = await setup();
    assert.deepEqual((await ask(server, "item/permissions/requestApproval", permissionParams)).result, {
      permissions: {},
      scope: "turn",
    });
    assert.deepEqual((await ask(server, "item/tool/requestUserInput", userInputParams)).result, {
      answers: {},
    });
    assert.deepEqual((await ask(server, "mcpServer/elicitation/request", elicitationParams)).result, {
      action: "decline",
      content: null,
      _meta: null,
    });
    assert.deepEqual((await ask(server, "item/tool/call", toolCallParams("weather"))).result, {
      contentItems: [{ type: "inputText", text: 'The tool "weather" is not available in this client.' }],
      success: false,
    });
    const legacyExec = await ask(server, "execCommandApproval", {
      conversationId: "t",
      callId: "c",
      approvalId: null,
      command: ["rm", "-rf", "/"],
      cwd: "/",
      reason: null,
      parsedCmd: [],
    });
    assert.ok("denied" in (legacyExec.result as { decision: object }).decision);
    const legacyPatch = await ask(server, "applyPatchApproval", {
      conversationId: "t",
      callId: "c",
      fileChanges: {},
      reason: null,
      grantRoot: null,
    });
    assert.ok("denied" in (legacyPatch.result as { decision: object }).decision);
    // Older servers (before 0.171) ask for the time: the local clock, in whole seconds.
    const before = Math.floor(Date.now() / 1000);
    const time = await ask(server, "currentTime/read", { threadId: "t" });
    const { currentTimeAt } = time.result as { currentTimeAt: number };
    assert.ok(currentTimeAt >= before && currentTimeAt <= Date.now() / 1000, String(currentTimeAt));
    const unknown = await ask(server, "attestation/generate", {});
    assert.equal((unknown.error as { code: number }).code, RpcErrorCode.MethodNotFound);
    await client.close();
  });
});

describe("server requests: typed hooks", () => {
  it("a permissions hook grants a subset of what was asked, with its scope", async () => {
    const { client, server, errors } = await setup();
    client.setPermissionsHandler((params) => {
      assert.equal(params.reason, "need net");
      return { permissions: { network: { enabled: true } }, scope: "session" };
    });
    const reply = await ask(server, "item/permissions/requestApproval", permissionParams);
    assert.deepEqual(reply.result, { permissions: { network: { enabled: true } }, scope: "session" });
    assert.deepEqual(errors, []);
    await client.close();
  });

  it("a grant beyond the request is refused: nothing is granted and the error is reported", async () => {
    const { client, server, errors } = await setup();
    client.setPermissionsHandler(() => ({
      permissions: { fileSystem: { read: ["/data"], write: ["/etc"] } },
      scope: "turn",
    }));
    const reply = await ask(server, "item/permissions/requestApproval", permissionParams);
    assert.deepEqual(reply.result, { permissions: {}, scope: "turn" });
    assert.match(errors[0]?.message ?? "", /grants more than was requested: write access to \/etc/);
    client.setPermissionsHandler(null);
    await client.close();
  });

  it("a hook that throws, or outlives approvalTimeoutMs, gets the safe default sent", async () => {
    const { client, server, errors } = await setup({ approvalTimeoutMs: 40 });
    client.setPermissionsHandler(() => new Promise(() => {}));
    const slow = await ask(server, "item/permissions/requestApproval", permissionParams);
    assert.deepEqual(slow.result, { permissions: {}, scope: "turn" });
    assert.match(errors[0]?.message ?? "", /did not answer within 40 ms/);
    client.setElicitationHandler(() => {
      throw new Error("ui crashed");
    });
    const thrown = await ask(server, "mcpServer/elicitation/request", elicitationParams);
    assert.equal((thrown.result as { action: string }).action, "decline");
    assert.equal((errors[1]?.cause as Error).message, "ui crashed");
    await client.close();
  });

  it("user-input answers are checked against the question ids", async () => {
    const { client, server, errors } = await setup();
    client.setUserInputHandler(() => ({ answers: { q1: { answers: ["A"] } } }));
    assert.deepEqual((await ask(server, "item/tool/requestUserInput", userInputParams)).result, {
      answers: { q1: { answers: ["A"] } },
    });
    client.setUserInputHandler(() => ({ answers: { nope: { answers: ["A"] } } }));
    assert.deepEqual((await ask(server, "item/tool/requestUserInput", userInputParams)).result, {
      answers: {},
    });
    assert.match(errors[0]?.message ?? "", /no question has the id "nope"/);
    await client.close();
  });

  it("an elicitation hook may leave content and _meta out; they are sent as null", async () => {
    const { client, server } = await setup();
    client.setElicitationHandler(() => ({ action: "cancel" }));
    assert.deepEqual((await ask(server, "mcpServer/elicitation/request", elicitationParams)).result, {
      action: "cancel",
      content: null,
      _meta: null,
    });
    await client.close();
  });

  it("dynamic tools are dispatched by name and namespace; text becomes a successful result", async () => {
    const { client, server } = await setup();
    const off = client.registerTool("weather", (args, call) => {
      assert.equal(call.callId, "c1");
      return `sunny in ${(args as { city: string }).city}`;
    });
    client.registerTool("lookup", () => ({ contentItems: [], success: true }), { namespace: "docs" });
    assert.throws(() => client.registerTool("weather", () => "x"), /already registered/);
    assert.deepEqual((await ask(server, "item/tool/call", toolCallParams("weather"))).result, {
      contentItems: [{ type: "inputText", text: "sunny in Paris" }],
      success: true,
    });
    assert.deepEqual((await ask(server, "item/tool/call", toolCallParams("lookup", "docs"))).result, {
      contentItems: [],
      success: true,
    });
    off();
    assert.equal(
      ((await ask(server, "item/tool/call", toolCallParams("weather"))).result as { success: boolean })
        .success,
      false,
    );
    await client.close();
  });

  it("serverRequest/resolved ends a waiting hook without a reply", async () => {
    const { client, server } = await setup();
    let hookSignal: AbortSignal | undefined;
    client.setUserInputHandler((_p, ctx) => {
      hookSignal = ctx.signal;
      return new Promise(() => {});
    });
    await server.send({ id: 5, method: "item/tool/requestUserInput", params: userInputParams });
    while (!hookSignal) await new Promise((r) => setImmediate(r));
    await server.send({ method: "serverRequest/resolved", params: { threadId: "t", requestId: 5 } });
    assert.equal(hookSignal.aborted, true);
    client.setUserInputHandler(null);
    await ask(server, "item/tool/requestUserInput", userInputParams); // a barrier
    assert.equal(server.received.filter((m) => m.id === 5).length, 0);
    await client.close();
  });

  it("a reply JSON cannot hold gets -32603 sent and reported, and the request still ends", async () => {
    const { client, server } = await setup();
    const errors: Error[] = [];
    client.onError((e) => errors.push(e));
    let hookSignal: AbortSignal | undefined;
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    client.setElicitationHandler((_p, ctx) => {
      hookSignal = ctx.signal;
      return { action: "accept", content: circular as never };
    });
    const reply = await ask(server, "mcpServer/elicitation/request", elicitationParams);
    assert.equal((reply.error as { code: number } | undefined)?.code, RpcErrorCode.InternalError);
    assert.equal(hookSignal?.aborted, true);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? "", /could not be serialised as JSON; replied -32603/);
    // The server's later confirmation finds nothing pending: nothing more is sent or reported.
    await server.send({ method: "serverRequest/resolved", params: { threadId: "t", requestId: reply.id } });
    client.setElicitationHandler(null);
    await ask(server, "item/tool/requestUserInput", userInputParams); // a barrier
    assert.equal(server.received.filter((m) => m.id === reply.id).length, 1);
    assert.equal(errors.length, 1);
    await client.close();
  });
});
