import { $ } from "./dom.js";
import { session } from "./session.js";
import { isValid, parseNumber, type ViewState } from "./state.js";

/** The form: the model's inputs and the four parameters (slider + text box each) ↔ the view state. */

export type ParamKey = "kl" | "length" | "n" | "temperature";

/** Slider scales: linear for Δ (its range follows the model's log 1/p*), log₁₀ for the others. */
const SLIDER: Record<ParamKey, { log: boolean; min: number; max: number; step: number }> = {
  kl: { log: false, min: 0, max: 2, step: 0.002 },
  length: { log: true, min: 0, max: 6, step: 0.01 },
  n: { log: true, min: 0, max: 12, step: 0.01 },
  temperature: { log: true, min: -2, max: 2, step: 0.01 },
};

export const PARAMS = Object.keys(SLIDER) as ParamKey[];

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

/** The model the inputs describe, as the state's `model` and `json`. */
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

function sliderToValue(key: ParamKey, position: number): number {
  const s = SLIDER[key];
  if (!s.log) return position;
  const v = 10 ** position;
  return key === "length" ? Math.max(1, Math.round(v)) : Number(v.toPrecision(3));
}

function valueToSlider(key: ParamKey, value: number): number {
  return SLIDER[key].log ? Math.log10(value) : value;
}

/** A control's message (empty clears it), with aria-invalid on the input it belongs to. */
export function setMessage(id: string, text: string): void {
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

/** Clears every message once a model has been read. */
export function clearMessages(): void {
  setMessage("model-message", "");
  for (const key of PARAMS) setMessage(`${key}-message`, "");
}

/** Shows an error from the worker next to the control its field belongs to. */
export function showFieldError(field: string, detail: string): void {
  const control = FIELD_CONTROL[field];
  if (control) setMessage(`${control}-message`, `${field}: ${detail}`);
  else setMessage("model-message", field === "internal" ? detail : `${field}: ${detail}`);
}

function bindParam(key: ParamKey, update: (next: ViewState) => void): void {
  const slider = $<HTMLInputElement>(`${key}-range`);
  const box = $<HTMLInputElement>(key);
  const s = SLIDER[key];
  Object.assign(slider, { min: String(s.min), max: String(s.max), step: String(s.step) });
  slider.addEventListener("input", () => {
    const v = sliderToValue(key, Number(slider.value));
    box.value = String(v);
    setMessage(`${key}-message`, "");
    update({ ...session.state, [key]: v });
  });
  box.addEventListener("change", () => {
    const v = parseNumber(box.value);
    if (!isValid(key, v)) {
      setMessage(`${key}-message`, `${EXPECTED[key]}, got ${JSON.stringify(box.value.trim())}`);
      return;
    }
    setMessage(`${key}-message`, "");
    slider.value = String(valueToSlider(key, v));
    update({ ...session.state, [key]: v });
  });
}

/** Puts a state into the controls. */
export function showState(s: ViewState): void {
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
  for (const key of PARAMS) {
    $<HTMLInputElement>(key).value = String(s[key]);
    $<HTMLInputElement>(`${key}-range`).value = String(valueToSlider(key, s[key]));
  }
  showValueText(s);
}

/** The sliders' accessible values: the numbers, not the slider positions. */
export function showValueText(s: ViewState): void {
  for (const key of PARAMS) $(`${key}-range`).setAttribute("aria-valuetext", String(s[key]));
}

/** Δ's slider spans up to a little beyond the model's saturation. */
export function fitKlSlider(klMax: number): void {
  const max = Number((Math.max(klMax, 0.01) * 1.2).toPrecision(2));
  const slider = $<HTMLInputElement>("kl-range");
  slider.max = String(max);
  slider.step = String(max / 1000);
  slider.value = String(session.state.kl);
}

/** Wires every input to `update`, called with the state the controls now describe. */
export function bindControls(update: (next: ViewState) => void): void {
  for (const key of PARAMS) bindParam(key, update);
  const onModelChange = () => {
    showModelRows();
    update({ ...session.state, ...modelText() });
  };
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
}
