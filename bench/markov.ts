/**
 * `npm run bench:markov`: the Markov rows (issue 17) against bench/markov.py, interleaved A B A B.
 *
 * 1. The law of S_n for a 12-state chain with rewards in −5…5 (a fixed pseudo-random transition), by the
 *    tilted matrix transform at λ* (Δ = 0.5), n = 10^4 and 10^6; NumPy runs the same algorithm on the
 *    same window (batched matmul over frequencies with the same early exit), and the two laws are
 *    compared at points of bonkl's valid range.
 * 2. The asymptotic quantities (λ*, x*, Λ''(λ*), J_Δ at three points) for the word-level chain
 *    brown-words (2000 words + other-valence states, sparse + rank one); SciPy: ARPACK Perron vectors and
 *    brentq for λ*, x*.
 * Wall and CPU times; the machine may be shared, so CPU time and the ranges are the figures to read.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markovOptimum, markovRate } from "../src/core/markov/asymptotics.js";
import { createMarkovChain, denseTransition, type MarkovChain } from "../src/core/markov/chain.js";
import { perronAt, stationaryMean } from "../src/core/markov/perron.js";
import { chainLattice, markovWindow, windowLogPmf } from "../src/core/markov/sumLaw.js";
import { brownModel } from "../src/node/brown.js";
import { measure, POLICY, type Timing } from "./timing.js";

const ROUNDS = 2;

/** The 12-state chain: rewards −5…5 and a second 0, rows from a fixed linear congruential generator. */
export function benchChain(): MarkovChain {
  let s = 12345;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const k = 12;
  const transition = Array.from({ length: k }, () => {
    const row = Array.from({ length: k }, () => rnd() ** 2 + 1e-3);
    const t = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / t);
  });
  const r = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 0];
  return createMarkovChain({ initial: Array(k).fill(1 / k), transition, r });
}

interface Row {
  readonly label: string;
  readonly bonkl: Timing[];
  readonly numpy: Timing[];
  agreement: string;
}

function fmt(t: Timing): string {
  return `${t.seconds.toFixed(3)} s (cpu ${t.cpuSeconds?.toFixed(3)}, ${t.min.toFixed(3)}–${t.max.toFixed(3)}, ${t.runs} runs)`;
}

function main(): void {
  const chain = benchChain();
  const lat = chainLattice(chain)!;
  const delta = 0.5;
  const lambda = markovOptimum(chain, delta).lambdaStar;
  const P = denseTransition(chain);
  const rows: number[][] = [];
  for (let a = 0; a < chain.k; a++) rows.push(Array.from(P.slice(a * chain.k, (a + 1) * chain.k)));
  const ns = [10_000, 1_000_000];
  const words = brownModel("brown-words", undefined, "model")!;
  const wordChain = createMarkovChain(words.spec);
  const dir = mkdtempSync(path.join(tmpdir(), "bonkl-markov-"));
  const table: Row[] = [
    ...ns.map((n) => ({ label: `law of S_n, 12 states, n = ${n}`, bonkl: [], numpy: [], agreement: "" })),
    { label: `asymptotics, brown-words (${wordChain.k} states)`, bonkl: [], numpy: [], agreement: "" },
  ];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const cases = ns.map((n, i) => {
        const { timing, result: win } = measure(
          () => undefined,
          () => markovWindow(chain, lat, n, lambda),
        );
        table[i]!.bonkl.push(timing);
        const step = Math.max(1, Math.floor((win.validHi - win.validLo) / 8));
        const check: number[] = [];
        for (let K = win.validLo; K <= win.validHi; K += step) check.push(K);
        return {
          n,
          lambda,
          W: win.tilted.length,
          windowLo: win.windowLo,
          offset: lat.offset,
          initial: Array.from(chain.initial),
          transition: rows,
          r: Array.from(chain.r),
          check,
          want: check.map((K) => windowLogPmf(win, K)),
        };
      });
      const { timing: wt, result: asym } = measure(
        () => createMarkovChain(words.spec),
        (c) => {
          const o = markovOptimum(c, 0.1);
          const J = [0.1, 0.3, 0.5].map((x) => markovRate(c, 0.1, x).J);
          return { ...o, J };
        },
      );
      table[2]!.bonkl.push(wt);
      const lr = wordChain.lowRank!;
      writeFileSync(
        path.join(dir, "markov.json"),
        JSON.stringify({
          policy: POLICY,
          law: cases,
          words: {
            rowStart: Array.from(wordChain.rowStart),
            col: Array.from(wordChain.col),
            val: Array.from(wordChain.val),
            w: Array.from(lr.w),
            u: Array.from(lr.u),
            r: Array.from(wordChain.r),
            mu0: stationaryMean(wordChain),
            delta: 0.1,
          },
        }),
      );
      const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "markov.py");
      const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      const res = spawnSync("python3", [script, dir], { env, encoding: "utf8", maxBuffer: 1 << 26 });
      if (res.status !== 0) {
        console.error(`numpy side skipped: ${res.stderr.trim().split("\n").pop()}`);
        continue;
      }
      const py = JSON.parse(res.stdout);
      py.law.forEach((l: { timing: Timing; check: [number, number][] }, i: number) => {
        table[i]!.numpy.push(l.timing);
        let worst = 0;
        l.check.forEach(([, v], j) => {
          worst = Math.max(worst, Math.abs(v - cases[i]!.want[j]!) / Math.abs(cases[i]!.want[j]!));
        });
        table[i]!.agreement = `max rel. diff of log P at ${l.check.length} points: ${worst.toExponential(1)}`;
      });
      table[2]!.numpy.push(py.words.timing);
      table[2]!.agreement =
        `λ* ${asym.lambdaStar.toPrecision(12)} vs ${py.words.lambdaStar.toPrecision(12)}, ` +
        `x* ${asym.xStar.toPrecision(12)} vs ${py.words.xStar.toPrecision(12)} ` +
        `(Λ''(λ*) = ${perronAt(wordChain, asym.lambdaStar).variance.toPrecision(6)})`;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const row of table) {
    console.log(`\n${row.label}`);
    row.bonkl.forEach((t, i) => {
      const np = row.numpy[i];
      const ratio = np
        ? ` | numpy ${fmt(np)} | cpu ratio numpy/bonkl ${(np.cpuSeconds! / t.cpuSeconds!).toFixed(2)}`
        : "";
      console.log(`  round ${i + 1}: bonkl ${fmt(t)}${ratio}`);
    });
    console.log(`  ${row.agreement}`);
  }
}

main();
