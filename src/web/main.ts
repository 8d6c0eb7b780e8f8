import { readable } from "../app/format.js";
import type { FrontierSummary } from "../app/results/frontier.js";
import type { SoftBonPoint } from "../core/frontier.js";
import type { LdpSummary } from "../core/sequence/ldp.js";
import { downloadJson, downloadPng, downloadSvg } from "./download.js";
import {
  convergenceFigure,
  distributionFigure,
  type FrontierMarkers,
  frontierFigure,
  rateFigure,
} from "./figures.js";
import { exact, GROUPS, type NumbersData, valueAt } from "./numbers.js";
import type { ModelInfo, ModelSource, OutcomeRow, Reply, Request, Sequence, Tilt } from "./protocol.js";
import { fromQuery, isValid, parseNumber, toQuery, type ViewState } from "./state.js";

// The page: controls ↔ state ↔ URL, requests to the worker, and the figures and tables it answers with.

const $ = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

type ParamKey = "kl" | "length" | "n" | "temperature";

/** Slider scales: linear for Δ (its range follows the model's log 1/p*), log₁₀ for the others. */
const SLIDER: Record<ParamKey, { log: boolean; min: number; max: number; step: number }> = {
  kl: { log: false, min: 0, max: 2, step: 0.002 },
  length: { log: true, min: 0, max: 6, step: 0.01 },
  n: { log: true, min: 0, max: 12, step: 0.01 },
  temperature: { log: true, min: -2, max: 2, step: 0.01 },
};

const EXPECTED: Record<ParamKey, string> = {
  kl: "Δ must be a number ≥ 0",
  length: "n must be a whole number from 1 to 10⁸",
  n: "N must be a number ≥ 1",
  temperature: "τ must be a number > 0",
};

/** Core field names (as in InputError) → the control whose message shows them. */
const FIELD_CONTROL: Record<string, ParamKey> = {
  kl: "kl",
  klRate: "kl",
  length: "length",
  n: "n",
  logN: "n",
  temperature: "temperature",
};

let state: ViewState;
let info: ModelInfo | undefined;
let requestId = 0;
let requestStarted = 0;
const latest: {
  frontier?: FrontierSummary;
  markers?: FrontierMarkers;
  tilt?: Tilt;
  /** The soft best-of-N curve and the model and N it is for. */
  softCurve?: { key: string; points: SoftBonPoint[] };
  sequence?: Sequence;
  top?: OutcomeRow[];
  runs?: Sequence[];
  ldp?: LdpSummary;
} = {};
const figures = new Map<string, SVGSVGElement>();

// Two workers: the frontier never waits behind sequences and rate functions (see compute.ts).
const workers = (["fast", "slow"] as const).map((part) => {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: part });
  worker.onmessage = (event: MessageEvent<Reply>) => receive(event.data);
  worker.onerror = (event) => showStatus(`the computation stopped: ${event.message}`);
  return { part, worker };
});
/** Parts of the latest request that have finished. */
const finished = new Set<string>();
/** The first frontier drawn for a request is the one timed. */
let timedRequest = 0;

// ---- controls → state ----

function modelText(): { model: string; json: string } {
  const preset = $<HTMLSelectElement>("preset").value;
  if (preset === "bernoulli")
    return { model: `bernoulli:${$<HTMLInputElement>("theta").value.trim()}`, json: "" };
  if (preset === "uniform")
    return { model: `uniform:${$<HTMLInputElement>("levels").value.trim()}`, json: "" };
  if (preset === "subtlex-afinn") {
    const k = $<HTMLInputElement>("top-k").value.trim();
    return { model: k === "" ? "subtlex-afinn" : `subtlex-afinn:${k}`, json: "" };
  }
  if (preset === "json") return { model: "json", json: $<HTMLTextAreaElement>("model-json").value };
  return { model: preset, json: "" };
}

function showModelRows(): void {
  const preset = $<HTMLSelectElement>("preset").value;
  $("bernoulli-row").hidden = preset !== "bernoulli";
  $("uniform-row").hidden = preset !== "uniform";
  $("subtlex-row").hidden = preset !== "subtlex-afinn";
  $("json-row").hidden = preset !== "json";
}

function onModelChange(): void {
  showModelRows();
  update({ ...state, ...modelText() });
}

function sliderToValue(key: ParamKey, position: number): number {
  const s = SLIDER[key];
  if (!s.log) return position;
  const v = 10 ** position;
  return key === "length" ? Math.max(1, Math.round(v)) : Number(v.toPrecision(3));
}

function valueToSlider(key: ParamKey, value: number): number {
  return SLIDER[key].log ? Math.log10(value) : value;
}

function setMessage(id: string, text: string): void {
  $(id).textContent = text;
  const invalid = text === "" ? "false" : "true";
  if (id === "model-message") {
    // The model's message belongs to whichever input describes the model now.
    for (const input of ["model-json", "theta", "levels", "top-k"])
      $(input).setAttribute("aria-invalid", "false");
    const current = { json: "model-json", bernoulli: "theta", uniform: "levels", "subtlex-afinn": "top-k" }[
      $<HTMLSelectElement>("preset").value
    ];
    if (current) $(current).setAttribute("aria-invalid", invalid);
    return;
  }
  document.getElementById(id.replace(/-message$/, ""))?.setAttribute("aria-invalid", invalid);
}

function bindParam(key: ParamKey): void {
  const slider = $<HTMLInputElement>(`${key}-range`);
  const box = $<HTMLInputElement>(key);
  const s = SLIDER[key];
  Object.assign(slider, { min: String(s.min), max: String(s.max), step: String(s.step) });
  slider.addEventListener("input", () => {
    const v = sliderToValue(key, Number(slider.value));
    box.value = String(v);
    setMessage(`${key}-message`, "");
    update({ ...state, [key]: v });
  });
  box.addEventListener("change", () => {
    const v = parseNumber(box.value);
    if (!isValid(key, v)) {
      setMessage(`${key}-message`, `${EXPECTED[key]}, got ${JSON.stringify(box.value.trim())}`);
      return;
    }
    setMessage(`${key}-message`, "");
    slider.value = String(valueToSlider(key, v));
    update({ ...state, [key]: v });
  });
}

// ---- state → controls, URL, worker ----

function showState(s: ViewState): void {
  const colon = s.model.indexOf(":");
  const name = colon < 0 ? s.model : s.model.slice(0, colon);
  const arg = colon < 0 ? "" : s.model.slice(colon + 1);
  const preset = $<HTMLSelectElement>("preset");
  preset.value = [...preset.options].some((o) => o.value === name) ? name : "ternary";
  if (name === "bernoulli") $<HTMLInputElement>("theta").value = arg;
  if (name === "uniform") $<HTMLInputElement>("levels").value = arg;
  if (name === "subtlex-afinn") $<HTMLInputElement>("top-k").value = arg;
  if (name === "json") $<HTMLTextAreaElement>("model-json").value = s.json;
  const theta = parseNumber($<HTMLInputElement>("theta").value);
  if (Number.isFinite(theta)) $<HTMLInputElement>("theta-range").value = String(theta);
  showModelRows();
  for (const key of Object.keys(SLIDER) as ParamKey[]) {
    $<HTMLInputElement>(key).value = String(s[key]);
    $<HTMLInputElement>(`${key}-range`).value = String(valueToSlider(key, s[key]));
    $(`${key}-range`).setAttribute("aria-valuetext", String(s[key]));
  }
}

function update(next: ViewState): void {
  state = next;
  for (const key of Object.keys(SLIDER) as ParamKey[]) {
    $(`${key}-range`).setAttribute("aria-valuetext", String(state[key]));
  }
  const query = toQuery(state);
  history.replaceState(null, "", query);
  $<HTMLAnchorElement>("permalink").href = query;
  send();
}

function send(): void {
  requestId += 1;
  requestStarted = performance.now();
  const source: ModelSource =
    state.model === "json" ? { kind: "json", text: state.json } : { kind: "preset", text: state.model };
  const params = { kl: state.kl, length: state.length, n: state.n, temperature: state.temperature };
  finished.clear();
  // The table shows "…" for what the new inputs have not given yet, never numbers of the old ones.
  latest.tilt = undefined;
  latest.sequence = undefined;
  document.body.dataset.state = "busy";
  document.body.dataset.request = String(requestId);
  showStatus("computing");
  for (const { part, worker } of workers)
    worker.postMessage({ id: requestId, part, source, params } satisfies Request);
}

function showStatus(text: string): void {
  $("status").textContent = text;
}

// ---- worker → page ----

function receive(reply: Reply): void {
  if (reply.id !== requestId) return;
  switch (reply.kind) {
    case "error":
      showError(reply.field, reply.detail);
      return;
    case "model":
      info = reply.model;
      setMessage("model-message", "");
      for (const key of Object.keys(SLIDER)) setMessage(`${key}-message`, "");
      showModelInfo(reply.model);
      return;
    case "frontier":
      latest.frontier = reply.frontier;
      latest.markers = { optimum: reply.optimum, bon: reply.bon, softBon: reply.softBon };
      drawFrontier(reply.id);
      renderNumbers();
      return;
    case "tilt":
      latest.tilt = reply.tilt;
      renderNumbers();
      return;
    case "softCurve":
      latest.softCurve = { key: curveKey(reply.n), points: reply.points };
      drawFrontier(reply.id);
      return;
    case "outcomes":
      latest.top = reply.top;
      draw("distributions", distributionFigure(reply.top));
      renderOutcomes(reply.top);
      return;
    case "sequence":
      latest.sequence = reply.sequence;
      renderNumbers();
      return;
    case "convergence":
      latest.runs = reply.runs;
      draw("convergence", convergenceFigure(reply.runs, state.length));
      return;
    case "rate":
      latest.ldp = reply.ldp;
      draw("rate", rateFigure(reply.ldp, state.kl));
      $("rate-caption").textContent =
        `λ* = ${readable(reply.ldp.saturated ? null : reply.ldp.lambda)}, x* = ${readable(reply.ldp.xStar)}; ` +
        `cumulants of r under φ_Δ: ${reply.ldp.cumulants.map(readable).join(", ")}.`;
      return;
    case "done":
      finished.add(reply.part);
      document.body.dataset[`${reply.part}Phases`] = JSON.stringify(reply.phases);
      if (finished.size < workers.length) return;
      document.body.dataset.state = "ready";
      showStatus("up to date");
      return;
  }
}

function showError(field: string, detail: string): void {
  document.body.dataset.state = "error";
  const control = FIELD_CONTROL[field];
  if (control) setMessage(`${control}-message`, `${field}: ${detail}`);
  else setMessage("model-message", field === "internal" ? detail : `${field}: ${detail}`);
  showStatus("not computed: see the message above");
}

function showModelInfo(m: ModelInfo): void {
  const support = m.support === m.outcomes ? "" : ` (${m.support} with p > 0)`;
  $("model-info").textContent =
    `${m.outcomes} outcomes${support}, ${m.levels} reward levels from ${readable(m.rewardMin)} to ` +
    `${readable(m.rewardMax)}; E_p r = ${readable(m.mean)}, log 1/p* = ${readable(m.klMax)} nats.`;
  // Δ's slider spans up to a little beyond saturation.
  const max = Number((Math.max(m.klMax, 0.01) * 1.2).toPrecision(2));
  const slider = $<HTMLInputElement>("kl-range");
  slider.max = String(max);
  slider.step = String(max / 1000);
  slider.value = String(state.kl);
}

/** The soft best-of-N curve belongs to one model and one N. */
function curveKey(n: number): string {
  return `${state.model}\n${state.model === "json" ? state.json : ""}\n${n}`;
}

function drawFrontier(id: number): void {
  const { frontier, markers, softCurve } = latest;
  if (!frontier || !markers) return;
  const withSoft =
    softCurve?.key === curveKey(state.n) ? { ...frontier, softBon: softCurve.points } : frontier;
  const received = performance.now();
  draw("frontier", frontierFigure(withSoft, markers));
  if (timedRequest === id) return;
  timedRequest = id;
  const drawn = performance.now();
  // Time from the input change to the frame that shows the new figure, and where it went.
  requestAnimationFrame(() => {
    if (id !== requestId) return;
    const now = performance.now();
    const ms = now - requestStarted;
    const figure = $("frontier");
    figure.dataset.redrawMs = ms.toFixed(1);
    figure.dataset.redrawParts = JSON.stringify({
      worker: Math.round(received - requestStarted),
      plot: Math.round(drawn - received),
      frame: Math.round(now - drawn),
    });
    figure.dataset.request = String(id);
    figure.querySelector(".timing")!.textContent = `Redrawn ${Math.round(ms)} ms after the last change.`;
  });
}

function draw(name: string, svg: SVGSVGElement): void {
  figures.set(name, svg);
  const holder = $(name).querySelector(".plot")!;
  holder.replaceChildren(svg);
  $(name).dataset.version = String(requestId);
}

function cell(tag: "td" | "th", text: string, attrs: Record<string, string> = {}): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function numbersData(): NumbersData {
  const { tilt, markers, sequence } = latest;
  return { ...(tilt ? { tilt } : {}), ...markers, ...(sequence ? { sequence } : {}) };
}

function renderNumbers(): void {
  const data = numbersData();
  const table = $<HTMLTableElement>("numbers");
  for (const body of [...table.tBodies]) body.remove();
  for (const group of GROUPS) {
    const body = table.createTBody();
    const head = body.insertRow();
    head.append(cell("th", group.title(state), { colspan: "2", scope: "colgroup" }));
    for (const row of group.rows) {
      const v = valueAt(data, row.key);
      const tr = body.insertRow();
      tr.append(cell("th", row.label, { scope: "row" }));
      tr.append(
        cell("td", v === undefined ? "…" : readable(v), {
          class: "value",
          "data-key": row.key,
          ...(v === undefined ? {} : { "data-value": exact(v) }),
        }),
      );
    }
  }
}

function renderOutcomes(rows: readonly OutcomeRow[]): void {
  const body = $<HTMLTableElement>("outcomes").tBodies[0]!;
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      // Labels come from the user's model: text nodes only, never HTML.
      tr.append(cell("th", r.outcome, { scope: "row" }));
      for (const v of [r.reward, r.p, r.phi, r.pi, r.piSoft])
        tr.append(cell("td", readable(v), { class: "value" }));
      return tr;
    }),
  );
}

// ---- downloads ----

function fileName(figure: string): string {
  const model = state.model === "json" ? "model" : state.model.replace(/[^a-z0-9.-]+/gi, "-");
  return `bonkl-${figure}-${model}`;
}

function addDownloads(): void {
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
        const svg = figures.get(name);
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
  $("download-numbers").addEventListener("click", () => {
    const { markers, tilt, sequence, top, frontier, softCurve, runs, ldp } = latest;
    downloadJson(
      {
        model: state.model === "json" ? pastedModel(state.json) : state.model,
        inputs: { klRate: state.kl, length: state.length, n: state.n, temperature: state.temperature },
        modelInfo: info,
        tilt,
        bon: markers?.bon,
        softBon: markers?.softBon,
        sequence,
        distribution: top,
        frontier: frontier && {
          ...frontier,
          ...(softCurve?.key === curveKey(state.n) ? { softBon: softCurve.points } : {}),
        },
        convergence: runs,
        ldp: ldp && {
          lambda: ldp.saturated ? null : ldp.lambda,
          xStar: ldp.xStar,
          rate: ldp.rate,
          scgf: ldp.scgf,
          cumulants: ldp.cumulants,
        },
      },
      fileName("numbers"),
    );
  });
}

/** The pasted model as JSON when it parses (the numbers are for it), else its text. */
function pastedModel(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---- start ----

function start(): void {
  const { state: initial, ignored } = fromQuery(location.search);
  state = initial;
  for (const key of Object.keys(SLIDER) as ParamKey[]) bindParam(key);
  showState(state);
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  $("preset").addEventListener("change", onModelChange);
  $("theta-range").addEventListener("input", () => {
    $<HTMLInputElement>("theta").value = $<HTMLInputElement>("theta-range").value;
    onModelChange();
  });
  $("theta").addEventListener("change", () => {
    const v = parseNumber($<HTMLInputElement>("theta").value);
    if (Number.isFinite(v)) $<HTMLInputElement>("theta-range").value = String(v);
    onModelChange();
  });
  $("levels").addEventListener("change", onModelChange);
  $("top-k").addEventListener("change", onModelChange);
  $("use-json").addEventListener("click", onModelChange);
  $("model-file").addEventListener("change", async () => {
    const file = $<HTMLInputElement>("model-file").files?.[0];
    if (!file) return;
    $<HTMLTextAreaElement>("model-json").value = await file.text();
    onModelChange();
  });
  addDownloads();
  update(state);
  if (ignored.length > 0) showStatus(`ignored in the link: ${ignored.join(", ")}`);
}

start();
