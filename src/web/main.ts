import {
  bindControls,
  clearMessages,
  fitKlSlider,
  showFieldError,
  showState,
  showValueText,
} from "./controls.js";
import { $, showStatus } from "./dom.js";
import { addDownloads } from "./downloadButtons.js";
import { drawConvergence, drawDistributions, drawFrontier, drawRate } from "./figures.js";
import type { Reply } from "./protocol.js";
import { curveKey, session } from "./session.js";
import { fromQuery, toQuery, type ViewState } from "./state.js";
import { renderNumbers, renderOutcomes, showModelInfo, showRateCaption } from "./tables.js";
import { partDone, send, startWorkers } from "./workers.js";

// The page's wiring: controls → state → URL and workers; replies → figures and tables.

function update(next: ViewState): void {
  session.state = next;
  showValueText(next);
  const query = toQuery(next);
  history.replaceState(null, "", query);
  $<HTMLAnchorElement>("permalink").href = query;
  // The table shows "…" for what the new inputs have not given yet, never numbers of the old ones.
  session.latest.tilt = undefined;
  session.latest.sequence = undefined;
  send(next);
  document.body.dataset.state = "busy";
  document.body.dataset.request = String(session.requestId);
  showStatus("computing");
}

function receive(reply: Reply): void {
  const { latest } = session;
  switch (reply.kind) {
    case "error":
      document.body.dataset.state = "error";
      showFieldError(reply.field, reply.detail);
      showStatus("not computed: see the message above");
      return;
    case "model":
      session.info = reply.model;
      clearMessages();
      showModelInfo(reply.model);
      fitKlSlider(reply.model.klMax);
      return;
    case "frontier":
      latest.frontier = reply.frontier;
      latest.chosen = { optimum: reply.optimum, bon: reply.bon, softBon: reply.softBon };
      drawFrontier(reply.id);
      renderNumbers();
      return;
    case "tilt":
      latest.tilt = reply.tilt;
      renderNumbers();
      return;
    case "softCurve":
      latest.softCurve = { key: curveKey(session.state, reply.n), points: reply.points };
      drawFrontier(reply.id);
      return;
    case "outcomes":
      latest.top = reply.top;
      drawDistributions();
      renderOutcomes(reply.top);
      return;
    case "sequence":
      latest.sequence = reply.sequence;
      renderNumbers();
      return;
    case "convergence":
      latest.runs = reply.runs;
      drawConvergence();
      return;
    case "rate":
      latest.ldp = reply.ldp;
      latest.curves = reply.curves;
      drawRate();
      showRateCaption();
      return;
    case "done":
      document.body.dataset[`${reply.part}Phases`] = JSON.stringify(reply.phases);
      if (!partDone(reply.part)) return;
      document.body.dataset.state = "ready";
      showStatus("up to date");
      return;
  }
}

function start(): void {
  const { state, ignored } = fromQuery(location.search);
  session.state = state;
  startWorkers(receive);
  bindControls(update);
  showState(state);
  addDownloads();
  update(state);
  if (ignored.length > 0) showStatus(`ignored in the link: ${ignored.join(", ")}`);
}

start();
