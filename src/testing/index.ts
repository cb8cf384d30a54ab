// codex-app-server-sdk/testing: drive a real `codex app-server` offline with a scripted model.
export {
  MockModelServer,
  model,
  lastUserText,
  threadIdOf,
  toolOutputsSinceLastUserMessage,
  userMessagesOf,
} from "./mock-model-server.js";
export type {
  MockModelServerOptions,
  ModelOutput,
  ModelResponder,
  ModelResponse,
  ModelStep,
  RecordedModelRequest,
  ToolOutput,
} from "./mock-model-server.js";
export { createTestCodexHome } from "./codex-home.js";
export type { TestApprovalPolicy, TestCodexHome, TestCodexHomeOptions } from "./codex-home.js";
export { startTestClient } from "./test-client.js";
export type { StartTestClientOptions, TestClient } from "./test-client.js";
export { startListeningAppServer, freeLoopbackPort } from "./listening-app-server.js";
export type { ListeningAppServer, ListeningAppServerOptions } from "./listening-app-server.js";
export { MemoryTransport, createLinkedTransports } from "../transport/memory.js";
