// The approval inbox's door over plain HTTP, against the real app-server and a scripted model:
// what a rebinding page, a local process without the secret, a foreign site and a malformed request
// each get, and that only the holder of a secret answers, under their own name.
//   node --import tsx --test examples/approval-inbox/hardening.test.ts
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import { inspect } from "node:util";
import type { ApprovalSettledRecord } from "codex-app-server-sdk";
import { startTestClient, type TestClient } from "codex-app-server-sdk/testing";
import { InboxGuard } from "./hardening.js";
import { startInbox, type Inbox } from "./inbox.js";
import { CONVERSATIONS, scenarioModel } from "./scenario.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let t: TestClient;
let inbox: Inbox;
let port: number;
const settled: ApprovalSettledRecord[] = [];

/** One request with any headers (fetch would not let a test set Host), read to the end. */
function send(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        // The event stream never ends by itself: its first bytes are enough.
        if ((res.headers["content-type"] ?? "").startsWith("text/event-stream"))
          res.once("data", () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
            req.destroy();
          });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${target}: no answer in 20 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Trades a secret URL for its cookie, as a browser's first visit does. */
async function signIn(url: string): Promise<string> {
  const u = new URL(url);
  const reply = await send("GET", `${u.pathname}${u.search}`);
  assert.equal(reply.status, 303);
  assert.equal(reply.headers.location, "/");
  const cookie = String(reply.headers["set-cookie"]);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  return cookie.split(";")[0] as string;
}

const json = (cookie: string, extra: Record<string, string> = {}) => ({
  cookie,
  "content-type": "application/json",
  origin: `http://127.0.0.1:${port}`,
  ...extra,
});

before(async () => {
  t = await startTestClient({ approvalPolicy: "on-request", sandbox: "read-only" });
  t.modelServer.respond(scenarioModel(t.workspace));
  t.client.onApprovalSettled((r) => settled.push(r));
  inbox = await startInbox(t.client, { user: "alice" });
  port = Number(new URL(inbox.url).port);
});

after(async () => {
  await inbox?.close();
  await t?.dispose();
});

test("every route needs the secret's cookie; a wrong secret gets none", async () => {
  for (const route of ["/", "/events"]) assert.equal((await send("GET", route)).status, 401, route);
  const post = await send(
    "POST",
    "/approvals/abc.1",
    { "content-type": "application/json", origin: `http://127.0.0.1:${port}` },
    '{"decision":"accept"}',
  );
  assert.equal(post.status, 401);
  assert.match(post.body, /open the URL the inbox printed/);
  const wrong = await send("GET", "/?secret=not-the-secret");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers["set-cookie"], undefined);
  const cookie = await signIn(inbox.url);
  assert.equal((await send("GET", "/", { cookie })).status, 200);
  const events = await send("GET", "/events", { cookie });
  assert.equal(events.status, 200);
  assert.match(events.body, /event: snapshot/);
});

test("a rebinding page's Host is refused, with or without the cookie", async () => {
  const cookie = await signIn(inbox.url);
  for (const host of [`rebind.test:${port}`, "127.0.0.1", `127.0.0.1:${port + 1}`, `evil.example:${port}`]) {
    assert.equal((await send("GET", "/", { host, cookie })).status, 421, host);
    assert.equal((await send("GET", "/events", { host, cookie })).status, 421, host);
    const post = await send(
      "POST",
      "/approvals/abc.1",
      json(cookie, { host, origin: `http://${host}` }),
      '{"decision":"accept"}',
    );
    assert.equal(post.status, 421, host);
  }
  assert.equal((await send("GET", "/", { host: `localhost:${port}`, cookie })).status, 200);
});

test("the page comes with a Content-Security-Policy whose nonce is on its script and style", async () => {
  const cookie = await signIn(inbox.url);
  const page = await send("GET", "/", { cookie });
  const csp = String(page.headers["content-security-policy"]);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.ok(page.body.includes(`<script nonce="${nonce}">`));
  assert.ok(page.body.includes(`<style nonce="${nonce}">`));
  assert.equal((page.body.match(/<script>/g) ?? []).length, 0, "no script without the nonce");
  // A refusal carries it too.
  assert.match(String((await send("GET", "/")).headers["content-security-policy"]), /default-src 'none'/);
});

test("foreign, non-JSON, malformed and oversized posts are refused with their own status", async () => {
  const cookie = await signIn(inbox.url);
  const accept = '{"decision":"accept"}';
  const cases: [string, Record<string, string>, string, number][] = [
    ["/approvals/abc.1", json(cookie, { origin: "http://evil.example" }), accept, 403],
    ["/approvals/abc.1", json(cookie, { "sec-fetch-site": "cross-site" }), accept, 403],
    ["/approvals/abc.1", json(cookie, { "content-type": "text/plain" }), accept, 415],
    ["/approvals/bad%20key%21", json(cookie), accept, 400],
    ["/approvals/%E0%A4%A", json(cookie), accept, 400],
    ["/approvals/abc.1", json(cookie), "{not json", 400],
    ["/approvals/abc.1", json(cookie), '{"decision":"maybe"}', 400],
    ["/approvals/abc.1", json(cookie), JSON.stringify({ decision: "accept", pad: "x".repeat(10_000) }), 413],
    ["/approvals/abc.1", json(cookie), accept, 404],
    ["/conversations/%E0%A4%A/stop", json(cookie), "{}", 400],
  ];
  for (const [target, headers, body, status] of cases) {
    const reply = await send("POST", target, headers, body);
    assert.equal(reply.status, status, `${target} ${JSON.stringify(headers)} → ${reply.body}`);
    assert.doesNotMatch(reply.body, /at .*\.ts|Error:/, "no internal error text");
  }
  assert.equal(settled.length, 0, "nothing was answered");
});

test("an answer is recorded as the person the secret was issued to; a second answer gets 409", async () => {
  const bob = await signIn(inbox.issue("bob"));
  const build = CONVERSATIONS.find((c) => c.name === "Build")!;
  const { done } = await inbox.startConversation(build.name, build.prompt, { cwd: t.workspace });
  const deadline = Date.now() + 60_000;
  while (t.client.pendingApprovals().length === 0) {
    assert.ok(Date.now() < deadline, "the approval arrives");
    await new Promise((r) => setTimeout(r, 50));
  }
  const key = t.client.pendingApprovals()[0]!.key;
  const target = `/approvals/${encodeURIComponent(key)}`;
  const accept = '{"decision":"accept"}';
  assert.equal((await send("POST", target, json(bob), accept)).status, 204);
  const again = await send("POST", target, json(bob), '{"decision":"decline"}');
  assert.equal(again.status, 409);
  assert.deepEqual(JSON.parse(again.body), { key, outcome: "answered" });
  await done;
  assert.equal(readFileSync(path.join(t.workspace, "build.txt"), "utf8").trim(), "built");
  assert.deepEqual(
    settled.map((r) => [r.key, r.outcome, r.decision, r.by]),
    [[key, "answered", "accept", "bob"]],
  );
  assert.equal(existsSync(path.join(t.workspace, "NOTES.md")), false);
});

test("the guard shows no secret in logs or JSON", () => {
  const guard = new InboxGuard({ user: "alice" });
  guard.listening(1234);
  const url = guard.issue("http://127.0.0.1:1234/");
  const secret = new URL(url).searchParams.get("secret")!;
  assert.ok(secret.length >= 32);
  assert.ok(!inspect(guard).includes(secret));
  assert.ok(!JSON.stringify(guard).includes(secret));
  assert.throws(() => new InboxGuard({ user: " " }), /user must be a non-empty string/);
});
