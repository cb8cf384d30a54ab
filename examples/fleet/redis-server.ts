// A throwaway redis-server (Debian's) for the fleet example and its test: a free 127.0.0.1 port, a
// temp folder, no persistence, killed at the end. restart() stops it and starts a new one on the
// same port, which is how the test proves the fleet survives a Redis restart.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { freeLoopbackPort } from "codex-app-server-sdk/testing";

/** How to get redis-server, said by every message about a missing one. */
export const REDIS_INSTALL =
  "install it with `apt-get install redis-server` (as .ci/run does) or set REDIS_SERVER";

/** The redis-server executable: REDIS_SERVER, else `redis-server` on PATH; undefined when missing. */
export function findRedisServer(): string | undefined {
  const configured = process.env.REDIS_SERVER;
  if (configured !== undefined && configured !== "") return existsSync(configured) ? configured : undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean))
    if (existsSync(path.join(dir, "redis-server"))) return path.join(dir, "redis-server");
  return undefined;
}

export interface LocalRedis {
  host: "127.0.0.1";
  port: number;
  url: string;
  /** Stops the server (its data is gone: no persistence) and starts a new one on the same port. */
  restart(): Promise<void>;
  /** Kills the server and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startLocalRedis(executable = findRedisServer()): Promise<LocalRedis> {
  if (executable === undefined) throw new Error(`redis-server was not found: ${REDIS_INSTALL}.`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-redis-"));
  const port = await freeLoopbackPort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      executable,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child = started;
    await waitForPort(port, started);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  let stopped: Promise<void> | undefined;
  return {
    host: "127.0.0.1",
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await kill();
      await start();
    },
    stop: () =>
      (stopped ??= (async () => {
        await kill();
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** Resolves once the port takes connections; rejects if the server exits or the time runs out. */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with code ${child.exitCode}: ${stderr}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
