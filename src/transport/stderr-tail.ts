/**
 * Keeps the last `maxBytes` of a process's stderr, for error messages. Older text is dropped,
 * so a chatty server cannot grow memory.
 */
export class StderrTail {
  private chunks: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024) {}

  push(chunk: string): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.maxBytes && this.chunks.length > 1) {
      this.bytes -= (this.chunks.shift() as string).length;
    }
    if (this.bytes > this.maxBytes) {
      const only = this.chunks[0] as string;
      this.chunks = [only.slice(only.length - this.maxBytes)];
      this.bytes = this.maxBytes;
    }
  }

  /** The last `lines` lines captured. */
  lastLines(lines = 20): string {
    const all = this.chunks.join("").split("\n");
    if (all[all.length - 1] === "") all.pop();
    return all.slice(-lines).join("\n");
  }
}
