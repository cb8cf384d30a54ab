import { SERVER_REQUEST_SHAPES } from "../protocol/generated/server-request-shapes.js";

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
