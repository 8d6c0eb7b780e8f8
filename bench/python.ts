/**
 * The NumPy side of the benchmark as a child process (bench/serve.py) that stays up for the whole run:
 * each request runs one task once and returns its wall and CPU time, so run.ts can alternate bonkl and
 * NumPy runs (A B A B) instead of timing one side after the other.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Sample } from "./timing.js";

export interface Versions {
  readonly python: string;
  readonly numpy: string;
  readonly scipy: string;
}

/** JSON from serve.py: non-finite floats arrive as strings. */
export type Json = number | string | boolean | null | Json[] | { [key: string]: Json };

/** serve.py writes NaN and ±∞ as strings; JSON numbers otherwise. */
export const num = (x: Json | undefined): number =>
  typeof x === "number" ? x : typeof x === "string" ? Number(x) : Number.NaN;

export class NumpyServer {
  private readonly child: ChildProcess;
  private readonly pending: ((line: string) => void)[] = [];
  private exited: string | undefined;

  private constructor(child: ChildProcess) {
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => this.pending.shift()?.(line));
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += String(d);
    });
    child.on("exit", (code, signal) => {
      this.exited = `python3 exited with ${code ?? signal}: ${stderr.trim().split("\n").pop() ?? ""}`;
      for (const resolve of this.pending.splice(0)) resolve(JSON.stringify({ error: this.exited }));
    });
    child.on("error", (err) => {
      this.exited = `could not run python3 (${err.message})`;
      for (const resolve of this.pending.splice(0)) resolve(JSON.stringify({ error: this.exited }));
    });
  }

  /**
   * Starts serve.py with one OpenBLAS thread (both sides then run on one core, and NumPy's CPU time is
   * one thread's) and without the two variables that select a slower OpenBLAS kernel and cache size.
   */
  static start(): NumpyServer {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "serve.py");
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    return new NumpyServer(spawn("python3", [script], { env, stdio: ["pipe", "pipe", "pipe"] }));
  }

  private request(body: object): Promise<{ [key: string]: Json }> {
    if (this.exited) return Promise.resolve({ error: this.exited });
    return new Promise((resolve) => {
      this.pending.push((line) => resolve(JSON.parse(line)));
      this.child.stdin!.write(`${JSON.stringify(body)}\n`);
    });
  }

  /** Imports bench/<module>.py and runs its setup on the data in dir (untimed). */
  async load(module: string, dir: string): Promise<Versions> {
    const reply = await this.request({ op: "load", module, dir });
    if (typeof reply.error === "string") throw new Error(reply.error);
    return reply.versions as unknown as Versions;
  }

  /** One run of a task: its times and its result. */
  async run(module: string, task: string, args: object): Promise<{ sample: Sample; result: Json }> {
    const reply = await this.request({ op: "run", module, task, args });
    if (typeof reply.error === "string") throw new Error(`${module}.${task}: ${reply.error}`);
    return { sample: { wall: num(reply.wall), cpu: num(reply.cpu) }, result: reply.result! };
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin!.write(`${JSON.stringify({ op: "quit" })}\n`);
    await done;
  }
}
