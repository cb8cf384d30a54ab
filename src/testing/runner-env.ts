// The variables a test runner sets for its own worker processes. Passed on to the agent, they make
// the agent's own test runs behave as workers of the outer run: under `node --test`, a nested
// `node --test` reports to a parent that is not there and exits 0 with every file skipped.

/**
 * Removed from the agent's environment by name:
 * - `NODE_TEST_CONTEXT`: node:test marks its child processes with it;
 * - `NODE_V8_COVERAGE`: set by `node --experimental-test-coverage` and c8; the agent's processes
 *   would write coverage into the outer run's report;
 * - `JEST_WORKER_ID` (Jest), `VITEST` and every `VITEST_*` variable (Vitest): the worker markers
 *   of those runners.
 */
const RUNNER_VARIABLES = /^(NODE_TEST_CONTEXT|NODE_V8_COVERAGE|JEST_WORKER_ID|VITEST|VITEST_.*)$/;

/**
 * node's test flags, as they may appear in `NODE_OPTIONS` (`--test-only`, `--test-name-pattern=…`,
 * `--experimental-test-coverage`, …): they would filter or reshape the agent's own test runs.
 */
const RUNNER_FLAG = /^--(experimental-)?test(-|$)/;

/** Splits NODE_OPTIONS as node does: on spaces, with double quotes grouping. */
function splitNodeOptions(value: string): string[] {
  return value.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}

/**
 * `env` without the test runner's variables listed above, and with node's test
 * flags taken out of `NODE_OPTIONS` (the rest of it is kept; it is removed when nothing is left).
 * Everything else, `NODE_ENV` included, passes unchanged.
 */
export function withoutTestRunnerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || RUNNER_VARIABLES.test(name)) continue;
    out[name] = value;
  }
  if (out.NODE_OPTIONS !== undefined) {
    const words = splitNodeOptions(out.NODE_OPTIONS);
    const kept: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as string;
      if (!RUNNER_FLAG.test(word)) {
        kept.push(word);
        continue;
      }
      // A flag written as `--test-name-pattern value` takes the next word with it.
      const next = words[i + 1];
      if (!word.includes("=") && next !== undefined && !next.startsWith("-") && takesValue(word)) i++;
    }
    if (kept.length > 0) out.NODE_OPTIONS = kept.join(" ");
    else delete out.NODE_OPTIONS;
  }
  return out;
}

/** The test flags that take a value (the others are switches). */
function takesValue(flag: string): boolean {
  return /^--test-(name-pattern|skip-pattern|reporter|reporter-destination|concurrency|timeout|shard|coverage-(include|exclude|branches|functions|lines))$/.test(
    flag,
  );
}
