// Starts the real pinned `codex app-server --listen …` for WebSocket / Unix socket tests.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { request } from "node:http";
import { findPinnedCodexBinary } from "../../src/client/command.js";

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ListeningServer {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `codex app-server --listen <listen> …extraArgs` and waits until `ready()` is true. */
export async function startListeningServer(
  listen: string,
  env: NodeJS.ProcessEnv,
  extraArgs: string[],
  ready: () => Promise<boolean>,
): Promise<ListeningServer> {
  const binary = findPinnedCodexBinary();
  if (!binary) throw new Error("the pinned @openai/codex binary is not installed");
  const child = spawn(binary, ["app-server", "--listen", listen, ...extraArgs], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 15_000;
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`app-server --listen ${listen} did not become ready:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** GET http://127.0.0.1:<port>/readyz answers 200. */
export function readyz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/readyz", method: "GET", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
