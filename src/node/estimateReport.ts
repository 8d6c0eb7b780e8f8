import { join } from "node:path";
import type { PooledEstimate } from "../core/estimate/pooled.js";
import { escapeXml } from "../plot/text.js";
import { writeFileAtomic } from "./files.js";
import { svgToPng } from "./render.js";

/**
 * `bonkl estimate --report DIR`: a small HTML page (the figure inline, the tables as text) and the figure
 * as figure.png, each written atomically.
 */
export function writeEstimateReport(dir: string, r: PooledEstimate, svg: string, tables: string): void {
  const html = `<!DOCTYPE html>
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
  writeFileAtomic(join(dir, "index.html"), html);
  writeFileAtomic(join(dir, "figure.png"), svgToPng(svg));
}
