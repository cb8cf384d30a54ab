// The wait for `account/login/completed` of one sign-in: it starts listening before the
// `account/login/start` request is sent (the notification may overtake the reply), matches by
// `loginId`, and ends on completion, timeout, abort or connection close.
import type { OptionSpec } from "../internal/option-check.js";
import { CodexAbortError, CodexTimeoutError, CodexTransportError } from "../errors/index.js";
import type { AccountLoginCompletedNotification } from "../protocol/generated/v2/AccountLoginCompletedNotification.js";
import type { AccountConnection } from "./connection.js";

/** How a sign-in ended, as the server reported it in `account/login/completed`. */
export interface LoginCompletion {
  /** The sign-in's id; `null` for API-key sign-in. */
  loginId: string | null;
  /** `false` when it failed or was cancelled (then `error` may say why). */
  success: boolean;
  error: string | null;
}

/** Options of the waits for a sign-in to complete. */
export interface LoginWaitOptions {
  /**
   * Give up waiting for the sign-in after this long (ms), and cancel it on the server. Default
   * 600 000 (10 minutes): the user has to finish it in a browser.
   */
  timeoutMs?: number | undefined;
  /** Stop waiting, and cancel the sign-in on the server. */
  signal?: AbortSignal | undefined;
}

/** The keys of {@link LoginWaitOptions}. */
export const LOGIN_WAIT_OPTIONS = {
  timeoutMs: "number",
  signal: "signal",
} as const satisfies OptionSpec<LoginWaitOptions>;

export const DEFAULT_LOGIN_TIMEOUT_MS = 600_000;
/** Completions of other sign-ins kept while the reply naming ours is on its way. */
const EARLY_COMPLETIONS = 16;

/**
 * Listens for completions from construction on. `bind(loginId)` then returns the promise of that
 * login's completion; `dispose()` stops listening (also done once the promise settles).
 */
export class PendingLogin {
  readonly #early: LoginCompletion[] = [];
  #off: (() => void) | undefined;
  #settle: ((completion: LoginCompletion) => void) | undefined;
  #loginId: string | null | undefined;

  constructor(connection: Pick<AccountConnection, "on">) {
    this.#off = connection.on("account/login/completed", (params) => this.#onCompleted(params));
  }

  #onCompleted(params: AccountLoginCompletedNotification): void {
    const completion = { loginId: params.loginId, success: params.success, error: params.error };
    if (this.#settle && completion.loginId === this.#loginId) {
      this.#settle(completion);
      return;
    }
    if (this.#loginId !== undefined) return; // another sign-in's completion
    this.#early.push(completion);
    if (this.#early.length > EARLY_COMPLETIONS) this.#early.shift();
  }

  /**
   * The completion of `loginId`. Rejects with `CodexTimeoutError`, `CodexAbortError` or
   * `CodexTransportError` (the connection closed), after calling `onGiveUp` (which cancels the
   * sign-in on the server). Its rejection is marked handled: a caller who never awaits it gets no
   * unhandled-rejection crash.
   */
  bind(
    loginId: string | null,
    options: LoginWaitOptions,
    connection: Pick<AccountConnection, "onClose">,
    onGiveUp: () => void,
  ): Promise<LoginCompletion> {
    this.#loginId = loginId;
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
    const { signal } = options;
    const promise = new Promise<LoginCompletion>((resolve, reject) => {
      const early = this.#early.find((c) => c.loginId === loginId);
      this.#early.length = 0;
      if (early) {
        this.dispose();
        return resolve(early);
      }
      let offClose: () => void = () => {};
      let done = false;
      const finish = (outcome: { completion: LoginCompletion } | { error: Error }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        offClose();
        this.dispose();
        if ("completion" in outcome) return resolve(outcome.completion);
        onGiveUp();
        reject(outcome.error);
      };
      const onAbort = () =>
        finish({
          error: new CodexAbortError("The wait for the sign-in was aborted.", { cause: signal?.reason }),
        });
      const timer = setTimeout(
        () =>
          finish({
            error: new CodexTimeoutError(
              `The sign-in did not complete within ${timeoutMs} ms; it was cancelled. Start a new one.`,
              timeoutMs,
            ),
          }),
        timeoutMs,
      );
      if (signal?.aborted) return onAbort();
      this.#settle = (completion) => finish({ completion });
      signal?.addEventListener("abort", onAbort, { once: true });
      offClose = connection.onClose((error) =>
        finish({
          error: new CodexTransportError("The connection closed before the sign-in completed.", {
            cause: error,
          }),
        }),
      );
    });
    promise.catch(() => {});
    return promise;
  }

  /** Stops listening. Idempotent. */
  dispose(): void {
    this.#off?.();
    this.#off = undefined;
    this.#settle = undefined;
    this.#early.length = 0;
  }
}
