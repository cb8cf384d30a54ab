// Sign-in and account as typed calls: read the account, sign in with an API key, with ChatGPT in a
// browser, or with a device code, cancel a sign-in, log out. Reached as `client.account`.
import { CodexError, CodexProtocolError } from "../errors/index.js";
import type { RequestOptions } from "../rpc/options.js";
import { REQUEST_OPTIONS } from "../rpc/options.js";
import { checkOptions, nested, type OptionSpec } from "../internal/option-check.js";
import type { Account } from "../protocol/generated/v2/Account.js";
import type { AccountUpdatedNotification } from "../protocol/generated/v2/AccountUpdatedNotification.js";
import type { CancelLoginAccountStatus } from "../protocol/generated/v2/CancelLoginAccountStatus.js";
import type { GetAccountResponse } from "../protocol/generated/v2/GetAccountResponse.js";
import type { LoginAccountParams } from "../protocol/generated/v2/LoginAccountParams.js";
import type { AccountConnection } from "./connection.js";
import {
  LOGIN_WAIT_OPTIONS,
  PendingLogin,
  type LoginCompletion,
  type LoginWaitOptions,
} from "./pending-login.js";
import { subscription, type Subscription } from "../events/emitter.js";

/** A sign-in that goes on outside this process (a browser, another device). */
export interface PendingSignIn {
  /** The server's id of this sign-in. */
  readonly loginId: string;
  /**
   * Settles when the server sends `account/login/completed` for it: `success` is `false` when it
   * failed or was cancelled. Rejects with `CodexTimeoutError` / `CodexAbortError` when the wait
   * ends first (the sign-in is then cancelled on the server), or `CodexTransportError` when the
   * connection closes.
   */
  readonly completed: Promise<LoginCompletion>;
  /** Cancels the sign-in (`account/login/cancel`); `completed` then settles with `success: false`. */
  cancel(options?: RequestOptions): Promise<CancelLoginAccountStatus>;
}

/** A ChatGPT sign-in in the browser. */
export interface ChatGptSignIn extends PendingSignIn {
  /**
   * Open this in the user's browser. The server listens on 127.0.0.1 (port 1455, else 1457) for
   * the browser's redirect until the sign-in completes or is cancelled.
   */
  readonly authUrl: string;
}

/** A ChatGPT sign-in with a device code, for machines without a browser. */
export interface DeviceCodeSignIn extends PendingSignIn {
  /** Where the user signs in, on any device. */
  readonly verificationUrl: string;
  /** The one-time code the user enters there. */
  readonly userCode: string;
}

/** The keys of `account.read(options)`. */
export const ACCOUNT_READ_OPTIONS = {
  ...REQUEST_OPTIONS,
  refreshToken: "boolean",
} as const satisfies OptionSpec<{ refreshToken?: boolean | undefined } & RequestOptions>;

/** The keys of {@link SignInOptions}. */
export const SIGN_IN_OPTIONS = {
  ...LOGIN_WAIT_OPTIONS,
  request: nested(REQUEST_OPTIONS),
} as const satisfies OptionSpec<SignInOptions>;

/** Options of the ChatGPT sign-ins. */
export interface SignInOptions extends LoginWaitOptions {
  /** Options of the `account/login/start` request itself (its own timeout and signal). */
  request?: RequestOptions | undefined;
}

/** How long an API-key sign-in may take to be reported complete, when no `timeoutMs` is given. */
const DEFAULT_API_KEY_WAIT_MS = 30_000;

/**
 * Sign-in and account. Every wait ends: requests with the client's request timeout (or the
 * `RequestOptions` given), a pending sign-in with its `timeoutMs`, `signal` or the connection
 * closing. API keys never appear in errors.
 *
 * @example
 * ```js
 * const { account } = await client.account.read();
 * if (account === null) {
 *   const signIn = await client.account.loginWithChatGpt();
 *   console.log(`Open ${signIn.authUrl} to sign in.`);
 *   const { success, error } = await signIn.completed;
 *   if (!success) console.error(`Sign-in failed: ${error ?? "cancelled"}`);
 * }
 * ```
 */
export class AccountService {
  readonly #connection: AccountConnection;

  /** @internal The client builds it (`client.account`); the connection view is internal. */
  constructor(connection: AccountConnection) {
    this.#connection = connection;
  }

  /**
   * The signed-in account (`null` when signed out) and whether the configured provider needs an
   * OpenAI sign-in at all (`requiresOpenaiAuth`).
   */
  read(options: { refreshToken?: boolean | undefined } & RequestOptions = {}): Promise<GetAccountResponse> {
    try {
      checkOptions(options, ACCOUNT_READ_OPTIONS, "account.read(options)");
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const { refreshToken, ...requestOptions } = options;
    return this.#connection.request(
      "account/read",
      refreshToken === undefined ? {} : { refreshToken },
      requestOptions,
    );
  }

  /**
   * Signs in with an OpenAI API key. The server stores it in its CODEX_HOME (`auth.json`); this
   * resolves once the server reports the sign-in complete, after which `read()` shows
   * `{ type: "apiKey" }`. A sign-in the server reports failed throws `CodexError`. The key never
   * appears in an error this throws.
   */
  async loginWithApiKey(apiKey: string, options: RequestOptions = {}): Promise<void> {
    if (typeof apiKey !== "string" || apiKey.trim().length === 0)
      throw new TypeError("loginWithApiKey(apiKey) needs the API key as a non-empty string.");
    checkOptions(options, REQUEST_OPTIONS, "account.loginWithApiKey(apiKey, options)");
    try {
      // The reply comes before the server has switched accounts: the completion says it has.
      const started = await this.#start({ type: "apiKey", apiKey }, { request: options });
      const completion = await started.pending.bind(
        null,
        { timeoutMs: options.timeoutMs ?? DEFAULT_API_KEY_WAIT_MS, signal: options.signal },
        this.#connection,
        () => {},
      );
      if (!completion.success)
        throw new CodexError(`API-key sign-in failed: ${completion.error ?? "the server gave no reason"}.`);
    } catch (error) {
      throw redacted(error, apiKey);
    }
  }

  /**
   * Starts a ChatGPT sign-in: returns the URL to open in a browser and a promise of the outcome.
   * A new sign-in cancels the one still pending on the server.
   */
  async loginWithChatGpt(options: SignInOptions = {}): Promise<ChatGptSignIn> {
    checkOptions(options, SIGN_IN_OPTIONS, "account.loginWithChatGpt(options)");
    const started = await this.#start({ type: "chatgpt" }, options);
    if (started.response.type !== "chatgpt")
      throw unexpected("chatgpt", started.response.type, started.pending);
    const { loginId, authUrl } = started.response;
    return { loginId, authUrl, ...this.#track(loginId, started.pending, options) };
  }

  /**
   * Starts a device-code sign-in: show `verificationUrl` and `userCode` to the user. Needs the
   * network (the server asks OpenAI for the code); offline it fails at once with a
   * `CodexProtocolError`.
   */
  async loginWithDeviceCode(options: SignInOptions = {}): Promise<DeviceCodeSignIn> {
    checkOptions(options, SIGN_IN_OPTIONS, "account.loginWithDeviceCode(options)");
    const started = await this.#start({ type: "chatgptDeviceCode" }, options);
    if (started.response.type !== "chatgptDeviceCode")
      throw unexpected("chatgptDeviceCode", started.response.type, started.pending);
    const { loginId, verificationUrl, userCode } = started.response;
    return { loginId, verificationUrl, userCode, ...this.#track(loginId, started.pending, options) };
  }

  /** Cancels a pending sign-in by id: `"canceled"`, or `"notFound"` when none is pending. */
  async cancelLogin(loginId: string, options: RequestOptions = {}): Promise<CancelLoginAccountStatus> {
    checkOptions(options, REQUEST_OPTIONS, "account.cancelLogin(loginId, options)");
    return (await this.#connection.request("account/login/cancel", { loginId }, options)).status;
  }

  /** Logs out: the server deletes its stored credentials and sends `account/updated`. */
  async logout(options: RequestOptions = {}): Promise<void> {
    checkOptions(options, REQUEST_OPTIONS, "account.logout(options)");
    await this.#connection.request("account/logout", undefined, options);
  }

  /**
   * Called on every `account/updated` notification (sign-in, logout, plan change). Returns the
   * unsubscribe function.
   */
  onUpdated(listener: (update: AccountUpdatedNotification) => void): Subscription {
    return subscription(this.#connection.on("account/updated", listener));
  }

  async #start<P extends LoginAccountParams>(params: P, options: SignInOptions) {
    // Listen first: the completion may arrive before the reply that names the login.
    const pending = new PendingLogin(this.#connection);
    try {
      const response = await this.#connection.request("account/login/start", params, options.request);
      if (typeof (response as { type?: unknown } | null)?.type !== "string")
        throw new CodexProtocolError(
          `"account/login/start" was answered without a login type (${JSON.stringify(response)?.slice(0, 200)}).`,
          { method: "account/login/start" },
        );
      return { response, pending };
    } catch (error) {
      pending.dispose();
      throw error;
    }
  }

  #track(loginId: string, pending: PendingLogin, options: SignInOptions) {
    const cancel = (requestOptions?: RequestOptions) => this.cancelLogin(loginId, requestOptions);
    const completed = pending.bind(loginId, options, this.#connection, () => {
      // Giving up on the wait frees the server's callback port too. Best effort: the connection
      // may be gone.
      cancel().catch(() => {});
    });
    return { completed, cancel };
  }
}

export type { Account, LoginCompletion };

function unexpected(wanted: string, got: string, pending: PendingLogin): CodexError {
  pending.dispose();
  return new CodexError(`account/login/start for "${wanted}" was answered with type "${got}".`);
}

/** The same error with every occurrence of the secret replaced, in its message and data. */
function redacted(error: unknown, secret: string): unknown {
  if (!(error instanceof Error) || !JSON.stringify({ m: error.message, d: dataOf(error) }).includes(secret))
    return error;
  const scrub = (text: string) => text.split(secret).join("[redacted]");
  const message = scrub(error.message);
  if (error instanceof CodexProtocolError) {
    const data = error.data === undefined ? undefined : JSON.parse(scrub(JSON.stringify(error.data)));
    return new CodexProtocolError(message, { code: error.code, data, method: error.method });
  }
  return new CodexError(message);
}

function dataOf(error: Error): unknown {
  return error instanceof CodexProtocolError ? error.data : undefined;
}
