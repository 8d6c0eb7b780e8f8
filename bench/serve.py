"""The NumPy side of `npm run bench`, as a server, so that run.ts can interleave the two sides (A B A B).

Usage: python3 bench/serve.py   (started by bench/run.ts; one JSON request per line on stdin, one JSON
reply per line on stdout)

Requests:
  {"op": "load", "module": "baseline", "dir": DIR}  imports bench/<module>.py and calls its
      setup(DIR), which reads the data run.ts wrote (untimed); replies with the versions.
  {"op": "run", "module": M, "task": T, "args": {...}}  runs M.TASKS[T](state, args) once and replies
      {"wall": seconds, "cpu": seconds, "result": ...}: wall by time.perf_counter, CPU (user + system of
      this process, all its threads) by time.process_time.
  {"op": "quit"}
A task module defines setup(dir) -> state and TASKS = {name: function(state, args) -> JSON value}.
Non-finite floats are sent as the strings "NaN", "Infinity", "-Infinity".
"""

import importlib
import json
import math
import platform
import sys
import time
from pathlib import Path


def clean(x):
    """JSON without NaN/Infinity literals: non-finite floats as strings, NumPy scalars as floats."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    return x


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    modules = {}
    states = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "quit":
            break
        try:
            if op == "load":
                name = request["module"]
                modules[name] = importlib.import_module(name)
                states[name] = modules[name].setup(Path(request["dir"]))
                import numpy
                import scipy

                reply = {
                    "versions": {
                        "python": platform.python_version(),
                        "numpy": numpy.__version__,
                        "scipy": scipy.__version__,
                    }
                }
            elif op == "run":
                name = request["module"]
                task = modules[name].TASKS[request["task"]]
                args = request.get("args", {})
                c0 = time.process_time()
                t0 = time.perf_counter()
                result = task(states[name], args)
                wall = time.perf_counter() - t0
                cpu = time.process_time() - c0
                reply = {"wall": wall, "cpu": cpu, "result": result}
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as err:  # reported to run.ts, which stops the benchmark with the message
            reply = {"error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(clean(reply)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
