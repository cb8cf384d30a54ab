import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";

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

const STEP_TYPES: Record<string, StepType> = {
  reasoning: "thinking",
  commandExecution: "exec",
  agentMessage: "codex",
  mcpToolCall: "tool",
  fileChange: "file",
};

/** Maps a completed item to a step. */
export function toStep(threadId: string, turnId: string, item: ThreadItem): ConversationStep {
  return {
    threadId,
    turnId,
    itemId: "id" in item && typeof item.id === "string" ? item.id : "",
    stepType: STEP_TYPES[item.type] ?? item.type,
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
      return [...item.summary, ...item.content].join("\n");
    case "commandExecution":
      return item.aggregatedOutput ? `$ ${item.command}\n${item.aggregatedOutput}` : `$ ${item.command}`;
    case "fileChange":
      return item.changes.map((c) => c.path).join("\n");
    case "userMessage":
      return item.content.map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join("\n");
    case "mcpToolCall":
      return `${item.server}.${item.tool}`;
    case "dynamicToolCall":
      return item.tool;
    default:
      return "";
  }
}
