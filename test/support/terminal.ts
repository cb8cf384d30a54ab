// Runs a command in a real terminal for tests that type at a prompt and read the screen: tmux
// (send-keys / capture-pane) when it is installed, else util-linux `script`, which gives the
// command a pseudo-terminal and relays our keys to it.
import { execFileSync, spawn, spawnSync } from "node:child_process";

export interface TerminalSession {
  /** What the terminal shows (tmux: the rendered pane; script: the output, escape codes removed). */
  screen(): string;
  press(key: string): void;
  /** Resolves with the screen once it matches, or rejects with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
  readonly kind: "tmux" | "script";
}

const has = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;

export function terminalAvailable(): boolean {
  return has("tmux") || has("script");
}

const stripAnsi = (text: string) =>
  // eslint-disable-next-line no-control-regex
  text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

/** Starts `command` (a shell line) in `cwd` with `env` in a new 120×50 terminal. */
export function startTerminal(command: string, cwd: string, env: NodeJS.ProcessEnv): TerminalSession {
  const line = `${command}; echo "EXIT=$?"; sleep 600`;
  if (has("tmux") && process.env.SDK_TEST_TERMINAL !== "script") {
    const name = `sdk-test-${process.pid}-${Date.now()}`;
    execFileSync("tmux", ["new-session", "-d", "-s", name, "-x", "120", "-y", "50", "-c", cwd, line], {
      env,
    });
    const screen = () => {
      try {
        return execFileSync("tmux", ["capture-pane", "-p", "-S", "-200", "-t", name], { encoding: "utf8" });
      } catch {
        return "";
      }
    };
    return withWaitFor({
      kind: "tmux",
      screen,
      press: (key) => execFileSync("tmux", ["send-keys", "-t", name, "-l", key]),
      close: () => spawnSync("tmux", ["kill-session", "-t", name]),
    });
  }
  const child = spawn("script", ["-qfec", line, "/dev/null"], {
    cwd,
    env: { ...env, COLUMNS: "120", LINES: "50" },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return withWaitFor({
    kind: "script",
    screen: () => stripAnsi(output),
    press: (key) => child.stdin.write(key),
    close: () => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
    },
  });
}

function withWaitFor(session: Omit<TerminalSession, "waitFor">): TerminalSession {
  return {
    ...session,
    // The bound is generous: a loaded machine is slow to start the app-server, and a pattern that
    // shows up early ends the wait at once.
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = session.screen();
        if (pattern.test(screen)) return screen;
        if (Date.now() > deadline)
          throw new Error(`The terminal never showed ${pattern} within ${timeoutMs} ms. Screen:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
