import { InputError } from "../errors.js";
import type { MarkovChain } from "./chain.js";

/**
 * The graph of a chain: which states y_2, …, y_n can be (R, the states reachable in at least one step
 * from the support of μ), whether the chain is irreducible on R, and its period there. R is closed
 * under P, so every quantity that looks past the first step lives on R; the Perron–Frobenius
 * asymptotics (MATH §7) and the tilted transform of the law of S_n need P irreducible on R.
 *
 * The rank-one part w uᵀ is a hub node: a → hub (w_a > 0, length 1) and hub → b (u_b > 0, length 0), so
 * reachability and the period are those of the full transition without forming its k² edges.
 */
export interface ChainStructure {
  /** States reachable in ≥ 1 step from supp μ (ascending). */
  readonly reachable: Int32Array;
  /** 1 on R. */
  readonly inR: Uint8Array;
  /** Communicating classes of R (each ascending); one when irreducible. */
  readonly classes: Int32Array[];
  readonly irreducible: boolean;
  /** The period on R when irreducible (gcd of cycle lengths), else 0. */
  readonly period: number;
}

const cache = new WeakMap<MarkovChain, ChainStructure>();

function successors(
  chain: MarkovChain,
  hub: number,
): (v: number, visit: (w: number, len: number) => void) => void {
  const { rowStart, col, val, lowRank, k } = chain;
  return (v, visit) => {
    if (v === hub) {
      if (lowRank) for (let b = 0; b < k; b++) if (lowRank.u[b]! > 0) visit(b, 0);
      return;
    }
    for (let i = rowStart[v]!; i < rowStart[v + 1]!; i++) if (val[i]! > 0) visit(col[i]!, 1);
    if (lowRank && lowRank.w[v]! > 0) visit(hub, 1);
  };
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Reachable states, irreducibility and period of a chain (cached per chain). */
export function chainStructure(chain: MarkovChain): ChainStructure {
  const hit = cache.get(chain);
  if (hit) return hit;
  const { k } = chain;
  const hub = k;
  const succ = successors(chain, hub);
  // R: BFS from the successors of supp μ.
  const seen = new Uint8Array(k + 1);
  const queue: number[] = [];
  for (let a = 0; a < k; a++) {
    if (chain.initial[a]! > 0) {
      succ(a, (w) => {
        if (!seen[w]) {
          seen[w] = 1;
          queue.push(w);
        }
      });
    }
  }
  for (let q = 0; q < queue.length; q++) {
    succ(queue[q]!, (w) => {
      if (!seen[w]) {
        seen[w] = 1;
        queue.push(w);
      }
    });
  }
  const inR = seen.slice(0, k);
  const reachable = Int32Array.from(queue.filter((v) => v !== hub)).sort();
  const classes = sccs(chain, inR, hub, succ);
  const irreducible = classes.length === 1;
  let period = 0;
  if (irreducible && reachable.length > 0) {
    // 0-1 BFS distances from one state of R, then the gcd of dist(a) + len − dist(b) over the edges.
    const dist = new Float64Array(k + 1).fill(Number.POSITIVE_INFINITY);
    const start = reachable[0]!;
    dist[start] = 0;
    const deque: number[] = [start];
    let head = 0;
    const front: number[] = [];
    while (head < deque.length || front.length) {
      const v = front.length ? front.pop()! : deque[head++]!;
      succ(v, (w, len) => {
        if (dist[v]! + len < dist[w]!) {
          dist[w] = dist[v]! + len;
          if (len === 0) front.push(w);
          else deque.push(w);
        }
      });
    }
    let g = 0;
    for (let v = 0; v <= k; v++) {
      if (!Number.isFinite(dist[v]!)) continue;
      succ(v, (w, len) => {
        g = gcd(g, dist[v]! + len - dist[w]!);
      });
    }
    period = g;
  }
  const out = { reachable, inR, classes, irreducible, period };
  cache.set(chain, out);
  return out;
}

/** Strongly connected components of the graph restricted to R (Tarjan, iterative), hub excluded from the output. */
function sccs(
  chain: MarkovChain,
  inR: Uint8Array,
  hub: number,
  succ: (v: number, visit: (w: number, len: number) => void) => void,
): Int32Array[] {
  const k = chain.k;
  const n = k + 1;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: Int32Array[] = [];
  let counter = 0;
  const adj = (v: number): number[] => {
    const list: number[] = [];
    succ(v, (w) => {
      if (w === hub || inR[w]) list.push(w);
    });
    return list;
  };
  const hubUsed = chain.lowRank !== null;
  for (let s = 0; s < n; s++) {
    if (index[s]! >= 0) continue;
    if (s === hub ? !hubUsed : !inR[s]) continue;
    const work: { v: number; next: number[]; i: number }[] = [{ v: s, next: adj(s), i: 0 }];
    index[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = 1;
    while (work.length) {
      const top = work[work.length - 1]!;
      if (top.i < top.next.length) {
        const w = top.next[top.i++]!;
        if (index[w]! < 0) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push({ v: w, next: adj(w), i: 0 });
        } else if (onStack[w]) low[top.v] = Math.min(low[top.v]!, index[w]!);
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1]!.v;
          low[parent] = Math.min(low[parent]!, low[top.v]!);
        }
        if (low[top.v] === index[top.v]) {
          const comp: number[] = [];
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            if (w !== hub) comp.push(w);
          } while (w !== top.v);
          if (comp.length) out.push(Int32Array.from(comp).sort());
        }
      }
    }
  }
  return out;
}

function listStates(chain: MarkovChain, states: ArrayLike<number>): string {
  const names = Array.from(states, (s) => chain.states[s]!);
  return names.length > 8 ? `${names.slice(0, 8).join(", ")}, … (${names.length} states)` : names.join(", ");
}

/**
 * Throws an InputError naming the states when P is not irreducible on the states it can reach
 * (`what` says which quantity needs it).
 */
export function requireIrreducible(
  chain: MarkovChain,
  what: string,
  field = "model.transition",
): ChainStructure {
  const s = chainStructure(chain);
  if (s.irreducible) return s;
  const parts = s.classes.map((c) => `{${listStates(chain, c)}}`);
  throw new InputError(
    field,
    `${what} needs the chain to be irreducible on the states it can reach after the first step, but they split ` +
      `into ${s.classes.length} communicating classes: ${parts.slice(0, 4).join(", ")}${parts.length > 4 ? ", …" : ""}`,
  );
}
