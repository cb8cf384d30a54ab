import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { CodexTransportError, type ProcessExitInfo } from "../errors/index.js";
import { LineDecoder, parseJsonLine } from "./line-decoder.js";
import { StderrTail } from "./stderr-tail.js";
import { DEFAULT_MAX_MESSAGE_BYTES, type Transport } from "./transport.js";

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
  /** Largest accepted line, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Bytes of stderr kept for error messages. Default 16 KiB. */
  stderrTailBytes?: number;
}

/**
 * Runs the app-server as a child process and speaks JSONL over its stdin/stdout.
 * stderr is captured (bounded) for diagnostics and never parsed as protocol.
 */
export class StdioTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (error?: CodexTransportError) => void;

  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly stderr: StderrTail;
  private exitInfo: ProcessExitInfo | undefined;
  private exited: Promise<void> | undefined;
  private closing = false;
  private closedFired = false;
  private afterClose: (() => void) | undefined;

  constructor(private readonly options: StdioTransportOptions) {
    this.stderr = new StderrTail(options.stderrTailBytes);
  }

  /** The child's pid, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child) throw new CodexTransportError("StdioTransport.start() was called twice.");
    const { file, args = [], cwd, env } = this.options;
    const child = spawn(file, [...args], {
      cwd,
      env: env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    this.child = child;
    const decoder = new LineDecoder(
      this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      (line) => parseJsonLine(line, this.onmessage, this.onerror),
      (bytes) =>
        this.onerror?.(
          new CodexTransportError(
            `Dropped an incoming message of about ${bytes} bytes: over maxMessageBytes ` +
              `(${this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES}). Raise maxMessageBytes if it was legitimate.`,
          ),
        ),
    );
    child.stdout.on("data", (chunk: Buffer) => decoder.push(chunk));
    child.stdout.on("end", () => decoder.end());
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderr.push(chunk);
      this.options.onStderr?.(chunk);
    });
    // EPIPE on stdin when the child dies is reported through the exit path instead.
    child.stdin.on("error", () => {});

    this.exited = new Promise<void>((resolve) => {
      // A spawn failure emits 'error' and never 'exit': nothing runs, so nothing to wait for.
      child.once("error", () => {
        if (child.pid === undefined) resolve();
      });
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal, stderrTail: "" };
        // stdout may still hold the last lines; 'close' follows once the pipes drain. A grandchild
        // holding the pipes open must not delay the report, hence the short fallback.
        const timer = setTimeout(() => this.fireClose(), 100);
        child.once("close", () => {
          clearTimeout(timer);
          this.fireClose();
        });
        resolve();
      });
    });

    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) => {
        if (child.pid === undefined) {
          this.closedFired = true;
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
    const child = this.child;
    if (!child || this.closedFired || this.exitInfo || child.stdin.destroyed || !child.stdin.writable) {
      return Promise.reject(this.closedError("Cannot send: the app-server process is not running."));
    }
    const line = JSON.stringify(message) + "\n";
    return new Promise<void>((resolve, reject) => {
      const ok = child.stdin.write(line, (err) => {
        if (err) reject(this.closedError(`Writing to the app-server failed: ${err.message}`, err));
        else if (ok) resolve();
      });
      if (!ok) {
        // Back-pressure: settle once the pipe drains, or when the child goes away.
        const onDrain = () => {
          cleanup();
          resolve();
        };
        const onClose = () => {
          cleanup();
          reject(this.closedError("The app-server process closed its input while we were writing."));
        };
        const cleanup = () => {
          child.stdin.off("drain", onDrain);
          child.stdin.off("close", onClose);
        };
        child.stdin.once("drain", onDrain);
        child.stdin.once("close", onClose);
      }
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    this.closing = true;
    if (!child || !this.exited) return;
    if (!this.exitInfo) {
      const grace = this.options.killGraceMs ?? 2000;
      child.stdin.end();
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), grace);
      await this.exited;
      clearTimeout(killer);
    }
    // After exit, 'close' (pipes drained) or the 100 ms fallback fires onclose; don't wait longer.
    if (!this.closedFired) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 150);
        this.afterClose = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.fireClose();
  }

  private closedError(message: string, cause?: unknown): CodexTransportError {
    const exit = this.exitDetails();
    const suffix = exit ? ` ${describeExit(exit)}` : "";
    return new CodexTransportError(message + suffix, { cause, exit });
  }

  private exitDetails(): ProcessExitInfo | undefined {
    if (!this.exitInfo) return undefined;
    return { ...this.exitInfo, stderrTail: this.stderr.lastLines() };
  }

  private fireClose(): void {
    if (this.closedFired) return;
    this.closedFired = true;
    this.afterClose?.();
    const child = this.child;
    child?.stdout.removeAllListeners("data");
    child?.stderr.removeAllListeners("data");
    if (this.closing) {
      this.onclose?.();
      return;
    }
    const exit = this.exitDetails();
    this.onclose?.(
      new CodexTransportError(
        `The app-server process exited unexpectedly. ${exit ? describeExit(exit) : ""}`,
        {
          exit,
        },
      ),
    );
  }
}

function describeExit(exit: ProcessExitInfo): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  const tail = exit.stderrTail.trim();
  return tail ? `(${how}; last stderr lines:\n${tail})` : `(${how}; no stderr output)`;
}
