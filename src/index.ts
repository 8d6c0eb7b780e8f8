/**
 * bonkl: the exact KL-constrained optimum (exponential tilting), best-of-N and soft best-of-N, their
 * sequence asymptotics and the estimators for scored samples, all in nats. This entry is pure
 * computation (no Node or DOM imports), so it runs in Node and in browsers alike; file reading, DuckDB
 * and report writing are in `bonkl/node`.
 *
 * @packageDocumentation
 * @module bonkl
 */
export * from "./app/index.js";
export * from "./core/index.js";
