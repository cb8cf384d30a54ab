import type { ClientRequestMethod, ClientRequestParams, ClientRequestResult } from "../protocol/index.js";
import type { RequestOptions } from "./options.js";

/** True for a method whose params may be left out; `boolean` for a union of methods that differ. */
export type ParamsOptional<M extends ClientRequestMethod> = M extends ClientRequestMethod
  ? undefined extends ClientRequestParams<M>
    ? true
    : false
  : never;

/**
 * Arguments of `request()`: params may be left out for methods that take none, or whose params
 * are optional. For a union of methods, only when every one of them allows it.
 */
export type RequestArgs<M extends ClientRequestMethod> = [ParamsOptional<M>] extends [true]
  ? [params?: ClientRequestParams<M>, options?: RequestOptions]
  : [params: ClientRequestParams<M>, options?: RequestOptions];

/**
 * A typed `request` over the pinned schema's method map: what the services above the client
 * (threads, turns, account) are given instead of the client itself.
 */
export interface TypedRequester {
  request<M extends ClientRequestMethod>(method: M, ...args: RequestArgs<M>): Promise<ClientRequestResult<M>>;
}
