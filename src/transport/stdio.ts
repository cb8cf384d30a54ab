import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { inspect } from "node:util";
import { CodexTransportError, type ProcessExitInfo } from "../errors/index.js";
import { LineDecoder, parseJsonLine } from "./line-decoder.js";
import { OutgoingQueue } from "./outgoing-queue.js";
import { StderrTail } from "./stderr-tail.js";
import { DEFAULT_MAX_MESSAGE_BYTES, type Transport } from "./transport.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";

/** The keys of {@link StdioTransportOptions}. */
export const STDIO_TRANSPORT_OPTIONS = {
  file: "string",
  args: "array",
  cwd: "string",
  env: "object",
  onStderr: "function",
  killGraceMs: "number",
  maxMessageBytes: "number",
  maxBufferedBytes: "number",
  stderrTailBytes: "number",
} as const satisfies OptionSpec<StdioTransportOptions>;

/** Options of {@link StdioTransport}. */
export interface StdioTransportOptions {
  /** Executable to start. */
  file: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Working directory of the child. */
  cwd?: string;
  /** Environment of the child. Defaults to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Receives each chunk of the child's stderr (log lines; never parsed as protocol). */
  onStderr?: (chunk: string) => void;
  /** How long `close()` waits after SIGTERM before SIGKILL. Default 2000 ms. */
  killGraceMs?: number;
  /** Largest accepted line, in bytes. Default 64 MiB; a longer line is dropped and reported. */
  maxMessageBytes?: number;
  /**
   * Cap on outgoing bytes waiting for the child to read them. Default 16 MiB; past it `send`
   * rejects with `CodexTransportError`.
   */
  maxBufferedBytes?: number;
  /**
   * Bytes of stderr kept for `exit.stderrTail`. Default 16 KiB. Error messages embed only the
   * last 20 lines of it, at most 2 KiB.
   */
  stderrTailBytes?: number;
}

/** How long a closed or failing stdin waits for the process's exit to explain it. */
const STDIN_CLOSE_GRACE_MS = 100;

/**
 * Runs the app-server as a child process and speaks JSONL over its stdin/stdout.
 * stderr is captured (bounded) for diagnostics and never parsed as protocol.
 *
 * Its state lives in `#private` fields, and `util.inspect` shows only the pid and the state: the
 * options hold the child's environment, which may hold secrets.
 */
export class StdioTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (error?: CodexTransportError) => void;

  readonly #options: StdioTransportOptions;
  #child: ChildProcessWithoutNullStreams | undefined;
  #outgoing: OutgoingQueue | undefined;
  readonly #stderr: StderrTail;
  #exitInfo: ProcessExitInfo | undefined;
  #exited: Promise<void> | undefined;
  #closing = false;
  #closedFired = false;
  #afterClose: (() => void) | undefined;

  constructor(options: StdioTransportOptions) {
    checkOptions(options, STDIO_TRANSPORT_OPTIONS, "new StdioTransport(options)");
    this.#options = { ...options };
    this.#stderr = new StderrTail(options.stderrTailBytes);
  }

  /** The child's pid, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Outgoing bytes accepted by `send` and not yet handed to the OS. */
  get bufferedBytes(): number {
    return this.#outgoing?.bufferedBytes ?? 0;
  }

  [inspect.custom](): string {
    const state = !this.#child ? "new" : this.#closedFired ? "closed" : "open";
    return `StdioTransport { pid: ${this.pid ?? "none"}, state: ${state} }`;
  }

  async start(): Promise<void> {
    if (this.#child) throw new CodexTransportError("StdioTransport.start() was called twice.");
    const { file, args = [], cwd, env } = this.#options;
    const child = spawn(file, [...args], {
      cwd,
      env: env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    this.#child = child;
    const decoder = new LineDecoder(
      this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      (line, noLongDigitRun) => parseJsonLine(line, this.onmessage, this.onerror, noLongDigitRun),
      (bytes) =>
        this.onerror?.(
          new CodexTransportError(
            `Dropped an incoming message of about ${bytes} bytes: over maxMessageBytes ` +
              `(${this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES}). Raise maxMessageBytes if it was legitimate.`,
          ),
        ),
    );
    child.stdout.on("data", (chunk: Buffer) => decoder.push(chunk));
    child.stdout.on("end", () => decoder.end());
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.#stderr.push(chunk);
      this.#options.onStderr?.(chunk);
    });
    // EPIPE on stdin when the child dies is reported through the exit path instead.
    child.stdin.on("error", () => {});
    // A pipe that closes, or a write that fails (EPIPE), means the process is going away, usually
    // just before 'exit': waiting a moment lets the exit code or signal reach the error of what was
    // still being written. The 'exit' handler below closes the queue with that error at once.
    let closingInput: ReturnType<typeof setTimeout> | undefined;
    const closeInput = (message: string) => {
      if (closingInput !== undefined || this.#exitInfo) return;
      closingInput = setTimeout(() => outgoing.close(() => this.#closedError(message)), STDIN_CLOSE_GRACE_MS);
    };
    const write = (text: string, done: (error?: Error | null) => void) =>
      child.stdin.write(text, (error) => {
        if (error) closeInput(`Writing to the app-server process failed: ${error.message}.`);
        else done();
      });
    const outgoing = new OutgoingQueue(write, {
      maxBufferedBytes: this.#options.maxBufferedBytes,
      peer: "the app-server process",
    });
    this.#outgoing = outgoing;
    // One listener for the whole life of the pipe, not one per blocked write.
    child.stdin.once("close", () =>
      closeInput("The app-server process closed its input before reading what we sent."),
    );

    this.#exited = new Promise<void>((resolve) => {
      // A spawn failure emits 'error' and never 'exit': nothing runs, so nothing to wait for.
      child.once("error", () => {
        if (child.pid === undefined) resolve();
      });
      child.once("exit", (code, signal) => {
        this.#exitInfo = { code, signal, stderrTail: "" };
        clearTimeout(closingInput);
        outgoing.close(() => this.#closedError("The app-server process exited before reading what we sent."));
        // stdout may still hold the last lines; 'close' follows once the pipes drain. A grandchild
        // holding the pipes open must not delay the report, hence the short fallback.
        const timer = setTimeout(() => this.#fireClose(), 100);
        child.once("close", () => {
          clearTimeout(timer);
          this.#fireClose();
        });
        resolve();
      });
    });

    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) => {
        if (child.pid === undefined) {
          this.#closedFired = true;
          reject(
            new CodexTransportError(
              `Could not start the app-server \`${file}\`: ${err.message}. ` +
                "Check the `command` option, CODEX_APP_SERVER_CMD, or that @openai/codex is installed.",
              { cause: err },
            ),
          );
        } else {
          this.onerror?.(err);
        }
      });
    });
  }

  send(message: unknown): Promise<void> {
    const child = this.#child;
    const outgoing = this.#outgoing;
    if (!child || !outgoing || this.#closedFired || this.#exitInfo || !child.stdin.writable) {
      return Promise.reject(this.#closedError("Cannot send: the app-server process is not running."));
    }
    return outgoing.send(message, JSON.stringify(message) + "\n");
  }

  discard(message: unknown): boolean {
    return this.#outgoing?.discard(message) ?? false;
  }

  async close(): Promise<void> {
    const child = this.#child;
    this.#closing = true;
    if (!child || !this.#exited) return;
    if (!this.#exitInfo) {
      const grace = this.#options.killGraceMs ?? 2000;
      child.stdin.end();
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), grace);
      await this.#exited;
      clearTimeout(killer);
    }
    // After exit, 'close' (pipes drained) or the 100 ms fallback fires onclose; don't wait longer.
    if (!this.#closedFired) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 150);
        this.#afterClose = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#fireClose();
  }

  #closedError(message: string, cause?: unknown): CodexTransportError {
    const exit = this.#exitDetails();
    const suffix = exit ? ` ${describeExit(exit, this.#stderr)}` : "";
    return new CodexTransportError(message + suffix, { cause, exit });
  }

  #exitDetails(): ProcessExitInfo | undefined {
    if (!this.#exitInfo) return undefined;
    return { ...this.#exitInfo, stderrTail: this.#stderr.text() };
  }

  #fireClose(): void {
    if (this.#closedFired) return;
    this.#closedFired = true;
    this.#afterClose?.();
    this.#outgoing?.close(() => this.#closedError("Cannot send: the app-server process is not running."));
    const child = this.#child;
    child?.stdout.removeAllListeners("data");
    child?.stderr.removeAllListeners("data");
    if (this.#closing) {
      this.onclose?.();
      return;
    }
    const exit = this.#exitDetails();
    this.onclose?.(
      new CodexTransportError(
        `The app-server process exited unexpectedly. ${exit ? describeExit(exit, this.#stderr) : ""}`,
        {
          exit,
        },
      ),
    );
  }
}

/** How the process ended, with the short stderr tail (the full one is on `exit.stderrTail`). */
function describeExit(exit: ProcessExitInfo, stderr: StderrTail): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  const tail = stderr.forMessage().trim();
  return tail ? `(${how}; last stderr lines:\n${tail})` : `(${how}; no stderr output)`;
}
