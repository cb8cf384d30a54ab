// Paths the server needs absolute are sent absolute: resolved against the turn's or thread's cwd, or
// this process's, over an in-memory server (what goes on the wire).
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import type { CodexClient } from "../../src/client/client.js";
import { absolutePaths } from "../../src/conversation/paths.js";
import { connectedClient, type FakeServer } from "../support/fake-server.js";

/** A fake server whose threads live in /srv/<id> (as the start, resume and fork replies say). */
async function connected(options: ConstructorParameters<typeof CodexClient>[1] = {}) {
  const { client, server } = await connectedClient(options, {
    "thread/start": () => ({ thread: { id: "T", turns: [] }, cwd: "/srv/T" }),
    "thread/resume": (params) => ({
      thread: { id: params?.threadId, turns: [] },
      cwd: `/srv/${String(params?.threadId)}`,
    }),
    "thread/fork": () => ({ thread: { id: "F", turns: [] }, cwd: "/srv/F" }),
    "thread/settings/update": () => ({}),
    "thread/read": (params) => ({ thread: { id: params?.threadId, turns: [] } }),
    "thread/turns/list": () => ({ data: [], nextCursor: null, backwardsCursor: null }),
  });
  let turns = 0;
  server.respond("turn/start", (params) => {
    const turn = { id: `U${++turns}`, items: [], status: "completed", error: null };
    // The turn ends right after the reply.
    setImmediate(
      () => void server.send({ method: "turn/completed", params: { threadId: params?.threadId, turn } }),
    );
    return { turn: { ...turn, status: "inProgress" } };
  });
  return { client, server };
}

const lastParams = (server: FakeServer, method: string) =>
  server.received.filter((m) => m.method === method).at(-1)?.params as Record<string, unknown>;

const roots = (server: FakeServer, method = "turn/start") =>
  (lastParams(server, method).sandboxPolicy as { writableRoots?: string[] }).writableRoots;

describe("relative paths become absolute before they are sent", () => {
  it("writableRoots: against the thread's cwd from the server's reply, or the turn's own cwd", async () => {
    const { client, server } = await connected();
    const thread = await client.startThread({});
    const policy = { type: "workspaceWrite", writableRoots: ["../sibling", "/abs/root", "."] } as const;
    const overrides = { sandboxPolicy: { ...policy, writableRoots: [...policy.writableRoots] } };
    await thread.chatOnce("one", { turnOverrides: overrides });
    assert.deepEqual(roots(server), ["/srv/sibling", "/abs/root", "/srv/T"]);
    // the caller's object is left as it was
    assert.deepEqual(overrides.sandboxPolicy.writableRoots, ["../sibling", "/abs/root", "."]);
    await thread.chatOnce("two", { turnOverrides: { cwd: "/work/app", sandboxPolicy: policy } });
    assert.deepEqual(roots(server), ["/work/sibling", "/abs/root", "/work/app"]);
    // that turn moved the thread: later turns resolve against its new cwd
    await thread.chatOnce("three", { turnOverrides: { sandboxPolicy: policy } });
    assert.deepEqual(roots(server), ["/work/sibling", "/abs/root", "/work/app"]);
    await client.close();
  });

  it("a thread resumed for a turn: against the cwd the resume reply names", async () => {
    const { client, server } = await connected();
    await client.chatOnce("hi", {
      threadId: "R",
      turnOverrides: { sandboxPolicy: { type: "workspaceWrite", writableRoots: ["out"] } },
    });
    assert.deepEqual(roots(server), ["/srv/R/out"]);
    await client.close();
  });

  it("setThreadDefaults: resolved when called, on the stable and the experimental path", async () => {
    const stable = await connected();
    const thread = await stable.client.startThread({ cwd: "/w" });
    await thread.updateDefaults({ sandboxPolicy: { type: "workspaceWrite", writableRoots: ["gen"] } });
    await thread.chatOnce("hi");
    assert.deepEqual(roots(stable.server), ["/srv/T/gen"]);
    await stable.client.close();

    const experimental = await connected({ experimentalApi: true });
    await experimental.client.setThreadDefaults("X", {
      cwd: "/repo",
      sandboxPolicy: { type: "workspaceWrite", writableRoots: ["../shared"] },
    });
    assert.deepEqual(roots(experimental.server, "thread/settings/update"), ["/shared"]);
    await experimental.client.close();
  });

  it("runtimeWorkspaceRoots and a relative cwd: against this process's cwd when the thread has none", async () => {
    const { client, server } = await connected({ experimentalApi: true });
    await client.startThread({ runtimeWorkspaceRoots: ["pkg/a"], cwd: "sub" });
    assert.deepEqual(lastParams(server, "thread/start"), {
      cwd: path.resolve("sub"),
      runtimeWorkspaceRoots: [path.resolve("sub", "pkg/a")],
    });
    await client.startThread({ runtimeWorkspaceRoots: ["pkg/b", "/x"] });
    assert.deepEqual(lastParams(server, "thread/start").runtimeWorkspaceRoots, [path.resolve("pkg/b"), "/x"]);
    await client.forkThread("T", { runtimeWorkspaceRoots: ["c"] });
    // the source thread's cwd, from its start reply
    assert.deepEqual(lastParams(server, "thread/fork").runtimeWorkspaceRoots, ["/srv/T/c"]);
    await client.close();
  });
});

describe("execCommand", () => {
  it("a relative writable root of its sandbox policy is resolved against its cwd", async () => {
    const { client, server } = await connected();
    const exec = client.execCommand(["ls"], {
      cwd: "/repo",
      sandboxPolicy: {
        type: "workspaceWrite",
        writableRoots: ["../out"],
        networkAccess: false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      },
    });
    const sent = await server.next((m) => m.method === "command/exec");
    assert.deepEqual(sent.params, {
      cwd: "/repo",
      sandboxPolicy: {
        type: "workspaceWrite",
        writableRoots: ["/out"],
        networkAccess: false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      },
      command: ["ls"],
    });
    await client.close();
    await exec.catch(() => undefined);
  });
});

describe("absolutePaths", () => {
  it("touches only the schema's absolute-path fields, and only the workspaceWrite variant's roots", () => {
    const settings = {
      model: "m",
      outputSchema: { path: "relative/stays" },
      sandboxPolicy: { type: "readOnly", networkAccess: false },
    };
    assert.equal(absolutePaths(settings, "TurnStartParams", "/t"), settings);
    const raw = { sandboxPolicy: { type: "futurePolicy", writableRoots: ["x"] } };
    assert.equal(absolutePaths(raw, "TurnStartParams", "/t"), raw);
    assert.deepEqual(
      absolutePaths(
        { sandboxPolicy: { type: "workspaceWrite", writableRoots: ["a", ""] } },
        "ThreadSettingsUpdateParams",
        "/t",
      ),
      { sandboxPolicy: { type: "workspaceWrite", writableRoots: ["/t/a", ""] } },
    );
    assert.equal(absolutePaths(undefined, "TurnStartParams", "/t"), undefined);
  });
});
