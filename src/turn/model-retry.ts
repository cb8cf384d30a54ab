// The bound on a model the server keeps retrying: its `error` notifications with `willRetry: true`
// are counted, and a run of them with no progress in between ends after `modelRetryTimeoutMs`.
import { CodexModelUnavailableError } from "../errors/index.js";
import type { ErrorNotification } from "../protocol/generated/v2/ErrorNotification.js";

/** How long a turn may keep retrying its model without progress, by default: 5 minutes. */
export const DEFAULT_MODEL_RETRY_TIMEOUT_MS = 5 * 60_000;

/** Longest delay `setTimeout` keeps; a larger one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `modelRetryTimeoutMs`, checked before anything is sent: a positive number of ms up to about
 * 24.8 days, or `Infinity` to let the server retry for ever. `undefined` stays undefined.
 */
export function modelRetryTimeoutOf(ms: number | undefined): number | undefined {
  if (ms === undefined || ms === Infinity) return ms;
  if (typeof ms !== "number" || !(ms > 0) || ms > MAX_TIMER_MS)
    throw new RangeError(
      `modelRetryTimeoutMs must be a positive number of ms (at most ${MAX_TIMER_MS}) or Infinity, got ${String(ms)}.`,
    );
  return ms;
}

/** The params of `method` when it is a retry notice (`error` with `willRetry: true`), else undefined. */
export function retryNotice(method: string, params: unknown): ErrorNotification | undefined {
  if (method !== "error") return undefined;
  const p = params as ErrorNotification | null;
  return typeof p === "object" && p !== null && p.willRetry === true ? p : undefined;
}

/**
 * Runs of retry notices with no progress in between. Progress on a turn that never retries costs
 * one field check; `progress()` ends a run and its timer, `stop()` at the turn's end.
 */
export class RetryWatch {
  /** Retry notices since the last progress. */
  retries = 0;
  #last: ErrorNotification | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  private readonly timeoutMs: number;

  constructor(
    private readonly threadId: string,
    /** Default {@link DEFAULT_MODEL_RETRY_TIMEOUT_MS}; `Infinity`: no limit. */
    timeoutMs: number | undefined,
    /** Called once when the run outlasts `timeoutMs`, with the error to end the turn with. */
    private readonly onExpire: (error: CodexModelUnavailableError) => void,
  ) {
    this.timeoutMs = timeoutMs ?? DEFAULT_MODEL_RETRY_TIMEOUT_MS;
  }

  /** Counts `params` if it is a retry notice (the first of a run starts the clock); else false. */
  notice(params: unknown): boolean {
    const notice = retryNotice("error", params);
    if (!notice) return false;
    this.#last = notice;
    if (this.retries++ === 0 && this.timeoutMs !== Infinity)
      this.#timer = setTimeout(() => this.#expire(), this.timeoutMs);
    return true;
  }

  /** Something else happened on the turn: the model answers again. */
  progress(): void {
    if (this.retries === 0) return;
    this.retries = 0;
    this.stop();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #expire(): void {
    this.#timer = undefined;
    const last = this.#last;
    const lastMessage = last?.error?.message ?? "";
    const turnId = last?.turnId ?? "";
    this.onExpire(
      new CodexModelUnavailableError(
        `Turn ${turnId}: the server could not reach its model for ${this.timeoutMs} ms ` +
          `(${this.retries} retries, last: "${lastMessage}"${last?.error?.additionalDetails ? `, ${last.error.additionalDetails}` : ""}); ` +
          "the SDK interrupted the turn. Check the model provider's base_url and the network, " +
          "or raise modelRetryTimeoutMs.",
        {
          threadId: this.threadId,
          turnId,
          lastMessage,
          additionalDetails: last?.error?.additionalDetails ?? null,
          retries: this.retries,
          timeoutMs: this.timeoutMs,
        },
      ),
    );
  }
}
