import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The explorer page: sources in src/web, a static site in dist/web (served by `bonkl serve`).
// The core and the subtlex-afinn data are bundled at build time; nothing is fetched at run time.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("src/web"),
  base: "./",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: here("dist/web"),
    emptyOutDir: true,
    target: "es2022",
    // The word list is ~3 MB of data; it is loaded only when the subtlex-afinn preset is chosen.
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: "es" },
});
