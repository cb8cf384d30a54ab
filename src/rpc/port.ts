// What a service sees of the server: a typed `request`, typed notifications and the connection's
// lifecycle. Services are handed a port, never the connection, so a service cannot send raw
// messages, replace handlers or close the client; only client/ and rpc/ know `RpcConnection`.
import type { CodexTransportError } from "../errors/index.js";
import type { Subscription } from "../events/emitter.js";
import type { ServerNotificationMethod, ServerNotificationParams } from "../protocol/index.js";
import type { NotificationListener, NotificationSink } from "./notifications.js";
import type { TypedRequester } from "./typed-request.js";

export type ConnectionState = "new" | "open" | "reconnecting" | "closed";

/** The notifications and lifecycle of one connection, as services may follow them. */
export interface ServerEvents {
  /** One notification method, typed by the pinned schema. */
  onNotification<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationParams<M>) => void,
  ): Subscription;
  /** Every notification, with its method (methods the schema does not know included). */
  onAnyNotification(listener: NotificationListener): Subscription;
  /** Once, when the connection closes for good; `error` set if it failed. */
  onClose(listener: (error?: CodexTransportError) => void): Subscription;
  /** When the connection drops and a reconnect begins (pending requests already rejected). */
  onDisconnect(listener: (error: CodexTransportError) => void): Subscription;
  readonly state: ConnectionState;
  /** The error the connection closed with, if it failed. */
  readonly failure: CodexTransportError | undefined;
}

/** A service's whole view of the server. (Recovery after a reconnect is not an event: services.ts runs it in order.) */
export interface ServerPort extends TypedRequester, ServerEvents {}

/** The thread runtimes' extra hook: the one sink that sees every notification before the listeners. */
export interface TurnEventPort extends ServerEvents {
  setNotificationSink(sink: NotificationSink): Subscription;
}

/** What a port is built over: the connection (untyped events) and the client's requester. */
interface PortSources {
  requester: TypedRequester;
  events: Omit<ServerEvents, "onNotification"> & {
    onNotification(method: string, listener: NotificationListener): Subscription;
    setNotificationSink(sink: NotificationSink): Subscription;
  };
}

/** A port that forwards to `sources`; services get it, or a narrower view of it. */
export function serverPort({ requester, events }: PortSources): ServerPort & TurnEventPort {
  return {
    request: (method, ...args) => requester.request(method, ...args),
    onNotification: (method, listener) => events.onNotification(method, listener as NotificationListener),
    onAnyNotification: (listener) => events.onAnyNotification(listener),
    onClose: (listener) => events.onClose(listener),
    onDisconnect: (listener) => events.onDisconnect(listener),
    setNotificationSink: (sink) => events.setNotificationSink(sink),
    get state() {
      return events.state;
    },
    get failure() {
      return events.failure;
    },
  };
}
