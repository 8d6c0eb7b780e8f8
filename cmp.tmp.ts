import { readFileSync } from "node:fs";
import { createModel } from "./src/core/model.js";
import { bonSequence } from "./src/core/sequence/bonSequence.js";
const ref = JSON.parse(readFileSync("test/reference/sequence.json", "utf8"));
for (const c of ref.cases) {
  const model = createModel({ logp: c.logq, r: c.ks });
  const t0 = performance.now();
  const r = bonSequence(model, c.length, c.klRate);
  const ms = performance.now() - t0;
  const f = (got: number, want: string, acc: number) => `${(got - Number(want)).toExponential(2)} (±${acc.toExponential(1)})`;
  console.log(c.name.padEnd(28), r.method.padEnd(9), "opt", f(r.bon.klToOptimal, c.klToOptimal, r.accuracy.klToOptimal), "ref", f(r.bon.klToReference, c.klToReference, r.accuracy.klToReference), "gap", f(r.gapTimesLength, c.gapTimesLength, r.accuracy.gapTimesLength), "rw", f(r.bon.rewardPerToken, c.rewardPerToken, r.accuracy.rewardPerToken), ms.toFixed(0)+"ms");
}
