"""What a user gets without an expert on the bundled solar and wind data: the README's recipe
and ``AutoForecaster`` beside ARIMA and persistence, over seeds.

Run: ``python benchmarks/auto_solar_wind.py [--problems SITE:TARGET ...] [--seeds 3]
[--max-time S]`` (writes ``benchmarks/results/auto_solar_wind.md`` and ``.csv``).

The protocol is the solar/wind benchmark's (:mod:`narxcast.benchmark`): the first 75% of the
year trains, the rest is forecast from every origin 1, 6 and 24 h ahead, GHI scored on
daytime hours; ``AutoForecaster(horizons=(1, 6, 24))`` chooses on the training rows alone
(their last fifth held out). Networks: mean ± std over seeds.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
PROBLEMS = ("colorado-2017:ghi", "colorado-2017:wind_speed", "greensboro-tmy3:ghi",
            "greensboro-tmy3:wind_speed")


def entries(target, max_time):
    from narxcast import ARIMARegressor, NARXRegressor, PersistenceRegressor
    from narxcast.model_selection import AutoForecaster

    models = {
        "NARX README recipe": NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24]),
        "AutoForecaster": AutoForecaster(horizons=(1, 6, 24), max_time=max_time,
                                         progress=False),
        "ARIMA": ARIMARegressor(order=(2, 0, 1), seasonal_order=(1, 0, 0, 24)),
        "naive persistence": PersistenceRegressor(kind="naive"),
        "seasonal persistence": PersistenceRegressor(kind="seasonal", season=24),
    }
    if target == "ghi":
        models["clear-sky persistence"] = PersistenceRegressor(kind="clearsky")
    return models


def run(problem, seeds, max_time):
    from sklearn.base import clone

    from narxcast.benchmark import HORIZONS, TRAIN_FRACTION, _problem
    from narxcast.model_selection import backtest

    site, target = problem.split(":")
    X, y, mask = _problem(site, target)
    runs = {}
    for name, model in entries(target, max_time).items():
        if "random_state" in model.get_params():
            for seed in range(seeds):
                runs[f"{name} [seed {seed}]"] = clone(model).set_params(random_state=seed)
        else:
            runs[name] = model
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = backtest(runs, X, y, horizons=HORIZONS, train_size=TRAIN_FRACTION, mask=mask,
                          metrics=("rmse",), reference=None)
    scores = result.scores.rename(columns={"estimator": "run"})
    scores["entry"] = scores.run.str.replace(r" \[seed \d+\]$", "", regex=True)
    scores["site"], scores["target"] = site, target
    seconds = result.fit_seconds.rename("seconds").rename_axis("run").reset_index()
    print(f"{problem}: {time.perf_counter() - started:.0f} s", flush=True)
    return scores.merge(seconds, on="run")


def report(table):
    sys.path.insert(0, str(HERE))
    from _machine import describe

    lines = ["# auto_solar_wind: the README recipe and AutoForecaster against the baselines", "",
             f"Machine: {describe()}.", "",
             "RMSE (GHI in W/m2 over daytime hours, wind in m/s) of forecasts from every "
             "origin of the last quarter; networks mean ± std over seeds; fit seconds per "
             "run.", ""]
    for (site, target), group in table.groupby(["site", "target"], sort=False):
        lines += [f"### {site}, {target}", "",
                  "| entry | 1 h | 6 h | 24 h | fit s |", "| --- | ---: | ---: | ---: | ---: |"]
        for entry, rows in group.groupby("entry", sort=False):
            cells = []
            for horizon in (1, 6, 24):
                values = rows[rows.horizon == horizon].value.to_numpy()
                cells.append(f"{values.mean():.3f}" + (f" ± {values.std(ddof=1):.3f}"
                                                       if values.size > 1 else ""))
            seconds = rows.drop_duplicates("run").seconds.mean()
            lines.append(f"| {entry} | " + " | ".join(cells) + f" | {seconds:.1f} |")
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-time", type=float, default=None)
    options = parser.parse_args()
    table = pd.concat([run(problem, options.seeds, options.max_time)
                       for problem in options.problems], ignore_index=True)
    text = report(table)
    print(text)
    if options.problems == list(PROBLEMS):
        table.to_csv(HERE / "results" / "auto_solar_wind.csv", index=False)
        (HERE / "results" / "auto_solar_wind.md").write_text(text)


if __name__ == "__main__":
    main()
