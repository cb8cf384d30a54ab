// Jobs per minute of the fleet with 1 and 2 workers on the scripted model (each job: a thread, one
// turn, one model step that only answers text). Alternates the runs and prints the medians.
//   node --import tsx examples/fleet/throughput.ts [jobs=24] [rounds=3]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { spawnWorker, waitForWorkers } from "./launch.js";
import { FleetProducer } from "./producer.js";
import { startLocalRedis } from "./redis-server.js";

const JOBS = Number(process.argv[2] ?? 24);
const ROUNDS = Number(process.argv[3] ?? 3);
const root = mkdtempSync(path.join(os.homedir(), ".fleet-throughput-"));

async function run(workerCount: number, round: number): Promise<number> {
  const redis = await startLocalRedis();
  const db = new Redis(redis.url, { maxRetriesPerRequest: null });
  const ids = Array.from({ length: workerCount }, (_, i) => `t${round}-${i + 1}`);
  const workers = ids.map((id) =>
    spawnWorker(id, redis.url, { FLEET_CONCURRENCY: "2", FLEET_HOME_PARENT: root }),
  );
  const producer = new FleetProducer(redis.url);
  try {
    await waitForWorkers(db, ids); // start-up is not counted: a fleet's workers are long-lived
    const started = performance.now();
    for (let i = 0; i < JOBS; i++) await producer.enqueue(`j${i}`, { prompt: `Say j${i}`, cwd: root });
    const queue = producer.queue();
    for (;;) {
      const counts = await queue.getJobCounts("completed", "failed");
      if ((counts.failed ?? 0) > 0) throw new Error(`${counts.failed} jobs failed`);
      if (counts.completed === JOBS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return (JOBS / (performance.now() - started)) * 60_000;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await producer.close();
    db.disconnect();
    await redis.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<number, number[]> = { 1: [], 2: [] };
for (let round = 0; round < ROUNDS; round++)
  for (const n of [1, 2]) {
    const perMinute = await run(n, round);
    results[n]!.push(perMinute);
    console.log(`round ${round + 1}: ${n} worker(s): ${perMinute.toFixed(0)} jobs/min`);
  }
console.log(
  `median over ${ROUNDS} rounds of ${JOBS} jobs: 1 worker ${median(results[1]!).toFixed(0)} jobs/min, 2 workers ${median(results[2]!).toFixed(0)} jobs/min (load average ${os.loadavg()[0]!.toFixed(1)}, ${os.cpus().length} cores)`,
);
rmSync(root, { recursive: true, force: true });
