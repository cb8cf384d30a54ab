// What codex 0.171 added, on the real server: the default model provider (`modelProvider/default/set`)
// and thread search (`thread/search/stream`, experimental) as an async iterable that cancels.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { stdioPlan } from "../../src/client/connect.js";
import { searchThreads } from "../../src/conversation/thread-search.js";
import { CodexAbortError, CodexExperimentalApiError } from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";
import { expectedServerVersion, useRealServer } from "../support/real-server.js";
import { WireTap } from "../support/wire-tap.js";

// `npm run compat -- --full` runs this file against older releases too, which lack these methods.
const [major = 0, minor = 0] = expectedServerVersion().split(".").map(Number);
const needs0171 = { skip: major === 0 && minor < 171 ? "the server predates codex 0.171" : false };

describe("codex 0.171 additions (real server)", () => {
  const rs = useRealServer({
    client: "none",
    home: { extraToml: '\n[model_providers.other]\nname = "Other"\nbase_url = "http://127.0.0.1:9/v1"\n' },
  });
  const connect = async (experimentalApi = false) => {
    const tap = new WireTap(stdioPlan({ env: rs.home.env, cwd: rs.home.workspace }).transport);
    const client = new CodexClient(tap, { experimentalApi });
    await client.initialize();
    return { client, tap };
  };

  it(
    "modelProvider/default/set answers the config-write result and writes model_provider to config.toml",
    needs0171,
    async () => {
      const { client } = await connect();
      await using _ = client;
      const configFile = path.join(rs.home.codexHome, "config.toml");
      assert.match(readFileSync(configFile, "utf8"), /^model_provider = "mock_provider"$/m);
      const result = await client.request("modelProvider/default/set", { providerId: "other" });
      assert.equal(result.status, "ok");
      assert.equal(result.filePath, configFile);
      assert.match(result.version, /^sha256:/);
      assert.match(readFileSync(configFile, "utf8"), /^model_provider = "other"$/m);
      await client.request("modelProvider/default/set", { providerId: "mock_provider" });
      assert.match(readFileSync(configFile, "utf8"), /^model_provider = "mock_provider"$/m);
    },
  );

  it(
    "searchThreads needs the experimental opt-in, then yields the matching threads and a final page",
    needs0171,
    async () => {
      rs.modelServer.enqueue(model.say("the okapi is a forest giraffe"), model.say("nothing here"));
      const writer = await connect();
      const match = await writer.client.startThread({ cwd: rs.home.workspace });
      await match.chatOnce("tell me about the okapi");
      const other = await writer.client.startThread({ cwd: rs.home.workspace });
      await other.chatOnce("tell me about rivers");
      await writer.client.close();

      const stable = await connect();
      await using _stable = stable.client;
      await assert.rejects(
        searchThreads(stable.client, { searchTerm: "okapi" }).next(),
        CodexExperimentalApiError,
      );
      const { client } = await connect(true);
      await using _ = client;
      const batches = [];
      for await (const batch of searchThreads(client, { searchTerm: "okapi" })) batches.push(batch);
      const final = batches.at(-1);
      assert.equal(final?.final, true);
      assert.equal(batches.filter((b) => b.final).length, 1);
      assert.deepEqual(
        final?.results.map((r) => r.thread.id),
        [match.threadId],
      );
      assert.match(final?.results[0]?.snippet ?? "", /okapi/);
    },
  );

  it(
    "leaving the loop early sends thread/search/stream/cancel for the search, which the server acknowledges",
    needs0171,
    async (t) => {
      rs.modelServer.enqueue(model.say("capybara facts"));
      const writer = await connect();
      await (await writer.client.startThread({ cwd: rs.home.workspace })).chatOnce("capybara");
      await writer.client.close();
      const { client, tap } = await connect(true);
      await using _ = client;
      const controller = new AbortController();
      const search = searchThreads(client, { searchTerm: "capybara" }, { signal: controller.signal });
      const first = search.next();
      // Leave as soon as the search is on the wire, before the server has answered it.
      while (!tap.sent.some((m) => m.method === "thread/search/stream")) await new Promise(setImmediate);
      controller.abort();
      await assert.rejects(first, CodexAbortError);
      const searchId = tap.sent.find((m) => m.method === "thread/search/stream")?.id;
      let cancel;
      while (!(cancel = tap.sent.find((m) => m.method === "thread/search/stream/cancel")))
        await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(cancel.params, { requestId: searchId });
      assert.deepEqual((await tap.replyTo(cancel.id!)).result, {});
      // The server ends the search itself: its reply is the cancellation, or, if it had already
      // finished (cancelling a finished search is a no-op), its result.
      const reply = await tap.replyTo(searchId!);
      t.diagnostic(`the search's own reply: ${JSON.stringify(reply.error ?? "a result")}`);
      assert.ok(
        reply.error
          ? /cancel/.test(reply.error.message)
          : Array.isArray((reply.result as { data?: unknown }).data),
        JSON.stringify(reply),
      );
    },
  );
});
