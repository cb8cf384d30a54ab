import type { Emitter } from "../events/emitter.js";

/** Warning codes already emitted by this process: one process warning per code. */
const warned = new Set<string>();

/**
 * Reports a problem the SDK absorbed to the `onError` listeners; with none, emits one process
 * warning per `code` (type `CodexSdkWarning`), so it is never silent.
 */
export function reportOrWarn(errors: Emitter<Error>, error: Error, code: string): void {
  if (errors.size > 0) {
    errors.fire(error);
    return;
  }
  if (warned.has(code)) return;
  warned.add(code);
  process.emitWarning(`${error.message} (Listen with client.onError() to see every occurrence.)`, {
    type: "CodexSdkWarning",
    code,
  });
}
