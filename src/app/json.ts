import { InputError } from "../core/errors.js";

/** Where and why a text is not JSON. `line` and `column` are 1-based; columns count UTF-16 code units. */
export interface JsonSyntaxError {
  /** Offset of the offending text in UTF-16 code units (the text's length at end of input). */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly description: string;
}

/**
 * `JSON.parse(text)`, but malformed input throws an `InputError` for `field` that says where
 * (line and column, 1-based, columns in UTF-16 code units) and what was expected or found.
 * The position is only worked out once `JSON.parse` has failed, so valid input costs nothing extra.
 */
export function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const found = findJsonSyntaxError(text);
    if (found === undefined) {
      // The scanner follows the same grammar, so this is a safety net, not an expected path.
      const reason = error.message.split("\n", 1)[0] ?? "";
      throw new InputError(field, `malformed JSON: ${shorten(reason, 80)}`, "invalid_json");
    }
    const where = `line ${found.line}, column ${found.column}`;
    const near = found.offset < text.length ? ` near ${snippet(text, found.offset)}` : "";
    throw new InputError(field, `malformed JSON at ${where}: ${found.description}${near}`, "invalid_json");
  }
}

/**
 * The first syntax error in `text` under the RFC 8259 grammar (which `JSON.parse` implements), or
 * `undefined` when `text` is one valid JSON value. Containers are tracked on an explicit stack rather
 * than by recursion, so nesting as deep as `JSON.parse` accepts cannot overflow the call stack.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const found = scan(text);
  if (found === undefined) return undefined;
  const [line, column] = lineAndColumn(text, found.offset);
  return { offset: found.offset, line, column, description: found.description };
}

interface Failure {
  readonly offset: number;
  readonly description: string;
}

type Container = "array" | "object";

/**
 * What the scanner needs next: a value (at the top, after ':' or after ',' in an array); a value or ']'
 * (right after '['); a property name (after ','); a property name or '}' (right after '{'); or whatever
 * may follow a complete value in the innermost container (nothing at all at the top).
 */
type Expect = "value" | "first-element" | "key" | "first-key" | "after";

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

function scan(text: string): Failure | undefined {
  const n = text.length;
  const stack: Container[] = [];
  let i = skipWhitespace(text, 0);
  if (i === n) return { offset: i, description: "empty input" };
  let expect: Expect = "value";
  for (;;) {
    i = skipWhitespace(text, i);
    const c = i < n ? text.charCodeAt(i) : -1;
    // An empty container closes at once; otherwise "first-*" asks for the same as its plain state.
    if (
      (expect === "first-element" && c === CLOSE_BRACKET) ||
      (expect === "first-key" && c === CLOSE_BRACE)
    ) {
      stack.pop();
      i++;
      expect = "after";
      continue;
    }
    switch (expect) {
      case "first-element":
      case "value": {
        const wanted = expect === "first-element" ? "expected a value or ']'" : "expected a value";
        if (c === -1) return endOfInput(i, wanted);
        if (c === OPEN_BRACKET) {
          stack.push("array");
          expect = "first-element";
          i++;
        } else if (c === OPEN_BRACE) {
          stack.push("object");
          expect = "first-key";
          i++;
        } else {
          const end = scanScalar(text, i, wanted);
          if (typeof end !== "number") return end;
          i = end;
          expect = "after";
        }
        break;
      }
      case "first-key":
      case "key": {
        const wanted = `expected a property name in double quotes${expect === "first-key" ? " or '}'" : ""}`;
        if (c === -1) return endOfInput(i, wanted);
        if (c !== QUOTE) return { offset: i, description: wanted };
        const end = scanString(text, i);
        if (typeof end !== "number") return end;
        i = skipWhitespace(text, end);
        if (i === n) return endOfInput(i, "expected ':' after a property name");
        if (text.charCodeAt(i) !== COLON)
          return { offset: i, description: "expected ':' after a property name" };
        i++;
        expect = "value";
        break;
      }
      case "after": {
        const top = stack.at(-1);
        if (top === undefined) {
          if (c === -1) return undefined;
          return { offset: i, description: "trailing characters after the JSON value" };
        }
        const close = top === "array" ? CLOSE_BRACKET : CLOSE_BRACE;
        const wanted =
          top === "array"
            ? "expected ',' or ']' after an array element"
            : "expected ',' or '}' after a property value";
        if (c === -1) return endOfInput(i, wanted);
        if (c === close) {
          stack.pop();
          i++;
        } else if (c === COMMA) {
          const next = skipWhitespace(text, i + 1);
          if (next < n && text.charCodeAt(next) === close) {
            return { offset: i, description: `trailing comma before '${String.fromCharCode(close)}'` };
          }
          i = next;
          expect = top === "array" ? "value" : "key";
        } else {
          return { offset: i, description: wanted };
        }
        break;
      }
    }
  }
}

function endOfInput(offset: number, wanted: string): Failure {
  return { offset, description: `unexpected end of input, ${wanted}` };
}

function skipWhitespace(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
  }
  return i;
}

/** A string, number or literal starting at `i` (not at end of input): its end offset, or why not. */
function scanScalar(text: string, i: number, wanted: string): number | Failure {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return scanString(text, i);
  if (c === MINUS || c === PLUS || c === DOT || isDigit(c)) return scanNumber(text, i);
  if (isWordChar(c)) {
    let end = i;
    while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    const word = text.slice(i, end);
    if (word === "true" || word === "false" || word === "null") return end;
    if (word === "NaN" || word === "Infinity") {
      return { offset: i, description: "NaN and Infinity are not valid JSON numbers" };
    }
    return { offset: i, description: "invalid literal (only true, false and null may appear unquoted)" };
  }
  if (c === 0x27) return { offset: i, description: `${wanted} (strings use double quotes)` };
  if (c === 0xfeff) return { offset: i, description: `${wanted} (found a byte order mark)` };
  return { offset: i, description: wanted };
}

/** A string starting at the quote at `i`: the offset just past its closing quote, or why not. */
function scanString(text: string, start: number): number | Failure {
  const n = text.length;
  let i = start + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      if (i + 1 >= n) break;
      const e = text.charCodeAt(i + 1);
      if (e === 0x75) {
        // \uXXXX: exactly four hex digits; lone surrogates are allowed, as in JSON.parse.
        for (let k = 2; k < 6; k++) {
          if (i + k >= n) return unterminated(start);
          if (!isHexDigit(text.charCodeAt(i + k))) {
            return { offset: i, description: "invalid \\u escape (expected four hex digits)" };
          }
        }
        i += 6;
      } else if ('"\\/bfnrt'.includes(text.charAt(i + 1))) {
        i += 2;
      } else {
        return { offset: i, description: "invalid escape sequence in string" };
      }
    } else if (c < 0x20) {
      if (c === 0x0a || c === 0x0d) {
        // Most often a missing closing quote, so point at the string's start.
        return {
          offset: start,
          description: "unterminated string (a line break inside must be written \\n)",
        };
      }
      const code = c.toString(16).padStart(4, "0");
      return { offset: i, description: `unescaped control character U+${code} in string` };
    } else {
      i++;
    }
  }
  return unterminated(start);
}

function unterminated(start: number): Failure {
  return { offset: start, description: "unterminated string" };
}

/**
 * A number starting at `start` under the RFC grammar `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
 * Failures point at the number's start, since the whole token is what the reader has to fix.
 */
function scanNumber(text: string, start: number): number | Failure {
  const invalid = (why: string): Failure => ({ offset: start, description: `invalid number (${why})` });
  const n = text.length;
  let i = start;
  const first = text.charCodeAt(i);
  if (first === PLUS) return invalid("a leading '+' is not allowed");
  if (first === DOT) return invalid("a digit is needed before '.'");
  if (first === MINUS) {
    i++;
    if (text.startsWith("Infinity", i)) {
      return { offset: start, description: "NaN and Infinity are not valid JSON numbers" };
    }
  }
  const lead = i < n ? text.charCodeAt(i) : -1;
  if (lead === 0x30) {
    i++;
    if (i < n && isDigit(text.charCodeAt(i))) return invalid("leading zeros are not allowed");
  } else if (isDigit(lead)) {
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  } else {
    return invalid("expected a digit after '-'");
  }
  if (i < n && text.charCodeAt(i) === DOT) {
    i++;
    if (!(i < n && isDigit(text.charCodeAt(i)))) return invalid("expected a digit after '.'");
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  if (i < n && (text.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    if (i < n && (text.charCodeAt(i) === PLUS || text.charCodeAt(i) === MINUS)) i++;
    if (!(i < n && isDigit(text.charCodeAt(i)))) return invalid("expected a digit in the exponent");
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  // Text glued to a number (`1.2.3`, `0x1f`, `1-2`) is a malformed number, not a missing comma.
  if (i < n) {
    const c = text.charCodeAt(i);
    if (c === DOT || c === PLUS || c === MINUS || isWordChar(c)) return invalid("unexpected characters");
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isWordChar(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f || c === 0x24;
}

/** 1-based line and column of `offset`; "\n", "\r\n" and a lone "\r" each end a line, as JSON allows all. */
function lineAndColumn(text: string, offset: number): [number, number] {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  return [line, offset - lineStart + 1];
}

const SNIPPET_LENGTH = 40;

/** The rest of the line from `offset`, escaped and quoted, at most 40 characters within the quotes. */
function snippet(text: string, offset: number): string {
  const pieces: string[] = [];
  let length = 0;
  for (let i = offset; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) break;
    // Keep a surrogate pair together so the snippet never ends in half a character.
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    // JSON.stringify escapes controls and lone surrogates; an invisible byte order mark needs it by hand.
    const piece = c === 0xfeff ? "\\ufeff" : JSON.stringify(text.slice(i, i + width)).slice(1, -1);
    if (length + piece.length > SNIPPET_LENGTH) {
      while (length + 1 > SNIPPET_LENGTH) length -= pieces.pop()?.length ?? 0;
      return `"${pieces.join("")}…"`;
    }
    pieces.push(piece);
    length += piece.length;
    i += width - 1;
  }
  return `"${pieces.join("")}"`;
}

function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
