// The fleet end to end: a real redis-server on a free loopback port (no persistence), two worker
// processes each on the real pinned app-server with the scripted model, eight jobs answered through
// the fleet inbox's HTTP API, one worker SIGKILLed mid-turn, and a Redis restart.
//   node --import tsx --test examples/fleet/fleet.test.ts
//
// redis-server: REDIS_SERVER, else on PATH. Without it the test is skipped, saying what to install;
// under CI (CI=true) it is required and fails instead.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startFleetInbox, type FleetInbox } from "./inbox.js";
import { ALIVE_TTL_MS, keys, SWEEP_MS, type FleetJobResult, type SettledApproval } from "./keys.js";
import { FleetProducer } from "./producer.js";
import { findRedisServer, REDIS_INSTALL, startLocalRedis, type LocalRedis } from "./redis-server.js";
import { promptFor } from "./scenario.js";

const REDIS_SERVER = findRedisServer();
const CI = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());
const SKIP =
  REDIS_SERVER === undefined && !CI
    ? `SKIPPED, no redis-server: ${REDIS_INSTALL}. (Under CI=true it fails.)`
    : false;
if (SKIP) {
  process.stderr.write(`\n*** fleet test ${SKIP}\n\n`);
  if (process.env.SDK_TEST_NOTES) appendFileSync(process.env.SDK_TEST_NOTES, `Fleet test ${SKIP}\n`);
}

/** The bound docs/scaling.md states for a dead worker's approvals to show as closed. */
const CLOSED_WITHIN_MS = ALIVE_TTL_MS + SWEEP_MS + 1_000;
const BUDGET_MS = 110_000;

let redis: LocalRedis;
let db: Redis;
let inbox: FleetInbox;
let producer: FleetProducer;
let root: string;
let cookie: string;
let port: number;
const workers = new Map<string, ChildProcess>();

function startWorker(id: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // the worker is a program, not a test file
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL("./worker.ts", import.meta.url))],
    {
      env: {
        ...env,
        FLEET_WORKER_ID: id,
        FLEET_REDIS_URL: redis.url,
        FLEET_OFFLINE: "1",
        FLEET_CONCURRENCY: "2",
        FLEET_HOME_PARENT: root, // removed at the end, even the killed worker's home
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  child.stderr?.on("data", (chunk: Buffer) => {
    if (process.env.FLEET_DEBUG) process.stderr.write(chunk);
  });
  workers.set(id, child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function http(
  method: string,
  target: string,
  body?: string,
  override: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path: target,
        headers: {
          cookie,
          "content-type": "application/json",
          origin: `http://127.0.0.1:${port}`,
          ...override,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${target}: no answer in 20 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

type Plan = "accept" | "decline" | "timeout";
const PLAN: Record<string, Plan> = {
  a: "accept",
  b: "decline",
  c: "timeout",
  d: "accept",
  e: "decline",
  k: "accept",
};
/** Job h is held across the Redis restart; job g runs after it. */
const HELD: Record<string, Plan> = { h: "accept" };
const LATER: Record<string, Plan> = { g: "decline" };

before(async () => {
  if (SKIP) return;
  if (REDIS_SERVER === undefined) throw new Error(`redis-server is required under CI: ${REDIS_INSTALL}.`);
  redis = await startLocalRedis(REDIS_SERVER);
  db = new Redis(redis.url, { maxRetriesPerRequest: null });
  db.on("error", () => {});
  root = mkdtempSync(path.join(os.homedir(), ".fleet-test-"));
  for (const id of ["w1", "w2"]) startWorker(id);
  inbox = await startFleetInbox({ redisUrl: redis.url, user: "alice" });
  port = Number(new URL(inbox.url).port);
  cookie = await new Promise<string>((resolve, reject) => {
    const u = new URL(inbox.url);
    httpRequest({ host: "127.0.0.1", port, path: `${u.pathname}${u.search}` }, (res) => {
      res.resume();
      resolve(String(res.headers["set-cookie"]).split(";")[0] as string);
    })
      .on("error", reject)
      .end();
  });
  producer = new FleetProducer(redis.url);
  await until(
    "both workers' heartbeats",
    async () => (await db.exists(keys.alive("w1"), keys.alive("w2"))) === 2,
  );
});

after(async () => {
  for (const child of workers.values())
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  await producer?.close();
  await inbox?.close();
  db?.disconnect();
  await redis?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

type Shown = { key: string; conversation: string; worker: string };
const approvalsNow = async () => JSON.parse((await http("GET", "/api/approvals")).body) as Shown[];

/**
 * Answers every approval of `plan`'s jobs through the inbox's HTTP API until the jobs complete,
 * killing the owner of job `kill`'s first approval. Returns the keys answered and the killed key.
 */
async function drive(plan: Record<string, Plan>, kill?: string) {
  const answered = new Map<string, { job: string; worker: string; status: number }>();
  let killed:
    | { key: string; worker: string; at: number; closedAfterMs?: number; lateStatus?: number }
    | undefined;
  const queue = producer.queue();
  for (;;) {
    const approvals = await approvalsNow();
    for (const a of approvals) {
      const job = a.conversation.split(" · ")[0] as string;
      if (answered.has(a.key) || killed?.key === a.key || !(job in plan)) continue;
      if (job === kill && killed === undefined) {
        killed = { key: a.key, worker: a.worker, at: Date.now() };
        workers.get(a.worker)?.kill("SIGKILL");
        continue;
      }
      const decision = plan[job];
      if (decision === "timeout") continue;
      const reply = await http(
        "POST",
        `/approvals/${encodeURIComponent(a.key)}`,
        JSON.stringify({ decision }),
      );
      answered.set(a.key, { job, worker: a.worker, status: reply.status });
    }
    if (killed && killed.closedAfterMs === undefined && !approvals.some((a) => a.key === killed!.key)) {
      killed.closedAfterMs = Date.now() - killed.at;
      const late = await http(
        "POST",
        `/approvals/${encodeURIComponent(killed.key)}`,
        '{"decision":"accept"}',
      );
      killed.lateStatus = late.status;
    }
    const states = await Promise.all(Object.keys(plan).map((id) => queue.getJobState(id)));
    if (states.every((s) => s === "completed" || s === "failed")) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  const results = new Map<string, FleetJobResult & { state: string }>();
  for (const id of Object.keys(plan)) {
    const job = await queue.getJob(id);
    results.set(id, { ...(job?.returnvalue as FleetJobResult), state: await queue.getJobState(id) });
  }
  return { answered, killed, results };
}

test(
  "two workers, eight jobs: answers through the inbox, a worker killed mid-turn, a Redis restart",
  { skip: SKIP, timeout: BUDGET_MS },
  async (t) => {
    const enqueue = async (plan: Record<string, Plan>) => {
      for (const name of Object.keys(plan)) {
        const cwd = path.join(root, name);
        mkdirSync(cwd);
        await producer.enqueue(name, {
          prompt: promptFor(name),
          cwd,
          ...(plan[name] === "timeout" ? { approvalTimeoutMs: 1_500 } : {}),
        });
      }
    };
    // The fleet's inbox has the same locks as the single-process one (hardening.ts).
    const accept = '{"decision":"accept"}';
    assert.equal((await http("GET", "/api/approvals", undefined, { cookie: "" })).status, 401);
    assert.equal((await http("GET", "/events", undefined, { host: `rebind.test:${port}` })).status, 421);
    assert.equal(
      (await http("POST", "/approvals/a.1", accept, { origin: "http://evil.example" })).status,
      403,
    );
    assert.equal((await http("POST", "/approvals/not%20a%20key", accept)).status, 400);
    assert.equal((await http("POST", "/approvals/abcd1234.1", accept)).status, 404);

    await enqueue(PLAN);
    const first = await drive(PLAN, "k");

    // The killed worker's approval closed within the bound; answering it then got 409.
    assert.ok(first.killed, "job k asked for approval");
    assert.ok(first.killed.closedAfterMs !== undefined, "the dead worker's approval left the inbox");
    assert.ok(
      first.killed.closedAfterMs <= CLOSED_WITHIN_MS,
      `closed after ${first.killed.closedAfterMs} ms (bound ${CLOSED_WITHIN_MS} ms)`,
    );
    assert.equal(first.killed.lateStatus, 409);
    t.diagnostic(`the killed worker's approval left the inbox after ${first.killed.closedAfterMs} ms`);
    const survivor = first.killed.worker === "w1" ? "w2" : "w1";
    // Every job completed (job k on the survivor, after BullMQ found it stalled), each as decided.
    for (const [id, result] of first.results) {
      assert.equal(result.state, "completed", `job ${id}`);
      assert.equal(result.status, "completed", `job ${id}'s turn`);
    }
    assert.equal(first.results.get("k")?.worker, survivor);
    // Answers reach their worker (204), except one sent to the killed worker as it died: that
    // approval is closed, and the answer says so (409).
    for (const { job, worker, status } of first.answered.values())
      assert.equal(
        status,
        worker === first.killed.worker && status === 409 ? 409 : 204,
        `answer for job ${job}`,
      );
    const settledBefore = (await db.lrange(keys.settled, 0, -1)).map((j) => JSON.parse(j) as SettledApproval);

    // Redis restarts while job h's approval is held, and without persistence forgets everything:
    // the queues, the pending hash. The worker still holds the approval (its app-server never saw
    // Redis) and publishes it again once Redis is back: the inbox shows the same key, the answer
    // reaches the worker, and the command runs. Job h's BullMQ record is gone with Redis's data.
    await enqueue(HELD);
    const held = await until("job h's approval", async () =>
      (await approvalsNow()).find((a) => a.conversation.startsWith("h ·")),
    );
    assert.ok(held.key.startsWith(`${held.worker}.`), `a fleet key names its worker: ${held.key}`);
    await redis.restart();
    await until(
      "the survivor's heartbeat after the restart",
      async () => (await db.exists(keys.alive(survivor))) === 1,
    );
    await until("job h's approval, published again", async () =>
      (await approvalsNow()).some((a) => a.key === held.key),
    );
    const heldReply = await http(
      "POST",
      `/approvals/${encodeURIComponent(held.key)}`,
      '{"decision":"accept"}',
    );
    assert.equal(heldReply.status, 204);
    await until("h.txt", async () => existsSync(path.join(root, "h", "h.txt")));
    // The same workers and inbox take the next job as before.
    await enqueue(LATER);
    const second = await drive(LATER);
    for (const [id, result] of second.results) assert.equal(result.state, "completed", `job ${id}`);
    for (const { job, status } of second.answered.values())
      assert.equal(status, 204, `answer for job ${job}`);
    const settled = [
      ...settledBefore,
      ...(await db.lrange(keys.settled, 0, -1)).map((j) => JSON.parse(j) as SettledApproval),
    ];

    // Files on disk match the decisions.
    for (const [name, decision] of Object.entries({ ...PLAN, ...HELD, ...LATER })) {
      const file = path.join(root, name, `${name}.txt`);
      if (decision === "accept") assert.equal(readFileSync(file, "utf8").trim(), name, file);
      else assert.equal(existsSync(file), false, `${file} was not written (${decision})`);
    }
    // Every approval settled exactly once, and the last one of each job as decided.
    const keysSeen = settled.map((s) => s.key);
    assert.equal(new Set(keysSeen).size, keysSeen.length, `no approval settled twice: ${keysSeen.join(" ")}`);
    const closed = settled.find((s) => s.key === first.killed!.key);
    assert.deepEqual([closed?.outcome, closed?.worker], ["closed", first.killed.worker]);
    for (const [name, decision] of Object.entries({ ...PLAN, ...HELD, ...LATER })) {
      const last = settled.filter((s) => s.job === name).at(-1);
      const expected =
        decision === "timeout" ? ["timeout", "decline", null] : ["answered", decision, "alice"];
      assert.deepEqual(
        [last?.outcome, last?.decision, last?.by],
        expected,
        `job ${name}: ${JSON.stringify(last)}`,
      );
    }
    t.diagnostic(
      `settled: ${settled.map((s) => `${s.job}@${s.worker}:${s.outcome}/${s.decision ?? "-"}`).join(" ")}`,
    );
    // Nothing left pending or running.
    assert.deepEqual(await db.hkeys(keys.pending), []);
    const counts = await producer.queue().getJobCounts("active", "waiting", "delayed");
    assert.deepEqual(counts, { active: 0, waiting: 0, delayed: 0 });
  },
);
