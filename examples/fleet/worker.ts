// One fleet worker: one CodexClient (its own app-server over stdio) and one BullMQ Worker per
// queue it serves. Every approval its threads hold is published to Redis with this worker's id;
// answers come back through Redis and are given with `respondApproval(key, decision, { by })`.
//
//   FLEET_REDIS_URL=redis://127.0.0.1:6379 FLEET_WORKER_ID=w1 node --import tsx examples/fleet/worker.ts
//
// FLEET_CONCURRENCY (default 2): jobs at once. FLEET_OFFLINE=1: the real pinned app-server on an
// isolated home with the testing kit's scripted model (scenario.ts), so no key is needed; the home
// goes under FLEET_HOME_PARENT when set (default: the home directory).
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import {
  CodexApprovalNotPendingError,
  CodexClient,
  type ApprovalRequest,
  type ApprovalSettledRecord,
} from "codex-app-server-sdk";
import { startTestClient } from "codex-app-server-sdk/testing";
import {
  ALIVE_TTL_MS,
  HEARTBEAT_MS,
  keys,
  OUTCOME_TTL_S,
  SHARED_QUEUE,
  fleetKey,
  workerQueue,
  type FleetAnswer,
  type FleetAnswerReply,
  type FleetEvent,
  type FleetJob,
  type FleetJobResult,
  type PendingApproval,
  type SettledApproval,
} from "./keys.js";
import { fleetModel } from "./scenario.js";

const id = process.env.FLEET_WORKER_ID ?? "";
const redisUrl = process.env.FLEET_REDIS_URL ?? "";
if (!/^[a-z0-9-]{1,40}$/.test(id) || !redisUrl.startsWith("redis://")) {
  console.error("Set FLEET_WORKER_ID (a-z, 0-9, -) and FLEET_REDIS_URL (redis://host:port).");
  process.exit(2);
}
const concurrency = Number(process.env.FLEET_CONCURRENCY ?? 2);
// BullMQ's own settings for a dead worker's jobs: its lock lapses after LOCK_MS, and another worker
// checks for lapsed locks every STALLED_CHECK_MS and puts those jobs back in the queue.
const LOCK_MS = Number(process.env.FLEET_LOCK_MS ?? 4_000);
const STALLED_CHECK_MS = Number(process.env.FLEET_STALLED_CHECK_MS ?? 2_000);

const log = (message: string) => process.stderr.write(`[worker ${id}] ${message}\n`);

// The app-server: offline on the kit's scripted model, or the installed codex with your sign-in.
const kit =
  process.env.FLEET_OFFLINE === "1"
    ? await startTestClient({
        approvalPolicy: "on-request",
        sandbox: "read-only",
        // A killed worker cannot remove its home: whoever started it removes this folder.
        ...(process.env.FLEET_HOME_PARENT ? { parentDir: process.env.FLEET_HOME_PARENT } : {}),
      })
    : undefined;
kit?.modelServer.respond(fleetModel);
const client = kit?.client ?? CodexClient.connectStdio(); // starts on first use

// Commands never wait on a dead Redis forever: ioredis retries with back-off and queues commands
// while it reconnects; the heartbeat simply skips a beat.
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
const answers = redis.duplicate(); // BLPOP blocks its connection
redis.on("error", () => {}); // reconnects by itself; the heartbeat shows whether we are up
answers.on("error", () => {});

const jobOfThread = new Map<string, string>();
const viewOf = (request: ApprovalRequest): PendingApproval => ({
  key: fleetKey(id, request.key),
  worker: id,
  job: jobOfThread.get(request.threadId) ?? "?",
  request: request.toJSON(),
});
const publish = (event: FleetEvent) => redis.publish(keys.events, JSON.stringify(event));
const share = async (request: ApprovalRequest) => {
  const approval = viewOf(request);
  await redis.hset(keys.pending, approval.key, JSON.stringify(approval));
  await publish({ type: "approval", approval });
};

// 1. Every approval this worker's threads hold goes to Redis.
const stop = new AbortController();
const sharing = (async () => {
  for await (const request of client.approvalRequests({ observe: true, signal: stop.signal }))
    await share(request).catch((error: unknown) => log(`could not publish ${request.key}: ${String(error)}`));
})().catch(() => {});
// 2. Every approval that ends is recorded once, whatever ended it.
client.onApprovalSettled((settled: ApprovalSettledRecord) => {
  const { request, outcome, decision, by } = settled;
  const key = fleetKey(id, settled.key);
  const record: SettledApproval = {
    key,
    worker: id,
    job: jobOfThread.get(request.threadId) ?? "?",
    outcome,
    decision: decision ?? null,
    by: by ?? null,
  };
  void redis
    .multi()
    .hdel(keys.pending, key)
    .set(keys.outcome(key), outcome, "EX", OUTCOME_TTL_S)
    .rpush(keys.settled, JSON.stringify(record))
    .publish(keys.events, JSON.stringify({ type: "settled", key, outcome } satisfies FleetEvent))
    .exec()
    .catch((error: unknown) => log(`could not record ${key}: ${String(error)}`));
});
// 3. After Redis comes back (a restart loses everything without persistence), this worker's own
//    state is the truth: it says it is here and re-publishes what it holds.
//    The heartbeat goes first (one connection keeps the order): an approval seen before it would
//    look like a dead worker's to the inbox, which would close it.
const beat = () => redis.set(keys.alive(id), String(process.pid), "PX", ALIVE_TTL_MS);
redis.on("ready", () => {
  void beat().catch(() => {});
  void redis.sadd(keys.workers, id).catch(() => {});
  for (const request of client.pendingApprovals()) void share(request).catch(() => {});
});
const heartbeat = setInterval(() => {
  beat().catch(() => {});
}, HEARTBEAT_MS);
await redis.sadd(keys.workers, id);
await redis.set(keys.alive(id), String(process.pid), "PX", ALIVE_TTL_MS);

// 4. Answers from the inbox, for this worker only.
const answering = (async () => {
  while (!stop.signal.aborted) {
    let popped: [string, string] | null;
    try {
      popped = await answers.blpop(keys.answers(id), 1);
    } catch {
      await new Promise((r) => setTimeout(r, 200)); // Redis is away: try again shortly
      continue;
    }
    if (popped === null) continue;
    try {
      await give(JSON.parse(popped[1]) as FleetAnswer);
    } catch (error) {
      // One bad message (or Redis leaving mid-reply) must not stop the answers that follow;
      // the inbox's wait for this reply ends by its own deadline.
      log(`could not give an answer: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
})();

async function give(answer: FleetAnswer): Promise<void> {
  let reply: FleetAnswerReply;
  try {
    client.respondApproval(answer.key, answer.decision, { by: answer.by });
    reply = { ok: true };
  } catch (error) {
    if (!(error instanceof CodexApprovalNotPendingError) && !(error instanceof TypeError)) throw error;
    // A decision this request does not allow, or it ended meanwhile (timed out, turn ended…).
    reply =
      error instanceof CodexApprovalNotPendingError
        ? { ok: false, outcome: error.outcome ?? null }
        : { ok: false, invalid: true };
  }
  await redis.multi().rpush(answer.replyTo, JSON.stringify(reply)).expire(answer.replyTo, 60).exec();
}

// 5. The jobs: a thread each (or the one to continue), approvals held for a person.
async function run(job: Job<FleetJob, FleetJobResult>): Promise<FleetJobResult> {
  const { prompt, cwd, threadId, approvalTimeoutMs } = job.data;
  const thread =
    threadId === undefined ? await client.startThread({ cwd }) : await client.resumeThread(threadId);
  jobOfThread.set(thread.threadId, job.id ?? job.name);
  thread.setApprovalHandler("hold");
  thread.setApprovalTimeout(approvalTimeoutMs ?? 10 * 60_000);
  try {
    const stream = await thread.streamTurn(prompt);
    for await (const _event of stream); // approvals reach Redis through the loop above
    const result = await stream.done();
    return { worker: id, threadId: thread.threadId, status: result.status, text: result.finalText };
  } finally {
    jobOfThread.delete(thread.threadId);
  }
}
const connection = { url: redisUrl, maxRetriesPerRequest: null };
const workers = [SHARED_QUEUE, workerQueue(id)].map(
  (queue) =>
    new Worker<FleetJob, FleetJobResult>(queue, run, {
      connection,
      concurrency,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: 2,
    }),
);
for (const w of workers) w.on("error", (error) => log(`queue: ${error.message}`));
log(`ready (pid ${process.pid})`);

let closing: Promise<void> | undefined;
const shutdown = () =>
  (closing ??= (async () => {
    // Running jobs finish first (their approvals still reach the inbox), then everything closes.
    await Promise.all(workers.map((w) => w.close()));
    stop.abort();
    clearInterval(heartbeat);
    await sharing;
    await answering.catch(() => {});
    await (kit ? kit.dispose() : client.close());
    await redis.del(keys.alive(id)).catch(() => {});
    answers.disconnect();
    await redis.quit().catch(() => {});
  })());
process.once("SIGTERM", () => void shutdown().then(() => process.exit(0)));
process.once("SIGINT", () => void shutdown().then(() => process.exit(0)));
