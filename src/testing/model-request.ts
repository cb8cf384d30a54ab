// What a test reads from a model request the app-server sent: its thread, the prompt, and the tool
// results the model is being told about.

/** The result of one tool call, as the server reports it to the model. */
export interface ToolOutput {
  /** The `call_id` of the tool call it answers (`callId` of the script entry, or a generated one). */
  callId: string;
  /** The output text (JSON text when the server sent structured output). */
  output: string;
}

/** A request the app-server sent to the model endpoint, as recorded. */
export interface RecordedModelRequest {
  method: string;
  path: string;
  /** Parsed JSON body (the Responses API request: `input`, `tools`, `text`, …). */
  body: unknown;
  /** The thread this model step belongs to (codex 0.169 sends it as `prompt_cache_key`). */
  threadId: string | undefined;
  /** The text of the last user message (the turn's prompt), or "". */
  userText: string;
  /**
   * The text of every user message the model is shown, oldest first: the prompts of earlier turns,
   * then this turn's (`userText` is the last). The server's own `<environment_context>` message,
   * which describes the set-up rather than the conversation, is left out.
   */
  userMessages: string[];
  /**
   * The tool results since the last user message, oldest first: empty on a turn's first step,
   * then one per tool call answered (e.g. a command's output, or "patch rejected by user").
   */
  toolOutputs: ToolOutput[];
}

type InputItem = {
  type?: string;
  role?: string;
  call_id?: string;
  output?: unknown;
  content?: { type?: string; text?: string }[];
};

function inputOf(body: unknown): InputItem[] {
  const input = (body as { input?: unknown } | null)?.input;
  return Array.isArray(input) ? (input as InputItem[]) : [];
}

function userTextOf(item: InputItem): string {
  if (item.role !== "user" || !Array.isArray(item.content)) return "";
  return item.content
    .filter((c) => c.type === "input_text" && typeof c.text === "string")
    .map((c) => c.text)
    .join("");
}

/** The text of the last user message in a recorded model request, or "" if there is none. */
export function lastUserText(request: { body: unknown }): string {
  const input = inputOf(request.body);
  for (let i = input.length - 1; i >= 0; i--) {
    const text = userTextOf(input[i] as InputItem);
    if (text) return text;
  }
  return "";
}

/**
 * The text of every user message in a recorded model request, oldest first, without the server's
 * `<environment_context>` message.
 */
export function userMessagesOf(request: { body: unknown }): string[] {
  const out: string[] = [];
  for (const item of inputOf(request.body)) {
    const text = userTextOf(item);
    if (text && !text.startsWith("<environment_context>")) out.push(text);
  }
  return out;
}

/** The thread a recorded model request belongs to (its `prompt_cache_key`), if it says. */
export function threadIdOf(request: { body: unknown }): string | undefined {
  const key = (request.body as { prompt_cache_key?: unknown } | null)?.prompt_cache_key;
  return typeof key === "string" ? key : undefined;
}

/** The tool results sent to the model since the last user message, oldest first. */
export function toolOutputsSinceLastUserMessage(request: { body: unknown }): ToolOutput[] {
  const input = inputOf(request.body);
  const out: ToolOutput[] = [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as InputItem;
    if (item.type === "message" && item.role === "user") break;
    if (
      (item.type === "function_call_output" || item.type === "custom_tool_call_output") &&
      typeof item.call_id === "string"
    ) {
      const output = typeof item.output === "string" ? item.output : JSON.stringify(item.output);
      out.unshift({ callId: item.call_id, output });
    }
  }
  return out;
}

/** @internal Builds the record of one request. */
export function describeModelRequest(method: string, path: string, body: unknown): RecordedModelRequest {
  const request = { body };
  return {
    method,
    path,
    body,
    threadId: threadIdOf(request),
    userText: lastUserText(request),
    userMessages: userMessagesOf(request),
    toolOutputs: toolOutputsSinceLastUserMessage(request),
  };
}
