import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, githubSlug, isExternal, links } from "./markdown.js";
import { mathSections, sectionRefs } from "./sections.js";

// Two promises of the documentation, checked on every run:
// 1. every "§" reference in the code (src/, bench/, test/) and in the docs points at a section that
//    exists in docs/math.md, the project's own specification;
// 2. every relative link in README.md and docs/*.md points at a file that exists, and at an anchor that
//    exists in it.

const ROOT = resolve(import.meta.dirname, "..", "..");
const MATH = join(ROOT, "docs", "math.md");
const SELF = resolve(import.meta.filename);

/** Files under `dir` (recursively), skipping dependencies and build output. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (["node_modules", "dist", "out", "coverage"].includes(e.name) || e.name.startsWith(".")) return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : [path];
  });
}

const TEXT = /\.(ts|tsx|mts|mjs|js|cjs|py|md|html|css|sh|json)$/;

/** README.md and the top level of docs/. */
function documentation(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(ROOT, "docs", f));
  return [join(ROOT, "README.md"), ...docs];
}

describe("the reference checker itself", () => {
  it("reads chains after MATH, with ranges and lists", () => {
    const got = (t: string) => sectionRefs(t).map((r) => r.section);
    expect(got("(MATH §1–3: each method …)")).toEqual(["1", "2", "3"]);
    expect(got("MATH §1–§5 and more")).toEqual(["1", "2", "3", "4", "5"]);
    expect(got("(MATH §1, §5)")).toEqual(["1", "5"]);
    expect(got("MATH §1 and §5")).toEqual(["1", "5"]);
    expect(got("see math.md §3.8–§3.9.")).toEqual(["3.8", "3.9"]);
    expect(got("the tilt (MATH §1.4).")).toEqual(["1.4"]);
  });
  it("takes a bare § as this document's, unless the line names another source", () => {
    const got = (t: string) => sectionRefs(t).map((r) => r.section);
    expect(got("as in §9.9 above")).toEqual(["9.9"]);
    expect(got("Daniels 1987, §2")).toEqual([]);
    expect(got("(arXiv 2401.01879, §4)")).toEqual([]);
    expect(got("The PNG signature (ISO/IEC 15948 §5.2).")).toEqual([]);
    expect(got('approximations", Int. Stat. Review 55, §4)')).toEqual([]);
    expect(got("(MATH §5; Nakano et al. 2021, WebGPT §4)")).toEqual(["5"]);
    expect(got("a § sign alone, or §x")).toEqual([]);
  });
  it("finds the sections of a specification", () => {
    const spec = "# Title\n## §1 One\n### §1.2 Two\n```\n## §9 in code\n```\n";
    expect([...mathSections(spec)].sort()).toEqual(["1", "1.2"]);
  });
  it("makes GitHub's anchors", () => {
    expect(githubSlug("§3.6 Engines for the law of S_n")).toBe("36-engines-for-the-law-of-s_n");
    expect(githubSlug("bonkl report — the report")).toBe("bonkl-report--the-report");
    expect([...anchors("## A b\n## A b\n### `x` y\n")]).toEqual(["a-b", "a-b-1", "x-y"]);
  });
  it("reads link targets outside code", () => {
    const text = "[a](x.md#h) `[b](no.md)` ![c](img.png)\n```\n[d](no2.md)\n```\n[e]: ref.md\n";
    expect(links(text).map((l) => l.target)).toEqual(["x.md#h", "img.png", "ref.md"]);
    expect(isExternal("https://example.org")).toBe(true);
    expect(isExternal("docs/cli.md")).toBe(false);
  });
});

describe("every § reference points into docs/math.md", () => {
  const sections = mathSections(readFileSync(MATH, "utf8"));
  const files = [
    ...["src", "bench", "test"].flatMap((d) => filesUnder(join(ROOT, d))),
    ...documentation(),
  ].filter((f) => TEXT.test(f) && resolve(f) !== SELF);
  const refs = files.flatMap((file) =>
    sectionRefs(readFileSync(file, "utf8")).map((r) => ({ ...r, file: relative(ROOT, file) })),
  );

  it("docs/math.md has the eight top-level sections the code uses, with numbered subsections", () => {
    for (const s of ["1", "2", "3", "4", "5", "6", "7", "8"]) expect(sections.has(s), `§${s}`).toBe(true);
    expect([...sections].filter((s) => s.includes(".")).length).toBeGreaterThan(30);
  });

  it("finds the references (so that the check below checks something)", () => {
    expect(refs.filter((r) => r.file.startsWith("src")).length).toBeGreaterThan(30);
  });

  it("every one names a section that exists", () => {
    const missing = refs
      .filter((r) => !sections.has(r.section))
      .map((r) => `${r.file}:${r.line}: "${r.text}" → no §${r.section} in docs/math.md`);
    expect(missing).toEqual([]);
  });
});

describe("every relative link in README.md and docs/*.md resolves", () => {
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (file: string) => {
    let a = anchorCache.get(file);
    if (!a) {
      a = anchors(readFileSync(file, "utf8"));
      anchorCache.set(file, a);
    }
    return a;
  };
  for (const file of documentation()) {
    const name = relative(ROOT, file);
    it(name, () => {
      const problems: string[] = [];
      for (const { target, line } of links(readFileSync(file, "utf8"))) {
        if (isExternal(target)) continue;
        const hash = target.indexOf("#");
        const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
        const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
        const resolved = path === "" ? file : resolve(dirname(file), path);
        const where = relative(ROOT, resolved);
        const at = `${name}:${line}: ${target}`;
        if (where.startsWith("..")) {
          problems.push(`${at} leaves the repository`);
          continue;
        }
        if (!existsSync(resolved)) {
          problems.push(`${at}: no file ${where}`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith(".md") && statSync(resolved).isFile()) {
          if (!anchorsOf(resolved).has(anchor)) problems.push(`${at}: no heading #${anchor} in ${where}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
