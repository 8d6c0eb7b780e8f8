import type { Model } from "../../src/core/model.js";
import { computeFast, computeSlow } from "../../src/web/compute.js";
import type { Params, Reply } from "../../src/web/protocol.js";

/**
 * Everything both explorer workers post for one request, run here in Node without pauses, and the first
 * reply of a kind.
 */
export async function workerReplies(model: Model, params: Params) {
  const replies: Reply[] = [];
  computeFast(1, model, params, (r) => replies.push(r));
  await computeSlow(
    1,
    model,
    params,
    (r) => replies.push(r),
    async () => true,
  );
  const of = <K extends Reply["kind"]>(kind: K) =>
    replies.find((r) => r.kind === kind) as Extract<Reply, { kind: K }>;
  return { replies, of };
}
