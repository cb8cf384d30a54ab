// Which thread items are tool calls, and the attributes of their `execute_tool` spans.
import type { Attributes } from "@opentelemetry/api";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";

/** The item types that become `execute_tool` spans. */
const TOOL_ITEM_TYPES = new Set([
  "commandExecution",
  "fileChange",
  "mcpToolCall",
  "dynamicToolCall",
  "webSearch",
]);

type Item = ThreadItem & Record<string, unknown>;

/** The item, when it is a tool call (a span of its own). */
export function asToolItem(item: unknown): Item | undefined {
  const type = (item as { type?: unknown } | null)?.type;
  return typeof type === "string" && TOOL_ITEM_TYPES.has(type) ? (item as Item) : undefined;
}

/** `gen_ai.tool.name`: the MCP or dynamic tool's own name, else a name for what the item does. */
export function toolName(item: Item): string {
  switch (item.type) {
    case "mcpToolCall":
    case "dynamicToolCall":
      return String(item.tool);
    case "commandExecution":
      return "command_execution";
    case "fileChange":
      return "file_change";
    default:
      return "web_search";
  }
}

/** The attributes known when the item starts. */
export function toolStartAttributes(item: Item, captureContent: boolean): Attributes {
  const attributes: Attributes = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": toolName(item),
    "gen_ai.tool.call.id": item.id,
    // A dynamic tool runs in this client (item/tool/call); every other tool runs in the agent.
    "gen_ai.tool.type": item.type === "dynamicToolCall" ? "function" : "extension",
    "codex.item.type": item.type,
  };
  if (item.type === "mcpToolCall") attributes["codex.mcp.server"] = String(item.server);
  if (captureContent) {
    const args = toolArguments(item);
    if (args !== undefined) attributes["gen_ai.tool.call.arguments"] = args;
  }
  return attributes;
}

/** The attributes known when the item completes, and its `error.type` if it failed. */
export function toolEndAttributes(
  item: Item,
  captureContent: boolean,
): { attributes: Attributes; error?: string } {
  const attributes: Attributes = {};
  const status = typeof item.status === "string" ? item.status : undefined;
  if (status) attributes["codex.tool.status"] = status;
  if (typeof item.exitCode === "number") attributes["process.exit.code"] = item.exitCode;
  if (captureContent) {
    const result = toolResult(item);
    if (result !== undefined) attributes["gen_ai.tool.call.result"] = result;
  }
  const failed = status === "failed" || item.success === false;
  return failed
    ? { attributes, error: typeof item.exitCode === "number" ? "nonzero_exit" : "failed" }
    : { attributes };
}

function toolArguments(item: Item): string | undefined {
  switch (item.type) {
    case "commandExecution":
      return typeof item.command === "string" ? item.command : undefined;
    case "fileChange":
      return JSON.stringify(item.changes);
    case "mcpToolCall":
    case "dynamicToolCall":
      return JSON.stringify(item.arguments ?? null);
    default:
      return typeof item.query === "string" ? item.query : undefined;
  }
}

function toolResult(item: Item): string | undefined {
  switch (item.type) {
    case "commandExecution":
      return typeof item.aggregatedOutput === "string" ? item.aggregatedOutput : undefined;
    case "mcpToolCall":
      return item.result == null && item.error == null
        ? undefined
        : JSON.stringify(item.result ?? item.error);
    case "dynamicToolCall":
      return item.contentItems == null ? undefined : JSON.stringify(item.contentItems);
    case "webSearch":
      return item.results == null ? undefined : JSON.stringify(item.results);
    default:
      return undefined;
  }
}
