/**
 * Child process of bench/run.ts for the sequence rows: builds one model, runs bonSequence once and prints
 * JSON with the resident set before the run and the process's high-water mark. run.ts times the whole
 * child, process start included.
 *
 * Usage: node --import tsx bench/sequence-peak.ts MODEL N DELTA   (MODEL: a name from SEQUENCE_MODELS)
 */
import { readFileSync } from "node:fs";
import { bonSequence } from "../src/core/sequence/bonSequence.js";
import { SEQUENCE_MODELS } from "./sequence.js";

const [name, nText, deltaText] = process.argv.slice(2);
const entry = SEQUENCE_MODELS.find((m) => m.name === name);
if (!entry) throw new Error(`unknown sequence model ${name}`);
const model = entry.build();
const before = process.memoryUsage().rss;
const res = bonSequence(model, Number(nText), Number(deltaText));
/**
 * High-water resident set in MiB. On Linux, VmHWM of this address space: getrusage's maxRSS (kept across
 * exec) can report the larger parent that spawned this process. Elsewhere, maxRSS.
 */
function peakMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

const out = {
  beforeMiB: before / 2 ** 20,
  peakMiB: peakMiB(),
  rewardPerToken: res.bon.rewardPerToken,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
