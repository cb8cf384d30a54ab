// client.onWarning on the real app-server: a config setting it ignores, bubblewrap missing from
// PATH (only where it is missing), and a deliberately deprecated call; with nobody listening, one
// process warning per kind and client.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import type { CodexWarning } from "../../src/client/warnings.js";
import { createTestCodexHome, MockModelServer, model, type TestCodexHome } from "../../src/testing/index.js";
// The deprecations here are made on purpose: each test takes them from the shared guard.
import { takeDeprecationNotices } from "../support/deprecation-guard.js";

/** A `[features]` key no server knows: the server names it in a `configWarning`. */
const UNKNOWN_FEATURE = "sdk_e2e_no_such_feature";

const bwrapOnPath = (process.env.PATH ?? "")
  .split(path.delimiter)
  .some((dir) => dir !== "" && existsSync(path.join(dir, "bwrap")));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A thread with one finished turn, so that reading its full history is the deprecated call. */
async function threadWithATurn(client: CodexClient, modelServer: MockModelServer, cwd: string) {
  modelServer.enqueue(model.say("ok"));
  const thread = await client.startThread({ cwd });
  await thread.chatOnce("hi");
  return thread.threadId;
}

describe("client.onWarning on the real app-server", () => {
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer, features: { [UNKNOWN_FEATURE]: true } });
  });
  after(async () => {
    await modelServer.close();
    home.dispose();
  });

  it("a config setting the server ignores arrives as a config warning naming it", async () => {
    await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    const warnings: CodexWarning[] = [];
    client.onWarning((w) => warnings.push(w));
    await client.initialize();
    await until("the config warning", () => warnings.some((w) => w.summary.includes(UNKNOWN_FEATURE)));
    const warning = warnings.find((w) => w.summary.includes(UNKNOWN_FEATURE));
    assert.equal(warning?.kind, "config");
    assert.equal(warning?.method, "configWarning");
    assert.match(warning?.summary ?? "", new RegExp(`features\\.${UNKNOWN_FEATURE}\` is ignored`));
  });

  it(
    "without bubblewrap on PATH, the server's warning that the sandbox lacks it arrives as a config warning",
    { skip: bwrapOnPath && "bwrap is on PATH here, so the server has nothing to warn about" },
    async () => {
      await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
      const warnings: CodexWarning[] = [];
      client.onWarning((w) => warnings.push(w));
      await client.initialize();
      await until("the bubblewrap warning", () => warnings.some((w) => /bubblewrap/.test(w.summary)));
      assert.equal(warnings.find((w) => /bubblewrap/.test(w.summary))?.kind, "config");
    },
  );

  it("a deliberately deprecated call (thread/read with includeTurns) arrives as a deprecation warning", async () => {
    await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    const warnings: CodexWarning[] = [];
    client.onWarning((w) => warnings.push(w));
    const threadId = await threadWithATurn(client, modelServer, home.workspace);
    const before = warnings.filter((w) => w.kind === "deprecation").length;
    await client.request("thread/read", { threadId, includeTurns: true });
    await until(
      "the deprecation notice",
      () => warnings.filter((w) => w.kind === "deprecation").length > before,
    );
    assert.ok(takeDeprecationNotices().length >= 1, "the guard saw the deliberate deprecation too");
    const notice = warnings.filter((w) => w.kind === "deprecation").at(-1);
    assert.equal(notice?.method, "deprecationNotice");
    assert.match(notice?.summary ?? "", /includeTurns/);
  });

  it("with no listener: one process warning per kind and client, however many notices arrive", async () => {
    const processWarnings: (Error & { code?: string })[] = [];
    const onProcessWarning = (w: Error & { code?: string }) => {
      if (w.name === "CodexServerWarning") processWarnings.push(w);
    };
    process.on("warning", onProcessWarning);
    try {
      const countByCode = async () => {
        await new Promise((resolve) => setImmediate(resolve));
        const counts: Record<string, number> = {};
        for (const w of processWarnings) counts[w.code ?? "?"] = (counts[w.code ?? "?"] ?? 0) + 1;
        return counts;
      };
      for (const round of [1, 2]) {
        await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
        // Raw listeners only count the notices; they do not make onWarning listeners.
        let config = 0;
        let deprecation = 0;
        client.on("configWarning", () => config++);
        client.on("deprecationNotice", () => deprecation++);
        const threadId = await threadWithATurn(client, modelServer, home.workspace);
        await client.request("thread/read", { threadId, includeTurns: true });
        await client.request("thread/read", { threadId, includeTurns: true });
        await until("the notices", () => config >= 1 && deprecation >= 2);
        takeDeprecationNotices();
        const counts = await countByCode();
        assert.equal(counts.CODEX_SERVER_WARNING_CONFIG, round, `config, after client ${round}`);
        assert.equal(counts.CODEX_SERVER_WARNING_DEPRECATION, round, `deprecation, after client ${round}`);
        // Any other kind the server sent (e.g. the thread's own copy of the config warning, as a
        // `warning`) is also one per client.
        for (const [code, n] of Object.entries(counts)) assert.ok(n <= round, `${code}: ${n} warnings`);
      }
      assert.match(processWarnings[0]?.message ?? "", /^codex app-server: .*client\.onWarning\(\)/s);
    } finally {
      process.off("warning", onProcessWarning);
    }
  });
});
