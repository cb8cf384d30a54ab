// An approval inbox: a web page where a person sees the pending commands and file changes of
// several conversations, live, and answers them. Node's http, server-sent events and one HTML page.
//
// - Each conversation's thread holds its approvals for a person (thread.setApprovalHandler("hold"))
//   with a timeout, so nothing waits forever and nothing is granted unless someone clicks.
// - The page receives requests as JSON (request.toJSON()) and answers by key: the key survives
//   reloads of the page and reconnects of the client.
// - onApprovalSettled tells the page when a request leaves, whatever the reason (answered,
//   timed out, its turn ended, the server resolved it, the connection closed).
// - Its door is locked as hardening.ts explains: 127.0.0.1, a secret URL traded for a cookie on
//   every route, a Host allow-list, same-origin JSON posts only, and a Content-Security-Policy.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CodexApprovalNotPendingError,
  type ApprovalRequest,
  type ApprovalRequestJSON,
  type CodexClient,
  type ThreadHandle,
} from "codex-app-server-sdk";
import {
  guarded,
  InboxGuard,
  pageWithNonce,
  pathIdOf,
  readAnswer,
  refuse,
  type GuardedRequest,
} from "./hardening.js";

const PAGE = readFileSync(new URL("./index.html", import.meta.url), "utf8");

export interface InboxOptions {
  /** Port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Who the printed URL's secret is issued to: answers from that browser are recorded as theirs. */
  user?: string;
  /** Address to bind. Default 127.0.0.1 (only this machine). */
  host?: string;
  /** `Host` values accepted besides the loopback names (e.g. behind a reverse proxy). */
  allowedHosts?: string[];
  /** How long a request waits for a person before it is declined. Default 10 minutes. */
  approvalTimeoutMs?: number;
}

export interface ConversationState {
  id: string;
  name: string;
  status: "running" | "finished" | "stopped" | "failed";
  /** The last assistant text, once the turn ended. */
  text: string;
}

/** What the page shows for one request: its JSON form plus the conversation's name. */
export type InboxApproval = ApprovalRequestJSON & { conversation: string };

export interface Inbox {
  /** The page's URL with this launch's secret: print it once, share it with no one. */
  url: string;
  /** Issues another secret URL, to another person (their answers are recorded as theirs). */
  issue(user: string): string;
  /** Starts a conversation (a thread and one turn) whose approvals go to the inbox. */
  startConversation(
    name: string,
    prompt: string,
    options?: { cwd?: string; approvalTimeoutMs?: number },
  ): Promise<{ thread: ThreadHandle; done: Promise<void> }>;
  conversations(): ConversationState[];
  /** Stops the web server and the approval loop (the client stays open). */
  close(): Promise<void>;
}

export async function startInbox(client: CodexClient, options: InboxOptions = {}): Promise<Inbox> {
  const conversations = new Map<string, ConversationState & { turnId?: string }>();
  const pages = new Set<ServerResponse>();
  const stop = new AbortController();

  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const page of pages) page.write(frame);
  };
  const view = (request: ApprovalRequest): InboxApproval => ({
    ...request.toJSON(),
    conversation: conversations.get(request.threadId)?.name ?? request.threadId,
  });
  const publicState = (c: ConversationState): ConversationState => ({
    id: c.id,
    name: c.name,
    status: c.status,
    text: c.text,
  });

  // Every request, as it arrives. `observe: true`: this loop only watches, the threads hold them.
  const watching = (async () => {
    for await (const request of client.approvalRequests({ observe: true, signal: stop.signal }))
      send("approval", view(request));
  })().catch(() => {}); // ends when the inbox or the client closes
  const offSettled = client.onApprovalSettled(({ key, outcome }) => send("settled", { key, outcome }));

  const guard = new InboxGuard({
    user: options.user ?? "inbox user",
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
  });
  const server = createServer(guarded(guard, handle));

  async function handle(req: IncomingMessage, res: ServerResponse, who: GuardedRequest): Promise<void> {
    const url = new URL(req.url ?? "/", "http://inbox");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pageWithNonce(PAGE, who.nonce));
      return;
    }
    if (req.method === "GET" && url.pathname === "/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      pages.add(res);
      req.on("close", () => pages.delete(res));
      // A (re)loaded page starts from what is pending now.
      res.write(
        `event: snapshot\ndata: ${JSON.stringify({
          approvals: client.pendingApprovals().map(view),
          conversations: [...conversations.values()].map(publicState),
        })}\n\n`,
      );
      return;
    }
    const answer = /^\/approvals\/([^/]+)$/.exec(url.pathname);
    if (req.method === "POST" && answer) {
      const { key, decision } = await readAnswer(req, answer[1] as string);
      try {
        // Recorded as the person the secret of this browser was issued to.
        client.respondApproval(key, decision, { by: who.user });
      } catch (error) {
        if (error instanceof CodexApprovalNotPendingError) {
          // 409: it was pending once and has ended; 404: no such request (as far as this client remembers).
          res.writeHead(error.outcome === undefined ? 404 : 409, { "content-type": "application/json" });
          res.end(JSON.stringify({ key: error.key, outcome: error.outcome ?? null }));
          return;
        }
        if (error instanceof TypeError) {
          refuse(res, 400, "this decision is not one the request allows");
          return;
        }
        throw error;
      }
      res.writeHead(204).end();
      return;
    }
    const stopTurn = /^\/conversations\/([^/]+)\/stop$/.exec(url.pathname);
    if (req.method === "POST" && stopTurn) {
      const c = conversations.get(pathIdOf(stopTurn[1] as string, "conversation id"));
      if (c?.turnId && c.status === "running") await client.interruptTurn(c.id, c.turnId);
      res.writeHead(204).end();
      return;
    }
    refuse(res, 404, "not found");
  }

  await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  guard.listening(port);
  const base = `http://127.0.0.1:${port}/`;

  return {
    url: guard.issue(base),
    issue: (user) => guard.issue(base, user),
    conversations: () => [...conversations.values()].map(publicState),
    async startConversation(name, prompt, turn = {}) {
      const thread = await client.startThread(turn.cwd === undefined ? {} : { cwd: turn.cwd });
      thread.setApprovalHandler("hold"); // a person decides this thread's approvals
      thread.setApprovalTimeout(options.approvalTimeoutMs ?? 10 * 60_000);
      const state: ConversationState & { turnId?: string } = {
        id: thread.threadId,
        name,
        status: "running",
        text: "",
      };
      conversations.set(thread.threadId, state);
      send("conversation", publicState(state));
      const stream = await thread.streamTurn(
        prompt,
        turn.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: turn.approvalTimeoutMs },
      );
      state.turnId = stream.turnId;
      const done = (async () => {
        try {
          for await (const _event of stream); // approvals reach the page through the loop above
          const result = await stream.done();
          state.status =
            result.status === "interrupted" ? "stopped" : result.status === "failed" ? "failed" : "finished";
          state.text = result.finalText;
        } catch (error) {
          // E.g. the client closed while the turn ran: the page shows it, the process goes on.
          state.status = "failed";
          state.text = error instanceof Error ? error.message : String(error);
        }
        send("conversation", publicState(state));
      })();
      return { thread, done };
    },
    async close() {
      stop.abort();
      offSettled();
      await watching;
      for (const page of pages) page.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
