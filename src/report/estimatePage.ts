import type { PooledEstimate } from "../core/estimate/pooled.js";
import { escapeXml } from "../plot/text.js";

/** `bonkl estimate --report`: a small HTML page, the figure inline and the tables as text. */
export function estimatePage(r: PooledEstimate, svg: string, tables: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>bonkl estimate</title>
<style>body{font-family:DejaVu Sans,sans-serif;max-width:960px;margin:2em auto;color:#222}pre{font-size:12px;overflow-x:auto}</style>
</head><body>
<h1>Best-of-N and the optimal tilt, estimated from samples</h1>
<p>${r.prompts} prompts, ${r.samples} samples, ${r.skipped} prompt(s) skipped (fewer than 2 samples).
Pooled values are means over prompts; intervals resample prompts.</p>
${svg.replace(/^<\?xml[^>]*>/, "")}
<pre>${escapeXml(tables)}</pre>
</body></html>
`;
}
