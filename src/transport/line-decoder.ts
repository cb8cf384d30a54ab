import { hasLongDigitRunInBytes, parseJsonExact } from "./exact-json.js";

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into newline-terminated lines (JSONL). Works on bytes: chunks are kept as
 * they arrive, the newline is found with `indexOf(10)`, and a line is decoded once, when its
 * newline arrives. A newline byte never occurs inside a multi-byte UTF-8 character, so chunk
 * boundaries may fall anywhere. Every byte is looked at once: decoding is linear in the input.
 *
 * A line longer than `maxLineBytes` is reported once through `onOversize` as soon as it is known to
 * be too long, and its bytes are dropped as they arrive up to its newline: memory stays below
 * `maxLineBytes` plus one chunk, however long the line.
 */
export class LineDecoder {
  private chunks: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    /** `noLongDigitRun`: the text the line came from was scanned and has no 16-digit run. */
    private readonly onLine: (line: string, noLongDigitRun: boolean) => void,
    private readonly onOversize: (approxBytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) {
      this.accumulate(chunk);
      return;
    }
    if (this.discarding) {
      this.discarding = false;
    } else if (this.pendingBytes > 0) {
      this.chunks.push(chunk.subarray(0, first));
      this.pendingBytes += first;
      const line = this.joinPending();
      this.chunks = [];
      this.pendingBytes = 0;
      this.emit(line, 0, line.length);
    } else {
      this.emit(chunk, 0, first);
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last > first)
      this.emitAll(chunk.toString("utf8", first + 1, last), !hasLongDigitRunInBytes(chunk, first + 1, last));
    if (last + 1 < chunk.length) this.accumulate(chunk.subarray(last + 1));
  }

  /** Flushes a final line that had no trailing newline (stream ended). */
  end(): void {
    if (!this.discarding && this.pendingBytes > 0) {
      const rest = this.joinPending();
      if (rest.toString("latin1").trim().length > 0) this.emit(rest, 0, rest.length);
    }
    this.chunks = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }

  private accumulate(bytes: Buffer): void {
    if (this.discarding || bytes.length === 0) return;
    this.chunks.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.maxLineBytes) {
      this.onOversize(this.pendingBytes);
      this.chunks = [];
      this.pendingBytes = 0;
      this.discarding = true;
    }
  }

  private joinPending(): Buffer {
    return this.chunks.length === 1
      ? (this.chunks[0] as Buffer)
      : Buffer.concat(this.chunks, this.pendingBytes);
  }

  /**
   * Emits each line of `text`: complete lines between two newlines of one chunk, decoded with one
   * call (they cannot end inside a character) and split as a string, which is cheaper than one
   * decode per line. `clean`: the bytes were scanned once for a 16-digit run (the exact-integer
   * pre-check) and have none, which settles it for every line at once, cheaper than per line.
   */
  private emitAll(text: string, clean: boolean): void {
    let start = 0;
    let nl = text.indexOf("\n");
    for (;;) {
      const end = nl === -1 ? text.length : nl;
      const line = text.charCodeAt(end - 1) === CR ? text.slice(start, end - 1) : text.slice(start, end);
      if (line.length > 0) {
        // A string never has more UTF-16 units than UTF-8 bytes: measure only when it could be over.
        if (line.length * 3 > this.maxLineBytes && Buffer.byteLength(line) > this.maxLineBytes) {
          this.onOversize(Buffer.byteLength(line));
        } else {
          this.onLine(line, clean);
        }
      }
      if (nl === -1) return;
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
  }

  /** Emits `bytes[start, end)` as one line: CR of CRLF stripped, empty lines skipped. */
  private emit(bytes: Buffer, start: number, end: number): void {
    if (end - start > this.maxLineBytes) {
      this.onOversize(end - start);
      return;
    }
    if (end > start && bytes[end - 1] === CR) end--;
    if (end === start) return;
    this.onLine(bytes.toString("utf8", start, end), false);
  }
}

/**
 * Parses one line of JSON (integers beyond 2^53 kept exact, as strings), reporting failures instead
 * of throwing. `noLongDigitRun`: the caller already knows the line has no 16-digit run.
 */
export function parseJsonLine(
  line: string,
  onMessage: ((message: unknown) => void) | undefined,
  onError: ((error: Error) => void) | undefined,
  noLongDigitRun = false,
): void {
  let message: unknown;
  try {
    message = noLongDigitRun ? JSON.parse(line) : parseJsonExact(line);
  } catch (cause) {
    const preview = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    onError?.(new SyntaxError(`Received a line that is not JSON (ignored): ${preview}`, { cause }));
    return;
  }
  onMessage?.(message);
}
