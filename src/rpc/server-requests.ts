// Server→client requests of one connection: find the handler (the user's, else the SDK's default,
// else -32601), run it, and send exactly one reply (or none, for NO_REPLY).
import { CodexError, CodexProtocolError, CodexTransportError } from "../errors/index.js";
import { subscription, type Subscription } from "../events/emitter.js";
import { RpcErrorCode, type RequestId, type RpcRequest } from "./messages.js";

/** Passed to server-request handlers. */
export interface ServerRequestContext {
  /** The server's request id (its own id space, starting at 0 on the real server). */
  id: RequestId;
  method: string;
  /** Aborted when the connection closes before the handler answered. */
  signal: AbortSignal;
}

export type ServerRequestHandler = (params: unknown, context: ServerRequestContext) => unknown;

/**
 * A server-request handler that resolves to this sends no reply: the request stopped being pending
 * on the server's side (it said so, or the turn ended), so there is nobody left to answer.
 */
export const NO_REPLY: unique symbol = Symbol("codex.noReply");

/** What the dispatcher needs from its connection. */
export interface ServerRequestHost {
  /** True while replies can be sent. */
  isOpen(): boolean;
  send(message: unknown): Promise<void>;
  report(error: Error): void;
  /** The SDK's own handler (its safe default) of a method with no user handler. */
  fallbackHandler?: ((method: string) => ServerRequestHandler | undefined) | undefined;
}

type ReplyError = { code: number; message: string; data?: unknown };

/** Runs server requests against their handlers and replies once to each. */
export class ServerRequestDispatcher {
  readonly #handlers = new Map<string, ServerRequestHandler>();
  readonly #inflight = new Map<RequestId, AbortController>();
  readonly #host: ServerRequestHost;

  constructor(host: ServerRequestHost) {
    this.#host = host;
  }

  /** Registers the handler of one method; a second registration of a method throws. */
  register(method: string, handler: ServerRequestHandler): Subscription {
    if (this.#handlers.has(method)) {
      throw new CodexError(
        `A handler for server request "${method}" is already registered; dispose it first.`,
      );
    }
    this.#handlers.set(method, handler);
    return subscription(() => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method);
    });
  }

  /** Aborts the context of every request still being handled (the connection dropped or closed). */
  abortAll(reason: unknown): void {
    for (const controller of this.#inflight.values()) controller.abort(reason);
    this.#inflight.clear();
  }

  /** Forgets the registered handlers (the connection closed). */
  clear(): void {
    this.#handlers.clear();
  }

  handle(request: RpcRequest): void {
    const handler = this.#handlers.get(request.method) ?? this.#host.fallbackHandler?.(request.method);
    if (!handler) {
      this.#reply(request.id, undefined, {
        code: RpcErrorCode.MethodNotFound,
        message: `Method not found: this client has no handler for "${request.method}"`,
      });
      return;
    }
    if (this.#inflight.has(request.id)) {
      this.#host.report(
        new CodexProtocolError(
          `The server reused request id ${JSON.stringify(request.id)} while it was pending.`,
        ),
      );
    }
    const controller = new AbortController();
    this.#inflight.set(request.id, controller);
    const context: ServerRequestContext = {
      id: request.id,
      method: request.method,
      signal: controller.signal,
    };
    let result: unknown;
    try {
      result = handler(request.params, context);
    } catch (error) {
      this.#finish(request, controller, undefined, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => this.#finish(request, controller, value, undefined),
        (error: unknown) => this.#finish(request, controller, undefined, error ?? new Error("rejected")),
      );
    } else {
      this.#finish(request, controller, result, undefined);
    }
  }

  #finish(request: RpcRequest, controller: AbortController, value: unknown, error: unknown): void {
    if (this.#inflight.get(request.id) === controller) this.#inflight.delete(request.id);
    if (!this.#host.isOpen()) return;
    if (error === undefined && value === NO_REPLY) return;
    if (error === undefined) {
      this.#reply(request.id, value === undefined ? null : value, undefined);
      return;
    }
    if (error instanceof CodexProtocolError && error.code !== undefined) {
      this.#reply(request.id, undefined, {
        code: error.code,
        message: error.message,
        ...(error.data === undefined ? {} : { data: error.data }),
      });
      return;
    }
    this.#host.report(
      new CodexError(`The handler for server request "${request.method}" failed; replied -32603.`, {
        cause: error,
      }),
    );
    this.#reply(request.id, undefined, {
      code: RpcErrorCode.InternalError,
      message: `Client handler for "${request.method}" failed`,
    });
  }

  #reply(id: RequestId, result: unknown, error: ReplyError | undefined): void {
    if (!this.#host.isOpen()) return;
    const message = error ? { id, error } : { id, result };
    this.#host.send(message).catch((cause: unknown) => {
      this.#host.report(
        new CodexTransportError(`Could not send the reply to server request ${id}.`, { cause }),
      );
    });
  }
}
