/// <reference lib="webworker" />
import { InputError } from "../core/errors.js";
import type { Model } from "../core/model.js";
import { computeFast, computeSlow, modelInfo } from "./compute.js";
import { loadModel } from "./models.js";
import type { Reply, Request } from "./protocol.js";

// All computation happens in two of these workers (compute.ts says which part where), so the page never
// freezes. A newer request makes older ones stop at their next pause; models are kept for the last few sources.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (reply: Reply) => scope.postMessage(reply);

let latest = 0;
const models = new Map<string, Promise<Model>>();
const MODELS_KEPT = 3;
const SLOW_DELAY_MS = 150;

// A macrotask without the 4 ms clamp of nested timers: lets newer requests in between phases.
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();

function pause(id: number): Promise<boolean> {
  return new Promise((resolve) => {
    waiting.push(() => resolve(id === latest));
    channel.port2.postMessage(null);
  });
}

function modelFor(request: Request): Promise<Model> {
  const key = `${request.source.kind}\n${request.source.text}`;
  let model = models.get(key);
  if (!model) {
    model = loadModel(request.source);
    models.set(key, model);
    model.catch(() => models.delete(key));
    if (models.size > MODELS_KEPT) models.delete(models.keys().next().value!);
  }
  return model;
}

scope.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  const { id } = request;
  latest = id;
  // The slow part waits until the inputs have been still for a moment: a dragged slider then starts no
  // long computation per position, and the frontier's redraw has the cores to itself.
  if (request.part === "slow") {
    await new Promise((resolve) => setTimeout(resolve, SLOW_DELAY_MS));
    if (id !== latest) return;
  }
  try {
    const model = await modelFor(request);
    if (id !== latest) return;
    if (request.part === "fast") post({ id, kind: "model", model: modelInfo(model) });
    if (request.part === "fast") computeFast(id, model, request.params, post);
    else await computeSlow(id, model, request.params, post, () => pause(id));
  } catch (e) {
    if (e instanceof InputError) post({ id, kind: "error", field: e.field, detail: e.detail });
    else post({ id, kind: "error", field: "internal", detail: e instanceof Error ? e.message : String(e) });
  }
};
