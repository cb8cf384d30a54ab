// The one hook on outgoing requests (telemetry uses it): what the observer made of a request is
// told how the request settled.
import type { RequestObservation, TraceContext } from "./options.js";

/** Sends with the observation's trace context, then tells the observation how it settled. */
export async function sendObserved(
  seen: RequestObservation,
  send: (trace: TraceContext | undefined) => Promise<unknown>,
): Promise<unknown> {
  let result: unknown;
  try {
    result = await send(seen.trace);
  } catch (error) {
    seen.settled?.(error, undefined);
    throw error;
  }
  seen.settled?.(undefined, result);
  return result;
}
