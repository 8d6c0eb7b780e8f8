// References to sections of docs/math.md ("MATH §3.2", "math.md §4", a bare "§6.7"), as written in code
// comments and in the documentation.
import { headings } from "./markdown.js";

/** Section numbers of docs/math.md: headings that start with "§N" or "§N.M…". */
export function mathSections(text: string): Set<string> {
  const out = new Set<string>();
  for (const h of headings(text)) {
    const m = /^§(\d+(?:\.\d+)*)\b/.exec(h.text);
    if (m) out.add(m[1]!);
  }
  return out;
}

/**
 * Text before a bare "§" on its line that names an outside source (a year, an arXiv id, a standard,
 * "et al.", a quoted title): then the "§" is that source's section, not docs/math.md's.
 */
const CITATION = /\b(1[5-9]|20)\d\d[a-z]?\b|arXiv|\b(ISO|IEC|RFC|IEEE)\b|\bet al\.|["”],/i;

export interface SectionRef {
  /** The section number referred to. */
  readonly section: string;
  /** 1-based line and the text of the reference as written. */
  readonly line: number;
  readonly text: string;
}

const NUMBER = /^(\d+(?:\.\d+)*)/;

/** All sections from a to b when they differ only in their last component (§1–3, §3.8–§3.9), else a and b. */
function expandRange(a: string, b: string): string[] {
  const pa = a.split(".");
  const pb = b.split(".");
  const last = pa.length - 1;
  if (pa.length === pb.length && pa.slice(0, last).join(".") === pb.slice(0, last).join(".")) {
    const from = Number(pa[last]);
    const to = Number(pb[last]);
    if (to >= from && to - from <= 20) {
      const prefix = pa.slice(0, last);
      return Array.from({ length: to - from + 1 }, (_, k) => [...prefix, String(from + k)].join("."));
    }
  }
  return [a, b];
}

/**
 * The chain of sections starting at the "§" at `start`: "§1", "§1–3", "§1–§5", "§1, §5", "§1 and §5".
 * Returns the sections and the positions of every "§" it used.
 */
function chainAt(line: string, start: number): { sections: string[]; used: number[]; end: number } {
  const sections: string[] = [];
  const used: number[] = [];
  let pos = start;
  const first = NUMBER.exec(line.slice(pos + 1).replace(/^\s/, ""));
  if (!first) return { sections, used, end: start + 1 };
  used.push(pos);
  pos = pos + 1 + (line[pos + 1] === " " ? 1 : 0) + first[1]!.length;
  let last = first[1]!;
  sections.push(last);
  for (;;) {
    const rest = line.slice(pos);
    const range = /^\s*[–—-]\s*(§\s?)?(\d+(?:\.\d+)*)/.exec(rest);
    if (range) {
      if (range[1]) used.push(pos + rest.indexOf("§"));
      sections.pop();
      sections.push(...expandRange(last, range[2]!));
      last = range[2]!;
      pos += range[0].length;
      continue;
    }
    const next = /^\s*(?:,|and|or|\/)\s*§\s?(\d+(?:\.\d+)*)/.exec(rest);
    if (next) {
      used.push(pos + rest.indexOf("§"));
      last = next[1]!;
      sections.push(last);
      pos += next[0].length;
      continue;
    }
    return { sections, used, end: pos };
  }
}

/**
 * The references to docs/math.md in a text: every "§" chain after "MATH" or "math.md", and every other
 * "§" followed by a number unless the text before it on its line names an outside source.
 */
export function sectionRefs(text: string): SectionRef[] {
  const out: SectionRef[] = [];
  text.split("\n").forEach((line, i) => {
    const used = new Set<number>();
    for (const m of line.matchAll(/\b(?:MATH|math\.md)\s+(?=§)/g)) {
      const at = m.index! + m[0].length;
      const chain = chainAt(line, at);
      for (const u of chain.used) used.add(u);
      for (const s of chain.sections)
        out.push({ section: s, line: i + 1, text: line.slice(m.index, chain.end).trim() });
    }
    for (let at = line.indexOf("§"); at >= 0; at = line.indexOf("§", at + 1)) {
      if (used.has(at)) continue;
      const chain = chainAt(line, at);
      if (chain.sections.length === 0) continue;
      for (const u of chain.used) used.add(u);
      if (CITATION.test(line.slice(0, at))) continue;
      for (const s of chain.sections) out.push({ section: s, line: i + 1, text: line.slice(at, chain.end) });
    }
  });
  return out;
}
