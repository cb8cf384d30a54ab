import { CodexProtocolError } from "../errors/index.js";
import { SERVER_REQUEST_SHAPES } from "../protocol/generated/server-request-shapes.js";
import type { RpcConnection } from "../rpc/connection.js";
import { RpcErrorCode } from "../rpc/messages.js";

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/**
 * Why `params` do not fit the pinned schema of a server request (a missing required field, or a
 * plainly typed field of another type), or `undefined` when they fit.
 */
export function invalidServerRequestParams(method: string, params: unknown): string | undefined {
  const shape = SERVER_REQUEST_SHAPES[method];
  if (!shape) return undefined;
  if (typeof params !== "object" || params === null || Array.isArray(params))
    return "params must be an object";
  const record = params as Record<string, unknown>;
  for (const field of shape.required) {
    if (record[field] === undefined) return `"${field}" is required`;
  }
  for (const [field, types] of Object.entries(shape.types)) {
    const value = record[field];
    if (value === undefined) continue;
    const actual = jsonType(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number")))
      return `"${field}" must be ${types.join(" or ")}, got ${actual}`;
  }
  return undefined;
}

/**
 * Throws the -32602 reply for params that do not fit the schema (the connection sends it), after
 * reporting it to `onError`: a server that sends such requests is worth knowing about.
 */
export function assertServerRequestParams(connection: RpcConnection, method: string, params: unknown): void {
  const why = invalidServerRequestParams(method, params);
  if (why === undefined) return;
  const error = new CodexProtocolError(`Invalid params for server request "${method}": ${why}.`, {
    code: RpcErrorCode.InvalidParams,
    method,
  });
  connection.reportError(error);
  throw error;
}
