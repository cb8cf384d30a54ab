// Thread operations: start, resume and fork (returning handles), settings, reads and history.
import { CodexError } from "../errors/index.js";
import type { ClientRequestParams, ClientRequestResult } from "../protocol/index.js";
import type { ReviewStartParams } from "../protocol/generated/v2/ReviewStartParams.js";
import type { TypedRequester } from "../rpc/typed-request.js";
import type { ThreadSettings } from "./chat-types.js";
import { settingsParams, type ThreadConfig } from "./config.js";

/** Options of {@link ThreadService}. */
export interface ThreadServiceOptions<H> {
  /** Makes the handle returned for a started, resumed or forked thread. */
  makeHandle: (threadId: string, defaults: ThreadConfig) => H;
  /** Keep (weak) references to handed-out threads, to resume them after a reconnect. */
  holdHandles: boolean;
  /** Resolves once the connection is initialized. */
  ready: () => Promise<unknown>;
}

/**
 * The thread operations of one client. Handles it returns are held weakly when reconnecting is on,
 * so a reconnect can resume the threads someone still uses ({@link heldThreadIds}).
 */
export class ThreadService<H extends { threadId: string }> {
  readonly #held = new Map<string, WeakRef<H>>();
  readonly #forget = new FinalizationRegistry<string>((threadId) => {
    if (this.#held.get(threadId)?.deref() === undefined) this.#held.delete(threadId);
  });

  constructor(
    private readonly rpc: TypedRequester,
    private readonly options: ThreadServiceOptions<H>,
  ) {}

  /** Resolves once the connection is initialized. */
  ready(): Promise<unknown> {
    return this.options.ready();
  }

  /** Starts a thread (`thread/start`) and returns its handle. */
  async startThread(config: ThreadConfig = {}): Promise<H> {
    const { thread } = await this.rpc.request("thread/start", settingsParams("thread/start", config));
    return this.hold(thread.id, config);
  }

  /** Starts a thread and returns its id. */
  async startThreadId(config: ThreadConfig | undefined): Promise<string> {
    return (await this.startThread(config)).threadId;
  }

  /** Resumes a stored thread by id (`thread/resume`). */
  async resumeThread(threadId: string, overrides: ThreadConfig = {}): Promise<H> {
    const params = settingsParams("thread/resume", overrides, { threadId });
    const { thread } = await this.rpc.request("thread/resume", params);
    return this.hold(thread.id, overrides);
  }

  /** Forks a thread into a new one (`thread/fork`). */
  async forkThread(threadId: string, overrides: ThreadConfig = {}): Promise<H> {
    const params = settingsParams("thread/fork", overrides, { threadId });
    const { thread } = await this.rpc.request("thread/fork", params);
    return this.hold(thread.id, overrides);
  }

  /** Changes a thread's settings for its later turns (`thread/settings/update`). */
  async setThreadDefaults(threadId: string, settings: ThreadSettings): Promise<void> {
    const params = settingsParams("thread/settings/update", settings, { threadId });
    await this.rpc.request("thread/settings/update", params);
  }

  readThread(
    threadId: string,
    options: { includeTurns?: boolean } = {},
  ): Promise<ClientRequestResult<"thread/read">> {
    return this.rpc.request("thread/read", {
      threadId,
      ...(options.includeTurns !== undefined ? { includeTurns: options.includeTurns } : {}),
    });
  }

  listThreads(params: ClientRequestParams<"thread/list"> = {}): Promise<ClientRequestResult<"thread/list">> {
    return this.rpc.request("thread/list", params);
  }

  async setThreadName(threadId: string, name: string): Promise<void> {
    await this.rpc.request("thread/name/set", { threadId, name });
  }

  async archiveThread(threadId: string): Promise<void> {
    await this.rpc.request("thread/archive", { threadId });
  }

  async unarchiveThread(threadId: string): Promise<void> {
    await this.rpc.request("thread/unarchive", { threadId });
  }

  /**
   * Drops the last `numTurns` turns from a thread's persisted history. codex 0.169 has no
   * `thread/rollback`; this reads the thread's turns and calls `thread/revert { beforeTurnId }`
   * with the first turn to drop. Files the agent changed are not restored.
   */
  async rollbackThread(threadId: string, options: { numTurns: number }): Promise<void> {
    const n = options.numTurns;
    if (!Number.isInteger(n) || n < 1)
      throw new TypeError(`rollbackThread: numTurns must be a positive integer, got ${n}.`);
    const { thread } = await this.readThread(threadId, { includeTurns: true });
    const turns = thread.turns;
    if (turns.length < n) {
      throw new CodexError(
        `rollbackThread: thread ${threadId} has ${turns.length} turn(s); cannot drop ${n}.`,
      );
    }
    const first = turns[turns.length - n];
    await this.rpc.request("thread/revert", { threadId, beforeTurnId: (first as { id: string }).id });
  }

  async compactThread(threadId: string): Promise<void> {
    await this.rpc.request("thread/compact/start", { threadId });
  }

  startReview(params: ReviewStartParams): Promise<ClientRequestResult<"review/start">> {
    return this.rpc.request("review/start", params);
  }

  /** Ids of the threads whose handles are still in use (only when holding handles). */
  heldThreadIds(): string[] {
    const ids: string[] = [];
    for (const [id, ref] of this.#held) {
      if (ref.deref()) ids.push(id);
      else this.#held.delete(id);
    }
    return ids;
  }

  private hold(threadId: string, defaults: ThreadConfig): H {
    const handle = this.options.makeHandle(threadId, defaults);
    if (this.options.holdHandles) {
      this.#held.set(threadId, new WeakRef(handle));
      this.#forget.register(handle, threadId);
    }
    return handle;
  }
}
