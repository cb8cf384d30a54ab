// Running turns: chatOnce, chat, streamTurn, continuation and cancel, each on its thread's runtime.
import type { ApprovalRoute, StartingTurnRoute } from "../approvals/routes.js";
import { CodexError, type TurnContinuation } from "../errors/index.js";
import { abortError, withTimeout } from "../internal/timers.js";
import type { ClientRequestResult } from "../protocol/index.js";
import type { UserInput } from "../protocol/generated/v2/UserInput.js";
import type { ServerPort } from "../rpc/port.js";
import { lazyGenerator } from "../streams/lazy-generator.js";
import { idIn } from "./reply-ids.js";
import type { ThreadRuntimes } from "../runtime/thread-runtimes.js";
import { toStep, type ConversationStep } from "../turn/steps.js";
import { turnSteps } from "../turn/step-iterator.js";
import { isTurnNotRunning, keepsTurn } from "../turn/turn-errors.js";
import type { TurnState, TurnStreamMode } from "../turn/turn-state.js";
import { modelRetryTimeoutOf } from "../turn/model-retry.js";
import type { ModelAccess } from "../account/model-access.js";
import { TurnStream } from "../turn/turn-stream.js";
import { cancelUntrackedTurn } from "./cancel.js";
import type {
  CancelResult,
  ChatOnceOptions,
  ChatOptions,
  ChatResult,
  ChatResultFor,
  StreamTurnOptions,
} from "./chat-types.js";
import {
  settingsParams,
  toUserInput,
  type ThreadConfig,
  type TurnInput,
  type TurnOverrides,
} from "./config.js";
import { checkOptions } from "../internal/option-check.js";
import {
  CANCEL_OPTIONS,
  CHAT_ONCE_OPTIONS,
  CHAT_OPTIONS,
  STEER_TURN_PARAMS,
  STREAM_TURN_OPTIONS,
} from "./option-specs.js";
import { absolutePaths } from "./paths.js";
import { prepareOutput, readOutput, type PreparedOutput } from "./structured-output.js";
import type { ThreadService } from "./threads.js";

/** Options of {@link TurnService}. */
export interface TurnServiceOptions {
  /** Default inactivity timeout of chatOnce/chat turns, in ms. */
  inactivityTimeoutMs?: number | undefined;
  /** Events a turn stream buffers for a slow consumer. */
  turnBufferSize: number;
  /** Why a turn on this thread must not be sent now (a goal runs there), checked before sending. */
  refuseTurn?: ((threadId: string) => Error | undefined) | undefined;
  /** Default `modelRetryTimeoutMs` of every turn (undefined: 5 minutes). */
  modelRetryTimeoutMs?: number | undefined;
  /** Refuses a turn the server cannot run for want of a sign-in (`account/read`, cached). */
  modelAccess?: Pick<ModelAccess, "require"> | undefined;
  /** Reports a problem nobody awaits (a background `turn/interrupt` that failed) to `onError`. */
  report?: ((error: Error, code: string) => void) | undefined;
}

/** How long `cancel()` waits for an interrupted turn to end, by default. */
const CANCEL_TIMEOUT_MS = 10_000;

/**
 * Runs turns on threads: one turn to completion (`chatOnce`), its steps (`chat`), or every event
 * (`streamTurn`); resumes a turn from its continuation and cancels one.
 */
export class TurnService {
  constructor(
    private readonly rpc: ServerPort,
    private readonly threads: ThreadService<{ threadId: string }>,
    /** Each thread's runtime: its turns being read, and its approval routes. */
    private readonly runtimes: ThreadRuntimes,
    private readonly options: TurnServiceOptions,
  ) {}

  async chatOnce<O extends ChatOnceOptions>(input?: TurnInput, options?: O): Promise<ChatResultFor<O>> {
    const opts: ChatOnceOptions = options ?? {};
    checkOptions(opts, CHAT_ONCE_OPTIONS, "chatOnce(input, options)");
    refuseAborted("chatOnce", opts.signal);
    keepItemsOf(opts); // a bad value is refused before anything is sent
    this.retryTimeoutOf(opts);
    const output = structuredOutput(opts);
    const result = await this.runOnce(input, opts, output);
    if (!output) return result as ChatResultFor<O>;
    return { ...result, output: await readOutput(result, output) } as ChatResultFor<O>;
  }

  private async runOnce(
    input: TurnInput | undefined,
    options: ChatOnceOptions,
    output: PreparedOutput | undefined,
  ): Promise<ChatResult> {
    const overrides: TurnOverrides | undefined = output
      ? { ...options.turnOverrides, outputSchema: output.jsonSchema as TurnOverrides["outputSchema"] }
      : options.turnOverrides;
    const state = options.continuation
      ? this.resumeContinuation(input, options, "once")
      : await this.beginTurn(
          ...(await this.threadAndInput(input, options)),
          overrides,
          {
            mode: "once",
            collectItems: true,
            keepItems: keepItemsOf(options),
            bufferSize: 0,
            modelRetryTimeoutMs: this.retryTimeoutOf(options),
          },
          approvalRouteOf(options),
        );
    let result;
    try {
      result = await state.waitForCompletion(
        options.inactivityTimeoutMs ?? this.options.inactivityTimeoutMs,
        options.signal,
      );
    } catch (error) {
      if (!keepsTurn(error)) state.releaseOnce();
      throw error;
    }
    state.releaseOnce();
    state.throwIfFailed();
    let { finalText, assistantItemId } = result;
    let completionSource: ChatResult["completionSource"] = "items";
    if (!assistantItemId && result.status === "completed") {
      const fromRead = await this.finalTextFromHistory(result.threadId, result.turnId);
      if (fromRead) {
        ({ finalText, assistantItemId } = fromRead);
        completionSource = "history";
      }
    }
    return {
      threadId: result.threadId,
      turnId: result.turnId,
      finalText,
      items: result.items,
      itemsDropped: result.itemsDropped,
      usage: result.usage,
      status: result.status,
      assistantItemId,
      completionSource,
    };
  }

  chat(input?: TurnInput, options: ChatOptions = {}): AsyncGenerator<ConversationStep> {
    return lazyGenerator(async () => {
      refuseAborted("chat", options.signal);
      const modelRetryTimeoutMs = this.retryTimeoutOf(options);
      const structured = options as ChatOnceOptions;
      if (structured.outputSchema !== undefined || structured.jsonSchema !== undefined) {
        throw new TypeError(
          "outputSchema is for chatOnce, which returns the parsed output. With chat, pass the JSON Schema as turnOverrides.outputSchema.",
        );
      }
      checkOptions(options, CHAT_OPTIONS, "chat(input, options)");
      const state = options.continuation
        ? this.resumeContinuation(input, options, "stream")
        : await this.beginTurn(
            ...(await this.threadAndInput(input, options)),
            options.turnOverrides,
            { mode: "stream", bufferSize: this.options.turnBufferSize, stepsOnly: true, modelRetryTimeoutMs },
            approvalRouteOf(options),
          );
      return turnSteps(
        state,
        options.inactivityTimeoutMs ?? this.options.inactivityTimeoutMs,
        options.signal,
      );
    });
  }

  async streamTurn(threadId: string, input: TurnInput, options: StreamTurnOptions = {}): Promise<TurnStream> {
    checkOptions(options, STREAM_TURN_OPTIONS, "streamTurn(threadId, input, options)");
    refuseAborted("streamTurn", options.signal);
    const items = requireInput(input);
    const modelRetryTimeoutMs = this.retryTimeoutOf(options);
    this.refuseTurn(threadId);
    await this.requireModelAccess(threadId, options.threadConfig, options.signal);
    await this.threads.ensureLoaded(threadId, options.threadConfig);
    const state = await this.beginTurn(
      threadId,
      items,
      options.turnOverrides,
      { mode: "stream", bufferSize: options.bufferSize ?? this.options.turnBufferSize, modelRetryTimeoutMs },
      approvalRouteOf(options),
    );
    state.interruptOnAbort(options.signal);
    return new TurnStream(state);
  }

  /**
   * Gives up on a turn: interrupts it if it is still running, returns what the caller had not read,
   * and forgets it so the thread can take the next turn. A turn this client does not track (another
   * client's, or one long finished) goes through {@link cancelUntrackedTurn}.
   */
  async cancel(continuation: TurnContinuation, options: { timeoutMs?: number } = {}): Promise<CancelResult> {
    checkOptions(options, CANCEL_OPTIONS, "cancel(continuation, options)");
    const state = this.runtimes.turn(continuation.threadId, continuation.turnId);
    if (!state) {
      await this.threads.ready();
      return cancelUntrackedTurn(this.rpc, continuation, {
        timeoutMs: options.timeoutMs ?? CANCEL_TIMEOUT_MS,
        bufferSize: this.options.turnBufferSize,
      });
    }
    const wasCompleted = state.finished;
    const rawEvents = state.drainBuffered();
    try {
      if (!state.finished) {
        // The turn may have ended on the server with its turn/completed still on the way.
        await this.interruptTurn(state.threadId, state.turnId).catch((error: unknown) => {
          if (!isTurnNotRunning(error)) throw error;
        });
        await withTimeout(
          state.done(),
          options.timeoutMs ?? CANCEL_TIMEOUT_MS,
          "the interrupted turn to end",
        );
        rawEvents.push(...state.drainBuffered());
      }
    } finally {
      state.releaseOnce();
    }
    const result = state.result();
    const steps =
      state.mode === "once"
        ? result.items.map((item) => toStep(state.threadId, state.turnId, item))
        : rawEvents.flatMap((e) =>
            e.method === "item/completed" ? [toStep(state.threadId, state.turnId, e.params.item)] : [],
          );
    return {
      threadId: state.threadId,
      turnId: state.turnId,
      status: result.status,
      tracked: true,
      steps,
      rawEvents,
      wasCompleted,
      wasInterrupted: result.status === "interrupted",
    };
  }

  /** `turn/interrupt`. The turn then completes with status `interrupted`. */
  async interruptTurn(threadId: string, turnId: string): Promise<void> {
    await this.rpc.request("turn/interrupt", { threadId, turnId });
  }

  /** Adds input to the running turn (`turn/steer`). */
  async steerTurn(params: {
    threadId: string;
    expectedTurnId: string;
    input: TurnInput;
  }): Promise<ClientRequestResult<"turn/steer">> {
    checkOptions(params, STEER_TURN_PARAMS, "steerTurn(params)");
    return this.rpc.request("turn/steer", {
      threadId: params.threadId,
      expectedTurnId: params.expectedTurnId,
      input: toUserInput(params.input),
    });
  }

  /**
   * Validates the input before anything is sent, then picks the thread: `threadId` (resumed first
   * when this connection has not loaded it, with `threadConfig`), or a new one.
   */
  private async threadAndInput(
    input: TurnInput | undefined,
    options: ChatOnceOptions,
  ): Promise<[string, UserInput[]]> {
    const items = requireInput(input);
    if (options.threadId !== undefined) {
      this.refuseTurn(options.threadId);
      // Checked before the thread is resumed or started: a turn that cannot run sends nothing.
      await this.requireModelAccess(options.threadId, options.threadConfig, options.signal);
      await this.threads.ensureLoaded(options.threadId, options.threadConfig);
      return [options.threadId, items];
    }
    await this.requireModelAccess(undefined, options.threadConfig, options.signal);
    return [await this.threads.startThreadId(options.threadConfig), items];
  }

  /**
   * Refuses a turn with `CodexAuthRequiredError` when the server's model provider needs an OpenAI
   * sign-in and nobody is signed in. `account/read` speaks of the server's default provider only:
   * a thread that names its own (`modelProvider`, or `model_provider` in its `config`) is not checked.
   */
  async requireModelAccess(
    threadId: string | undefined,
    config?: ThreadConfig,
    signal?: AbortSignal,
  ): Promise<void> {
    const access = this.options.modelAccess;
    if (!access || namesProvider(config)) return;
    if (threadId !== undefined && namesProvider(this.threads.loadedWith(threadId))) return;
    await this.threads.ready();
    await access.require(signal);
  }

  /** Resumes `threadId` when this connection has not loaded it, so its events reach this client. */
  loadThread(threadId: string): Promise<void> {
    return this.threads.ensureLoaded(threadId, undefined);
  }

  /** The turn's `modelRetryTimeoutMs`, else the client's; a bad value is refused before anything is sent. */
  private retryTimeoutOf(options: { modelRetryTimeoutMs?: number | undefined }): number | undefined {
    return modelRetryTimeoutOf(options.modelRetryTimeoutMs ?? this.options.modelRetryTimeoutMs);
  }

  /** A thread whose goal is running takes no turn from the caller: refused before anything is sent. */
  private refuseTurn(threadId: string): void {
    const refusal = this.options.refuseTurn?.(threadId);
    if (refusal) throw refusal;
  }

  private async beginTurn(
    threadId: string,
    input: UserInput[],
    overrides: TurnOverrides | undefined,
    stream: {
      mode: TurnStreamMode;
      bufferSize: number;
      collectItems?: boolean;
      keepItems?: number | undefined;
      stepsOnly?: boolean;
      modelRetryTimeoutMs?: number | undefined;
    },
    approval?: ApprovalRoute,
  ): Promise<TurnState> {
    this.refuseTurn(threadId);
    await this.threads.ready();
    const runtime = this.runtimes.of(threadId);
    const pending = runtime.turns.expect();
    let approvalRoute: StartingTurnRoute | undefined;
    // Settings queued by updateDefaults / threadConfig travel with this turn (the turn's own win).
    const queued = this.threads.takePendingSettings(threadId);
    let turnId: string;
    try {
      // Approvals: the turn's own handler and timeout apply from its first request.
      if (approval) approvalRoute = runtime.approvals.startTurn(approval);
      const settings = absolutePaths(
        { ...queued.settings, ...overrides },
        "TurnStartParams",
        this.threads.cwdOf(threadId),
      );
      const params = settingsParams("turn/start", settings, { threadId, input });
      turnId = idIn(await this.rpc.request("turn/start", params), "turn", "turn/start");
      // The server keeps a turn's cwd for the thread's later turns.
      if (typeof settings.cwd === "string") this.threads.setCwd(threadId, settings.cwd);
    } catch (error) {
      queued.restore();
      approvalRoute?.cancel();
      runtime.turns.cancelPending(pending);
      throw error;
    }
    let state: TurnState;
    try {
      state = runtime.turns.bind(pending, {
        turnId,
        ...stream,
        interrupt: () => this.interruptTurn(threadId, turnId),
        interruptFailed: (error) => {
          // Cut off by closing the client: nothing is left to cancel it with, and the close was asked for.
          if (this.rpc.state === "closed") return;
          this.options.report?.(
            new CodexError(
              `Turn ${turnId} on thread ${threadId}: turn/interrupt failed, so the turn may still be running ` +
                `(${error instanceof Error ? error.message : String(error)}). Cancel it again with cancel(continuation).`,
              { cause: error },
            ),
            "CODEX_TURN_INTERRUPT_FAILED",
          );
        },
      });
    } catch (error) {
      approvalRoute?.cancel(); // refused (a turn being read has that id): its route is not that turn's
      throw error;
    }
    approvalRoute?.bind(turnId);
    if (approvalRoute) {
      // Approvals: however the turn ends (a reconnect may end it locally), drop its route.
      const end = () => approvalRoute.end();
      state.done().then(end, end);
    }
    return state;
  }

  private resumeContinuation(
    input: TurnInput | undefined,
    options: ChatOnceOptions,
    mode: TurnStreamMode,
  ): TurnState {
    const c = options.continuation as TurnContinuation;
    const extra = [
      input !== undefined && "input",
      options.threadId !== undefined && "threadId",
      options.threadConfig !== undefined && "threadConfig",
      options.turnOverrides !== undefined && "turnOverrides",
      options.approvalHandler !== undefined && "approvalHandler",
      options.approvalTimeoutMs !== undefined && "approvalTimeoutMs",
    ].filter(Boolean);
    if (extra.length > 0) {
      throw new TypeError(
        `A continuation resumes a running turn; it cannot be combined with ${extra.join(", ")}. Pass only { continuation }.`,
      );
    }
    if (c.mode !== mode) {
      throw new TypeError(
        `This continuation came from ${c.mode === "once" ? "chatOnce()" : "chat()"} (mode "${c.mode}"); ` +
          `resume it with ${c.mode === "once" ? "chatOnce" : "chat"}(undefined, { continuation }).`,
      );
    }
    const state = this.runtimes.turn(c.threadId, c.turnId);
    if (!state) {
      throw new CodexError(
        `Turn ${c.turnId} is not tracked by this client any more (cancelled, already resumed to the end, or from another client).`,
      );
    }
    return state;
  }

  private async finalTextFromHistory(
    threadId: string,
    turnId: string,
  ): Promise<{ finalText: string; assistantItemId: string } | undefined> {
    const [turn] = await this.threads.findTurns(threadId, [turnId]);
    const messages = (turn?.items ?? []).filter((i) => i.type === "agentMessage");
    const last = messages.at(-1);
    return last && last.type === "agentMessage"
      ? { finalText: last.text, assistantItemId: last.id }
      : undefined;
  }
}

/** The turn's approval options, if it has any. */
function approvalRouteOf(options: {
  approvalHandler?: ApprovalRoute["handler"];
  approvalTimeoutMs?: number | undefined;
}): ApprovalRoute | undefined {
  const { approvalHandler: handler, approvalTimeoutMs: timeoutMs } = options;
  return handler === undefined && timeoutMs === undefined ? undefined : { handler, timeoutMs };
}

/** An already-aborted signal sends nothing: no thread/start, no turn/start, no interrupt. */
function refuseAborted(what: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(what, signal);
}

function requireInput(input: TurnInput | undefined): UserInput[] {
  if (input === undefined) {
    throw new TypeError(
      "A turn needs input (a string or UserInput[]); only a continuation may be passed without input.",
    );
  }
  return toUserInput(input);
}

/** The structured output of chatOnce's options, checked before anything is sent. */
function structuredOutput(options: ChatOnceOptions): PreparedOutput | undefined {
  if (options.outputSchema === undefined) {
    if (options.jsonSchema !== undefined) throw new TypeError("jsonSchema needs an outputSchema validator.");
    return undefined;
  }
  if (options.turnOverrides?.outputSchema != null) {
    throw new TypeError("Pass the schema once: outputSchema, or turnOverrides.outputSchema, not both.");
  }
  return prepareOutput(options.outputSchema, options.jsonSchema);
}

/** `keepItems`, checked: a non-negative integer or `Infinity`. */
function keepItemsOf(options: { keepItems?: number | undefined }): number | undefined {
  const n = options.keepItems;
  if (n !== undefined && !(n === Infinity || (Number.isInteger(n) && n >= 0)))
    throw new RangeError(`keepItems must be a non-negative integer or Infinity, got ${n}`);
  return n;
}

/** Whether thread settings choose a model provider of their own. */
function namesProvider(config: ThreadConfig | undefined): boolean {
  if (config == null) return false;
  return config.modelProvider != null || (config.config != null && "model_provider" in config.config);
}
