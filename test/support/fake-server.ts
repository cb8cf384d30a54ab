// An in-memory app-server peer for unit tests of the rpc and client layers.
import { CodexClient } from "../../src/client/client.js";
import { createLinkedTransports, type MemoryTransport } from "../../src/transport/memory.js";

/** What a fake app-server answers to `initialize` (a 0.169 server on Linux). */
export const INITIALIZE_RESULT = {
  userAgent: "fake/0.169.0",
  codexHome: "/",
  platformFamily: "unix",
  platformOs: "linux",
} as const;

/**
 * What a fake app-server answers to `account/read`: a provider that needs no OpenAI sign-in (the
 * client asks before its first turn, and refuses the turn when a sign-in is missing).
 */
export const ACCOUNT_READ_RESULT = {
  account: null,
  userId: null,
  requiresOpenaiAuth: false,
  workspaceRouting: null,
} as const;

/** Answers one request method: its result, or a promise of it (`undefined` is sent as `null`). */
export type Responder = (
  params: Record<string, unknown> | undefined,
  message: Record<string, unknown>,
) => unknown;

export interface FakeServer {
  transport: MemoryTransport;
  /**
   * Answers every later request of `method` with what `fn` returns, on a later tick (as a real peer
   * does); the request is still recorded. A second `respond` for a method replaces the first.
   */
  respond(method: string, fn: Responder): void;
  /** Every message the client sent, parsed. */
  received: Record<string, unknown>[];
  /** Resolves with the next client message that matches. */
  next(match?: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  send(message: unknown): Promise<void>;
  sendRaw(text: string): Promise<void>;
}

/**
 * Creates a linked pair; the returned client side is unstarted. `account/read` (asked before a
 * connection's first turn) is answered with {@link ACCOUNT_READ_RESULT} and not recorded, so tests
 * script the turn traffic only; pass `{ accountRead: "manual" }` to see and answer it yourself.
 */
export function createFakeServer(options: { accountRead?: "auto" | "manual" } = {}): {
  clientTransport: MemoryTransport;
  server: FakeServer;
} {
  const [clientTransport, serverTransport] = createLinkedTransports();
  const received: Record<string, unknown>[] = [];
  const waiters: {
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  let cursor = 0;
  const responders = new Map<string, Responder>();
  serverTransport.onmessage = (message) => {
    const m = message as Record<string, unknown>;
    if (m.method === "account/read" && options.accountRead !== "manual") {
      void serverTransport.send({ id: m.id, result: ACCOUNT_READ_RESULT });
      return;
    }
    received.push(m);
    const responder =
      typeof m.method === "string" && m.id !== undefined ? responders.get(m.method) : undefined;
    if (responder) {
      setImmediate(() => {
        void Promise.resolve(responder(m.params as Record<string, unknown> | undefined, m)).then((result) =>
          serverTransport.send({ id: m.id, result: result ?? null }),
        );
      });
    }
    const i = waiters.findIndex((w) => w.match(m));
    if (i !== -1) {
      const [w] = waiters.splice(i, 1);
      cursor = received.length;
      w?.resolve(m);
    }
  };
  void serverTransport.start();
  const server: FakeServer = {
    transport: serverTransport,
    respond: (method, fn) => void responders.set(method, fn),
    received,
    next(match = () => true) {
      const found = received.slice(cursor).find(match);
      if (found) {
        cursor = received.indexOf(found) + 1;
        return Promise.resolve(found);
      }
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    send: (message) => serverTransport.send(message),
    sendRaw: (text) => serverTransport.sendRaw(text),
  };
  return { clientTransport, server };
}

/**
 * A started `CodexClient` on a fake server (no initialize), with the errors it reports collected:
 * for unit tests of server→client requests.
 */
export async function startedClient(
  options: ConstructorParameters<typeof CodexClient>[1] = {},
): Promise<{ client: CodexClient; server: FakeServer; errors: Error[] }> {
  const { clientTransport, server } = createFakeServer();
  const client = new CodexClient(clientTransport, options);
  await client.start();
  const errors: Error[] = [];
  client.onError((e) => errors.push(e));
  return { client, server, errors };
}

/**
 * An initialized `CodexClient` on a fake server that answers `initialize` with
 * {@link INITIALIZE_RESULT} and each method of `responses` with its responder. The one set-up of
 * unit tests that script a conversation (`server.respond` adds responders later).
 */
export async function connectedClient(
  options: ConstructorParameters<typeof CodexClient>[1] = {},
  responses: Record<string, Responder> = {},
): Promise<{ client: CodexClient; server: FakeServer }> {
  const { clientTransport, server } = createFakeServer();
  server.respond("initialize", () => INITIALIZE_RESULT);
  for (const [method, fn] of Object.entries(responses)) server.respond(method, fn);
  const client = new CodexClient(clientTransport, options);
  await client.initialize();
  return { client, server };
}
