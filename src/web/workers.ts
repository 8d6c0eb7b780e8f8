import { showStatus } from "./dom.js";
import type { ModelSource, Reply, Request } from "./protocol.js";
import { session } from "./session.js";
import type { ViewState } from "./state.js";

/**
 * The two workers (see compute.ts): the frontier never waits behind sequences and rate functions. A
 * request goes to both; replies to older requests are dropped.
 */

const PARTS = ["fast", "slow"] as const;
let workers: { readonly part: (typeof PARTS)[number]; readonly worker: Worker }[] = [];
/** Parts of the latest request that have finished. */
const finished = new Set<string>();

/** Starts the workers; `receive` gets every reply to the latest request. */
export function startWorkers(receive: (reply: Reply) => void): void {
  workers = PARTS.map((part) => {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: part });
    worker.onmessage = (event: MessageEvent<Reply>) => {
      if (event.data.id === session.requestId) receive(event.data);
    };
    worker.onerror = (event) => showStatus(`the computation stopped: ${event.message}`);
    return { part, worker };
  });
}

/** Asks both workers for everything the state shows. */
export function send(state: ViewState): void {
  session.requestId += 1;
  session.requestStarted = performance.now();
  const source: ModelSource =
    state.model === "json" ? { kind: "json", text: state.json } : { kind: "preset", text: state.model };
  const params = { kl: state.kl, length: state.length, n: state.n, temperature: state.temperature };
  finished.clear();
  for (const { part, worker } of workers)
    worker.postMessage({ id: session.requestId, part, source, params } satisfies Request);
}

/** Notes that one part has finished; true when every part of the latest request has. */
export function partDone(part: string): boolean {
  finished.add(part);
  return finished.size >= workers.length;
}
