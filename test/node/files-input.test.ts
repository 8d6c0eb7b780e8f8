import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { resolveModel } from "../../src/app/model.js";
import { InputError } from "../../src/core/errors.js";
import { decodeUtf8, firstInvalidUtf8, readTextFile } from "../../src/node/files.js";
import { nodeModelIo } from "../../src/node/models.js";
import { SEED } from "../support/assert.js";

const TMP = mkdtempSync(join(tmpdir(), "bonkl-inputs-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/**
 * The independent answer: the WHATWG decoder (lossy) replaces each maximal ill-formed subpart with
 * U+FFFD, so in bytes holding no real U+FFFD (EF BF BD) the first invalid byte is where the UTF-8 of
 * the text before the first U+FFFD ends.
 */
function firstReplacement(bytes: Uint8Array): number {
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const i = text.indexOf("\uFFFD");
  return i < 0 ? -1 : Buffer.byteLength(text.slice(0, i), "utf8");
}

const hasRealReplacement = (b: Uint8Array) =>
  b.some((x, i) => x === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd);

describe("UTF-8", () => {
  it("firstInvalidUtf8 finds the byte the WHATWG decoder replaces first (random bytes, mixed text)", () => {
    // Bytes drawn to hit every lead-byte class: ASCII, continuations, C0/C1, E0/ED/F0/F4 edges, F5–FF.
    const interesting = fc.constantFrom(
      0x41,
      0x0a,
      0x7f,
      0x80,
      0x8f,
      0x90,
      0x9f,
      0xa0,
      0xbf,
      0xc0,
      0xc1,
      0xc2,
      0xdf,
      0xe0,
      0xe1,
      0xec,
      0xed,
      0xee,
      0xef,
      0xf0,
      0xf1,
      0xf3,
      0xf4,
      0xf5,
      0xff,
    );
    const bytes = fc
      .array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 40 })
      .map((a) => Uint8Array.from(a))
      .filter((b) => !hasRealReplacement(b));
    const text = fc
      .string({ unit: "binary", maxLength: 20 })
      .map((s) => new Uint8Array(Buffer.from(s, "utf8")));
    fc.assert(
      fc.property(fc.oneof(bytes, text), (b) => {
        expect(firstInvalidUtf8(b)).toBe(firstReplacement(b));
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it("the edges of table 3-7: overlongs, surrogates, beyond U+10FFFF and truncation are refused", () => {
    const at = (...b: number[]) => firstInvalidUtf8(Uint8Array.from(b));
    expect(at(0x61, 0xc0, 0x80)).toBe(1); // overlong NUL
    expect(at(0xe0, 0x9f, 0xbf)).toBe(0); // overlong 3-byte
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // surrogate U+D800
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // U+110000
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2); // truncated €
    expect(at(0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBe(-1); // € 😀
    expect(at(0xef, 0xbb, 0xbf, 0x7b)).toBe(-1); // a byte-order mark is valid UTF-8
  });

  it("decodeUtf8 refuses with the byte offset and line, and drops a byte-order mark", () => {
    const bytes = new Uint8Array(Buffer.from('{"p": [1],\n"r": [0], "outcomes": ["caf\u00e9"]}', "utf8"));
    expect(decodeUtf8(bytes, "--model", "m.json")).toContain("café");
    const latin1 = new Uint8Array(Buffer.from('{"p": [1],\n"r": [0], "outcomes": ["caf\u00e9"]}', "latin1"));
    let error: unknown;
    try {
      decodeUtf8(latin1, "--model", "m.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.field).toBe("--model");
    // "{"p": [1],\n" is 11 bytes; then `"r": [0], "outcomes": ["caf` is 27 more: é (0xE9) is byte 38.
    expect(latin1[38]).toBe(0xe9);
    expect(e.detail).toBe(
      '"m.json" is not UTF-8 text: invalid byte sequence at byte offset 38 (line 2, byte 0xe9)',
    );
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x31]), "--model", "bom.json")).toBe("1");
  });

  it("a model file in Latin-1 is refused when read, not read with replacement characters", async () => {
    const path = join(TMP, "latin1.json");
    writeFileSync(
      path,
      Buffer.from('{"outcomes": ["na\u00efve", "b"], "p": [0.5, 0.5], "r": [0, 1]}', "latin1"),
    );
    expect(() => readTextFile(path, "--model")).toThrow(
      /^--model: ".*latin1\.json" is not UTF-8 text: .* offset 17 /,
    );
    await expect(resolveModel(path, nodeModelIo, "--model")).rejects.toThrow(
      /offset 17 \(line 1, byte 0xef\)/,
    );
  });
});

describe("outcome labels", () => {
  it("a label given twice is refused at its index, naming the first", async () => {
    const path = join(TMP, "twice.json");
    writeFileSync(path, JSON.stringify({ outcomes: ["a", "b", "a"], p: [0.2, 0.3, 0.5], r: [0, 1, 2] }));
    const e = await resolveModel(path, nodeModelIo, "--model").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).field).toBe("model.outcomes[2]");
    expect((e as InputError).detail).toBe('"a" is already model.outcomes[0]; labels must be distinct');
    expect((e as InputError).code).toBe("invalid_model");
    // Labels that differ only in case or by a space are different labels.
    const ok = await resolveModel(
      '{"outcomes": ["a", "A", "a "], "p": [0.2, 0.3, 0.5], "r": [0, 1, 2]}',
      nodeModelIo,
    );
    expect(ok.labels).toEqual(["a", "A", "a "]);
  });
});
