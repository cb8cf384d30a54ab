import { CodexProtocolError } from "../errors/index.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";

/** `value` if it is an array (of what the schema says), else none: servers may send less. */
const list = <T>(value: readonly T[] | null | undefined): readonly (T | undefined)[] =>
  Array.isArray(value) ? value : [];

/** What kind of step an item is, in conversation terms. */
export type StepType = "thinking" | "exec" | "codex" | "tool" | "file" | (string & {});

/** One completed, non-delta step of a turn: one `item/completed`. */
export interface ConversationStep {
  threadId: string;
  turnId: string;
  itemId: string;
  /** reasoning→`thinking`, commandExecution→`exec`, agentMessage→`codex`, mcpToolCall→`tool`, fileChange→`file`; otherwise the item type. */
  stepType: StepType;
  /** The item's `type` as the server sent it. */
  itemType: ThreadItem["type"];
  /** A readable text for the step (message text, reasoning summary, command and output, changed paths). */
  text: string;
  /** The full item. */
  data: ThreadItem;
}

/** The step type of an item type. A switch: a keyed lookup with a parsed (not interned) string costs more. */
function stepTypeOf(type: string): StepType {
  switch (type) {
    case "agentMessage":
      return "codex";
    case "reasoning":
      return "thinking";
    case "commandExecution":
      return "exec";
    case "mcpToolCall":
      return "tool";
    case "fileChange":
      return "file";
    default:
      return type;
  }
}

/**
 * Maps a completed item to a step. An item that is not an object is a `CodexProtocolError`; fields
 * of the wrong shape read as empty, so one odd item never breaks a `chat()` loop with a TypeError.
 */
export function toStep(threadId: string, turnId: string, item: ThreadItem): ConversationStep {
  if (typeof item !== "object" || item === null || typeof item.type !== "string") {
    throw new CodexProtocolError(
      `Turn ${turnId}: an item/completed without an item the SDK can read (${JSON.stringify(item)?.slice(0, 200)}).`,
    );
  }
  const id = (item as { id?: unknown }).id;
  return {
    threadId,
    turnId,
    itemId: typeof id === "string" ? id : "",
    stepType: stepTypeOf(item.type),
    itemType: item.type,
    text: itemText(item),
    data: item,
  };
}

function itemText(item: ThreadItem): string {
  switch (item.type) {
    case "agentMessage":
    case "plan":
      return item.text;
    case "reasoning":
      return [...list(item.summary), ...list(item.content)].join("\n");
    case "commandExecution":
      return item.aggregatedOutput ? `$ ${item.command}\n${item.aggregatedOutput}` : `$ ${item.command}`;
    case "fileChange":
      return list(item.changes)
        .map((c) => c?.path)
        .join("\n");
    case "userMessage":
      return list(item.content)
        .map((c) => (c?.type === "text" ? c.text : `[${c?.type}]`))
        .join("\n");
    case "mcpToolCall":
      return `${item.server}.${item.tool}`;
    case "dynamicToolCall":
      return item.tool;
    default:
      return "";
  }
}
