/**
 * JSON-RPC 2.0 envelopes as the app-server uses them. The real server omits `"jsonrpc": "2.0"`;
 * we accept messages with or without it and send without it.
 * These are the generic JSON-RPC frames; the codex payload types live in src/protocol.
 */
export type RequestId = string | number;

export interface RpcRequest {
  id: RequestId;
  method: string;
  params?: unknown;
}

export interface RpcNotification {
  method: string;
  params?: unknown;
}

export type { RpcErrorObject } from "../errors/from-rpc.js";
import type { RpcErrorObject } from "../errors/from-rpc.js";

export interface RpcResponse {
  id: RequestId;
  result?: unknown;
  error?: RpcErrorObject;
}

/** Standard JSON-RPC error codes used by this SDK. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

export type IncomingMessage =
  | { kind: "request"; message: RpcRequest }
  | { kind: "notification"; message: RpcNotification }
  | { kind: "response"; message: RpcResponse }
  | { kind: "invalid"; reason: string };

function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * The message itself when it is a notification of the real server's usual shape (a string
 * `method`, no `id`, no `jsonrpc` member): the common case, recognised without building a
 * classification. Anything else: undefined (use {@link classifyMessage}).
 */
export function plainNotification(value: unknown): RpcNotification | undefined {
  const m = value as { method?: unknown; id?: unknown; jsonrpc?: unknown } | null;
  return typeof m === "object" &&
    m !== null &&
    typeof m.method === "string" &&
    m.id === undefined &&
    m.jsonrpc === undefined
    ? (m as RpcNotification)
    : undefined;
}

/**
 * Classifies one parsed message without trusting its shape. A request or notification is the
 * parsed object itself (its `method` checked), not a copy: this runs for every message.
 */
export function classifyMessage(value: unknown): IncomingMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      kind: "invalid",
      reason: `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`,
    };
  }
  const msg = value as Record<string, unknown>;
  if (msg.jsonrpc !== undefined && msg.jsonrpc !== "2.0") {
    return { kind: "invalid", reason: `unsupported jsonrpc version ${JSON.stringify(msg.jsonrpc)}` };
  }
  if (typeof msg.method === "string") {
    if ("id" in msg && msg.id !== undefined && msg.id !== null) {
      if (!isRequestId(msg.id)) return { kind: "invalid", reason: "request id must be a string or a number" };
      return { kind: "request", message: msg as unknown as RpcRequest };
    }
    return { kind: "notification", message: msg as unknown as RpcNotification };
  }
  if ("method" in msg) return { kind: "invalid", reason: "method must be a string" };
  if (isRequestId(msg.id)) {
    if ("error" in msg) {
      const err = msg.error as Record<string, unknown> | null;
      if (typeof err !== "object" || err === null || typeof err.code !== "number") {
        return { kind: "invalid", reason: "error response without a numeric error.code" };
      }
      return {
        kind: "response",
        message: {
          id: msg.id,
          error: {
            code: err.code,
            message: typeof err.message === "string" ? err.message : "",
            data: err.data,
          },
        },
      };
    }
    if ("result" in msg) return { kind: "response", message: { id: msg.id, result: msg.result } };
    return { kind: "invalid", reason: "response with neither result nor error" };
  }
  return { kind: "invalid", reason: "message has no method and no id" };
}
