import { loadModelSpec } from "./src/app/presets.js";
