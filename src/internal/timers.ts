// The SDK's one helper for waits that end by a timer or an AbortSignal.
import { CodexAbortError, CodexTimeoutError } from "../errors/index.js";

/** The error of a wait ended by `signal`. */
export function abortError(what: string, signal: AbortSignal): CodexAbortError {
  return new CodexAbortError(`"${what}" was aborted.`, { cause: signal.reason });
}

/**
 * Resolves after `ms`, or rejects as soon as one of `signals` aborts (with `onAbort(signal)`, or a
 * `CodexAbortError`). Leaves no timer or listener behind.
 */
export function sleep(
  ms: number,
  signals: readonly (AbortSignal | undefined)[] = [],
  onAbort: (signal: AbortSignal) => unknown = (s) => abortError("wait", s),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    const aborted = live.find((s) => s.aborted);
    if (aborted) {
      reject(onAbort(aborted));
      return;
    }
    const listeners = live.map((signal) => {
      const listener = () => finish(onAbort(signal));
      signal.addEventListener("abort", listener, { once: true });
      return () => signal.removeEventListener("abort", listener);
    });
    const timer = setTimeout(() => finish(undefined), ms);
    function finish(error: unknown): void {
      clearTimeout(timer);
      for (const remove of listeners) remove();
      if (error === undefined) resolve();
      else reject(error);
    }
  });
}

/**
 * `promise`, or a `CodexTimeoutError` saying what was awaited once `ms` pass first. The timer is
 * cleared either way.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CodexTimeoutError(`Timed out after ${ms} ms waiting for ${what}.`, ms)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Runs `fn` once after `ms` (nothing when `ms` is undefined); returns the function that cancels it. */
export function after(ms: number | undefined, fn: () => void): () => void {
  if (ms === undefined) return () => {};
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}

/**
 * Calls `onIdle()` once nothing happened for `idleMs`. `lastActivity()` is read when the timer fires,
 * so activity costs no timer churn; the wait then re-arms for what is left of the window. While
 * `busy()` is true (someone is deciding, e.g. a person on an approval), it looks again a full window
 * later. Returns the function that stops the watch.
 */
export function watchIdle(
  idleMs: number,
  lastActivity: () => number,
  onIdle: () => void,
  busy: () => boolean = () => false,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const quiet = Date.now() - lastActivity();
    if (quiet >= idleMs && !busy()) onIdle();
    else timer = setTimeout(check, busy() ? idleMs : idleMs - quiet);
  };
  timer = setTimeout(check, Math.max(1, idleMs - (Date.now() - lastActivity())));
  return () => clearTimeout(timer);
}
