/**
 * What the page shows, as the URL's query (parameter names are the CLI's flags, so a link reads like a
 * command line): `?model=ternary&kl-rate=0.5&length=1000&n=16&temperature=0.5`. An uploaded or pasted
 * model travels as `model=json&json=<the JSON text>`.
 */
export interface ViewState {
  /** A preset (`ternary`, `bernoulli:0.3`, `uniform:10`, `subtlex-afinn`, `subtlex-afinn:5000`) or `json`. */
  readonly model: string;
  /** The model's JSON text when `model` is `json`. */
  readonly json: string;
  /** Δ, the KL budget per token (nats). */
  readonly kl: number;
  /** n, the sequence length. */
  readonly length: number;
  /** N of best-of-N and soft best-of-N (real, ≥ 1). */
  readonly n: number;
  /** τ, the soft best-of-N temperature. */
  readonly temperature: number;
}

export const DEFAULT_STATE: ViewState = {
  model: "ternary",
  json: "",
  kl: 0.5,
  length: 1000,
  n: 16,
  temperature: 0.5,
};

/** The checks every numeric control shares; the core repeats them and its messages are what is shown. */
const VALID: Record<"kl" | "length" | "n" | "temperature", (v: number) => boolean> = {
  kl: (v) => v >= 0 && Number.isFinite(v),
  length: (v) => Number.isSafeInteger(v) && v >= 1 && v <= 1e8,
  n: (v) => v >= 1 && Number.isFinite(v),
  temperature: (v) => v > 0 && Number.isFinite(v),
};

const PARAM = { kl: "kl-rate", length: "length", n: "n", temperature: "temperature" } as const;

/** A decimal or exponent number, as the CLI reads it; anything else is NaN. */
export function parseNumber(text: string): number {
  const t = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : Number.NaN;
}

export function isValid(key: keyof typeof VALID, value: number): boolean {
  return VALID[key](value);
}

/** The query string for a state (numbers in their shortest round-tripping form). */
export function toQuery(state: ViewState): string {
  const q = new URLSearchParams();
  q.set("model", state.model);
  if (state.model === "json") q.set("json", state.json);
  for (const key of Object.keys(PARAM) as (keyof typeof PARAM)[]) q.set(PARAM[key], String(state[key]));
  return `?${q.toString()}`;
}

/** The state a query describes; unreadable entries keep their defaults and are listed in `ignored`. */
export function fromQuery(search: string): { state: ViewState; ignored: string[] } {
  const q = new URLSearchParams(search);
  const ignored: string[] = [];
  const state: { -readonly [K in keyof ViewState]: ViewState[K] } = { ...DEFAULT_STATE };
  const model = q.get("model");
  if (model !== null && model.trim() !== "") state.model = model.trim();
  if (state.model === "json") state.json = q.get("json") ?? "";
  for (const key of Object.keys(PARAM) as (keyof typeof PARAM)[]) {
    const text = q.get(PARAM[key]);
    if (text === null) continue;
    const v = parseNumber(text);
    if (isValid(key, v)) state[key] = v;
    else ignored.push(`${PARAM[key]}=${text}`);
  }
  return { state, ignored };
}
