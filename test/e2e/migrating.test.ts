// What docs/migrating.md tells a user of @openai/codex-sdk, checked on the real app-server: how
// usage and items read, where web search and network access are set, and an aborted signal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexAbortError } from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";
import { useRealServer } from "../support/real-server.js";

describe("docs/migrating.md against the real app-server", () => {
  const rs = useRealServer();
  const lastBody = () => JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body);

  it("usage.last is the turn's last model request; items start with the user's own message", async () => {
    rs.modelServer.enqueue(model.exec("echo hi"), model.say("done"));
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
    });
    const before = rs.modelServer.modelRequests.length;
    const result = await thread.chatOnce("two model requests");
    assert.equal(rs.modelServer.modelRequests.length - before, 2);
    const { last, total } = result.usage ?? assert.fail("no usage");
    // The thread's first turn: its total is the turn's, and the last request is half of it.
    assert.ok(last.totalTokens > 0);
    assert.equal(total.totalTokens, 2 * last.totalTokens);
    assert.deepEqual(
      result.items.map((i) => i.type),
      ["userMessage", "commandExecution", "agentMessage"],
    );
  });

  it("config.web_search sets the model's web search tool: disabled, cached or live", async () => {
    const tools = async (webSearch?: string) => {
      rs.modelServer.enqueue(model.say("ok"));
      const thread = await rs.client.startThread({
        cwd: rs.home.workspace,
        ...(webSearch === undefined ? {} : { config: { web_search: webSearch } }),
      });
      await thread.chatOnce("search?");
      const body = rs.modelServer.modelRequests.at(-1)?.body as { tools?: { type: string }[] };
      return (body.tools ?? []).filter((t) => t.type === "web_search");
    };
    assert.deepEqual(await tools("disabled"), []);
    assert.deepEqual(
      (await tools("cached")).map((t) => (t as { external_web_access?: boolean }).external_web_access),
      [false],
    );
    assert.deepEqual(
      (await tools("live")).map((t) => (t as { external_web_access?: boolean }).external_web_access),
      [true],
    );
  });

  it("config.sandbox_workspace_write opens the network of a workspace-write thread only; a workspaceWrite policy switches the mode", async () => {
    const told = async (thread: Awaited<ReturnType<typeof rs.client.startThread>>, options = {}) => {
      rs.modelServer.enqueue(model.say("ok"));
      await thread.chatOnce("network?", options);
      return lastBody().match(/`sandbox_mode` is `[^`]*`|Network access is \w+/g);
    };
    const network = { config: { sandbox_workspace_write: { network_access: true } } };
    const cwd = rs.home.workspace;
    assert.deepEqual(
      await told(await rs.client.startThread({ cwd, sandbox: "workspace-write", ...network })),
      ["`sandbox_mode` is `workspace-write`", "Network access is enabled"],
    );
    assert.deepEqual(await told(await rs.client.startThread({ cwd, sandbox: "read-only", ...network })), [
      "`sandbox_mode` is `read-only`",
      "Network access is restricted",
    ]);
    const policy = {
      turnOverrides: {
        sandboxPolicy: {
          type: "workspaceWrite" as const,
          networkAccess: true,
          writableRoots: [],
          excludeTmpdirEnvVar: false,
          excludeSlashTmp: false,
        },
      },
    };
    assert.deepEqual(await told(await rs.client.startThread({ cwd, sandbox: "read-only" }), policy), [
      "`sandbox_mode` is `workspace-write`",
      "Network access is enabled",
    ]);
  });

  it("an already-aborted signal rejects with CodexAbortError and starts no turn", async () => {
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const before = rs.modelServer.modelRequests.length;
    await assert.rejects(thread.chatOnce("never sent", { signal: AbortSignal.abort() }), CodexAbortError);
    assert.equal(rs.modelServer.modelRequests.length, before);
  });
});
