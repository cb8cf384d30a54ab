import { CodexError } from "../errors/index.js";

/**
 * Splits a command line the way a POSIX shell would split words: whitespace separates,
 * single quotes are literal, double quotes allow `\"` and `\\`, a backslash escapes outside quotes.
 * No expansion of any kind is performed.
 */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) current += line[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote !== null) {
    throw new CodexError(`Unterminated ${quote} quote in command line: ${line}`);
  }
  if (inWord) words.push(current);
  return words;
}
