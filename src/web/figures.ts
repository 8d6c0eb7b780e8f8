import { distributionFigure } from "../plot/distribution.js";
import { frontierFigure } from "../plot/frontier.js";
import { ldpFigure } from "../plot/ldp.js";
import { sequenceFigure } from "../plot/sequence.js";
import { $ } from "./dom.js";
import { curveKey, session } from "./session.js";

/**
 * The page's figures: the same figure functions as the CLI and the report (src/plot), drawn with the
 * browser's document. Each is one standalone <svg> (white background, fonts named), kept for the
 * downloads as shown.
 */

const shown = new Map<string, SVGSVGElement>();

/** The figure in a panel, as drawn last. */
export function shownFigure(name: string): SVGSVGElement | undefined {
  return shown.get(name);
}

/**
 * Puts a figure's SVG text into its panel. The text is the figure function's own serialisation: text
 * from a model (outcome labels) is escaped there, so the parser below builds text nodes from it.
 */
function show(name: string, svg: string, label: string): void {
  const template = document.createElement("template");
  template.innerHTML = svg.trim();
  const root = template.content.firstElementChild;
  if (!(root instanceof SVGSVGElement)) throw new Error(`the ${name} figure is not a single <svg>`);
  root.setAttribute("role", "img");
  root.setAttribute("aria-label", label);
  shown.set(name, root);
  $(name).querySelector(".plot")!.replaceChildren(root);
  $(name).dataset.version = String(session.requestId);
}

/** The frontier with rings at the chosen Δ, N and τ, and the soft best-of-N curve once it exists. */
export function drawFrontier(id: number): void {
  const { frontier, chosen, softCurve } = session.latest;
  if (!frontier || !chosen) return;
  const softBon = softCurve?.key === curveKey(session.state, session.state.n) ? softCurve.points : undefined;
  const received = performance.now();
  show(
    "frontier",
    frontierFigure(document, softBon ? { ...frontier, softBon } : frontier, { chosen }),
    "Reward–KL frontier: the KL-constrained optimum, best-of-N and soft best-of-N",
  );
  timeRedraw(id, received);
}

/** The first frontier drawn for a request is the one timed. */
let timedRequest = 0;

/** Time from the input change to the frame that shows the new frontier, and where it went. */
function timeRedraw(id: number, received: number): void {
  if (timedRequest === id) return;
  timedRequest = id;
  const drawn = performance.now();
  requestAnimationFrame(() => {
    if (id !== session.requestId) return;
    const now = performance.now();
    const ms = now - session.requestStarted;
    const figure = $("frontier");
    figure.dataset.redrawMs = ms.toFixed(1);
    figure.dataset.redrawParts = JSON.stringify({
      worker: Math.round(received - session.requestStarted),
      plot: Math.round(drawn - received),
      frame: Math.round(now - drawn),
    });
    figure.dataset.request = String(id);
    figure.querySelector(".timing")!.textContent = `Redrawn ${Math.round(ms)} ms after the last change.`;
  });
}

export function drawConvergence(): void {
  const { runs } = session.latest;
  if (!runs) return;
  show(
    "convergence",
    sequenceFigure(document, runs, { chosenLength: session.state.length }),
    `Best-of-N with N = exp(nΔ) against the optimum as n grows, Δ = ${session.state.kl}`,
  );
}

export function drawRate(): void {
  const { ldp, curves } = session.latest;
  if (!ldp) return;
  show(
    "rate",
    ldpFigure(document, ldp, { ...(curves ? { curves } : {}), budget: session.state.kl }),
    "Large deviations under the optimum: the rate functions and the scaled cumulant generating function",
  );
}

export function drawDistributions(): void {
  const { top } = session.latest;
  if (!top) return;
  show("distributions", distributionFigure(document, top), "Distributions over the most probable outcomes");
}
