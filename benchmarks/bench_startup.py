"""What a user waits for before the first forecast in a new process, against the floor of
importing what any scikit-learn estimator over Numba kernels imports.

Run: ``python benchmarks/bench_startup.py`` (writes ``benchmarks/results/bench_startup.md``).

Each figure is measured in a fresh Python process, ``RUNS`` (5) times (ranges, and the
differences within a round): the floor (``import sklearn.base, numba``), ``import
narxcast`` (the estimators load on first use), ``from narxcast import NARXRegressor,
LSTMRegressor`` (what a user's script imports), and a first fit + forecast with the Numba
cache filled (``bench_rnn.py``'s: an 8-unit LSTM with the defaults and one epoch per stage,
then the all-origins 24-step forecast of a year; a NARX alike), its import included and the
loading of the data left out; and the same first fit + forecast with an empty Numba cache
(every kernel it needs compiled), ``COLD_RUNS`` (3) times, after the others. Python's
bytecode is written and read in every child, as it is for an installed package.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RUNS = 5
COLD_RUNS = 3  # first fits with an empty cache (about 20 s each)

from bench_rnn import CHILD  # noqa: E402

FLOOR = """
import json, time
started = time.perf_counter()
import sklearn.base, numba
print(json.dumps(dict(imported=time.perf_counter() - started)))
"""

IMPORTS = {statement: f"""
import json, time
started = time.perf_counter()
{statement}
print(json.dumps(dict(imported=time.perf_counter() - started)))
""" for statement in ("import narxcast", "from narxcast import NARXRegressor, LSTMRegressor")}

# bench_rnn's first fit + forecast (an 8-unit LSTM, one epoch per stage), and a NARX alike
FIRST_FITS = {"LSTMRegressor": CHILD,
              "NARXRegressor": CHILD.replace("LSTMRegressor", "NARXRegressor")
                                    .replace("hidden_layer_sizes=(8,), ", "")}


def child(code, cache_dir):
    # bytecode written and read, as for the floor's packages (pip compiles an installed
    # package's at install): with PYTHONDONTWRITEBYTECODE set, a source tree's modules would
    # be compiled from source in every process and the import measured that instead
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(NUMBA_CACHE_DIR=cache_dir, NARXCAST_QUIET="1")
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    from _machine import describe

    rounds = []
    with tempfile.TemporaryDirectory() as cache:
        for code in FIRST_FITS.values():  # the cache filled (compiled once)
            child(code, cache)
        for _ in range(RUNS):
            measured = {"floor": child(FLOOR, cache)["imported"]}
            for statement, code in IMPORTS.items():
                measured[statement] = child(code, cache)["imported"]
            for model, code in FIRST_FITS.items():
                times = child(code, cache)
                measured[model] = times["imported"] + times["first"]
            rounds.append(measured)
            print(measured, flush=True)
    for measured in rounds[:COLD_RUNS]:  # after the warm rounds, which they would disturb
        for model, code in FIRST_FITS.items():
            with tempfile.TemporaryDirectory() as empty:  # compiling everything it needs
                measured[f"{model} cold"] = child(code, empty)["first"]
        print(measured, flush=True)

    def span(key, minus=None):
        values = [r[key] - (r[minus] if minus else 0.0) for r in rounds if key in r]
        return f"{min(values):.2f}{' to ' if min(values) < 0 else '-'}{max(values):.2f} s"

    lines = ["# bench_startup: import and first fit in a new process", "",
             f"Machine: {describe()}.", "",
             f"Fresh processes, {RUNS} rounds; each figure's range over them, differences "
             "taken within a round. The Numba cache is filled (a user's second process).", "",
             "| what | seconds | over the floor |", "| --- | ---: | ---: |",
             f"| floor: `import sklearn.base, numba` | {span('floor')} | - |"]
    lines += [f"| `{statement}` | {span(statement)} | {span(statement, 'floor')} |"
              for statement in IMPORTS]
    for model in FIRST_FITS:
        lines.append(f"| `{model}` first fit + all-origins 24-step forecast, import included | "
                     f"{span(model)} | {span(model, 'floor')} |")
    for model in FIRST_FITS:
        lines.append(f"| `{model}` first fit + forecast with an empty Numba cache (compiling), "
                     f"import excluded | {span(f'{model} cold')} | - |")
    lines += ["", "Targets: `import narxcast` within 0.15 s of the floor, a cached first fit + "
              "forecast within 0.4 s of it; with an empty cache, a NARX's first fit + forecast "
              "under 3 s, a recurrent network's under 6 s."]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results" / "bench_startup.md").write_text(text)


if __name__ == "__main__":
    main()
