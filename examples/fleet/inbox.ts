// The fleet's approval inbox: the same page and the same locks as the single-process inbox
// (../approval-inbox/hardening.ts), reading pending approvals from Redis and answering through it.
//
// - Pending approvals are the hash the workers fill; a page gets a snapshot, then live events.
// - An answer is claimed once (SET NX), checked against the owning worker's heartbeat, pushed to that
//   worker's list, and the worker's reply decides the status: 204, or 409 with how it ended (also
//   when the worker dies while the answer waits).
// - A worker whose heartbeat lapsed is gone with its app-server, and the server does not replay
//   held approvals to anyone: its approvals are closed here, within ALIVE_TTL_MS + SWEEP_MS.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import {
  guarded,
  InboxGuard,
  pageWithNonce,
  readAnswer,
  refuse,
  type GuardedRequest,
} from "../approval-inbox/hardening.js";
import {
  keys,
  OUTCOME_TTL_S,
  SWEEP_MS,
  type FleetAnswer,
  type FleetAnswerReply,
  type FleetEvent,
  type PendingApproval,
  type SettledApproval,
} from "./keys.js";

const PAGE = readFileSync(new URL("../approval-inbox/index.html", import.meta.url), "utf8");
/** How long an answer waits for the owning worker to say it was given. */
const ANSWER_REPLY_S = 10;

export interface FleetInboxOptions {
  redisUrl: string;
  /** Who the printed URL's secret is issued to. */
  user: string;
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  allowedHosts?: string[];
}

export interface FleetInbox {
  /** The page's URL with this launch's secret: print it once. */
  url: string;
  issue(user: string): string;
  close(): Promise<void>;
}

/** The view the shared page renders: the request, and "job · worker" where it shows a conversation. */
const view = (a: PendingApproval) => ({
  ...a.request,
  key: a.key, // the fleet key (worker.key): the page answers by it
  conversation: `${a.job} · ${a.worker}`,
  worker: a.worker,
});

export async function startFleetInbox(options: FleetInboxOptions): Promise<FleetInbox> {
  // A page's request never waits on a Redis that is away for more than 5 s: it gets a 500 and the
  // page reconnects (the blocking reads below wait 1 s at a time, well inside it).
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, commandTimeout: 5_000 });
  const sub = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", () => {});
  sub.on("error", () => {});
  const pages = new Set<ServerResponse>();
  const sse = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const page of pages) page.write(frame);
  };

  const pending = async () =>
    Object.entries(await redis.hgetall(keys.pending)).map(([, json]) => JSON.parse(json) as PendingApproval);
  const workers = async () => {
    const ids = (await redis.smembers(keys.workers)).sort();
    const alive = ids.length ? await redis.mget(ids.map(keys.alive)) : [];
    return ids.map((id, i) => ({ id, name: id, status: alive[i] ? "live" : "gone", text: "" }));
  };
  const snapshot = async () => ({
    approvals: (await pending()).map(view),
    conversations: await workers(),
  });

  /** Closes the approvals of a gone worker, once each (HDEL answers 1 to one caller only). */
  const closeApproval = async (a: PendingApproval): Promise<boolean> => {
    if ((await redis.hdel(keys.pending, a.key)) !== 1) return false;
    const record: SettledApproval = {
      key: a.key,
      worker: a.worker,
      job: a.job,
      outcome: "closed",
      decision: null,
      by: null,
    };
    await redis
      .multi()
      .set(keys.outcome(a.key), "closed", "EX", OUTCOME_TTL_S)
      .rpush(keys.settled, JSON.stringify(record))
      .publish(
        keys.events,
        JSON.stringify({ type: "settled", key: a.key, outcome: "closed" } satisfies FleetEvent),
      )
      .exec();
    return true;
  };
  const isAlive = async (worker: string) => (await redis.exists(keys.alive(worker))) === 1;
  const sweep = setInterval(() => {
    void (async () => {
      for (const a of await pending()) if (!(await isAlive(a.worker))) await closeApproval(a);
      for (const w of await workers()) sse("conversation", w);
    })().catch(() => {}); // Redis is away: the next sweep tries again
  }, SWEEP_MS);

  await sub.subscribe(keys.events);
  sub.on("message", (_channel: string, message: string) => {
    const event = JSON.parse(message) as FleetEvent;
    if (event.type === "approval") sse("approval", view(event.approval));
    else if (event.type === "settled") sse("settled", { key: event.key, outcome: event.outcome });
  });
  // Back from a Redis outage: pages start again from what is pending now.
  sub.on("ready", () => {
    void snapshot()
      .then((s) => sse("snapshot", s))
      .catch(() => {});
  });

  const guard = new InboxGuard({
    user: options.user,
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse, who: GuardedRequest): Promise<void> {
    const url = new URL(req.url ?? "/", "http://inbox");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pageWithNonce(PAGE, who.nonce));
      return;
    }
    if (req.method === "GET" && url.pathname === "/events") {
      const first = await snapshot();
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      pages.add(res);
      req.on("close", () => pages.delete(res));
      res.write(`event: snapshot\ndata: ${JSON.stringify(first)}\n\n`);
      return;
    }
    if (req.method === "GET" && url.pathname === "/api/approvals") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify((await pending()).map(view)));
      return;
    }
    const answer = /^\/approvals\/([^/]+)$/.exec(url.pathname);
    if (req.method === "POST" && answer) {
      const { key, decision } = await readAnswer(req, answer[1] as string);
      const ended = (outcome: string | null) => {
        res.writeHead(outcome === null ? 404 : 409, { "content-type": "application/json" });
        res.end(JSON.stringify({ key, outcome }));
      };
      const json = await redis.hget(keys.pending, key);
      if (json === null) return ended(await redis.get(keys.outcome(key)));
      const approval = JSON.parse(json) as PendingApproval;
      if (!(await isAlive(approval.worker))) {
        await closeApproval(approval);
        return ended("closed");
      }
      // One answer per approval, whatever the number of pages, people or inbox processes.
      if ((await redis.set(keys.claim(key), who.user, "EX", OUTCOME_TTL_S, "NX")) !== "OK")
        return ended((await redis.get(keys.outcome(key))) ?? "answered");
      const replyTo = `fleet:reply:${randomUUID()}`;
      const message: FleetAnswer = { key: approval.request.key, decision, by: who.user, replyTo };
      await redis.rpush(keys.answers(approval.worker), JSON.stringify(message));
      const waiter = redis.duplicate();
      waiter.on("error", () => {});
      try {
        // Waits in 1 s slices so that an owner that dies meanwhile ends the wait at once: its
        // app-server went with it, and the approval with the app-server.
        const deadline = Date.now() + ANSWER_REPLY_S * 1000;
        for (;;) {
          const popped = await waiter.blpop(replyTo, 1);
          if (popped !== null) {
            const reply = JSON.parse(popped[1]) as FleetAnswerReply;
            if (reply.ok) res.writeHead(204).end();
            else if ("invalid" in reply) {
              await redis.del(keys.claim(key)); // still pending: a valid answer may follow
              refuse(res, 400, "this decision is not one the request allows");
            } else ended(reply.outcome ?? "closed");
            return;
          }
          if (!(await isAlive(approval.worker))) {
            await closeApproval(approval);
            return ended("closed");
          }
          if (Date.now() > deadline) {
            refuse(
              res,
              504,
              `worker ${approval.worker} did not confirm the answer within ${ANSWER_REPLY_S} s`,
            );
            return;
          }
        }
      } finally {
        waiter.disconnect();
      }
    }
    refuse(res, 404, "not found");
  }

  const server = createServer(guarded(guard, handle));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  guard.listening(port);
  const base = `http://127.0.0.1:${port}/`;
  return {
    url: guard.issue(base),
    issue: (user) => guard.issue(base, user),
    async close() {
      clearInterval(sweep);
      for (const page of pages) page.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sub.disconnect();
      await redis.quit().catch(() => {});
    },
  };
}
