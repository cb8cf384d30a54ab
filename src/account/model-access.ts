// Whether the server can reach a model for this client: read once per connection with
// `account/read`, so a turn that could only retry without end is refused before it is sent.
import { CodexAuthRequiredError, CodexMethodNotFoundError, CodexTransportError } from "../errors/index.js";
import { abortError } from "../internal/timers.js";
import type { GetAccountResponse } from "../protocol/generated/v2/GetAccountResponse.js";
import type { ServerEvents } from "../rpc/port.js";
import type { TypedRequester } from "../rpc/typed-request.js";

/** How long the check waits for `account/read`; past it the turn goes ahead (the retry bound still holds). */
const READ_TIMEOUT_MS = 10_000;

/**
 * The answer of `account/read`, cached for the connection. Any sign-in, logout or account change
 * (`account/updated`, `account/login/completed`) and a dropped connection forget it, so the next
 * turn reads it again.
 */
export class ModelAccess {
  #answer: Promise<GetAccountResponse | undefined> | undefined;

  constructor(
    private readonly rpc: TypedRequester,
    connection: Pick<ServerEvents, "onNotification" | "onDisconnect">,
    /** The server's CODEX_HOME (from its `initialize` reply), named in the error. */
    private readonly codexHome: () => string | undefined = () => undefined,
  ) {
    const forget = () => {
      this.#answer = undefined;
    };
    connection.onNotification("account/updated", forget);
    connection.onNotification("account/login/completed", forget);
    connection.onDisconnect(forget);
  }

  /**
   * Resolves when a turn may be sent; rejects with `CodexAuthRequiredError` when the server says
   * its model provider needs an OpenAI sign-in and there is no account. When `account/read` cannot
   * tell (an older server without it, a slow answer), the turn goes ahead.
   */
  async require(signal?: AbortSignal): Promise<void> {
    const answer = await untilAborted((this.#answer ??= this.#read()), signal);
    if (answer?.requiresOpenaiAuth === true && answer.account === null) {
      const home = this.codexHome();
      throw new CodexAuthRequiredError(
        "The app-server's model provider needs an OpenAI sign-in and nobody is signed in " +
          "(account/read: requiresOpenaiAuth true, account null), so no turn was sent: it could only " +
          "retry without end. Sign in, then try again: client.account.loginWithApiKey(key) " +
          "(an OPENAI_API_KEY in the server's environment is not a sign-in: pass it here) or " +
          "client.account.loginWithChatGpt(), or run `npx codex login` for the server's CODEX_HOME" +
          (home ? ` (${home}). ` : ". ") +
          "A custom model provider in config.toml (its own base_url and env_key) needs no sign-in.",
      );
    }
  }

  #read(): Promise<GetAccountResponse | undefined> {
    const reading = this.rpc.request("account/read", {}, { timeoutMs: READ_TIMEOUT_MS }).catch((error) => {
      // An older server without account/read: remembered, nothing can be checked on it.
      if (error instanceof CodexMethodNotFoundError) return undefined;
      if (this.#answer === reading) this.#answer = undefined; // read again next turn
      if (error instanceof CodexTransportError) throw error; // the turn could not be sent either
      return undefined;
    });
    return reading;
  }
}

/** `promise`, or a `CodexAbortError` as soon as `signal` aborts (the shared read goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError("the sign-in check", signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError("the sign-in check", signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
