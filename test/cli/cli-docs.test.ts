import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { headings, withoutFences } from "../docs/markdown.js";
import { bonkl, ROOT } from "../support/cli.js";

// docs/cli.md against the CLI's own `--help`: every command has a section, every option the command
// prints is described in it, and every option the section's table lists exists. Only the flag column of
// commander's help is read (wrapping and descriptions may change freely); --help and --version, which
// every command or the program has, are not required in the docs.

const CLI_MD = join(ROOT, "docs", "cli.md");
const IMPLICIT = new Set(["--help", "--version"]);

/** The lines of the block that starts with `title:` in commander's help, up to the next blank line. */
function block(help: string, title: string): string[] {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => l.trim() === `${title}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    out.push(line);
  }
  return out;
}

/** Long flags of an Options block: the first column of each option line. */
function helpFlags(help: string): string[] {
  const flags: string[] = [];
  for (const line of block(help, "Options")) {
    const m = /^ {2}(?:-\w, )?(--[a-z0-9][a-z0-9-]*)/.exec(line);
    if (m && !IMPLICIT.has(m[1]!)) flags.push(m[1]!);
  }
  return flags;
}

/** Command names of the Commands block (without `help`). */
function helpCommands(help: string): string[] {
  const names: string[] = [];
  for (const line of block(help, "Commands")) {
    const m = /^ {2}([a-z][a-z0-9-]*)(?=[ [<]|$)/.exec(line);
    if (m && m[1] !== "help") names.push(m[1]!);
  }
  return names;
}

/** docs/cli.md's sections "## `bonkl <command>` …", each with its text. */
function commandSections(text: string): Map<string, string> {
  const lines = text.split("\n");
  const level2 = headings(text).filter((h) => h.level === 2);
  const out = new Map<string, string>();
  level2.forEach((h, i) => {
    const m = /^bonkl ([a-z][a-z0-9-]*)\b/.exec(h.text);
    if (!m) return;
    const end = i + 1 < level2.length ? level2[i + 1]!.line - 1 : lines.length;
    out.set(m[1]!, lines.slice(h.line, end).join("\n"));
  });
  return out;
}

/** The flags of a section's options table: the first `--flag` of each row. */
function tableFlags(section: string): string[] {
  const flags: string[] = [];
  for (const line of withoutFences(section)) {
    const m = /^\|\s*`(--[a-z0-9][a-z0-9-]*)/.exec(line);
    if (m) flags.push(m[1]!);
  }
  return flags;
}

const mentions = (text: string, flag: string) =>
  new RegExp(`${flag.replace(/-/g, "\\-")}(?![a-z0-9-])`).test(text);

describe("the help parsers", () => {
  it("read commander's layout", () => {
    const help = [
      "Usage: bonkl tilt [options]",
      "",
      "Options:",
      "  --model <model>  a JSON file, inline JSON or a preset (bernoulli:θ, uniform:L,",
      "                   ternary, --not-a-flag)",
      "  -V, --version    output the version number",
      "  --dist           include the distribution",
      "  -h, --help       display help for command",
      "",
      "Commands:",
      "  tilt [options]   the optimum",
      "  help [command]   display help for command",
    ].join("\n");
    expect(helpFlags(help)).toEqual(["--model", "--dist"]);
    expect(helpCommands(help)).toEqual(["tilt"]);
  });
});

describe("docs/cli.md matches --help", async () => {
  const doc = readFileSync(CLI_MD, "utf8");
  const sections = commandSections(doc);
  const top = await bonkl(["--help"]);
  const commands = helpCommands(top.stdout);

  it("bonkl --help lists the commands", () => {
    expect(top.status).toBe(0);
    expect(commands.length).toBeGreaterThan(10);
  });

  it("every command has a section, and every section a command", () => {
    expect(commands.filter((c) => !sections.has(c))).toEqual([]);
    expect([...sections.keys()].filter((c) => !commands.includes(c))).toEqual([]);
  });

  it("the program's own options are described", () => {
    expect(helpFlags(top.stdout).filter((f) => !mentions(doc, f))).toEqual([]);
  });

  it.concurrent.each(commands)(
    "bonkl %s: every option of --help is described, every documented option exists",
    async (command) => {
      const run = await bonkl([command, "--help"]);
      expect(run.status).toBe(0);
      const flags = helpFlags(run.stdout);
      expect(flags.length).toBeGreaterThan(0);
      const section = sections.get(command) ?? "";
      expect(flags.filter((f) => !mentions(section, f))).toEqual([]);
      expect(tableFlags(section).filter((f) => !flags.includes(f))).toEqual([]);
    },
  );
});
