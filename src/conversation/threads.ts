// Thread operations: start, resume and fork (returning handles), settings, reads and history.
import { CodexError } from "../errors/index.js";
import { idIn } from "./reply-ids.js";
import type { ClientRequestParams, ClientRequestResult } from "../protocol/index.js";
import type { ReviewStartParams } from "../protocol/generated/v2/ReviewStartParams.js";
import type { ThreadItemEntry } from "../protocol/generated/v2/ThreadItemEntry.js";
import type { ThreadUnsubscribeStatus } from "../protocol/generated/v2/ThreadUnsubscribeStatus.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { ServerPort } from "../rpc/port.js";
import type { ThreadSettings } from "./chat-types.js";
import { settingsParams, type ThreadConfig } from "./config.js";
import { findTurns, pageItems, pageTurns, type HistoryOptions, type TurnHistoryOptions } from "./history.js";
import { LoadedThreads } from "./loaded-threads.js";
import { checkOptions } from "../internal/option-check.js";
import {
  FORK_CONFIG,
  LIST_THREADS_PARAMS,
  READ_THREAD_OPTIONS,
  RESUME_CONFIG,
  REVIEW_START_PARAMS,
  ROLLBACK_OPTIONS,
  THREAD_CONFIG,
  THREAD_SETTINGS,
} from "./option-specs.js";
import { absolutePaths } from "./paths.js";
import { recoverThreads, type ReconnectInfo } from "./recovery.js";
import { settingsFromConfig } from "./thread-settings.js";
import type { ThreadRuntimes } from "../runtime/thread-runtimes.js";

/** Options of {@link ThreadService}. */
export interface ThreadServiceOptions {
  /** Keep (weak) references to handed-out threads, to resume them after a reconnect. */
  holdHandles: boolean;
  /** Resolves once the connection is initialized. */
  ready: () => Promise<unknown>;
  /** The client opted into the experimental API: thread settings then use `thread/settings/update`. */
  experimentalApi: boolean;
}

/** How `updateDefaults` / `setThreadDefaults` applied the settings. */
export type ThreadSettingsPath = "thread/settings/update" | "turn/start";

/**
 * The thread operations of one client. Handles it returns are held weakly when reconnecting is on,
 * so a reconnect can resume the threads someone still uses ({@link heldThreadIds}).
 */
export class ThreadService<H extends { threadId: string }> {
  readonly #held = new Map<string, WeakRef<H>>();
  readonly #forget = new FinalizationRegistry<string>((threadId) => {
    if (this.#held.get(threadId)?.deref() === undefined) this.#held.delete(threadId);
  });
  readonly #loaded: LoadedThreads;
  #makeHandle: ((threadId: string, defaults: ThreadConfig) => H) | undefined;
  readonly #resuming = new Map<string, Promise<void>>();
  /** Settings waiting for the thread's next `turn/start` (stable path of `setThreadDefaults`). */
  readonly #pending = new Map<string, ThreadSettings>();

  constructor(
    /** Requests, and the events that tell which threads stay loaded (`thread/closed`, close, reconnect). */
    private readonly rpc: ServerPort,
    private readonly options: ThreadServiceOptions,
  ) {
    this.#loaded = new LoadedThreads(rpc);
  }

  /**
   * How handles are made for started, resumed and forked threads. Set once, right after the turn
   * and goal services exist (a handle reaches them), before any thread is started.
   */
  makeHandlesWith(factory: (threadId: string, defaults: ThreadConfig) => H): void {
    this.#makeHandle = factory;
  }

  /** Resolves once the connection is initialized. */
  ready(): Promise<unknown> {
    return this.options.ready();
  }

  /** Starts a thread (`thread/start`) and returns its handle. */
  async startThread(config: ThreadConfig = {}): Promise<H> {
    checkOptions(config, THREAD_CONFIG, "startThread(config)");
    const absolute = absolutePaths(config, "ThreadStartParams", undefined);
    const reply = await this.rpc.request("thread/start", settingsParams("thread/start", absolute));
    const threadId = idIn(reply, "thread", "thread/start");
    this.#loaded.add(threadId, config, reply);
    return this.hold(threadId, config);
  }

  /** The settings this connection loaded `threadId` with, or undefined when it has not loaded it. */
  loadedWith(threadId: string): ThreadConfig | undefined {
    return this.#loaded.get(threadId);
  }

  /** Starts a thread and returns its id. */
  async startThreadId(config: ThreadConfig | undefined): Promise<string> {
    return (await this.startThread(config)).threadId;
  }

  /** Resumes a stored thread by id (`thread/resume`). */
  async resumeThread(threadId: string, overrides: ThreadConfig = {}): Promise<H> {
    checkOptions(overrides, RESUME_CONFIG, "resumeThread(threadId, config)");
    await this.#resume(threadId, overrides);
    return this.hold(threadId, overrides);
  }

  /**
   * Before a turn on `threadId`: a thread this connection has not loaded is resumed first, with
   * `config` as the resume's settings; for a loaded one (no request) `config`'s settings are
   * queued for the turn (see {@link settingsFromConfig}).
   */
  async ensureLoaded(threadId: string, config: ThreadConfig | undefined): Promise<void> {
    const loadedWith = this.#loaded.get(threadId);
    if (loadedWith === undefined) {
      await this.#resume(threadId, config ?? {});
      return;
    }
    if (config !== undefined) this.#queue(threadId, settingsFromConfig(threadId, config, loadedWith));
  }

  async #resume(threadId: string, overrides: ThreadConfig): Promise<void> {
    const absolute = absolutePaths(overrides, "ThreadResumeParams", undefined);
    // History is paged on demand (`turns()`, `items()`): hydrating it here is deprecated, and costly.
    const params = { ...settingsParams("thread/resume", absolute, { threadId }), excludeTurns: true };
    // Concurrent turns on one unloaded thread share one resume when they ask for the same settings.
    const key = `${threadId}\u0000${JSON.stringify(overrides)}`;
    let resuming = this.#resuming.get(key);
    if (!resuming) {
      resuming = this.rpc
        .request("thread/resume", params)
        .then((reply) => this.#loaded.add(idIn(reply, "thread", "thread/resume"), overrides, reply));
      this.#resuming.set(key, resuming);
      void resuming.then(
        () => this.#resuming.delete(key),
        () => this.#resuming.delete(key),
      );
    }
    await resuming;
  }

  /** Forks a thread into a new one (`thread/fork`). */
  async forkThread(threadId: string, overrides: ThreadConfig = {}): Promise<H> {
    checkOptions(overrides, FORK_CONFIG, "forkThread(threadId, config)");
    const absolute = absolutePaths(overrides, "ThreadForkParams", this.#loaded.cwdOf(threadId));
    const reply = await this.rpc.request("thread/fork", {
      ...settingsParams("thread/fork", absolute, { threadId }),
      excludeTurns: true,
    });
    const forkId = idIn(reply, "thread", "thread/fork");
    this.#loaded.add(forkId, overrides, reply);
    return this.hold(forkId, overrides);
  }

  /**
   * Changes a thread's settings for its later turns. With `experimentalApi`: `thread/settings/update`
   * at once. Otherwise on the stable API: the settings travel with the thread's next `turn/start`
   * from this client, whose settings codex keeps "for this turn and subsequent turns" (a
   * `thread/resume` of a loaded thread ignores its settings on 0.169, checked).
   */
  async setThreadDefaults(threadId: string, settings: ThreadSettings): Promise<ThreadSettingsPath> {
    checkOptions(settings, THREAD_SETTINGS, "setThreadDefaults(threadId, settings)");
    if (settings === undefined || settings === null)
      throw new TypeError("setThreadDefaults(threadId, settings) needs a settings object.");
    settings = absolutePaths(settings, "ThreadSettingsUpdateParams", this.#loaded.cwdOf(threadId));
    if (this.options.experimentalApi) {
      const params = settingsParams("thread/settings/update", settings, { threadId });
      await this.rpc.request("thread/settings/update", params);
      if (settings.cwd != null) this.#loaded.setCwd(threadId, settings.cwd);
      return "thread/settings/update";
    }
    this.#queue(threadId, settings);
    return "turn/start";
  }

  #queue(threadId: string, settings: ThreadSettings): void {
    this.#pending.set(threadId, { ...this.#pending.get(threadId), ...settings });
  }

  /**
   * The settings queued for `threadId`'s next turn, removed from the queue; `restore` puts them
   * back (under any queued since) when that `turn/start` fails.
   */
  takePendingSettings(threadId: string): { settings: ThreadSettings | undefined; restore: () => void } {
    const settings = this.#pending.get(threadId);
    this.#pending.delete(threadId);
    return {
      settings,
      restore: () => {
        if (settings) this.#pending.set(threadId, { ...settings, ...this.#pending.get(threadId) });
      },
    };
  }

  async readThread(
    threadId: string,
    options: { includeTurns?: boolean } = {},
  ): Promise<ClientRequestResult<"thread/read">> {
    checkOptions(options, READ_THREAD_OPTIONS, "readThread(threadId, options)");
    return this.rpc.request("thread/read", {
      threadId,
      ...(options.includeTurns !== undefined ? { includeTurns: options.includeTurns } : {}),
    });
  }

  async listThreads(
    params: ClientRequestParams<"thread/list"> = {},
  ): Promise<ClientRequestResult<"thread/list">> {
    checkOptions(params, LIST_THREADS_PARAMS, "listThreads(params)");
    return this.rpc.request("thread/list", params);
  }

  async setThreadName(threadId: string, name: string): Promise<void> {
    await this.rpc.request("thread/name/set", { threadId, name });
  }

  async archiveThread(threadId: string): Promise<void> {
    await this.rpc.request("thread/archive", { threadId });
    this.#forgetThread(threadId);
  }

  /**
   * Tells the server this connection no longer follows the thread (`thread/unsubscribe`): it stops
   * sending the thread's events here, and may unload the thread once no connection follows it. The
   * client forgets it too: a reconnect does not resume it, and a later turn resumes it first.
   */
  async unsubscribeThread(threadId: string): Promise<ThreadUnsubscribeStatus> {
    const { status } = await this.rpc.request("thread/unsubscribe", { threadId });
    this.#forgetThread(threadId);
    return status;
  }

  #forgetThread(threadId: string): void {
    this.#loaded.delete(threadId);
    this.#held.delete(threadId);
  }

  async unarchiveThread(threadId: string): Promise<void> {
    await this.rpc.request("thread/unarchive", { threadId });
  }

  /** The thread's turns, paged (`thread/turns/list`). */
  turns(threadId: string, options: TurnHistoryOptions = {}): AsyncGenerator<Turn, void, undefined> {
    return pageTurns(this.rpc, threadId, options);
  }

  /** The thread's items, or one turn's, paged (`thread/items/list`). */
  items(
    threadId: string,
    turnId: string | undefined,
    options: HistoryOptions = {},
  ): AsyncGenerator<ThreadItemEntry, void, undefined> {
    return pageItems(this.rpc, threadId, turnId, options);
  }

  /** The recent turns among `turnIds`, with their items (see {@link findTurns}). */
  findTurns(threadId: string, turnIds: Iterable<string>, deadline?: number): Promise<Turn[]> {
    return findTurns(this.rpc, threadId, turnIds, deadline);
  }

  /**
   * Drops the last `numTurns` turns from a thread's persisted history. codex has no
   * `thread/rollback`; this pages the thread's newest turns and calls `thread/revert
   * { beforeTurnId }` with the oldest turn to drop. Files the agent changed are not restored.
   */
  async rollbackThread(threadId: string, options: { numTurns: number }): Promise<void> {
    checkOptions(options, ROLLBACK_OPTIONS, "rollbackThread(threadId, options)");
    const n = options.numTurns;
    if (!Number.isInteger(n) || n < 1)
      throw new TypeError(`rollbackThread: numTurns must be a positive integer, got ${n}.`);
    let count = 0;
    let first: Turn | undefined;
    for await (const turn of pageTurns(this.rpc, threadId, {
      sortDirection: "desc",
      itemsView: "notLoaded",
      pageSize: Math.min(n, 100),
    })) {
      if (++count === n) {
        first = turn;
        break;
      }
    }
    if (!first)
      throw new CodexError(`rollbackThread: thread ${threadId} has ${count} turn(s); cannot drop ${n}.`);
    await this.rpc.request("thread/revert", { threadId, beforeTurnId: first.id });
  }

  async compactThread(threadId: string): Promise<void> {
    await this.rpc.request("thread/compact/start", { threadId });
  }

  async startReview(params: ReviewStartParams): Promise<ClientRequestResult<"review/start">> {
    checkOptions(params, REVIEW_START_PARAMS, "startReview(params)");
    return this.rpc.request("review/start", params);
  }

  /** The thread's working directory, when this connection knows it. */
  cwdOf(threadId: string): string | undefined {
    return this.#loaded.cwdOf(threadId);
  }

  /** A turn moved the thread to `cwd` (absolute). */
  setCwd(threadId: string, cwd: string): void {
    this.#loaded.setCwd(threadId, cwd);
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

  /**
   * After a reconnect: resumes the threads of running turns and of goal runs, and marks them
   * loaded. Other held threads stay unloaded until their next use resumes them.
   */
  async recover(
    runtimes: Pick<ThreadRuntimes, "activeTurns" | "reconcile" | "goalThreadIds">,
  ): Promise<ReconnectInfo> {
    const held = this.heldThreadIds();
    const info = await recoverThreads(this.rpc, { held, busy: runtimes.goalThreadIds() }, runtimes);
    for (const threadId of info.resumedThreads) this.#loaded.add(threadId, {});
    return info;
  }

  private hold(threadId: string, defaults: ThreadConfig): H {
    if (!this.#makeHandle) throw new CodexError("ThreadService: no handle factory was set.");
    const handle = this.#makeHandle(threadId, defaults);
    if (this.options.holdHandles) {
      this.#held.set(threadId, new WeakRef(handle));
      this.#forget.register(handle, threadId);
    }
    return handle;
  }
}
