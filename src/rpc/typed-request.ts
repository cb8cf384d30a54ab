import type { ClientRequestMethod, ClientRequestParams, ClientRequestResult } from "../protocol/index.js";
import type { RequestOptions } from "./connection.js";

/** Arguments of `request()`: params may be omitted for methods that take none, or whose params are optional. */
export type RequestArgs<M extends ClientRequestMethod> =
  undefined extends ClientRequestParams<M>
    ? [params?: ClientRequestParams<M>, options?: RequestOptions]
    : [params: ClientRequestParams<M>, options?: RequestOptions];

/**
 * A typed `request` over the pinned schema's method map: what the services above the client
 * (threads, turns, account) are given instead of the client itself.
 */
export interface TypedRequester {
  request<M extends ClientRequestMethod>(method: M, ...args: RequestArgs<M>): Promise<ClientRequestResult<M>>;
}
