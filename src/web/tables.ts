import { readable } from "../app/format.js";
import { $, cell, notation } from "./dom.js";
import { exact, GROUPS, type NumbersData, valueAt } from "./numbers.js";
import type { ModelInfo, OutcomeRow } from "./protocol.js";
import { session } from "./session.js";

/** The page's text: the numbers table, the outcomes table, the model line and the rate caption. */

function numbersData(): NumbersData {
  const { tilt, chosen, sequence } = session.latest;
  return {
    ...(tilt ? { tilt } : {}),
    ...(chosen ? { bon: chosen.bon, softBon: chosen.softBon } : {}),
    ...(sequence ? { sequence } : {}),
  };
}

/** Every quantity drawn, by group; "…" for what the latest inputs have not given yet. */
export function renderNumbers(): void {
  const data = numbersData();
  const table = $<HTMLTableElement>("numbers");
  for (const body of [...table.tBodies]) body.remove();
  for (const group of GROUPS) {
    const body = table.createTBody();
    const head = body.insertRow();
    head.append(cell("th", { label: group.title(session.state) }, { colspan: "2", scope: "colgroup" }));
    for (const row of group.rows) {
      const v = valueAt(data, row.key);
      const tr = body.insertRow();
      tr.append(cell("th", { label: row.label }, { scope: "row" }));
      tr.append(
        cell(
          "td",
          { text: v === undefined ? "…" : readable(v) },
          {
            class: "value",
            "data-key": row.key,
            ...(v === undefined ? {} : { "data-value": exact(v) }),
          },
        ),
      );
    }
  }
}

export function renderOutcomes(rows: readonly OutcomeRow[]): void {
  const body = $<HTMLTableElement>("outcomes").tBodies[0]!;
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      // Labels come from the user's model: text nodes only, never HTML, never notation.
      tr.append(cell("th", { text: r.outcome }, { scope: "row" }));
      for (const v of [r.reward, r.p, r.phi, r.pi, r.piSoft])
        tr.append(cell("td", { text: readable(v) }, { class: "value" }));
      return tr;
    }),
  );
}

export function showModelInfo(m: ModelInfo): void {
  const support = m.support === m.outcomes ? "" : ` (${m.support} with p > 0)`;
  $("model-info").replaceChildren(
    ...notation(
      `${m.outcomes} outcomes${support}, ${m.levels} reward levels from ${readable(m.rewardMin)} to ` +
        `${readable(m.rewardMax)}; E_p r = ${readable(m.mean)}, log 1/p* = ${readable(m.klMax)} nats.`,
    ),
  );
}

export function showRateCaption(): void {
  const { ldp } = session.latest;
  if (!ldp) return;
  $("rate-caption").replaceChildren(
    ...notation(
      `λ* = ${readable(ldp.saturated ? null : ldp.lambda)}, x* = ${readable(ldp.xStar)}; ` +
        `cumulants of r under φ_Δ: ${ldp.cumulants.map(readable).join(", ")}.`,
    ),
  );
}
