"""The ``narxcast`` command. ``narxcast demo`` fits a NARX on bundled solar data."""

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd


def solar_features(frame):
    """Exogenous inputs for irradiance forecasting: clear-sky GHI, temperature, hour of day.

    Examples
    --------
    >>> from narxcast.datasets import load_solar_wind
    >>> list(solar_features(load_solar_wind("miami-tmy2")).columns)
    ['clearsky_ghi', 'temperature', 'hour_sin', 'hour_cos']
    """
    hour = frame.index.hour + frame.index.minute / 60 + 0.5
    return pd.DataFrame({
        "clearsky_ghi": frame["clearsky_ghi"], "temperature": frame["temperature"],
        "hour_sin": np.sin(2 * np.pi * hour / 24), "hour_cos": np.cos(2 * np.pi * hour / 24),
    }, index=frame.index)


def _persistence(y, clearsky, horizon):
    """Naive (y_{t-h}), seasonal (y_{t-24}) and clear-sky (csi_{t-h} * cs_t) persistence."""
    index = np.clip(np.arange(len(y)) - horizon, 0, None)
    season = np.clip(np.arange(len(y)) - 24 * int(np.ceil(horizon / 24)), 0, None)
    csi = np.where(clearsky > 10, y / np.maximum(clearsky, 1e-9), 0.0)
    start = np.arange(len(y))
    return {
        "naive persistence": np.where(start >= horizon, y[index], np.nan),
        "seasonal persistence (24 h)": np.where(start >= 24, y[season], np.nan),
        "clear-sky persistence": np.where(start >= horizon, csi[index] * clearsky, np.nan),
    }


def demo(site="colorado-2017", seed=0, out=sys.stdout):
    """Fit a NARX to hourly GHI at ``site`` and compare it with persistence at 1 h and 24 h."""
    from . import NARXRegressor
    from .datasets import load_solar_wind
    from .metrics import rmse

    data = load_solar_wind(site)
    X, y = solar_features(data), data["ghi"]
    n_train = int(len(y) * 0.75)
    X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    print(f"narxcast demo: hourly GHI at {site}; train {y_train.index[0]:%Y-%m-%d} to "
          f"{y_train.index[-1]:%Y-%m-%d}, test {y_test.index[0]:%Y-%m-%d} to "
          f"{y_test.index[-1]:%Y-%m-%d}; RMSE in W/m2 over daytime hours (clear-sky GHI > 10).",
          file=out)
    model = NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                          hidden_layer_sizes=(10,), learning_rate_init=3e-3, max_iter=300,
                          early_stopping=True, random_state=seed)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, y_train)  # open loop (series-parallel)
        model.set_params(loop="closed", warm_start=True, learning_rate_init=1e-3, max_iter=100)
        model.fit(X_train, y_train)  # closed-loop fine tuning over 24-step windows
    seconds = time.perf_counter() - started
    truth = y_test.to_numpy()
    daytime = X_test["clearsky_ghi"].to_numpy() > 10
    rows = {}
    forecasts = {h: model.predict(X_test, y_test, horizon=h) for h in (1, 24)}
    rows["NARX (open, then closed loop)"] = forecasts
    for h in (1, 24):
        for name, forecast in _persistence(truth, X_test["clearsky_ghi"].to_numpy(), h).items():
            rows.setdefault(name, {})[h] = forecast
    # score every forecaster on the same rows: daytime, and every forecast formed
    scored = {h: daytime & np.all([np.isfinite(rows[name][h]) for name in rows], axis=0)
              for h in (1, 24)}
    table = pd.DataFrame({
        f"RMSE h={h}": [rmse(truth[scored[h]], rows[name][h][scored[h]]) for name in rows]
        for h in (1, 24)}, index=list(rows))
    print(table.round(1).to_string(), file=out)
    print(f"NARX trained in {seconds:.1f} s ({model.n_iter_} closed-loop epochs after the "
          "open-loop fit; a first run also compiles the Numba kernels, which are cached).",
          file=out)
    return table


def main(argv=None):
    """Entry point of the ``narxcast`` command."""
    parser = argparse.ArgumentParser(prog="narxcast", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="fit a NARX on bundled solar data and compare it with persistence",
        description="Fit a NARX network to hourly global horizontal irradiance at a bundled "
                    "site (first 75%% of the year), then print the RMSE of its 1 h and 24 h "
                    "forecasts on the rest against naive, seasonal and clear-sky persistence.")
    demo_parser.add_argument("--site", default="colorado-2017",
                             help="bundled site (see narxcast.datasets.list_datasets())")
    demo_parser.add_argument("--seed", type=int, default=0, help="random_state of the NARX")
    bench_parser = commands.add_parser(
        "bench", help="the solar/wind accuracy benchmark (every model, every site)",
        description="Run the solar and wind forecasting benchmark on the bundled data: the "
                    "NARX settings are searched on training data, then every model is "
                    "backtested at 1, 6 and 24 h; writes solar_wind.md, solar_wind.csv and "
                    "figures.")
    from .benchmark import add_arguments, run_from_arguments

    add_arguments(bench_parser)
    args = parser.parse_args(argv)
    if args.command == "bench":
        return run_from_arguments(bench_parser, args)
    if args.command == "demo":
        from .datasets import list_datasets

        if args.site not in list_datasets().index:
            parser.error(f"--site must be one of {', '.join(list_datasets().index)}; "
                         f"got {args.site!r}")
        demo(args.site, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
