/** Bytes of stderr a stdio transport keeps by default (`exit.stderrTail`): 16 KiB. */
export const DEFAULT_STDERR_TAIL_BYTES = 16 * 1024;
/** At most this many bytes of the tail go into an error message: 2 KiB. */
export const MESSAGE_STDERR_BYTES = 2 * 1024;
/** At most this many lines of the tail go into an error message. */
export const MESSAGE_STDERR_LINES = 20;

/**
 * Keeps the last `maxBytes` bytes of a process's stderr, for diagnostics. Older bytes are dropped,
 * trimming inside a chunk when needed, so the tail always holds exactly the last `maxBytes` bytes
 * written (or all of them, if fewer): a chatty server cannot grow memory, and a short fatal line
 * never pushes out the log before it.
 */
export class StderrTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_STDERR_TAIL_BYTES) {}

  push(chunk: Buffer | string): void {
    let bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (bytes.length >= this.maxBytes) {
      bytes = bytes.subarray(bytes.length - this.maxBytes);
      this.chunks = [];
      this.bytes = 0;
    }
    this.chunks.push(bytes);
    this.bytes += bytes.length;
    while (this.bytes > this.maxBytes) {
      const first = this.chunks[0] as Buffer;
      const excess = this.bytes - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
      }
    }
  }

  /** Everything kept (at most `maxBytes` bytes), as text. A character cut at the start is dropped. */
  text(): string {
    const all = Buffer.concat(this.chunks, this.bytes);
    let start = 0;
    // Skip UTF-8 continuation bytes (0b10xxxxxx) left by trimming inside a character.
    while (start < all.length && start < 3 && ((all[start] as number) & 0xc0) === 0x80) start++;
    return all.toString("utf8", start);
  }

  /**
   * The short tail for an error message: the last {@link MESSAGE_STDERR_LINES} lines, and no more
   * than {@link MESSAGE_STDERR_BYTES} bytes (cut at a line start when one is in reach).
   */
  forMessage(): string {
    let text = this.text();
    if (Buffer.byteLength(text) > MESSAGE_STDERR_BYTES) {
      const bytes = Buffer.from(text, "utf8");
      let start = bytes.length - MESSAGE_STDERR_BYTES;
      while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
      text = bytes.toString("utf8", start);
      const nl = text.indexOf("\n");
      if (nl !== -1 && nl < text.length - 1) text = text.slice(nl + 1);
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return lines.slice(-MESSAGE_STDERR_LINES).join("\n");
  }
}
