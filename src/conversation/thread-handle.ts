import type { CodexClient } from "../client/client.js";
import type { ReviewTarget } from "../protocol/generated/v2/ReviewTarget.js";
import type { ThreadReadResponse } from "../protocol/generated/v2/ThreadReadResponse.js";
import type { ReviewStartResponse } from "../protocol/generated/v2/ReviewStartResponse.js";
import type { ConversationStep } from "../turn/steps.js";
import type { TurnStream } from "../turn/turn-stream.js";
import type { ChatOnceOptions, ChatResult, StreamTurnOptions, ThreadSettings } from "./chat-types.js";
import type { ThreadConfig, TurnInput } from "./config.js";

/** Options of thread-bound chat calls: the thread is already chosen. */
export type ThreadChatOptions = Omit<ChatOnceOptions, "threadId" | "threadConfig">;

/**
 * A handle on one thread. Cheap to create: it holds the id and a snapshot of the thread's
 * settings (`defaults`); every call goes through the client. Several handles on several threads
 * can run turns at once over one client.
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
  private defaults_: ThreadConfig;

  constructor(
    private readonly client: CodexClient,
    threadId: string,
    defaults: ThreadConfig,
  ) {
    this.threadId = threadId;
    this.defaults_ = { ...defaults };
  }

  /** A snapshot of the settings this handle started, resumed or forked the thread with, plus later updates. */
  get defaults(): Readonly<ThreadConfig> {
    return { ...this.defaults_ };
  }

  /** Runs one turn to completion. See {@link CodexClient.chatOnce}. */
  chatOnce(input?: TurnInput, options: ThreadChatOptions = {}): Promise<ChatResult> {
    return this.client.chatOnce(
      input,
      options.continuation ? options : { ...options, threadId: this.threadId },
    );
  }

  /** Runs one turn and yields its completed steps. See {@link CodexClient.chat}. */
  chat(input?: TurnInput, options: ThreadChatOptions = {}): AsyncGenerator<ConversationStep> {
    return this.client.chat(input, options.continuation ? options : { ...options, threadId: this.threadId });
  }

  /** Starts a turn and returns its live event stream (deltas included). */
  streamTurn(input: TurnInput, options: StreamTurnOptions = {}): Promise<TurnStream> {
    return this.client.streamTurn(this.threadId, input, options);
  }

  /** Changes the thread's settings for later turns (`thread/settings/update`). Call between turns. */
  async updateDefaults(settings: ThreadSettings): Promise<void> {
    await this.client.setThreadDefaults(this.threadId, settings);
    const { sandboxPolicy: _ignored, ...rest } = settings;
    this.defaults_ = { ...this.defaults_, ...(rest as ThreadConfig) };
  }

  /** Forks this thread into a new one (`thread/fork`). */
  fork(overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.client.forkThread(this.threadId, overrides);
  }

  read(options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.client.readThread(this.threadId, options);
  }

  async setName(name: string): Promise<void> {
    await this.client.setThreadName(this.threadId, name);
  }

  async archive(): Promise<void> {
    await this.client.archiveThread(this.threadId);
  }

  async unarchive(): Promise<void> {
    await this.client.unarchiveThread(this.threadId);
  }

  /** Drops the last `numTurns` turns from the thread's history. See {@link CodexClient.rollbackThread}. */
  rollback(numTurns: number): Promise<void> {
    return this.client.rollbackThread(this.threadId, { numTurns });
  }

  async compact(): Promise<void> {
    await this.client.compactThread(this.threadId);
  }

  startReview(target: ReviewTarget): Promise<ReviewStartResponse> {
    return this.client.startReview({ threadId: this.threadId, target });
  }
}
