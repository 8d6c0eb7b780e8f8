import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findJsonSyntaxError, parseJson } from "../../src/app/json.js";
import { InputError } from "../../src/core/errors.js";

/** Whether `JSON.parse` accepts `text`: the reference the scanner must agree with. */
function accepted(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function thrown(text: string): InputError {
  try {
    parseJson(text, "policy");
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error(`parseJson accepted ${JSON.stringify(text)}`);
}

// Each position is counted by hand from the text (offsets from 0, so column = offset of the line + 1),
// not read back from the implementation. Columns count UTF-16 code units.
const malformed: ReadonlyArray<readonly [text: string, line: number, column: number, description: string]> = [
  // `{"a": ` is 6 characters, so the '}' is column 7.
  ['{"a": }', 1, 7, "expected a value"],
  ["", 1, 1, "empty input"],
  // Only whitespace: the end of input is after "\t " on line 2, i.e. column 3.
  [" \n\t ", 2, 3, "empty input"],
  ["   ", 1, 4, "empty input"],
  // Trailing commas point at the comma: `[1, 2` is 5 characters, `{"a": 1` is 7.
  ["[1, 2,]", 1, 6, "trailing comma before ']'"],
  ['{"a": 1,}', 1, 8, "trailing comma before '}'"],
  ["[1,\n]", 1, 3, "trailing comma before ']'"],
  // Number errors point at the start of the number.
  ["01", 1, 1, "invalid number (leading zeros"],
  ["[01]", 1, 2, "invalid number (leading zeros"],
  ["-007", 1, 1, "invalid number (leading zeros"],
  ["[1.]", 1, 2, "invalid number (expected a digit after '.')"],
  ["1e", 1, 1, "invalid number (expected a digit in the exponent"],
  ["1e+", 1, 1, "invalid number (expected a digit in the exponent"],
  ["-", 1, 1, "invalid number (expected a digit after '-')"],
  [".5", 1, 1, "invalid number"],
  ["+1", 1, 1, "invalid number"],
  ["1.2.3", 1, 1, "invalid number"],
  ["[0x1f]", 1, 2, "invalid number"],
  // NaN and Infinity are JavaScript, not JSON. `{"x": ` is 6 characters.
  ["NaN", 1, 1, "NaN and Infinity are not valid JSON numbers"],
  ["[Infinity]", 1, 2, "NaN and Infinity are not valid JSON numbers"],
  ["-Infinity", 1, 1, "NaN and Infinity are not valid JSON numbers"],
  ['{"x": NaN}', 1, 7, "NaN and Infinity are not valid JSON numbers"],
  // Unterminated strings point at the opening quote: `{"a": ` is 6 characters.
  ['{"a": "abc', 1, 7, "unterminated string"],
  ['"abc\ndef"', 1, 1, "unterminated string"],
  ['["\\u00', 1, 2, "unterminated string"],
  ['"abc\\', 1, 1, "unterminated string"],
  // Bad escapes point at the backslash; a raw control character at itself.
  ['"\\x"', 1, 2, "invalid escape sequence"],
  ['"\\u12G4"', 1, 2, "invalid \\u escape"],
  ['"a\tb"', 1, 3, "unescaped control character U+0009"],
  // Multi-line: line 4 is `  "c": 3`, whose '"' is column 3.
  ['{\n  "a": 1,\n  "b": 2\n  "c": 3\n}', 4, 3, "expected ',' or '}' after a property value"],
  // CRLF counts as one line break: line 3 is `  x`.
  ["[\r\n  1,\r\n  x\r\n]", 3, 3, "invalid literal"],
  // A lone CR is a line break too: '[' on line 1, '1' on line 2, ',' on line 3 column 1.
  ["[\r1\r,]", 3, 1, "trailing comma before ']'"],
  // `{"a" ` is 5 characters; `{` is 1; `[1 ` is 3; `{"a": 1} ` is 9.
  ['{"a" 1}', 1, 6, "expected ':' after a property name"],
  ["{a: 1}", 1, 2, "expected a property name in double quotes or '}'"],
  ['{"a": 1, b: 2}', 1, 10, "expected a property name in double quotes"],
  ["[1 2]", 1, 4, "expected ',' or ']' after an array element"],
  ['{"a": 1} x', 1, 10, "trailing characters after the JSON value"],
  ["[1]]", 1, 4, "trailing characters after the JSON value"],
  ["tru", 1, 1, "invalid literal"],
  ["True", 1, 1, "invalid literal"],
  ["[nullx]", 1, 2, "invalid literal"],
  ["'a'", 1, 1, "strings use double quotes"],
  ["[,]", 1, 2, "expected a value or ']'"],
  ["\ufeff{}", 1, 1, "byte order mark"],
  // End of input: the column is one past the last character.
  ["[", 1, 2, "unexpected end of input, expected a value or ']'"],
  ['{"a": 1', 1, 8, "unexpected end of input, expected ',' or '}' after a property value"],
  ['{"a"', 1, 5, "unexpected end of input, expected ':'"],
  ['{"a":', 1, 6, "unexpected end of input, expected a value"],
  ["[1,\n", 2, 1, "unexpected end of input, expected a value"],
  // The emoji is two UTF-16 code units: `["😀", ` is 7 units, so 'x' is column 8.
  ['["😀", x]', 1, 8, "invalid literal"],
];

describe("parseJson on malformed input", () => {
  it.each(malformed)("%j → line %i, column %i", (text, line, column, description) => {
    expect(accepted(text)).toBe(false);
    const error = thrown(text);
    expect(error.field).toBe("policy");
    expect(error.detail).toMatch(new RegExp(`^malformed JSON at line ${line}, column ${column}: `));
    expect(error.detail).toContain(description);
    const found = findJsonSyntaxError(text);
    expect(found).toMatchObject({ line, column });
  });

  it("keeps the message to one line with a short snippet of the offending text", () => {
    const text = `{\n  "key": [1, 2, 3 ${"x".repeat(200)}\n]}`;
    const error = thrown(text);
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toMatch(/\bat .*\.(ts|js):\d+/);
    const near = /near "(.*)"$/.exec(error.detail);
    expect(near?.[1]).toBeDefined();
    expect(near![1]!.length).toBeLessThanOrEqual(40);
    expect(near![1]!.endsWith("…")).toBe(true);
  });

  it("escapes control characters in the snippet and stops it at the end of the line", () => {
    const error = thrown('["a\u0001b",\n 1]');
    expect(error.detail).toBe(
      'malformed JSON at line 1, column 4: unescaped control character U+0001 in string near "\\u0001b\\","',
    );
  });

  it("names no snippet at end of input", () => {
    expect(thrown("[1,").detail).toBe(
      "malformed JSON at line 1, column 4: unexpected end of input, expected a value",
    );
  });

  it("handles nesting far deeper than a recursive scanner could", () => {
    const depth = 200_000;
    const open = "[".repeat(depth);
    expect(findJsonSyntaxError(open + "]".repeat(depth))).toBeUndefined();
    expect(findJsonSyntaxError(open)).toMatchObject({ line: 1, column: depth + 1 });
    expect(thrown(`${open}1,]${"]".repeat(depth - 1)}`).detail).toContain(
      `column ${depth + 2}: trailing comma`,
    );
  });
});

describe("parseJson on valid input", () => {
  it.each([
    ['{"a": [1, -2.5e-3, true, false, null, "x\\u00e9\\n"]}'],
    [" \t\r\n 0 \n"],
    ['"\\ud800"'],
    ['{"":{}, "b": []}'],
    ["-0"],
    ["1E+2"],
  ])("%j agrees with JSON.parse", (text) => {
    expect(parseJson(text, "policy")).toEqual(JSON.parse(text));
    expect(findJsonSyntaxError(text)).toBeUndefined();
  });

  it("agrees with JSON.parse on generated JSON, compact and indented", () => {
    const text = fc.oneof(
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
      fc.jsonValue().map((v) => ` \r\n${JSON.stringify(v, null, "\t")}\n `),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(parseJson(s, "policy")).toEqual(JSON.parse(s));
        expect(findJsonSyntaxError(s)).toBeUndefined();
      }),
      { seed: 20240611, numRuns: 500 },
    );
  });
});

// Characters that matter to the grammar, so that mutations land on interesting cases.
const ALPHABET = [...'{}[],:"\\/ \t\n\r0123456789-+.eEtrufalsnbx\u0001\u00e9'];

type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "insert"; at: number; char: string }
  | { kind: "replace"; at: number; char: string }
  | { kind: "truncate"; at: number }
  | { kind: "duplicate"; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), char: fc.constantFrom(...ALPHABET) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), char: fc.constantFrom(...ALPHABET) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("duplicate" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 8 }),
  }),
);

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + 1);
    case "insert":
      return text.slice(0, at) + m.char + text.slice(at);
    case "replace":
      return text.slice(0, at) + m.char + text.slice(at + 1);
    case "truncate":
      return text.slice(0, at);
    case "duplicate":
      return text.slice(0, at + m.length) + text.slice(at);
  }
}

/** The scanner and JSON.parse must agree on every text: an error exactly when JSON.parse throws. */
function checkAgreement(s: string): void {
  const found = findJsonSyntaxError(s);
  if (accepted(s)) {
    expect(found).toBeUndefined();
    expect(parseJson(s, "policy")).toEqual(JSON.parse(s));
  } else {
    expect(found).toBeDefined();
    expect(found!.offset).toBeLessThanOrEqual(s.length);
    const error = thrown(s);
    expect(error.detail).toContain("line");
    expect(error.detail).toContain("column");
    expect(error.message).not.toContain("\n");
  }
}

describe("the scanner agrees with JSON.parse", () => {
  it("on random mutations of valid JSON", () => {
    const text = fc.oneof(
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
    );
    fc.assert(
      fc.property(text, fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, ms) => {
        checkAgreement(ms.reduce(mutate, s));
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it("on random strings over the grammar's characters", () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 12 });
    fc.assert(fc.property(text, checkAgreement), { seed: 7, numRuns: 5000 });
  });
});
