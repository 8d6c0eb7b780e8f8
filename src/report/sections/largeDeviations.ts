import { captioned } from "../html.js";
import type { SectionContext } from "./context.js";

/** How sharply the optimum concentrates: the rates figure; or why the sequence figures are left out. */
export function largeDeviationsSection(ctx: SectionContext): string[] {
  const { r, at, slug, figure, figures } = ctx;
  const parts: string[] = [];
  const ldp = r.ldp;
  if (ldp && figures.ldp) {
    const c = ldp.checks.length - 1;
    const check = ldp.checks[c];
    const p = check ? Math.min(2, check.points.length - 1) : -1;
    const checkText =
      check && p >= 0
        ? ` At x = ${at.num(["ldp", "checks", c, "points", p, "x"])} and n = ${at.num(["ldp", "checks", c, "n"])}, the
exact value is ${at.num(["ldp", "checks", c, "points", p, "minusLogTailOverN"])} against
J<sub>Δ</sub>(x) = ${at.num(["ldp", "checks", c, "points", p, "J"])}.`
        : "";
    parts.push(
      captioned(
        figure(`${slug}-ldp`, figures.ldp),
        `<strong>How sharply the optimum concentrates.</strong> Left: under the optimum, the reward per token of a
long sequence is almost always close to x* = ${at.num(["ldp", "xStar"])}; the chance that it is at least x is
about e<sup>−n J(x)</sup>. Horizontal axis: reward per token x; vertical axis: the rate J<sub>Δ</sub>(x), in
nats per token (zero at x*, λ* = ${at.num(["ldp", "lambda"])}). The grey curve is the same rate for p itself
(Cramér's I<sub>p</sub>). The dots are the exact −(1/n) log P(S<sub>n</sub> ≥ nx) at finite n, approaching
the curve as n grows.${checkText} Right: the scaled cumulant generating function Γ(t) of the reward
under the optimum, and its two forms as Rényi quantities (a Rényi cross-entropy and a Rényi divergence), which agree to
${at.num(["ldp", "renyiAgreement"])}.`,
      ),
    );
  }

  if (r.sequenceSkipped) {
    parts.push(
      `<p>The figures on long sequences and large deviations are left out for this model: they need the rewards
to lie on a lattice of at most ${at.num(["sequenceSkipped", "maxLatticeSpan"])} steps between the lowest and
the highest, and these do not. <code>bonkl sequence</code> handles such rewards by quantising them.</p>`,
    );
  }
  return parts;
}
