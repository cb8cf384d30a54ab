// Reconnecting a dropped connection: the loop that tries fresh transports. The connection hands it
// a narrow view of itself (ReconnectHost), so this file owns the policy and the connection owns state.
import { CodexTransportError } from "../errors/index.js";
import { sleep } from "../internal/timers.js";
import type { Transport } from "../transport/transport.js";
import type { OptionSpec } from "../internal/option-check.js";

/** How to reconnect a dropped connection. */
export interface ReconnectOptions {
  /** Attempts before giving up and closing. Default 10. */
  maxAttempts?: number | undefined;
  /**
   * Delay before the first attempt, doubled after each failure (at most 30 s). Default 500 ms.
   * Each wait is drawn at random between half and all of the current delay, so clients that lost
   * the same server do not all come back at the same instant.
   */
  backoffMs?: number | undefined;
  /** Makes the transport of the next attempt. */
  transport: () => Transport;
}

/** The keys of {@link ReconnectOptions}. */
export const RECONNECT_OPTIONS = {
  maxAttempts: "number",
  backoffMs: "number",
  transport: "function",
} as const satisfies OptionSpec<ReconnectOptions>;

/** What the reconnect loop may do to the connection it repairs. */
export interface ReconnectHost {
  /** Aborted when the connection is closed for good (the loop then stops). */
  readonly closedSignal: AbortSignal;
  /** True while the connection is still waiting for a new transport. */
  stillReconnecting(): boolean;
  /** Makes `transport` the connection's transport (its messages are delivered from now on). */
  adopt(transport: Transport): void;
  /** The new transport is open: requests may flow; runs the reconnect listeners (awaited). */
  reopened(): Promise<void>;
  /** Gives up: closes the connection with `error`. */
  fail(error: CodexTransportError): void;
}

const MAX_BACKOFF_MS = 30_000;

/** The wait before an attempt: between half and all of `delay` (jitter). */
export function jittered(delay: number, random: () => number = Math.random): number {
  return delay / 2 + random() * (delay / 2);
}

/** Tries new transports, `backoffMs` apart and doubling, until one opens or the attempts run out. */
export async function reconnectLoop(
  host: ReconnectHost,
  failure: CodexTransportError,
  options: ReconnectOptions,
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 10;
  let delay = options.backoffMs ?? 500;
  let lastError: unknown = failure;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    // Ends early when the connection is closed meanwhile.
    await sleep(jittered(delay), [host.closedSignal]).catch(() => {});
    if (!host.stillReconnecting()) return;
    delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    const transport = options.transport();
    host.adopt(transport);
    try {
      await transport.start();
    } catch (error) {
      lastError = error;
      continue;
    }
    if (!host.stillReconnecting()) {
      await transport.close().catch(() => {});
      return;
    }
    try {
      await host.reopened();
    } catch (error) {
      host.fail(
        new CodexTransportError("The connection reopened, but its reconnect listener failed; closing.", {
          cause: error,
        }),
      );
      await transport.close().catch(() => {});
    }
    return;
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  host.fail(
    new CodexTransportError(`Could not reconnect after ${maxAttempts} attempts: ${reason}`, {
      cause: lastError,
    }),
  );
}
