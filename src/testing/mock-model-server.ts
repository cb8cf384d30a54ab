import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";
import { describeModelRequest, type RecordedModelRequest } from "./model-request.js";

export {
  lastUserText,
  threadIdOf,
  toolOutputsSinceLastUserMessage,
  userMessagesOf,
} from "./model-request.js";
export type { RecordedModelRequest, ToolOutput } from "./model-request.js";

/** One output item the scripted model produces within a response. */
export type ModelOutput =
  /** Assistant text, streamed as `deltas` pieces (default 1) before the final item. */
  | { type: "message"; text: string; deltas?: number; id?: string }
  /** An `exec_command` tool call. `escalate` asks for sandbox escalation (an approval under on-request). */
  | { type: "exec"; command: string; escalate?: { justification: string }; callId?: string; workdir?: string }
  /** An `apply_patch` tool call with a raw patch (`*** Begin Patch` … `*** End Patch`). */
  | { type: "applyPatch"; patch: string; callId?: string }
  /** A reasoning item with a summary text. */
  | { type: "reasoning"; text: string; id?: string }
  /** Any other function call the server offers as a tool (e.g. `request_permissions`). */
  | { type: "functionCall"; name: string; arguments: unknown; callId?: string };

/** The answer to one POST /responses (one model step). */
export type ModelResponse =
  | {
      output: ModelOutput[];
      /** Wait this long before the first event. */
      delayMs?: number;
      /** Wait this long between the last item and `response.completed` (a slow model). */
      delayBeforeCompletedMs?: number;
    }
  /** Fail this step with an HTTP status (e.g. 500). */
  | { httpStatus: number; body?: string };

/**
 * One entry of the script: a fixed response, or a function that builds it from the request (for
 * answers that depend on what was asked, e.g. with turns on several threads at once).
 */
export type ModelStep = ModelResponse | ((request: RecordedModelRequest) => ModelResponse);

/** Builders for the common script entries. */
export const model = {
  /** A step that only answers with text. */
  say(text: string, options: { deltas?: number; delayBeforeCompletedMs?: number } = {}): ModelResponse {
    return {
      output: [
        { type: "message", text, ...(options.deltas !== undefined ? { deltas: options.deltas } : {}) },
      ],
      ...(options.delayBeforeCompletedMs !== undefined
        ? { delayBeforeCompletedMs: options.delayBeforeCompletedMs }
        : {}),
    };
  },
  /** A step that runs a shell command through `exec_command`. */
  exec(
    command: string,
    options: { escalate?: { justification: string }; callId?: string } = {},
  ): ModelResponse {
    return { output: [{ type: "exec", command, ...options }] };
  },
  /** A step that edits files through `apply_patch`. */
  applyPatch(patch: string, options: { callId?: string } = {}): ModelResponse {
    return { output: [{ type: "applyPatch", patch, ...options }] };
  },
  /** A step that calls any other tool the server offers (e.g. `request_permissions`). */
  functionCall(name: string, args: unknown, options: { callId?: string } = {}): ModelResponse {
    return { output: [{ type: "functionCall", name, arguments: args, ...options }] };
  },
  /** A step that fails with an HTTP status. */
  httpError(status: number, body = "scripted failure"): ModelResponse {
    return { httpStatus: status, body };
  },
};

let callCounter = 0;

/** Options of {@link MockModelServer.start}. */
export interface MockModelServerOptions {
  /**
   * How many recorded requests `requests` keeps: the most recent ones. Older ones are dropped and
   * counted in `droppedRequests`. Default 100. Each body holds the whole conversation so far
   * (tens to hundreds of KB), so a long test that kept every one would hold hundreds of MB.
   * `Infinity` keeps all of them.
   */
  keepRequests?: number;
}

/** The keys of {@link MockModelServerOptions}, checked by the constructor. */
export const MOCK_MODEL_SERVER_OPTIONS = {
  keepRequests: "number",
} as const satisfies OptionSpec<MockModelServerOptions>;

const DEFAULT_KEEP_REQUESTS = 100;

/**
 * Answers a model request that no script entry covers (see {@link MockModelServer.respond}).
 * Return `undefined` to let the server answer "mock model: script exhausted".
 */
export type ModelResponder = (request: RecordedModelRequest) => ModelResponse | undefined;

/**
 * A scripted OpenAI Responses API (SSE) on 127.0.0.1, to drive a real `codex app-server` without
 * a key or network. Request bodies are recorded in `requests` (the last `keepRequests`). Each model step is answered by,
 * in order: the script of its thread (`enqueueForThread`), else the shared script (`enqueue`),
 * else the `respond(fn)` function; when none has an answer, the model says
 * "mock model: script exhausted" so a test fails on its text rather than hanging.
 */
export class MockModelServer {
  /** The requests received, oldest first: the most recent `keepRequests` of them. */
  readonly requests: RecordedModelRequest[] = [];
  #dropped = 0;
  /** Model steps requested since the start (or the last `reset()`), kept or dropped. */
  #modelRequestCount = 0;
  readonly #keepRequests: number;
  private readonly script: ModelStep[] = [];
  private readonly threadScripts = new Map<string, ModelStep[]>();
  private responder: ModelResponder | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port_ = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  /** Use {@link MockModelServer.start}, which also starts listening. */
  constructor(options: MockModelServerOptions = {}) {
    checkOptions(options, MOCK_MODEL_SERVER_OPTIONS, "MockModelServer.start(script, options)");
    const keep = options.keepRequests ?? DEFAULT_KEEP_REQUESTS;
    if (!(keep === Infinity || (Number.isSafeInteger(keep) && keep >= 0)))
      throw new TypeError(
        `MockModelServer: keepRequests must be a whole number of requests (0 or more) or Infinity, got ${String(keep)}.`,
      );
    this.#keepRequests = keep;
  }

  /** Starts listening on 127.0.0.1 (an ephemeral port). */
  static async start(
    script: ModelStep[] = [],
    options: MockModelServerOptions = {},
  ): Promise<MockModelServer> {
    const server = new MockModelServer(options);
    server.enqueue(...script);
    await server.listen();
    return server;
  }

  /** `http://127.0.0.1:<port>/v1`: the provider `base_url`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port_}/v1`;
  }

  get port(): number {
    return this.port_;
  }

  /** Appends responses to the script, one per future model step. */
  enqueue(...responses: ModelStep[]): this {
    this.script.push(...responses);
    return this;
  }

  /** Drops the responses not yet used and the recorded requests (between tests). */
  reset(): void {
    this.script.length = 0;
    this.threadScripts.clear();
    this.responder = undefined;
    this.requests.length = 0;
    this.#dropped = 0;
    this.#modelRequestCount = 0;
  }

  /** How many recorded requests were dropped to keep `requests` at `keepRequests`. */
  get droppedRequests(): number {
    return this.#dropped;
  }

  /**
   * Appends responses to the script of one thread: only model steps of that thread's turns take
   * them (the server sends the thread id as the request's `prompt_cache_key`). Turns on several
   * threads at once then need no guessing about which request comes first.
   *
   * @example
   * ```ts
   * modelServer.enqueueForThread(a.threadId, model.exec("touch a.txt", escalate), model.say("a done"));
   * modelServer.enqueueForThread(b.threadId, model.say("b done"));
   * ```
   */
  enqueueForThread(threadId: string, ...responses: ModelStep[]): this {
    let script = this.threadScripts.get(threadId);
    if (!script) this.threadScripts.set(threadId, (script = []));
    script.push(...responses);
    return this;
  }

  /**
   * Answers, from the request itself, every model step no script entry covers: e.g. a function of
   * `request.threadId`, `request.userText` and `request.toolOutputs` (the tool results since the
   * last user message). `undefined` removes it.
   *
   * @example
   * ```ts
   * modelServer.respond((req) =>
   *   req.toolOutputs.length === 0 ? model.exec(`touch ${req.userText}.txt`, escalate) : model.say(`${req.userText} done`),
   * );
   * ```
   */
  respond(responder: ModelResponder | undefined): this {
    this.responder = responder;
    return this;
  }

  /** Number of scripted responses not yet used. */
  get remaining(): number {
    let n = this.script.length;
    for (const script of this.threadScripts.values()) n += script.length;
    return n;
  }

  /** Only the POST /responses requests (model steps), of those kept. */
  get modelRequests(): RecordedModelRequest[] {
    return this.requests.filter(isModelStep);
  }

  /** Resolves once `count` model steps have been requested in total (dropped records count too). */
  waitForModelRequests(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.#modelRequestCount >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`MockModelServer: expected ${count} model requests within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port_ = (server.address() as AddressInfo).port;
  }

  /** Stops the server and drops open connections. Idempotent. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #record(request: RecordedModelRequest): void {
    if (this.#keepRequests === 0) {
      this.#dropped++;
      return;
    }
    if (this.requests.length >= this.#keepRequests) {
      this.requests.shift();
      this.#dropped++;
    }
    this.requests.push(request);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const url = req.url ?? "/";
    const recorded = describeModelRequest(req.method ?? "GET", url, body);
    this.#record(recorded);
    if (!isModelStep(recorded)) {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "not scripted" }));
      return;
    }
    const n = ++this.#modelRequestCount;
    for (const w of [...this.waiters]) {
      if (n >= w.count) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    const fromThread =
      recorded.threadId === undefined ? undefined : this.threadScripts.get(recorded.threadId);
    const next =
      fromThread?.shift() ??
      this.script.shift() ??
      this.responder?.(recorded) ??
      model.say("mock model: script exhausted");
    const step = typeof next === "function" ? next(recorded) : next;
    if ("httpStatus" in step) {
      res.writeHead(step.httpStatus, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: step.body ?? "scripted failure", type: "server_error" } }));
      return;
    }
    let aborted = false;
    res.on("close", () => {
      aborted = true;
    });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    if (step.delayMs) await sleep(step.delayMs);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event: Record<string, unknown> & { type: string }) => {
      if (!aborted) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const responseId = `resp_${++callCounter}`;
    send({ type: "response.created", response: { id: responseId } });
    step.output.forEach((output, index) => {
      for (const event of outputEvents(output, index)) send(event);
    });
    if (step.delayBeforeCompletedMs) {
      const until = Date.now() + step.delayBeforeCompletedMs;
      while (!aborted && Date.now() < until) await sleep(Math.min(50, until - Date.now()));
    }
    send({
      type: "response.completed",
      response: {
        id: responseId,
        usage: {
          input_tokens: 10,
          input_tokens_details: null,
          output_tokens: 5,
          output_tokens_details: null,
          total_tokens: 15,
        },
      },
    });
    if (!aborted) res.end();
  }
}

function isModelStep(request: RecordedModelRequest): boolean {
  return request.method === "POST" && (request.path.split("?")[0] ?? "").endsWith("/responses");
}

function outputEvents(output: ModelOutput, index: number): (Record<string, unknown> & { type: string })[] {
  const callId = () => `call_${++callCounter}`;
  switch (output.type) {
    case "message": {
      const id = output.id ?? `msg_${++callCounter}`;
      const pieces = splitText(output.text, output.deltas ?? 1);
      return [
        {
          type: "response.output_item.added",
          output_index: index,
          item: { type: "message", role: "assistant", id, content: [] },
        },
        ...pieces.map((delta) => ({
          type: "response.output_text.delta",
          item_id: id,
          output_index: index,
          content_index: 0,
          delta,
        })),
        {
          type: "response.output_item.done",
          output_index: index,
          item: {
            type: "message",
            role: "assistant",
            id,
            content: [{ type: "output_text", text: output.text }],
          },
        },
      ];
    }
    case "exec": {
      const args: Record<string, unknown> = { cmd: output.command };
      if (output.workdir) args.workdir = output.workdir;
      if (output.escalate) {
        args.sandbox_permissions = "require_escalated";
        args.justification = output.escalate.justification;
      }
      return [
        doneItem(index, {
          type: "function_call",
          name: "exec_command",
          call_id: output.callId ?? callId(),
          arguments: JSON.stringify(args),
        }),
      ];
    }
    case "applyPatch":
      return [
        doneItem(index, {
          type: "custom_tool_call",
          name: "apply_patch",
          call_id: output.callId ?? callId(),
          input: output.patch,
        }),
      ];
    case "functionCall":
      return [
        doneItem(index, {
          type: "function_call",
          name: output.name,
          call_id: output.callId ?? callId(),
          arguments:
            typeof output.arguments === "string" ? output.arguments : JSON.stringify(output.arguments),
        }),
      ];
    case "reasoning":
      return [
        doneItem(index, {
          type: "reasoning",
          id: output.id ?? `rs_${++callCounter}`,
          summary: [{ type: "summary_text", text: output.text }],
          content: null,
          encrypted_content: null,
        }),
      ];
  }
}

function doneItem(index: number, item: Record<string, unknown>): Record<string, unknown> & { type: string } {
  return { type: "response.output_item.done", output_index: index, item };
}

/** Splits text into `n` nearly equal pieces (at least one). */
function splitText(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length || 1));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length > 0 ? pieces : [""];
}
