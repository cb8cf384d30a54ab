import { randomUUID } from "node:crypto";
import { CodexApprovalNotPendingError, CodexError, type CodexTransportError } from "../errors/index.js";
import { Emitter, type Subscription } from "../events/emitter.js";
import type { CommandExecutionRequestApprovalParams } from "../protocol/generated/v2/CommandExecutionRequestApprovalParams.js";
import type { FileChangeRequestApprovalParams } from "../protocol/generated/v2/FileChangeRequestApprovalParams.js";
import type { ServerEvents } from "../rpc/port.js";
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
  HOLD,
  type ApprovalDecider,
  type ApprovalDecisionRecord,
  type ApprovalHandler,
  type ApprovalHandlerSetting,
  type ApprovalOutcome,
  type ApprovalRequest,
  type ApprovalSettledRecord,
} from "./requests.js";
import { FileChangeTracker } from "./file-changes.js";
import { ApprovalRoutes, type ThreadApprovalRoutes } from "./routes.js";
import { isRulesHandler, ruleThatDecided } from "./rules.js";
import { ThreadSandboxes } from "./thread-sandbox.js";
import { checkOptions } from "../internal/option-check.js";
import {
  APPROVAL_REQUESTS_OPTIONS,
  APPROVE_OPTIONS,
  PENDING_APPROVALS_OPTIONS,
  RESPOND_OPTIONS,
  type ApprovalBrokerOptions,
  type ApprovalRequestsOptions,
  type ApproveOptions,
  type RespondOptions,
} from "./options.js";

export const COMMAND_APPROVAL_METHOD = "item/commandExecution/requestApproval";
export const FILE_CHANGE_APPROVAL_METHOD = "item/fileChange/requestApproval";

export type {
  ApprovalBrokerOptions,
  ApprovalRequestsOptions,
  ApproveOptions,
  RespondOptions,
} from "./options.js";

/** Who answers a pending request: its handler, a caller of an open iterator, or a person (held). */
type Owner = "handler" | "stream" | "hold";

interface Entry {
  readonly request: ApprovalRequest;
  /** Its life on the guarded path: the one reply, the timeout, resolved and closed. */
  readonly guarded: GuardedRequest;
  owner: Owner;
  /** Set just before the reply is sent: what the settled record reports. */
  decided?: Omit<ApprovalDecisionRecord, "request" | "latencyMs">;
  /** What `onRequested` listeners asked to run when the request ends. */
  onEnd?: (() => void)[] | undefined;
}

/** Where the broker finds each thread's approval routes, and hears that a turn ended. */
export interface ThreadRouteSource {
  routesOf(threadId: string): ThreadApprovalRoutes | undefined;
  onTurnEnded(listener: (threadId: string, turnId: string) => void): void;
}

interface Consumer {
  readonly threadId: string | undefined;
  readonly observe: boolean;
  detach?: () => void;
}

/** Keys of settled requests remembered so a late answer can say how the request ended. */
const REMEMBERED_OUTCOMES = 1000;

/**
 * Turns the server's approval requests into {@link ApprovalRequest} objects and sees that each gets
 * exactly one answer: from the handler of its turn, thread or client (callback mode), from a
 * person answering by key (hold), from a caller reading `approvalRequests()` (stream mode), or
 * `decline` when nobody is there to answer, the handler fails, or the timeout passes. Nothing here
 * ever grants on its own.
 */
export class ApprovalBroker {
  /** The client's handler and timeout, over each thread's and turn's (owned by the thread's runtime). */
  private readonly routes: ApprovalRoutes;
  /** Each thread's approval policy and sandbox as last seen, for `CommandApprovalRequest.escalated`. */
  readonly sandboxes: ThreadSandboxes;
  private readonly pending = new Map<string, Entry>();
  /** Pending entries by guarded record, for timeouts (a WeakMap made every scavenge walk it). */
  private readonly byGuarded = new Map<GuardedRequest, Entry>();
  private readonly outcomes = new Map<string, ApprovalOutcome>();
  private readonly consumers = new Map<BoundedQueue<ApprovalRequest>, Consumer>();
  private readonly fileChanges = new FileChangeTracker();
  private readonly decided: Emitter<ApprovalDecisionRecord>;
  private readonly settledEvents: Emitter<ApprovalSettledRecord>;
  private readonly requested: Emitter<ApprovalRequest, Entry>;
  private readonly endListenerFailed: (error: unknown) => void;
  private readonly bufferSize: number;
  /** Keys are `<client prefix>.<n>`: a key from before a restart never names a new request. */
  private readonly keyPrefix = randomUUID().slice(0, 8);
  private keyCount = 0;

  constructor(
    private readonly connection: ServerEvents,
    private readonly guard: ServerRequestGuard,
    threads: ThreadRouteSource,
    options: ApprovalBrokerOptions = {},
  ) {
    this.routes = new ApprovalRoutes(options.approvalTimeoutMs, (threadId) => threads.routesOf(threadId));
    threads.onTurnEnded((threadId, turnId) => this.turnEnded(threadId, turnId));
    this.sandboxes = new ThreadSandboxes(connection);
    this.bufferSize = options.approvalBufferSize ?? 1000;
    const listenerFailed = (what: string) => (error: unknown) =>
      guard.report(
        new CodexError(`An ${what} listener threw; the client goes on.`, { cause: error }),
        "CODEX_SDK_LISTENER_FAILED",
      );
    this.decided = new Emitter(listenerFailed("onApprovalDecided"));
    this.settledEvents = new Emitter(listenerFailed("onApprovalSettled"));
    this.requested = new Emitter(listenerFailed("approval/requested"));
    this.endListenerFailed = listenerFailed("approval end");
    const decline = () => ({ decision: "decline" });
    const timeoutMs = (params: unknown) => {
      const p = params as { threadId: string; turnId: string };
      return this.routes.resolve(p.threadId, p.turnId).timeoutMs;
    };
    this.commandSpec = {
      fallback: decline,
      timeoutMs,
      onTimeout: (guarded) => this.timedOut(guarded),
      handle: (params, guarded) =>
        this.receive(
          guarded,
          new CommandApprovalRequest(guarded.id, params as CommandExecutionRequestApprovalParams, guarded, {
            ...this.meta(guarded),
            thread: this.sandboxes.get((params as CommandExecutionRequestApprovalParams).threadId),
          }),
        ),
    };
    this.fileChangeSpec = {
      ...this.commandSpec,
      handle: (params, guarded) => {
        const p = params as FileChangeRequestApprovalParams;
        const changes = this.fileChanges.changesOf(p.threadId, p.itemId);
        this.receive(
          guarded,
          new FileChangeApprovalRequest(guarded.id, p, changes, guarded, this.meta(guarded)),
        );
      },
    };
    guard.define(COMMAND_APPROVAL_METHOD, this.commandSpec);
    guard.define(FILE_CHANGE_APPROVAL_METHOD, this.fileChangeSpec);
    connection.onNotification("item/started", (params) => this.fileChanges.started(params));
    connection.onNotification("item/completed", (params) => this.fileChanges.completed(params));
    connection.onClose((error) => this.shutDown(error));
    // A dropped connection voids what the old server asked (the guarded path ends those requests).
    connection.onDisconnect(() => this.fileChanges.clear());
  }

  private readonly commandSpec: GuardSpec;
  private readonly fileChangeSpec: GuardSpec;

  /** Sets (or with `null` removes) the client's handler, or `"hold"`. */
  setHandler(handler: ApprovalHandlerSetting | null): void {
    this.routes.setClientHandler(handler);
  }

  /**
   * Approval requests, pending ones first. An iterator that does not `observe` holds the requests
   * no handler answers until `respond()`; breaking out of the loop (or `signal`) closes it.
   */
  requests(options: ApprovalRequestsOptions = {}): AsyncIterableIterator<ApprovalRequest> {
    checkOptions(options, APPROVAL_REQUESTS_OPTIONS, "approvalRequests(options)");
    const capacity = options.bufferSize ?? this.bufferSize;
    const queue: BoundedQueue<ApprovalRequest> = new BoundedQueue<ApprovalRequest>({
      capacity,
      overflowMessage: `More than ${capacity} approval requests were waiting to be read; read faster or raise bufferSize.`,
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
    const consumer: Consumer = { threadId: options.threadId, observe: options.observe === true };
    this.consumers.set(queue, consumer);
    for (const entry of this.pending.values())
      if (matches(consumer, entry.request)) queue.push(entry.request);
    if (signal) {
      const onAbort = () => void queue.return();
      signal.addEventListener("abort", onAbort, { once: true });
      consumer.detach = () => signal.removeEventListener("abort", onAbort);
    }
    return queue;
  }

  /** Requests still waiting for an answer (of one thread, with `threadId`). */
  pendingRequests(options: { threadId?: string | undefined } = {}): ApprovalRequest[] {
    checkOptions(options, PENDING_APPROVALS_OPTIONS, "pendingApprovals(options)");
    const out: ApprovalRequest[] = [];
    for (const { request } of this.pending.values())
      if (options.threadId === undefined || request.threadId === options.threadId) out.push(request);
    return out;
  }

  /** The pending request with this key, or undefined. */
  get(key: string): ApprovalRequest | undefined {
    return this.pending.get(key)?.request;
  }

  /**
   * Answers a pending request, given as the object or its key. Throws `TypeError` for a decision
   * the request cannot take, and `CodexApprovalNotPendingError` when the request is no longer
   * pending (already answered, timed out, resolved, its turn ended, or the client closed).
   */
  respond(target: ApprovalRequest | string, decision: ApprovalDecision, options: RespondOptions = {}): void {
    checkOptions(options, RESPOND_OPTIONS, "respondApproval(request, decision, options)");
    const entry = this.pendingEntry(target);
    const request = entry.request;
    const why = request.invalidReason(decision);
    if (why !== undefined) throw new TypeError(`Cannot answer a ${request.type} approval: ${why}`);
    if (entry.owner === "handler") {
      throw new CodexError(
        'This approval request is answered by its approval handler (of the turn, the thread or the client); approvalRequests() only observes it. Remove the handler, or have it return "hold", to answer requests yourself.',
      );
    }
    this.settle(entry, decision, entry.owner === "hold" ? "hold" : "stream", options.by);
  }

  /** `accept`, `acceptForSession` or an execpolicy amendment, from options. */
  approve(target: ApprovalRequest | string, options: ApproveOptions = {}): void {
    checkOptions(options, APPROVE_OPTIONS, "approveApproval(request, options)");
    if (options.forSession && options.execpolicyAmendment !== undefined) {
      throw new TypeError("approveApproval: pass forSession or execpolicyAmendment, not both.");
    }
    const decision: ApprovalDecision =
      options.execpolicyAmendment !== undefined
        ? new CommandApprovalWithExecpolicyAmendment(options.execpolicyAmendment)
        : options.forSession
          ? "acceptForSession"
          : "accept";
    this.respond(target, decision, options.by === undefined ? {} : { by: options.by });
  }

  /** Subscribes to every answered request. */
  onDecided(listener: (record: ApprovalDecisionRecord) => void): Subscription {
    return this.decided.on(listener);
  }

  /** Subscribes to the end of every request, whatever ended it (exactly once per request). */
  onSettled(listener: (record: ApprovalSettledRecord) => void): Subscription {
    return this.settledEvents.on(listener);
  }

  /**
   * Subscribes to every request as it arrives, before anyone answers it (turn streams use it). A
   * function the listener returns runs once when the request ends (before its signal aborts), so a
   * listener needs no signal of its own: most requests never make one.
   */
  onRequested(listener: (request: ApprovalRequest) => (() => void) | void): Subscription {
    return this.requested.on((request, entry) => {
      const onEnd = listener(request);
      if (typeof onEnd === "function") (entry.onEnd ??= []).push(onEnd);
    });
  }

  // ---------------------------------------------------------------- internals

  private meta(guarded: GuardedRequest) {
    return { key: `${this.keyPrefix}.${++this.keyCount}`, expiresAtMs: guarded.expiresAtMs ?? null };
  }

  private pendingEntry(target: ApprovalRequest | string): Entry {
    let key: string;
    if (typeof target === "string") key = target;
    else if (target instanceof CommandApprovalRequest || target instanceof FileChangeApprovalRequest)
      key = target.key;
    else
      throw new TypeError(
        "respondApproval expects an ApprovalRequest (from approvalRequests(), a handler or getApproval()) or its key.",
      );
    const entry = this.pending.get(key);
    if (entry && (typeof target === "string" || entry.request === target) && entry.guarded.pending)
      return entry;
    const outcome =
      typeof target === "string" ? this.outcomes.get(key) : (target.outcome ?? this.outcomes.get(key));
    const what =
      typeof target === "string"
        ? `key ${JSON.stringify(key)}`
        : `${target.type} on item ${target.itemId}, key ${JSON.stringify(key)}`;
    throw new CodexApprovalNotPendingError(
      outcome === undefined
        ? `approval request is no longer pending: this client has no pending request with ${what} (unknown, or settled long ago).`
        : `approval request is no longer pending (${what}): it ended as "${outcome}".`,
      key,
      outcome,
      typeof target !== "string" && target.type === "fileChange"
        ? FILE_CHANGE_APPROVAL_METHOD
        : COMMAND_APPROVAL_METHOD,
    );
  }

  private receive(guarded: GuardedRequest, request: ApprovalRequest): void {
    const route = this.routes.resolve(request.threadId, request.turnId);
    const handler = route.handler;
    const entry: Entry = {
      request,
      guarded,
      owner: handler === HOLD ? "hold" : handler ? "handler" : "stream",
    };
    this.pending.set(request.key, entry);
    this.byGuarded.set(guarded, entry);
    // Before any abort listener runs: a listener that looks the key up finds it settled.
    guarded.whenEnded((outcome) => {
      if (this.pending.get(request.key) === entry) this.pending.delete(request.key);
      this.remember(request.key, outcome);
      this.byGuarded.delete(guarded);
      const onEnd = entry.onEnd;
      entry.onEnd = undefined;
      for (const fn of onEnd ?? []) {
        try {
          fn();
        } catch (error) {
          this.endListenerFailed(error);
        }
      }
    });
    guarded.whenSettled((outcome) => this.settled(entry, outcome));
    if (this.requested.size > 0) this.requested.fire(request, entry);
    for (const [queue, consumer] of [...this.consumers]) {
      if (matches(consumer, request) && !queue.push(request)) this.detach(queue);
    }
    if (!guarded.pending) return; // a detaching consumer already declined it
    if (typeof handler === "function") this.runHandler(entry, handler);
    else if (entry.owner === "stream" && !this.hasOwnerFor(request)) this.settle(entry, "decline", "auto");
  }

  private hasOwnerFor(request: ApprovalRequest): boolean {
    for (const consumer of this.consumers.values())
      if (!consumer.observe && matches(consumer, request)) return true;
    return false;
  }

  private timedOut(guarded: GuardedRequest): void {
    const entry = this.byGuarded.get(guarded);
    if (entry) this.settle(entry, "decline", "timeout");
  }

  private runHandler(entry: Entry, handler: ApprovalHandler): void {
    const decider: ApprovalDecider = isRulesHandler(handler) ? "rules" : "handler";
    const fail = (error: Error) => {
      if (this.settle(entry, "decline", decider, undefined, error))
        this.guard.report(error, "CODEX_SDK_APPROVAL_HANDLER_FAILED");
    };
    let result: ApprovalDecision | typeof HOLD | Promise<ApprovalDecision | typeof HOLD>;
    try {
      result = handler(entry.request);
    } catch (error) {
      fail(new CodexError("The approval handler threw; the request was declined.", { cause: error }));
      return;
    }
    const decide = (decision: ApprovalDecision | typeof HOLD) => {
      if (!entry.guarded.pending) return;
      if (decision === HOLD) {
        entry.owner = "hold";
        return;
      }
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

  /** Sends the decision and ends the request. Returns false when it was no longer pending. */
  private settle(
    entry: Entry,
    decision: ApprovalDecision,
    decidedBy: ApprovalDecider,
    by?: string,
    error?: Error,
  ): boolean {
    const { request, guarded } = entry;
    if (!guarded.pending) return false;
    const wire =
      request.type === "commandExecution"
        ? commandDecisionToWire(decision)
        : fileChangeDecisionToWire(decision);
    const rule = decidedBy === "rules" ? ruleThatDecided(request) : undefined;
    entry.decided = { decision, decidedBy, ...(by !== undefined ? { by } : {}), ...(rule ? { rule } : {}) };
    if (error) entry.decided.error = error;
    return guarded.answer({ decision: wire }, decidedBy === "timeout" ? "timeout" : "answered");
  }

  /** Runs after the request's signal aborted: the settled (and decided) listeners, once. */
  private settled(entry: Entry, outcome: ApprovalOutcome): void {
    if (this.settledEvents.size === 0 && this.decided.size === 0) return;
    const { request, guarded } = entry;
    const latencyMs = performance.now() - guarded.receivedAt;
    const decided = outcome === "answered" || outcome === "timeout" ? entry.decided : undefined;
    if (this.settledEvents.size > 0)
      this.settledEvents.fire({ request, key: request.key, outcome, latencyMs, ...decided });
    if (decided && this.decided.size > 0) this.decided.fire({ request, latencyMs, ...decided });
  }

  private remember(key: string, outcome: ApprovalOutcome | undefined): void {
    if (outcome === undefined) return;
    if (this.outcomes.size >= REMEMBERED_OUTCOMES) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
    this.outcomes.set(key, outcome);
  }

  private detach(queue: BoundedQueue<ApprovalRequest>): void {
    const consumer = this.consumers.get(queue);
    if (!consumer) return;
    this.consumers.delete(queue);
    consumer.detach?.();
    if (consumer.observe) return;
    // Requests that waited for this iterator's caller, with nobody else left to answer: decline.
    for (const entry of [...this.pending.values()]) {
      if (entry.owner === "stream" && !this.hasOwnerFor(entry.request)) this.settle(entry, "decline", "auto");
    }
  }

  /** The turn ended (`turn/completed`, read once by the thread's runtime): its requests end with it. */
  private turnEnded(threadId: string, turnId: string): void {
    for (const entry of [...this.pending.values()]) {
      if (entry.request.threadId === threadId && entry.request.turnId === turnId)
        entry.guarded.expire("turnEnded", "its turn ended");
    }
    this.fileChanges.turnEnded(threadId, turnId);
  }

  private shutDown(error?: CodexTransportError): void {
    // Pending requests were ended by the connection itself (their records settle as `closed`).
    for (const [queue, consumer] of this.consumers) {
      consumer.detach?.();
      queue.end(error);
    }
    this.consumers.clear();
    this.fileChanges.clear();
  }
}

function matches(consumer: Consumer, request: ApprovalRequest): boolean {
  return consumer.threadId === undefined || consumer.threadId === request.threadId;
}
