import type { CodexTransportError } from "../errors/index.js";
import { CodexError, CodexProtocolError } from "../errors/index.js";
import { Emitter, subscription, type Subscription } from "../events/emitter.js";
import type { CommandExecutionRequestApprovalParams } from "../protocol/generated/v2/CommandExecutionRequestApprovalParams.js";
import type { FileChangeRequestApprovalParams } from "../protocol/generated/v2/FileChangeRequestApprovalParams.js";
import type { FileUpdateChange } from "../protocol/generated/v2/FileUpdateChange.js";
import type { RpcConnection } from "../rpc/connection.js";
import type { RequestId } from "../rpc/messages.js";
import type { GuardedRequest, GuardSpec, ServerRequestGuard } from "../server-requests/guard.js";
import { BoundedQueue } from "../streams/bounded-queue.js";
import {
  CommandApprovalWithExecpolicyAmendment,
  commandDecisionToWire,
  fileChangeDecisionToWire,
  type ApprovalDecision,
} from "./decisions.js";
import {
  CommandApprovalRequest,
  FileChangeApprovalRequest,
  type ApprovalDecider,
  type ApprovalDecisionRecord,
  type ApprovalHandler,
  type ApprovalRequest,
} from "./requests.js";
import { isRulesHandler } from "./rules.js";

export const COMMAND_APPROVAL_METHOD = "item/commandExecution/requestApproval";
export const FILE_CHANGE_APPROVAL_METHOD = "item/fileChange/requestApproval";

/** Most file-change items whose diffs are remembered while their approval may still come. */
const TRACKED_FILE_CHANGES = 1024;

/** Options of {@link ApprovalBroker}. */
export interface ApprovalBrokerOptions {
  /**
   * How long a handler, or a stream-mode caller, may take to answer before the SDK sends
   * `decline`. Default: no limit (the request still ends with its turn or the connection).
   */
  approvalTimeoutMs?: number | undefined;
  /** Default capacity of `approvalRequests()` iterators. Default 1000. */
  approvalBufferSize?: number | undefined;
}

/** Options of `approveApproval`. */
export interface ApproveOptions {
  /** Accept for the rest of the session (`acceptForSession`). */
  forSession?: boolean | undefined;
  /** Accept and allow commands starting with this prefix from now on (command approvals only). */
  execpolicyAmendment?: readonly string[] | undefined;
}

interface Entry {
  readonly request: ApprovalRequest;
  /** Its life on the guarded path: the one reply, the timeout, resolved and closed. */
  readonly guarded: GuardedRequest;
  /** Set when the approval handler owns the answer (the stream only observes). */
  readonly byHandler: boolean;
}

const key = (threadId: string, id: string) => `${threadId}\u0000${id}`;

/**
 * Turns the server's approval requests into {@link ApprovalRequest} objects and sees that each gets
 * exactly one answer: from the handler (callback mode), from a caller reading `approvalRequests()`
 * (stream mode), or `decline` when nobody is there to answer, the handler fails, or the timeout
 * passes. Nothing here ever grants on its own.
 */
export class ApprovalBroker {
  private handler: ApprovalHandler | null = null;
  /** Handlers that answer one thread's approvals ahead of `handler` (a running goal's). */
  private readonly threadHandlers = new Map<string, ApprovalHandler>();
  private readonly pending = new Map<RequestId, Entry>();
  private readonly consumers = new Set<BoundedQueue<ApprovalRequest>>();
  private readonly fileChanges = new Map<string, { turnId: string; changes: FileUpdateChange[] }>();
  private readonly decided: Emitter<ApprovalDecisionRecord>;
  private readonly timeoutMs: number | undefined;
  private readonly bufferSize: number;
  /** Per-consumer clean-up (the AbortSignal listener), run when it detaches. */
  private readonly detachHooks = new WeakMap<BoundedQueue<ApprovalRequest>, () => void>();

  constructor(
    private readonly connection: RpcConnection,
    private readonly guard: ServerRequestGuard,
    options: ApprovalBrokerOptions = {},
  ) {
    const t = options.approvalTimeoutMs;
    if (t !== undefined && !(t > 0)) {
      throw new RangeError(`approvalTimeoutMs must be a positive number of milliseconds, got ${t}.`);
    }
    this.timeoutMs = t;
    this.bufferSize = options.approvalBufferSize ?? 1000;
    this.decided = new Emitter((error) =>
      guard.report(
        new CodexError("An onApprovalDecided listener threw; the client goes on.", { cause: error }),
        "CODEX_SDK_LISTENER_FAILED",
      ),
    );
    const decline = () => ({ decision: "decline" });
    this.commandSpec = {
      fallback: decline,
      timeoutMs: () => this.timeoutMs,
      onTimeout: (guarded) => this.timedOut(guarded),
      handle: (params, guarded) =>
        this.receive(
          guarded,
          new CommandApprovalRequest(
            guarded.id,
            params as CommandExecutionRequestApprovalParams,
            guarded.signal,
          ),
        ),
    };
    this.fileChangeSpec = {
      ...this.commandSpec,
      handle: (params, guarded) => {
        const p = params as FileChangeRequestApprovalParams;
        const changes = this.fileChanges.get(key(p.threadId, p.itemId))?.changes ?? [];
        this.receive(guarded, new FileChangeApprovalRequest(guarded.id, p, changes, guarded.signal));
      },
    };
    guard.define(COMMAND_APPROVAL_METHOD, this.commandSpec);
    guard.define(FILE_CHANGE_APPROVAL_METHOD, this.fileChangeSpec);
    connection.onNotification("item/started", (params) => this.trackFileChange(params));
    connection.onNotification("item/completed", (params) => this.forgetFileChange(params));
    connection.onNotification("turn/completed", (params) => this.turnEnded(params));
    connection.onClose((error) => this.shutDown(error));
    // A dropped connection voids what the old server asked (the guarded path ends those requests).
    connection.onDisconnect(() => this.fileChanges.clear());
  }

  private readonly commandSpec: GuardSpec;
  private readonly fileChangeSpec: GuardSpec;

  /** Sets (or with `null` removes) the handler that answers every approval request. */
  setHandler(handler: ApprovalHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError("setApprovalHandler expects a function (request) => decision, or null.");
    }
    this.handler = handler;
  }

  /**
   * Routes the approvals of `threadId` to `handler`, ahead of the client-wide handler and the
   * stream, until the returned subscription is called. One route per thread: a second one is
   * refused. (Goals use it for their per-goal handler.)
   */
  routeThread(threadId: string, handler: ApprovalHandler): Subscription {
    if (typeof handler !== "function") throw new TypeError("An approval handler must be a function.");
    if (this.threadHandlers.has(threadId)) {
      throw new CodexError(`Thread ${threadId} already has an approval handler of its own.`);
    }
    this.threadHandlers.set(threadId, handler);
    return subscription(() => {
      if (this.threadHandlers.get(threadId) === handler) this.threadHandlers.delete(threadId);
    });
  }

  /**
   * Every approval request, pending ones first. While one of these iterators is open and no
   * handler is set, requests wait for `respond()`; breaking out of the loop (or `signal`) closes it.
   */
  requests(
    options: { bufferSize?: number; signal?: AbortSignal } = {},
  ): AsyncIterableIterator<ApprovalRequest> {
    const queue: BoundedQueue<ApprovalRequest> = new BoundedQueue<ApprovalRequest>({
      capacity: options.bufferSize ?? this.bufferSize,
      overflowMessage: `More than ${options.bufferSize ?? this.bufferSize} approval requests were waiting to be read; read faster or raise bufferSize.`,
      onReturn: () => this.detach(queue),
    });
    if (this.connection.state === "closed") {
      queue.end(this.connection.failure);
      return queue;
    }
    const signal = options.signal;
    if (signal?.aborted) {
      queue.end();
      return queue;
    }
    this.consumers.add(queue);
    for (const entry of this.pending.values()) queue.push(entry.request);
    if (signal) {
      const onAbort = () => void queue.return();
      signal.addEventListener("abort", onAbort, { once: true });
      this.detachHooks.set(queue, () => signal.removeEventListener("abort", onAbort));
    }
    return queue;
  }

  /** Requests still waiting for an answer. */
  pendingRequests(): ApprovalRequest[] {
    return [...this.pending.values()].map((e) => e.request);
  }

  /**
   * Answers a pending request. Throws `TypeError` for a decision the request cannot take, and
   * `CodexProtocolError` when the request is no longer pending (already answered, resolved, its
   * turn ended, or the client closed).
   */
  respond(request: ApprovalRequest, decision: ApprovalDecision): void {
    if (!(request instanceof CommandApprovalRequest || request instanceof FileChangeApprovalRequest)) {
      throw new TypeError(
        "respondApproval expects an ApprovalRequest received from approvalRequests() or the approval handler.",
      );
    }
    const entry = this.pending.get(request.requestId);
    if (!entry || entry.request !== request || !entry.guarded.pending) {
      throw new CodexProtocolError(
        `approval request is no longer pending (server request ${JSON.stringify(request.requestId)}, ${request.type} on item ${request.itemId})`,
        { method: request.type === "fileChange" ? FILE_CHANGE_APPROVAL_METHOD : COMMAND_APPROVAL_METHOD },
      );
    }
    const why = request.invalidReason(decision);
    if (why !== undefined) throw new TypeError(`Cannot answer a ${request.type} approval: ${why}`);
    if (entry.byHandler) {
      throw new CodexError(
        "This approval request is answered by the handler set with setApprovalHandler(); approvalRequests() only observes it. Remove the handler (setApprovalHandler(null)) to answer requests yourself.",
      );
    }
    this.settle(entry, decision, "stream");
  }

  /** `accept`, `acceptForSession` or an execpolicy amendment, from options. */
  approve(request: ApprovalRequest, options: ApproveOptions = {}): void {
    if (options.forSession && options.execpolicyAmendment !== undefined) {
      throw new TypeError("approveApproval: pass forSession or execpolicyAmendment, not both.");
    }
    const decision: ApprovalDecision =
      options.execpolicyAmendment !== undefined
        ? new CommandApprovalWithExecpolicyAmendment(options.execpolicyAmendment)
        : options.forSession
          ? "acceptForSession"
          : "accept";
    this.respond(request, decision);
  }

  /** Subscribes to every answered request. Returns an unsubscribe function. */
  onDecided(listener: (record: ApprovalDecisionRecord) => void): Subscription {
    return this.decided.on(listener);
  }

  // ---------------------------------------------------------------- internals

  private receive(guarded: GuardedRequest, request: ApprovalRequest): void {
    const handler = this.threadHandlers.get(request.threadId) ?? this.handler;
    const entry: Entry = { request, guarded, byHandler: handler !== null };
    this.pending.set(guarded.id, entry);
    guarded.signal.addEventListener("abort", () => {
      if (this.pending.get(guarded.id) === entry) this.pending.delete(guarded.id);
    });
    for (const queue of [...this.consumers]) {
      if (!queue.push(request)) this.detach(queue);
    }
    if (!guarded.pending) return; // a detaching consumer already declined it
    if (handler) this.runHandler(entry, handler);
    else if (this.consumers.size === 0) this.settle(entry, "decline", "auto");
  }

  private timedOut(guarded: GuardedRequest): void {
    const entry = this.pending.get(guarded.id);
    if (entry?.guarded === guarded) this.settle(entry, "decline", "timeout");
  }

  private runHandler(entry: Entry, handler: ApprovalHandler): void {
    const decider: ApprovalDecider = isRulesHandler(handler) ? "rules" : "handler";
    const fail = (error: Error) => {
      if (this.settle(entry, "decline", decider, error))
        this.guard.report(error, "CODEX_SDK_APPROVAL_HANDLER_FAILED");
    };
    let result: ApprovalDecision | Promise<ApprovalDecision>;
    try {
      result = handler(entry.request);
    } catch (error) {
      fail(new CodexError("The approval handler threw; the request was declined.", { cause: error }));
      return;
    }
    const decide = (decision: ApprovalDecision) => {
      if (!entry.guarded.pending) return;
      const why = entry.request.invalidReason(decision);
      if (why !== undefined) {
        fail(
          new TypeError(
            `The approval handler answered a ${entry.request.type} approval wrongly, so it was declined: ${why}`,
          ),
        );
        return;
      }
      this.settle(entry, decision, decider);
    };
    if (result instanceof Promise) {
      result.then(decide, (error: unknown) =>
        fail(new CodexError("The approval handler rejected; the request was declined.", { cause: error })),
      );
    } else {
      decide(result);
    }
  }

  /**
   * Sends the decision, ends the request's pending state and tells the listeners. Returns false
   * when the request was no longer pending.
   */
  private settle(
    entry: Entry,
    decision: ApprovalDecision,
    decidedBy: ApprovalDecider,
    error?: Error,
  ): boolean {
    const { request, guarded } = entry;
    const wire =
      request.type === "commandExecution"
        ? commandDecisionToWire(decision)
        : fileChangeDecisionToWire(decision);
    if (!guarded.answer({ decision: wire }, decidedBy === "timeout" ? "timeout" : "answered")) return false;
    if (this.decided.size === 0) return true;
    this.decided.fire({
      request,
      decision,
      decidedBy,
      latencyMs: performance.now() - guarded.receivedAt,
      ...(error ? { error } : {}),
    });
    return true;
  }

  private detach(queue: BoundedQueue<ApprovalRequest>): void {
    if (!this.consumers.delete(queue)) return;
    this.detachHooks.get(queue)?.();
    this.detachHooks.delete(queue);
    if (this.consumers.size > 0) return;
    // Nobody is left to answer the requests that waited for a manual answer: decline them.
    for (const entry of [...this.pending.values()]) {
      if (!entry.byHandler) this.settle(entry, "decline", "auto");
    }
  }

  private trackFileChange(params: unknown): void {
    const p = params as {
      threadId?: string;
      turnId?: string;
      item?: { type?: string; id?: string; changes?: FileUpdateChange[] };
    };
    const item = p.item;
    if (item?.type !== "fileChange" || typeof p.threadId !== "string" || typeof item.id !== "string") return;
    if (this.fileChanges.size >= TRACKED_FILE_CHANGES) {
      const oldest = this.fileChanges.keys().next().value;
      if (oldest !== undefined) this.fileChanges.delete(oldest);
    }
    this.fileChanges.set(key(p.threadId, item.id), { turnId: p.turnId ?? "", changes: item.changes ?? [] });
  }

  private forgetFileChange(params: unknown): void {
    if (this.fileChanges.size === 0) return;
    const p = params as { threadId?: string; item?: { type?: string; id?: string } };
    if (p.item?.type === "fileChange" && typeof p.threadId === "string" && typeof p.item.id === "string")
      this.fileChanges.delete(key(p.threadId, p.item.id));
  }

  private turnEnded(params: unknown): void {
    const p = params as { threadId?: string; turn?: { id?: string } };
    const threadId = p.threadId;
    const turnId = p.turn?.id;
    if (typeof threadId !== "string" || typeof turnId !== "string") return;
    for (const entry of [...this.pending.values()]) {
      if (entry.request.threadId === threadId && entry.request.turnId === turnId)
        entry.guarded.expire("turnEnded", "its turn ended");
    }
    for (const [k, v] of this.fileChanges) {
      if (v.turnId === turnId && k.startsWith(`${threadId}\u0000`)) this.fileChanges.delete(k);
    }
  }

  private shutDown(error?: CodexTransportError): void {
    for (const entry of [...this.pending.values()]) entry.guarded.expire("closed", "the connection closed");
    for (const queue of this.consumers) {
      this.detachHooks.get(queue)?.();
      queue.end(error);
    }
    this.consumers.clear();
    this.fileChanges.clear();
  }
}
