/**
 * JSON parsing that never rounds an integer. `JSON.parse` turns an integer beyond ±(2^53 − 1) into
 * the nearest double, silently. Messages holding such a number (rare: the protocol's 64-bit fields
 * are counts, sizes and timestamps) are parsed again with those integers kept as their exact
 * decimal strings. The check walks the parsed value, which costs a fraction of the parse itself.
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return hasUnsafeInteger(value) ? JSON.parse(quoteUnsafeIntegers(text)) : value;
}

function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasUnsafeInteger(item)) return true;
    return false;
  }
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
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
