// What the SDK last saw of each thread's approval policy and sandbox, so a command approval can say
// whether accepting runs it outside the sandbox (see escalation.ts). Fed by the replies of the
// SDK's own thread/start, thread/resume and thread/fork, the overrides of its turn/start (which the
// server keeps for later turns: a resume after one reports them), and `thread/settings/updated`
// (sent to experimental clients). Requests sent with `client.request` directly are not followed.
import type { ClientRequestMethod } from "../protocol/index.js";
import type { AskForApproval } from "../protocol/generated/v2/AskForApproval.js";
import type { SandboxPolicy } from "../protocol/generated/v2/SandboxPolicy.js";
import type { ThreadSettingsUpdatedNotification } from "../protocol/generated/v2/ThreadSettingsUpdatedNotification.js";
import type { ServerEvents } from "../rpc/port.js";
import type { RequestArgs, TypedRequester } from "../rpc/typed-request.js";

/** A thread's approval policy and sandbox as the SDK last saw them; a field is undefined when unknown. */
export interface ThreadSandboxContext {
  readonly approvalPolicy: AskForApproval | undefined;
  readonly sandbox: SandboxPolicy | undefined;
}

/** Threads remembered at most; past it the oldest is forgotten (its approvals fall back to the request alone). */
const MAX_THREADS = 10_000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The policy and sandbox of each thread this connection started, resumed, forked or turned. */
export class ThreadSandboxes {
  readonly #threads = new Map<string, ThreadSandboxContext>();

  constructor(
    connection: Pick<ServerEvents, "onNotification" | "onDisconnect">,
    private readonly limit = MAX_THREADS,
  ) {
    connection.onNotification("thread/settings/updated", (params) =>
      this.settingsUpdated(params as ThreadSettingsUpdatedNotification),
    );
    connection.onNotification("thread/closed", (params) => {
      const threadId = (params as { threadId?: unknown } | null)?.threadId;
      if (typeof threadId === "string") this.#threads.delete(threadId);
    });
    // A dropped connection: the next server may hold other settings until the threads are resumed.
    connection.onDisconnect(() => this.#threads.clear());
  }

  get(threadId: string): ThreadSandboxContext | undefined {
    return this.#threads.get(threadId);
  }

  /** Follows one request the SDK sent and its successful result. */
  sent(method: string, params: unknown, result: unknown): void {
    if (method === "thread/start" || method === "thread/resume" || method === "thread/fork") {
      if (!isObject(result) || !isObject(result.thread) || typeof result.thread.id !== "string") return;
      this.#set(result.thread.id, {
        approvalPolicy: (result.approvalPolicy ?? undefined) as AskForApproval | undefined,
        sandbox: isObject(result.sandbox) ? (result.sandbox as SandboxPolicy) : undefined,
      });
    } else if (method === "turn/start" && isObject(params) && typeof params.threadId === "string") {
      const known = this.#threads.get(params.threadId);
      if (!known) return;
      const approvalPolicy = (params.approvalPolicy ?? known.approvalPolicy) as AskForApproval | undefined;
      // A permission profile replaces the sandbox with one the SDK does not model: unknown.
      const sandbox =
        params.permissions != null
          ? undefined
          : isObject(params.sandboxPolicy)
            ? (params.sandboxPolicy as SandboxPolicy)
            : known.sandbox;
      this.#set(params.threadId, { approvalPolicy, sandbox });
    }
  }

  /** `thread/settings/updated`: the server's own account of the thread's settings. */
  private settingsUpdated(params: ThreadSettingsUpdatedNotification): void {
    const settings = params?.threadSettings;
    if (typeof params?.threadId !== "string" || !isObject(settings)) return;
    this.#set(params.threadId, {
      approvalPolicy: settings.approvalPolicy ?? undefined,
      sandbox: isObject(settings.sandboxPolicy) ? settings.sandboxPolicy : undefined,
    });
  }

  /**
   * `rpc`, with each successful request followed (what the thread and turn services are given).
   */
  follow(rpc: TypedRequester): TypedRequester {
    return {
      request: async <M extends ClientRequestMethod>(method: M, ...args: RequestArgs<M>) => {
        const result = await rpc.request(method, ...args);
        this.sent(method, args[0], result);
        return result;
      },
    };
  }

  #set(threadId: string, context: ThreadSandboxContext): void {
    this.#threads.delete(threadId);
    this.#threads.set(threadId, context);
    if (this.#threads.size > this.limit) {
      const oldest = this.#threads.keys().next().value;
      if (oldest !== undefined) this.#threads.delete(oldest);
    }
  }
}
