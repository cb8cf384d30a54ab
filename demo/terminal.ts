// Terminal output for the demo: colours only on a TTY (and never with NO_COLOR), a spinner for
// long waits, and one-key prompts.
import type { Readable, Writable } from "node:stream";

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;
type Style = keyof typeof CODES;

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export class Terminal {
  readonly color: boolean;
  readonly interactive: boolean;
  private spinnerTimer: ReturnType<typeof setInterval> | undefined;
  private spinnerText = "";
  private atLineStart = true;

  constructor(
    private readonly out: Writable & { isTTY?: boolean },
    private readonly input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown },
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
    this.color = out.isTTY === true && !noColor && env.TERM !== "dumb";
    this.interactive = out.isTTY === true;
  }

  paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [on, off] = CODES[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** Writes text as it streams (deltas), keeping track of the cursor's line. */
  write(text: string): void {
    if (text === "") return;
    this.stopSpinner();
    this.out.write(text);
    this.atLineStart = text.endsWith("\n");
  }

  /** Writes one line, starting a new one first if streamed text left the cursor mid-line. */
  line(text = ""): void {
    this.stopSpinner();
    this.out.write(`${this.atLineStart ? "" : "\n"}${text}\n`);
    this.atLineStart = true;
  }

  /** Ends the current line if streamed text left the cursor in the middle of one. */
  endLine(): void {
    if (!this.atLineStart) this.write("\n");
  }

  /** A status line with a spinner while something slow runs (TTY only; otherwise one line). */
  spin(text: string): void {
    if (!this.interactive) return;
    this.stopSpinner();
    if (!this.atLineStart) {
      this.out.write("\n");
      this.atLineStart = true;
    }
    this.spinnerText = text;
    let frame = 0;
    const draw = () => {
      this.out.write(
        `\r${this.paint("cyan", FRAMES[frame % FRAMES.length] as string)} ${this.paint("dim", this.spinnerText)}\u001b[K`,
      );
      frame++;
    };
    draw();
    this.spinnerTimer = setInterval(draw, 80);
    this.spinnerTimer.unref();
  }

  stopSpinner(): void {
    if (this.spinnerTimer === undefined) return;
    clearInterval(this.spinnerTimer);
    this.spinnerTimer = undefined;
    this.out.write("\r\u001b[K");
  }

  /**
   * Asks for one of `keys` and resolves with it. On a TTY one key press answers; otherwise a line
   * of input does. End of input, or `signal`, resolves with `fallback`.
   */
  async ask(
    question: string,
    keys: readonly string[],
    fallback: string,
    signal?: AbortSignal,
  ): Promise<string> {
    this.line(question);
    this.write(this.paint("bold", "> "));
    const answer = await this.readKey(keys, signal);
    const chosen = answer ?? fallback;
    this.write(`${answer === undefined ? this.paint("dim", `(no answer: ${fallback})`) : chosen}\n`);
    return chosen;
  }

  private readKey(keys: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const input = this.input;
    const raw = input.isTTY === true && typeof input.setRawMode === "function";
    if (!raw) return this.readLine(keys, signal);
    return new Promise((resolve) => {
      const finish = (value: string | undefined) => {
        input.off("data", onData);
        input.off("end", onEnd);
        signal?.removeEventListener("abort", onEnd);
        input.setRawMode?.(false);
        input.pause();
        resolve(value);
      };
      const onEnd = () => finish(undefined);
      const onData = (chunk: Buffer | string) => {
        const key = chunk.toString();
        if (key === "\u0003") {
          // Raw mode turns Ctrl-C into a key: raise the signal it stands for, and leave the
          // prompt unanswered (the signal handler ends the program).
          input.off("data", onData);
          input.off("end", onEnd);
          signal?.removeEventListener("abort", onEnd);
          input.setRawMode?.(false);
          process.kill(process.pid, "SIGINT");
          return;
        }
        if (keys.includes(key.trim().toLowerCase())) finish(key.trim().toLowerCase());
        else this.unknownKey(key, keys);
      };
      if (signal?.aborted) return resolve(undefined);
      signal?.addEventListener("abort", onEnd, { once: true });
      input.setRawMode?.(true);
      input.on("data", onData);
      input.once("end", onEnd);
      input.resume();
    });
  }

  /** One line saying which keys the prompt takes, then the prompt again. */
  private unknownKey(key: string, keys: readonly string[]): void {
    const shown = /^[\x21-\x7e]$/.test(key) ? `"${key}"` : JSON.stringify(key);
    this.line(this.paint("dim", `${shown} is not an answer: press ${keys.join(", ")} (Ctrl-C quits).`));
    this.write(this.paint("bold", "> "));
  }

  // Line mode (input is a pipe): lines are read once and kept, so several answers in one chunk
  // each answer one prompt.
  private lines: string[] = [];
  private inputEnded = false;
  private lineWaiter: (() => void) | undefined;
  private lineReaderStarted = false;

  private async readLine(keys: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    this.startLineReader();
    for (;;) {
      while (this.lines.length > 0) {
        const next = (this.lines.shift() as string).trim().toLowerCase();
        if (keys.includes(next)) return next;
        this.unknownKey(next, keys);
      }
      if (this.inputEnded || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener("abort", wake);
          this.lineWaiter = undefined;
          resolve();
        };
        this.lineWaiter = wake;
        signal?.addEventListener("abort", wake, { once: true });
        this.input.resume();
      });
    }
  }

  private startLineReader(): void {
    if (this.lineReaderStarted) return;
    this.lineReaderStarted = true;
    let buffered = "";
    this.input.on("data", (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      this.lines.push(...parts);
      this.input.pause();
      this.lineWaiter?.();
    });
    this.input.once("end", () => {
      if (buffered !== "") this.lines.push(buffered);
      this.inputEnded = true;
      this.lineWaiter?.();
    });
  }
}
