// The little of Markdown the documentation checks need: headings, GitHub's heading anchors, and the
// targets of links, all outside code. Written for the project's own files, not as a general parser.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The lines of `text` with fenced code blocks blanked (line numbers are kept). */
export function withoutFences(text: string): string[] {
  const lines = text.split("\n");
  let fence: string | undefined;
  return lines.map((line) => {
    const m = FENCE.exec(line);
    if (fence !== undefined) {
      if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length) fence = undefined;
      return "";
    }
    if (m) {
      fence = m[1]!;
      return "";
    }
    return line;
  });
}

/** A line with its inline code spans removed (for link scanning: a link inside code is not a link). */
export function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(?:(?!\1).)+?\1/g, "");
}

/** Markdown inline text to the plain text GitHub renders (for anchors): no code ticks, links, emphasis. */
export function plainText(inline: string): string {
  return inline
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/`+/g, "")
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .replace(/(\*\*|__|\*)/g, "")
    .trim();
}

/**
 * GitHub's heading anchor (github-slugger): lower-case, drop every character that is not a letter, a
 * mark, a number, a connector (_), a hyphen or a space, then spaces become hyphens.
 */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

export interface Heading {
  readonly level: number;
  /** The heading's text as rendered (plain). */
  readonly text: string;
  /** 1-based line number. */
  readonly line: number;
}

/** ATX headings (`# …` to `###### …`) outside fenced code. */
export function headings(text: string): Heading[] {
  const out: Heading[] = [];
  withoutFences(text).forEach((line, i) => {
    const m = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (m) out.push({ level: m[1]!.length, text: plainText(m[2]!), line: i + 1 });
  });
  return out;
}

/** Every anchor a link may point at: heading slugs (repeats get -1, -2, … as on GitHub) and HTML ids. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(text)) {
    const base = githubSlug(h.text);
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    out.add(k === 0 ? base : `${base}-${k}`);
  }
  for (const m of text.matchAll(/<a\s+[^>]*(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Targets of inline links and images, reference definitions and HTML src/href, outside code. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  withoutFences(text).forEach((raw, i) => {
    const line = withoutCodeSpans(raw);
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: m[1]!, line: i + 1 });
    }
    const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (def) out.push({ target: def[1]!, line: i + 1 });
    for (const m of line.matchAll(/\b(?:src|href)="([^"]+)"/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

/** True for a target with a scheme (https:, mailto:) or protocol-relative: not a file in the repository. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}
