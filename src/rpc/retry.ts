import {
  CodexOverloadedError,
  CodexProtocolError,
  CodexTimeoutError,
  SERVER_OVERLOADED_CODE,
} from "../errors/index.js";
import type { OptionSpec } from "../internal/option-check.js";

/** How requests answered with -32001 "Server overloaded; retry later" are retried. */
export interface OverloadRetryOptions {
  /** Retries after the first attempt. Default 4 (5 requests in all). 0 disables retrying. */
  maxRetries?: number;
  /** First back-off delay. Default 100 ms; doubles on each retry. */
  initialDelayMs?: number;
  /** Ceiling of one back-off delay. Default 2000 ms. */
  maxDelayMs?: number;
  /** Fraction of each delay that is randomised (0…1). Default 0.5. */
  jitter?: number;
}

/** The keys of {@link OverloadRetryOptions}. */
export const OVERLOAD_RETRY_OPTIONS = {
  maxRetries: "number",
  initialDelayMs: "number",
  maxDelayMs: "number",
  jitter: "number",
} as const satisfies OptionSpec<OverloadRetryOptions>;

export const DEFAULT_OVERLOAD_RETRY: Required<OverloadRetryOptions> = {
  maxRetries: 4,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  jitter: 0.5,
};

/** Delay before retry number `retry` (0-based): exponential, capped, with "equal jitter". */
export function backoffDelay(
  retry: number,
  options: Required<OverloadRetryOptions>,
  random = Math.random,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** retry);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

/**
 * Runs `attempt` (given the time left) until it is not refused with -32001: each refusal is retried
 * after `backOff`, within `timeoutMs` in all. Ends with `CodexOverloadedError` once the retries are
 * spent, or `CodexTimeoutError` when the next back-off would pass the deadline.
 */
export async function withOverloadRetry(
  method: string,
  timeoutMs: number,
  retry: Required<OverloadRetryOptions> | undefined,
  backOff: (delayMs: number) => Promise<void>,
  attempt: (remainingMs: number) => Promise<unknown>,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  const maxRetries = retry?.maxRetries ?? 0;
  for (let n = 0; ; n++) {
    try {
      return await attempt(Math.max(1, deadline - Date.now()));
    } catch (error) {
      if (!(error instanceof CodexProtocolError) || error.code !== SERVER_OVERLOADED_CODE) throw error;
      if (n >= maxRetries || !retry) {
        throw new CodexOverloadedError(
          `The app-server stayed overloaded for "${method}" after ${n + 1} attempt(s); retry later ` +
            "or raise overloadRetry.maxRetries.",
          n + 1,
          { data: error.data, method, cause: error },
        );
      }
      const delay = backoffDelay(n, retry);
      if (Date.now() + delay >= deadline) {
        throw new CodexTimeoutError(
          `"${method}" timed out after ${timeoutMs} ms while the server was overloaded.`,
          timeoutMs,
          { cause: error },
        );
      }
      await backOff(delay);
    }
  }
}
