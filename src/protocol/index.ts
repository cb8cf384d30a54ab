// The app-server protocol as the pinned binary describes it. Everything re-exported here is
// generated (src/protocol/generated); this file only adds type-level helpers over the maps.
import type { ClientRequestMap, ServerNotificationMap, ServerRequestMap } from "./generated/methods.js";

export type {
  ClientRequestMap,
  ClientNotificationMethod,
  ServerNotificationMap,
  ServerRequestMap,
} from "./generated/methods.js";
export { GENERATED_FROM_CODEX_VERSION, SERVER_REQUEST_METHODS } from "./generated/methods.js";
export { EXPERIMENTAL_FIELDS, EXPERIMENTAL_METHODS } from "./generated/experimental.js";

/** Every client→server request method of the pinned schema. */
export type ClientRequestMethod = keyof ClientRequestMap;
/** Params of a client request. */
export type ClientRequestParams<M extends ClientRequestMethod> = ClientRequestMap[M]["params"];
/** Result of a client request. */
export type ClientRequestResult<M extends ClientRequestMethod> = ClientRequestMap[M]["result"];

/** Every server→client request method of the pinned schema. */
export type ServerRequestMethod = keyof ServerRequestMap;
export type ServerRequestParams<M extends ServerRequestMethod> = ServerRequestMap[M]["params"];
/** The reply the client must send to a server request. */
export type ServerRequestReply<M extends ServerRequestMethod> = ServerRequestMap[M]["result"];

/** Every notification method of the pinned schema. */
export type ServerNotificationMethod = keyof ServerNotificationMap;
export type ServerNotificationParams<M extends ServerNotificationMethod> = ServerNotificationMap[M]["params"];

/** A typed notification: `method` narrows `params`. */
export type ServerNotification = {
  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationMap[M]["params"] };
}[ServerNotificationMethod];
