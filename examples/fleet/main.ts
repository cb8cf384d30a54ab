// The fleet, offline, in one command: a throwaway redis-server, two worker processes on the real
// pinned app-server with the scripted model, a few jobs, and the fleet inbox at the printed URL.
// Ctrl-C (or SIGTERM) stops everything.
//   node --import tsx examples/fleet/main.ts
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { startFleetInbox } from "./inbox.js";
import { spawnWorker, waitForWorkers } from "./launch.js";
import { FleetProducer } from "./producer.js";
import { startLocalRedis } from "./redis-server.js";
import { promptFor } from "./scenario.js";

const redis = await startLocalRedis();
const db = new Redis(redis.url, { maxRetriesPerRequest: null });
// Outside /tmp: the app-server lets sandboxed commands write anywhere under /tmp.
const root = mkdtempSync(path.join(os.homedir(), ".fleet-example-"));
const workers = ["w1", "w2"].map((id) => spawnWorker(id, redis.url, { FLEET_HOME_PARENT: root }));
await waitForWorkers(db, ["w1", "w2"]);
const inbox = await startFleetInbox({ redisUrl: redis.url, user: process.env.USER ?? "you" });
const producer = new FleetProducer(redis.url);
for (const name of ["alpha", "beta", "gamma", "delta"]) {
  mkdirSync(path.join(root, name));
  await producer.enqueue(name, { prompt: promptFor(name), cwd: path.join(root, name) });
}
// Printed once: the link carries this launch's secret, which the first visit trades for a cookie.
console.log(`Fleet inbox: ${inbox.url}  (workspaces under ${root}; share the link with no one)`);

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await inbox.close();
    await Promise.all(workers.map((w) => w.stop(5_000)));
    await producer.close();
    db.disconnect();
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  })());
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
