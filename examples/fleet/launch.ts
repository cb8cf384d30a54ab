// Starts fleet worker processes (worker.ts) for the example's launcher and its throughput script.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { keys } from "./keys.js";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  /** SIGTERM (running jobs finish first), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `node --import tsx worker.ts` for worker `id` on the kit's offline model. Pass
 * `FLEET_HOME_PARENT` in `env` to keep its CODEX_HOME under a folder you remove.
 */
export function spawnWorker(id: string, redisUrl: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    env: { ...childEnv, FLEET_WORKER_ID: id, FLEET_REDIS_URL: redisUrl, FLEET_OFFLINE: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return {
    id,
    child,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once every worker's heartbeat is in Redis; rejects after `ms`. */
export async function waitForWorkers(redis: Redis, ids: string[], ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await redis.exists(...ids.map(keys.alive))) !== ids.length) {
    if (Date.now() > deadline) throw new Error(`workers ${ids.join(", ")} did not start within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
