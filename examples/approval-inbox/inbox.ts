// An approval inbox: a web page where a person sees the pending commands and file changes of
// several conversations, live, and answers them. Node's http, server-sent events and one HTML page.
//
// - Each conversation's thread holds its approvals for a person (thread.setApprovalHandler("hold"))
//   with a timeout, so nothing waits forever and nothing is granted unless someone clicks.
// - The page receives requests as JSON (request.toJSON()) and answers by key: the key survives
//   reloads of the page and reconnects of the client.
// - onApprovalSettled tells the page when a request leaves, whatever the reason (answered,
//   timed out, its turn ended, the server resolved it, the connection closed).
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CodexApprovalNotPendingError,
  isApprovalDecision,
  type ApprovalRequest,
  type ApprovalRequestJSON,
  type CodexClient,
  type ThreadHandle,
} from "codex-app-server-sdk";

const PAGE = readFileSync(new URL("./index.html", import.meta.url), "utf8");
/** Largest request body the inbox reads (an answer is a few dozen bytes). */
const MAX_BODY = 4096;

export interface InboxOptions {
  /** Port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Who answers, for the audit records (a real app takes it from its session). */
  user?: string;
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
  url: string;
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
  const user = options.user ?? "inbox user";
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

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(error instanceof Error ? error.message : "error");
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://inbox");
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
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
    // Answers change what the agent may do: only this page may send them. Another site open in
    // the same browser could still POST here; a JSON body forces a CORS preflight, which this
    // server never grants, and a foreign Origin is refused outright.
    if (req.method === "POST" && !fromThisPage(req)) {
      res.writeHead(403, { "content-type": "text/plain" }).end("only the inbox page may post here");
      return;
    }
    const answer = /^\/approvals\/([^/]+)$/.exec(url.pathname);
    if (req.method === "POST" && answer) {
      const body = await readJson(req);
      const decision = (body as { decision?: unknown } | undefined)?.decision;
      if (!isApprovalDecision(decision)) {
        res.writeHead(400, { "content-type": "text/plain" }).end("not a decision");
        return;
      }
      try {
        client.respondApproval(decodeURIComponent(answer[1] as string), decision, { by: user });
      } catch (error) {
        if (error instanceof CodexApprovalNotPendingError) {
          res.writeHead(409, { "content-type": "application/json" });
          res.end(JSON.stringify({ key: error.key, outcome: error.outcome ?? null }));
          return;
        }
        if (error instanceof TypeError) {
          res.writeHead(400, { "content-type": "text/plain" }).end(error.message);
          return;
        }
        throw error;
      }
      res.writeHead(204).end();
      return;
    }
    const stopTurn = /^\/conversations\/([^/]+)\/stop$/.exec(url.pathname);
    if (req.method === "POST" && stopTurn) {
      const c = conversations.get(decodeURIComponent(stopTurn[1] as string));
      if (c?.turnId && c.status === "running") await client.interruptTurn(c.id, c.turnId);
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
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

/** A same-origin request with a JSON body (what the inbox page sends), not a cross-site form post. */
function fromThisPage(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ""}`) return false;
  return (req.headers["content-type"] ?? "").startsWith("application/json");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
