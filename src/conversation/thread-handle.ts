import type { ReviewTarget } from "../protocol/generated/v2/ReviewTarget.js";
import type { ThreadReadResponse } from "../protocol/generated/v2/ThreadReadResponse.js";
import type { ReviewStartResponse } from "../protocol/generated/v2/ReviewStartResponse.js";
import type { ConversationStep } from "../turn/steps.js";
import type { TurnStream } from "../turn/turn-stream.js";
import type { ChatOnceOptions, ChatResult, StreamTurnOptions, ThreadSettings } from "./chat-types.js";
import type { ThreadConfig, TurnInput } from "./config.js";
import type { ThreadService } from "./threads.js";
import type { TurnService } from "./turns.js";

/** Options of thread-bound chat calls: the thread is already chosen. */
export type ThreadChatOptions = Omit<ChatOnceOptions, "threadId" | "threadConfig">;

/**
 * A handle on one thread. Cheap to create: it holds the id and a snapshot of the thread's
 * settings (`defaults`); every call goes through the client's thread and turn services. Several
 * handles on several threads can run turns at once over one client.
 *
 * @example
 * ```ts
 * const thread = await client.startThread({ cwd: "/repo", approvalPolicy: "on-request", sandbox: "workspace-write" });
 * const first = await thread.chatOnce("What does this repo do?");
 * for await (const step of thread.chat("Now run the tests")) console.log(step.stepType, step.text);
 * ```
 */
export class ThreadHandle {
  readonly threadId: string;
  #defaults: ThreadConfig;
  readonly #threads: ThreadService<ThreadHandle>;
  readonly #turns: TurnService;

  /** @internal Handles come from `startThread`, `resumeThread` and `forkThread`. */
  constructor(
    threads: ThreadService<ThreadHandle>,
    turns: TurnService,
    threadId: string,
    defaults: ThreadConfig,
  ) {
    this.#threads = threads;
    this.#turns = turns;
    this.threadId = threadId;
    this.#defaults = { ...defaults };
  }

  /** A snapshot of the settings this handle started, resumed or forked the thread with, plus later updates. */
  get defaults(): Readonly<ThreadConfig> {
    return { ...this.#defaults };
  }

  /** Runs one turn to completion. See {@link CodexClient.chatOnce}. */
  chatOnce(input?: TurnInput, options: ThreadChatOptions = {}): Promise<ChatResult> {
    return this.#turns.chatOnce(
      input,
      options.continuation ? options : { ...options, threadId: this.threadId },
    );
  }

  /** Runs one turn and yields its completed steps. See {@link CodexClient.chat}. */
  chat(input?: TurnInput, options: ThreadChatOptions = {}): AsyncGenerator<ConversationStep> {
    return this.#turns.chat(input, options.continuation ? options : { ...options, threadId: this.threadId });
  }

  /** Starts a turn and returns its live event stream (deltas included). */
  streamTurn(input: TurnInput, options: StreamTurnOptions = {}): Promise<TurnStream> {
    return this.#turns.streamTurn(this.threadId, input, options);
  }

  /** Changes the thread's settings for later turns (`thread/settings/update`). Call between turns. */
  async updateDefaults(settings: ThreadSettings): Promise<void> {
    await this.#threads.setThreadDefaults(this.threadId, settings);
    const { sandboxPolicy: _ignored, ...rest } = settings;
    this.#defaults = { ...this.#defaults, ...(rest as ThreadConfig) };
  }

  /** Forks this thread into a new one (`thread/fork`). */
  fork(overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#threads.forkThread(this.threadId, overrides);
  }

  read(options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.#threads.readThread(this.threadId, options);
  }

  async setName(name: string): Promise<void> {
    await this.#threads.setThreadName(this.threadId, name);
  }

  async archive(): Promise<void> {
    await this.#threads.archiveThread(this.threadId);
  }

  async unarchive(): Promise<void> {
    await this.#threads.unarchiveThread(this.threadId);
  }

  /** Drops the last `numTurns` turns from the thread's history. See {@link CodexClient.rollbackThread}. */
  rollback(numTurns: number): Promise<void> {
    return this.#threads.rollbackThread(this.threadId, { numTurns });
  }

  async compact(): Promise<void> {
    await this.#threads.compactThread(this.threadId);
  }

  startReview(target: ReviewTarget): Promise<ReviewStartResponse> {
    return this.#threads.startReview({ threadId: this.threadId, target });
  }
}
