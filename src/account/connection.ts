// The narrow view of the client that the account service uses.
import type { RequestOptions } from "../rpc/options.js";
import type {
  ClientRequestParams,
  ClientRequestResult,
  ServerNotificationMethod,
  ServerNotificationParams,
} from "../protocol/index.js";

/** The client methods the account service sends. */
export type AccountMethod =
  | "account/read"
  | "account/login/start"
  | "account/login/cancel"
  | "account/logout";

/**
 * What the account service needs from a client: typed requests of the account methods, and
 * notification subscriptions. Kept this narrow so that the service does not depend on
 * `CodexClient` (no import cycle) and so that a unit test can hand it a fake.
 */
export interface AccountConnection {
  /** Sends one request (starting and initializing the client if needed). */
  request<M extends AccountMethod>(
    method: M,
    params: ClientRequestParams<M>,
    options?: RequestOptions,
  ): Promise<ClientRequestResult<M>>;
  /** Subscribes to one notification method; returns the unsubscribe function. */
  on<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationParams<M>) => void,
  ): () => void;
  /** Called once when the connection closes (at once if it is closed); returns the unsubscribe function. */
  onClose(listener: (error?: Error) => void): () => void;
}
