import { $, showStatus } from "./dom.js";
import { downloadJson, downloadPng, downloadSvg } from "./download.js";
import { shownFigure } from "./figures.js";
import { curveKey, session } from "./session.js";

/** The download buttons: each figure as SVG and PNG, every number as JSON. */

function fileName(figure: string): string {
  const { state } = session;
  const model = state.model === "json" ? "model" : state.model.replace(/[^a-z0-9.-]+/gi, "-");
  return `bonkl-${figure}-${model}`;
}

/** The pasted model as JSON when it parses (the numbers are for it), else its text. */
function pastedModel(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The JSON download: the CLI's own output for each part, with the inputs and the model. */
function numbersJson(): unknown {
  const { state, info } = session;
  const { chosen, tilt, sequence, top, frontier, softCurve, runs, ldp } = session.latest;
  return {
    model: state.model === "json" ? pastedModel(state.json) : state.model,
    inputs: { klRate: state.kl, length: state.length, n: state.n, temperature: state.temperature },
    modelInfo: info,
    tilt,
    bon: chosen?.bon,
    softBon: chosen?.softBon,
    sequence,
    distribution: top,
    frontier: frontier && {
      ...frontier,
      ...(softCurve?.key === curveKey(state, state.n) ? { softBon: softCurve.points } : {}),
    },
    convergence: runs,
    ldp: ldp && {
      lambda: ldp.saturated ? null : ldp.lambda,
      xStar: ldp.xStar,
      rate: ldp.rate,
      scgf: ldp.scgf,
      cumulants: ldp.cumulants,
    },
  };
}

export function addDownloads(): void {
  for (const holder of document.querySelectorAll<HTMLElement>(".downloads")) {
    const name = holder.dataset.figure!;
    const title =
      document.querySelector(`#${name}`)?.closest("section")?.querySelector("h2")?.textContent ?? name;
    for (const format of ["SVG", "PNG"] as const) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `Download ${format}`;
      button.setAttribute("aria-label", `Download the figure “${title}” as ${format}`);
      button.addEventListener("click", () => {
        const svg = shownFigure(name);
        if (!svg) {
          showStatus("nothing to download yet");
          return;
        }
        if (format === "SVG") downloadSvg(svg, fileName(name));
        else downloadPng(svg, fileName(name)).catch((e: unknown) => showStatus(`PNG failed: ${String(e)}`));
      });
      holder.append(button);
    }
  }
  $("download-numbers").addEventListener("click", () => downloadJson(numbersJson(), fileName("numbers")));
}
