import { CodexProtocolError } from "../errors/index.js";

/**
 * The `id` of the `thread` or `turn` a reply names. A reply without one (a server that misbehaves)
 * is a `CodexProtocolError` at once: registered as `undefined`, the turn's own events would never
 * reach it and the wait would hang.
 */
export function idIn(reply: unknown, key: "thread" | "turn", method: string): string {
  const id = (reply as Record<string, { id?: unknown } | null | undefined> | null)?.[key]?.id;
  if (typeof id === "string" && id.length > 0) return id;
  throw new CodexProtocolError(
    `"${method}" was answered without a ${key} id (${JSON.stringify(reply)?.slice(0, 200)}); the server is not speaking the protocol the SDK expects.`,
    { method },
  );
}
