/** Downloads made in the page: a figure as SVG or PNG (drawn on a canvas), the numbers as JSON. */

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function svgText(svg: SVGSVGElement): string {
  return `${new XMLSerializer().serializeToString(svg)}\n`;
}

export function downloadSvg(svg: SVGSVGElement, name: string): void {
  save(new Blob([svgText(svg)], { type: "image/svg+xml" }), `${name}.svg`);
}

/** The figure rasterised at twice its size, so it stays sharp on dense screens and in slides. */
export async function downloadPng(svg: SVGSVGElement, name: string, scale = 2): Promise<void> {
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: "image/svg+xml" }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const context = canvas.getContext("2d");
    if (!context) throw new Error("this browser cannot draw on a canvas");
    context.fillStyle = "white";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
    if (!blob) throw new Error("the PNG could not be made");
    save(blob, `${name}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** JSON as the CLI prints it: ±Infinity as the strings "Infinity"/"-Infinity", two-space indents. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? (v > 0 ? "Infinity" : "-Infinity") : v),
    2,
  );
}

export function downloadJson(value: unknown, name: string): void {
  save(new Blob([`${toJson(value)}\n`], { type: "application/json" }), `${name}.json`);
}
