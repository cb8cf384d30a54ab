import { StringDecoder } from "node:string_decoder";
import { parseJsonExact } from "./exact-json.js";

/**
 * Splits a byte stream into newline-terminated lines (JSONL). Chunk boundaries may fall anywhere,
 * including inside a multi-byte UTF-8 character. A line longer than `maxLineBytes` is skipped up
 * to its newline and reported once through `onOversize`, so one bad message cannot exhaust memory.
 */
export class LineDecoder {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  private discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: (approxBytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    let nl = text.indexOf("\n");
    if (nl === -1) {
      this.accumulate(text);
      return;
    }
    if (this.pending.length > 0 || this.discarding) {
      this.finishLine(this.pending + text.slice(0, nl));
      this.pending = "";
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    while (nl !== -1) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    if (start < text.length) this.accumulate(text.slice(start));
  }

  /** Flushes a final line that had no trailing newline (stream ended). */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = "";
    if (rest.trim().length > 0) this.finishLine(rest);
    this.discarding = false;
  }

  private accumulate(text: string): void {
    if (this.discarding) return;
    this.pending += text;
    // A JS string length counts UTF-16 units: never more than the UTF-8 byte count, so this is
    // a cheap lower bound; check precisely only when close to the limit.
    if (this.pending.length > this.maxLineBytes / 4 && Buffer.byteLength(this.pending) > this.maxLineBytes) {
      this.onOversize(Buffer.byteLength(this.pending));
      this.pending = "";
      this.discarding = true;
    }
  }

  private finishLine(line: string): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    this.emit(line);
  }

  private emit(line: string): void {
    if (line.length > this.maxLineBytes / 4 && Buffer.byteLength(line) > this.maxLineBytes) {
      this.onOversize(Buffer.byteLength(line));
      return;
    }
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (trimmed.length === 0) return;
    this.onLine(trimmed);
  }
}

/** Parses one line of JSON (integers beyond 2^53 kept exact, as strings), reporting failures instead of throwing. */
export function parseJsonLine(
  line: string,
  onMessage: ((message: unknown) => void) | undefined,
  onError: ((error: Error) => void) | undefined,
): void {
  let message: unknown;
  try {
    message = parseJsonExact(line);
  } catch (cause) {
    const preview = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    onError?.(new SyntaxError(`Received a line that is not JSON (ignored): ${preview}`, { cause }));
    return;
  }
  onMessage?.(message);
}
