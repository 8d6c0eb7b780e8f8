import { describe, expect, it } from "vitest";
import { type ModelIo, resolveJson, resolveModel } from "../../src/app/model.js";
import { InputError } from "../../src/core/errors.js";

// resolveModel is pure: the files and the preset data come from the io it is given, so these tests
// give it a folder in memory and a three-word lexicon.
const files: Record<string, string> = {
  "m.json": '{"p": [0.25, 0.75], "r": [0, 1]}',
  "bad.json": '{"p": [0.25, 0.75], "r": [0, 1]',
};
const io: ModelIo = {
  readFile: (path) => files[path],
  wordData: () => ({
    frequencies: [
      { word: "good", count: 3 },
      { word: "The", count: 5 },
      { word: "bad", count: 2 },
    ],
    lexicon: { good: 3, bad: -3 },
  }),
};

async function refusal(text: string, given: ModelIo = io): Promise<InputError> {
  const e = await resolveModel(text, given, "--model").then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe("resolveModel: one resolver for the CLI, the report and the explorer", () => {
  it("reads presets, inline JSON and files alike", async () => {
    const preset = await resolveModel("bernoulli:0.75", io);
    const inline = await resolveModel(' {"p": [0.25, 0.75], "r": [0, 1]} ', io);
    const file = await resolveModel("m.json", io);
    for (const m of [inline, file]) {
      expect(Array.from(m.p)).toEqual(Array.from(preset.p));
      expect(Array.from(m.r)).toEqual(Array.from(preset.r));
    }
  });

  it("builds the data-backed preset from the injected data, words lower-cased and most frequent first", async () => {
    const m = await resolveModel("subtlex-afinn", io);
    expect(m.labels).toEqual(["the", "good", "bad"]);
    expect(Array.from(m.r)).toEqual([0, 3, -3]);
    expect((await resolveModel("subtlex-afinn:1", io)).labels).toEqual(["the"]);
    expect(await refusal("subtlex-afinn:0")).toMatchObject({ field: "--model", code: "out_of_range" });
    expect(await refusal("subtlex-afinn", {})).toMatchObject({ code: "missing" });
  });

  it("names the field for the text, and the model's own fields inside it", async () => {
    expect(await refusal('{"p": [0.5, -0.5], "r": [0, 1]}')).toMatchObject({ field: "model.p[1]" });
    expect(await refusal("bad.json")).toMatchObject({ field: "--model", code: "invalid_json" });
    expect(await refusal("bernoulli:2")).toMatchObject({ field: "--model", code: "out_of_range" });
  });

  it("with files: unknown presets and missing files are told apart; without: every name is a preset", async () => {
    const unknown = await refusal("nope:3");
    expect(unknown.code).toBe("unknown_preset");
    expect(unknown.detail).toMatch(
      /^unknown preset "nope:3" \(presets: .*; or give a JSON file or inline JSON\)$/,
    );
    const missing = await refusal("dir/m2.json");
    expect(missing.code).toBe("no_such_file");
    expect(missing.detail).toMatch(/^no such file "dir\/m2\.json" \(or give a preset: /);
    const page = await refusal("dir/m2.json", { wordData: io.wordData });
    expect(page.code).toBe("unknown_preset");
    expect(page.detail).toMatch(/; or give inline JSON\)$/);
  });
});

describe("resolveJson", () => {
  it("takes inline JSON or a file, naming the file in a parse error", () => {
    expect(resolveJson("[1, 2]", io, "--policy", "an array")).toEqual([1, 2]);
    expect(resolveJson("m.json", io, "--policy", "an array")).toEqual({ p: [0.25, 0.75], r: [0, 1] });
    expect(() => resolveJson("bad.json", io, "--policy", "an array")).toThrow(
      /^--policy \(bad\.json\): malformed JSON/,
    );
    expect(() => resolveJson("none.json", io, "--policy", "an array")).toThrow(
      '--policy: "none.json" is neither inline JSON nor an existing file (expected an array)',
    );
  });
});
