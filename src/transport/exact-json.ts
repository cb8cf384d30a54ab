/**
 * JSON parsing that never rounds an integer. `JSON.parse` turns an integer beyond ±(2^53 − 1) into
 * the nearest double, silently. Messages holding such a number (rare: the protocol's 64-bit fields
 * are counts, sizes and timestamps) are parsed again with those integers kept as their exact
 * decimal strings.
 *
 * Finding them costs a fraction of the parse. An unsafe integer literal has at least 16 digits
 * (2^53 − 1 = 9007199254740991 has 16): a short text (every ordinary message) with no run of 16
 * digits is returned as parsed without looking at the value. Longer texts, where reading the
 * characters would cost more than visiting the values (they are mostly long strings), and texts
 * with such a run (possibly inside a string) are walked. The walk switches to an explicit stack
 * past a nesting depth, so a deeply nested message that `JSON.parse` accepts is never dropped.
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (text.length <= PRECHECK_MAX_CHARS && !hasLongDigitRun(text)) return value;
  return hasUnsafeInteger(value, 0) ? JSON.parse(quoteUnsafeIntegers(text)) : value;
}

/** Texts up to this length are pre-checked for a 16-digit run; longer ones go straight to the walk. */
const PRECHECK_MAX_CHARS = 8192;

/** Nesting depth past which the walk stops recursing and uses an explicit stack. */
const RECURSION_MAX_DEPTH = 500;

/** Fewest digits of an integer literal that can be unsafe. */
const MIN_UNSAFE_DIGITS = 16;

/**
 * True when `text` holds 16 consecutive ASCII digits. Any such run covers a position that is a
 * multiple of 16 (minus one), so only every 16th character is read until a digit turns up there.
 */
export function hasLongDigitRun(text: string): boolean {
  const n = text.length;
  for (let i = MIN_UNSAFE_DIGITS - 1; i < n; i += MIN_UNSAFE_DIGITS) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= MIN_UNSAFE_DIGITS) return true;
    // A longer run starts after `end` (not a digit), so the sample 16 past it is the next useful one.
    i = end;
  }
  return false;
}

/**
 * {@link hasLongDigitRun} over UTF-8 bytes `[from, to)`: the same answer for the decoded text (an
 * ASCII digit is one byte and never part of a multi-byte character), at about half the cost of
 * reading the decoded string.
 */
export function hasLongDigitRunInBytes(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from + MIN_UNSAFE_DIGITS - 1; i < to; i += MIN_UNSAFE_DIGITS) {
    if (!isDigit(bytes[i] as number)) continue;
    let start = i;
    while (start > from && isDigit(bytes[start - 1] as number)) start--;
    let end = i + 1;
    while (end < to && isDigit(bytes[end] as number)) end++;
    if (end - start >= MIN_UNSAFE_DIGITS) return true;
    i = end;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** True if `value` holds an integer that is not a safe integer. Recursion is the fast path. */
function hasUnsafeInteger(value: unknown, depth: number): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== "object" || value === null) return false;
  if (depth > RECURSION_MAX_DEPTH) return hasUnsafeIntegerDeep(value);
  if (Array.isArray(value)) {
    for (const item of value) if (hasUnsafeInteger(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (hasUnsafeInteger((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** The same walk with an explicit stack: nesting depth costs heap memory, never call-stack frames. */
function hasUnsafeIntegerDeep(root: object): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "number") {
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const key in value) stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** Rewrites integer literals outside strings that are not safe integers as JSON strings. */
function quoteUnsafeIntegers(text: string): string {
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let end = i + 1;
    while (end < text.length && /[0-9.eE+-]/.test(text[end] as string)) end++;
    const token = text.slice(i, end);
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(last, i)}"${token}"`;
      last = end;
    }
    i = end - 1;
  }
  return out + text.slice(last);
}
