// Small fake app-servers over sockets for the fault suite: WebSocket on 127.0.0.1:0, WebSocket
// over a Unix socket, and a TCP listener that never answers the upgrade.
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { INITIALIZE_RESULT } from "../support/fake-server.js";

export interface SocketFake {
  /** `ws://127.0.0.1:PORT` (WebSocket fake only). */
  url: string;
  /** The Unix socket path (Unix fake only). */
  socketPath: string;
  /** Requests of method `fake/big` the server has read. */
  bigSeen: () => number;
  /** Authorization headers of the upgrade requests it got. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export interface SocketFakeOptions {
  /** Refuse an upgrade without `Authorization: Bearer <token>` with HTTP 401. */
  token?: string;
  /** Never answer `initialize`. */
  silentInitialize?: boolean;
  /** Listen on a Unix socket instead of TCP. */
  unix?: boolean;
}

/**
 * A fake app-server speaking JSON-RPC over WebSocket. It answers `initialize`, and each `fake/*`
 * request makes it misbehave in one way.
 */
export async function startSocketFake(options: SocketFakeOptions = {}): Promise<SocketFake> {
  const http = createHttpServer();
  const sockets = new Set<Socket>();
  http.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  const authorizations: (string | undefined)[] = [];
  const wss = new WebSocketServer({
    server: http,
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number) => void) => {
      authorizations.push(info.req.headers.authorization);
      if (options.token === undefined) return done(true);
      done(info.req.headers.authorization === `Bearer ${options.token}`, 401);
    },
  });
  let bigSeen = 0;
  const timers = new Set<NodeJS.Timeout>();
  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    ws.on("error", () => {});
    const reply = (id: unknown, result: unknown) => ws.send(JSON.stringify({ id, result }));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as {
        id?: unknown;
        method: string;
        params?: Record<string, number>;
      };
      const p = msg.params ?? {};
      switch (msg.method) {
        case "initialize":
          if (!options.silentInitialize) reply(msg.id, INITIALIZE_RESULT);
          break;
        case "fake/echo":
          reply(msg.id, { echo: p });
          break;
        case "thread/start":
          reply(msg.id, { thread: { id: "thr_1" } });
          break;
        case "account/read": // a provider that needs no sign-in
          reply(msg.id, { account: null, userId: null, requiresOpenaiAuth: false, workspaceRouting: null });
          break;
        case "turn/start": {
          // The turn starts and streams one delta; then a frame over the client's limit kills it.
          const ids = { threadId: "thr_1", turnId: "turn_1" };
          reply(msg.id, { turn: { id: ids.turnId, items: [], status: "inProgress", error: null } });
          ws.send(
            JSON.stringify({
              method: "item/agentMessage/delta",
              params: { ...ids, itemId: "m1", delta: "hi" },
            }),
          );
          timers.add(setTimeout(() => ws.send("x".repeat(2 * 1024 * 1024)), 20));
          break;
        }
        case "fake/oversize": // one text frame over the client's maxMessageBytes
          ws.send(JSON.stringify({ id: msg.id, result: "x".repeat(p.bytes ?? 0) }));
          break;
        case "fake/badUtf8": // a text frame that is not valid UTF-8
          ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
          break;
        case "fake/pause":
          reply(msg.id, { paused: p.ms });
          req.socket.pause();
          timers.add(setTimeout(() => req.socket.resume(), p.ms));
          break;
        case "fake/stats":
          reply(msg.id, { bigSeen });
          break;
        case "fake/big":
          bigSeen++;
          break;
        case "fake/kill": // the connection drops with no close frame
          req.socket.destroy();
          break;
        default: // fake/silent and anything else: no answer
      }
    });
  });
  let dir: string | undefined;
  let socketPath = "";
  if (options.unix) {
    dir = mkdtempSync(path.join(tmpdir(), "codex-fault-"));
    socketPath = path.join(dir, "app-server.sock");
    await new Promise<void>((resolve) => http.listen(socketPath, resolve));
  } else {
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  }
  const url = options.unix ? "" : `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url,
    socketPath,
    bigSeen: () => bigSeen,
    authorizations,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP listener that accepts connections and never answers: an upgrade that hangs. */
export async function startBlackHole(): Promise<{
  url: string;
  /** Resolves when the first connection arrives. */
  connected: Promise<void>;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let arrived!: () => void;
  const connected = new Promise<void>((resolve) => (arrived = resolve));
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connected,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
