import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { findPinnedCodexBinary } from "../client/pinned-binary.js";
import type { TestCodexHome } from "./codex-home.js";

/** Options of {@link startListeningAppServer}. */
export interface ListeningAppServerOptions {
  /** The isolated home the server runs with (its env and CODEX_HOME). */
  home: TestCodexHome;
  /** `websocket` (on 127.0.0.1, a free port) or `unix`. Default `websocket`. */
  transport?: "websocket" | "unix";
  /**
   * WebSocket only: require this capability token (`--ws-auth capability-token`). `true` makes one
   * up. Default: no authentication.
   */
  token?: string | boolean;
  /**
   * Unix only: the socket path. Default `<codexHome>/test.sock`; pass `null` for the server's
   * default control socket (`$CODEX_HOME/app-server-control/app-server-control.sock`).
   */
  socketPath?: string | null;
  /** WebSocket only: the port on 127.0.0.1 (e.g. to restart a server where it was). Default: a free one. */
  port?: number;
  /** How long to wait for the server to accept connections. Default 15 000 ms. */
  readyTimeoutMs?: number;
}

/** A real `codex app-server --listen …` child process. */
export interface ListeningAppServer extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>` (WebSocket). */
  url: string | undefined;
  /** The socket's path (Unix). */
  socketPath: string | undefined;
  /** The capability token clients must send, if one is required. */
  token: string | undefined;
  pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the pinned `codex app-server` listening on a WebSocket (127.0.0.1) or a Unix socket, for
 * tests of `connectWebSocket` / `connectUnix`. Resolves once it accepts connections.
 *
 * @example
 * ```ts
 * await using server = await startListeningAppServer({ home, token: true });
 * await using client = CodexClient.connectWebSocket({ url: server.url, token: server.token });
 * ```
 */
export async function startListeningAppServer(
  options: ListeningAppServerOptions,
): Promise<ListeningAppServer> {
  const binary = findPinnedCodexBinary();
  if (!binary) throw new Error("The pinned @openai/codex binary is not installed; run npm install.");
  const { home } = options;
  const transport = options.transport ?? "websocket";
  const args = ["app-server"];
  let url: string | undefined;
  let socketPath: string | undefined;
  let token: string | undefined;
  let ready: () => Promise<boolean>;
  if (transport === "websocket") {
    const port = options.port ?? (await freeLoopbackPort());
    url = `ws://127.0.0.1:${port}`;
    args.push("--listen", url);
    if (options.token) {
      token =
        typeof options.token === "string" ? options.token : `test-${Math.random().toString(36).slice(2)}`;
      const tokenFile = path.join(home.codexHome, "ws-token");
      writeFileSync(tokenFile, token, { mode: 0o600 });
      args.push("--ws-auth", "capability-token", "--ws-token-file", tokenFile);
    }
    ready = () => readyz(port);
  } else {
    if (options.token) throw new TypeError("startListeningAppServer: token is for the websocket transport.");
    socketPath =
      options.socketPath === null
        ? path.join(home.codexHome, "app-server-control", "app-server-control.sock")
        : (options.socketPath ?? path.join(home.codexHome, "test.sock"));
    args.push("--listen", options.socketPath === null ? "unix://" : `unix://${socketPath}`);
    const target = socketPath;
    ready = async () => existsSync(target);
  }
  const child = spawn(binary, args, {
    env: home.env,
    cwd: home.workspace,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      throw new Error(`codex app-server ${args.slice(1).join(" ")} did not become ready:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
    })());
  return { url, socketPath, token, pid: child.pid, stop, [Symbol.asyncDispose]: stop };
}

/** A free TCP port on 127.0.0.1. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function readyz(port: number): Promise<boolean> {
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
