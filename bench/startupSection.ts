/**
 * The start-up part of `npm run bench` as a self-timed section: bench/startup.ts's commands (the
 * compiled CLI beside the NumPy import), interleaved among themselves. Needs dist/ (`npm run build`);
 * without it the section says so and the rest of the benchmark runs.
 */
import type { Provider } from "./rows.js";
import { formatStartup, startupBench } from "./startup.js";

/** Rounds of the start-up commands inside `npm run bench` (`npm run bench:startup` runs 21). */
const ROUNDS = 9;

export const startupSection: Provider = {
  name: "start-up",
  modules: [],
  prepare: () => ({ rows: [] }),
  async batch(ctx) {
    ctx.log("start-up: the CLI and the NumPy import, interleaved");
    try {
      const result = startupBench(ROUNDS);
      return { text: formatStartup(result), json: result, checks: [] };
    } catch (err) {
      const reason = (err as Error).message;
      return { text: `start-up: not measured (${reason})`, json: { skipped: reason }, checks: [] };
    }
  },
};
