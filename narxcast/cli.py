"""The ``narxcast`` command: fit, forecast, backtest, bench and demo."""

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


COMMANDS_HELP = """\
Data are CSV or Parquet tables with a time column; one series per file, a directory of
files, or a long table with a series-id column (--series-column). Many series run in
parallel with --n-jobs (local processes) or on a Dask cluster with --scheduler ADDRESS.
Settings come from flags or a TOML file (--config, tables [data] and [model]); flags win.
Exit status: 0 when every series succeeded, 1 when some failed (listed, the others'
outputs kept), 2 for bad input (nothing written).
"""

CONFIG_EXAMPLE = """\
[data]
time_column = "timestamp"
target = "ghi"
exog = ["temperature", "clearsky_ghi"]
series_column = "site"        # optional: a long table of many series

[model]
name = "narx"                 # narx, elman, lstm, gru, tdnn, arima, persistence

[model.params]                # any parameter of the estimator
feedback_delays = [1, 2, 24]
hidden_layer_sizes = [10]
solver = "lm"
"""


def _data_arguments(parser, target=True):
    group = parser.add_argument_group("data")
    group.add_argument("--time-column", help='the time column (default "time")')
    if target:
        group.add_argument("--target", help="the column to forecast")
        group.add_argument("--exog", nargs="*", metavar="COLUMN",
                           help="exogenous input columns (future values are needed to "
                                "forecast)")
    group.add_argument("--series-column", help="a series-id column: one model per series")
    group.add_argument("--config", help="a TOML file with [data] and [model] tables")


def _model_arguments(parser):
    group = parser.add_argument_group("model")
    group.add_argument("--model", help="narx (default), elman, lstm, gru, tdnn, arima or "
                                       "persistence")
    group.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="an estimator parameter, a Python literal "
                            "(e.g. --param 'feedback_delays=[1, 2, 24]'); repeatable")


def _run_arguments(parser):
    group = parser.add_argument_group("execution")
    group.add_argument("--n-jobs", type=int, default=1,
                       help="series in parallel on local processes (-1: all cores)")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the series on this Dask distributed scheduler "
                            "(e.g. tcp://10.0.0.5:8786)")
    group.add_argument("--quiet", action="store_true", help="no progress bar")


def _spec(args, need_target=True):
    """The data/model settings from the TOML config, overridden by flags."""
    from .batch import InputError, Spec, parse_param

    config = {}
    if getattr(args, "config", None):
        import tomllib

        try:
            with open(args.config, "rb") as handle:
                config = tomllib.load(handle)
        except FileNotFoundError:
            raise InputError(f"{args.config}: no such config file.") from None
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"{args.config}: not valid TOML: {error}.") from None
    data, model = config.get("data", {}), config.get("model", {})
    spec = Spec(time_column=args.time_column or data.get("time_column", "time"),
                target=getattr(args, "target", None) or data.get("target"),
                exog=list(args.exog if getattr(args, "exog", None) is not None
                          else data.get("exog", [])),
                series_column=args.series_column or data.get("series_column"),
                model=getattr(args, "model", None) or model.get("name", "narx"),
                params=dict(model.get("params", {})))
    for text in getattr(args, "param", []):
        key, value = parse_param(text)
        spec.params[key] = value
    if need_target and not spec.target:
        raise InputError("--target (or target in the config's [data]) is required.")
    return spec


def _report(outcomes, out=sys.stdout):
    from .batch import summary

    table = summary(outcomes)
    failed = table[table.status != "ok"]
    print(table.drop(columns="error").to_string(index=False), file=out)
    if not failed.empty:
        print(f"{len(failed)} of {len(table)} series failed:", file=sys.stderr)
        for row in failed.itertuples():
            print(f"  {row.series}: {row.error}", file=sys.stderr)
    return 0 if failed.empty else 1


def _fit(args):
    from pathlib import Path

    import joblib

    from .batch import fit_series, make_model, read_series, run_jobs, write_atomically

    spec = _spec(args)
    make_model(spec.model, spec.params)  # bad model settings stop before any work
    series = read_series(args.data, spec)
    single = len(series) == 1 and spec.series_column is None and not Path(args.data).is_dir()
    jobs = {name: (path, frame, spec) for name, (path, frame) in series.items()}
    outcomes = run_jobs(fit_series, jobs, args.n_jobs, args.scheduler, not args.quiet, "fit")
    for outcome in outcomes:
        if outcome.ok:
            target = Path(args.out) if single else Path(args.out) / f"{outcome.series}.joblib"
            write_atomically(target, lambda path, o=outcome: joblib.dump(o.result, path))
    return _report(outcomes)


def _forecast(args):
    from pathlib import Path

    import joblib
    import pandas as pd

    from .batch import (
        InputError,
        Outcome,
        Spec,
        forecast_job,
        load_model_file,
        read_series,
        run_jobs,
        write_atomically,
    )

    model_source = Path(args.model_file)
    if model_source.is_dir():
        model_files = {p.name[:-len(".joblib")]: p for p in sorted(model_source.glob("*.joblib"))}
        if not model_files:
            raise InputError(f"{model_source}: no model files (*.joblib).")
        first = next(iter(model_files.values()))
    else:
        first = model_source
        model_files = None
    bundle = load_model_file(first)
    spec = Spec(time_column=args.time_column or bundle["time_column"],
                series_column=args.series_column)
    series = read_series(args.data, spec)
    if model_files is None:
        if len(series) != 1 and spec.series_column is None:
            raise InputError(f"{args.data}: one model file forecasts one series; give a "
                             "directory of model files for many.")
        if spec.series_column is not None and bundle["series"] not in series:
            raise InputError(f"{args.data}: no rows of series {bundle['series']!r} in "
                             f"column {spec.series_column!r}.")
        # the one series, named as the model's (a lone file is named after itself)
        chosen = series.get(bundle["series"], next(iter(series.values())))
        series = {bundle["series"]: chosen}
        model_files = {bundle["series"]: model_source}
    jobs, missing = {}, []
    for name, (path, frame) in series.items():
        if name in model_files:
            jobs[name] = (model_files[name], path, frame, args.horizon, args.update_model)
        else:
            missing.append(name)
    outcomes = run_jobs(forecast_job, jobs, args.n_jobs, args.scheduler, not args.quiet,
                        "forecast")
    outcomes += [Outcome(name, False, 0.0, error=f"no model file {name}.joblib in "
                         f"{model_source}") for name in missing]
    good = [o for o in outcomes if o.ok]
    if good:
        table = pd.concat([o.result[0] for o in good], ignore_index=True)
        write_atomically(args.out, lambda path: table.to_csv(path, index=False))
        for outcome in good:
            updated = outcome.result[1]
            if updated is not None:
                write_atomically(model_files[outcome.series],
                                 lambda path, b=updated: joblib.dump(b, path))
    return _report(outcomes)


def _backtest(args):
    from pathlib import Path

    import pandas as pd

    from .batch import (
        check_columns,
        check_finite,
        check_times,
        make_model,
        read_series,
        run_jobs,
        write_atomically,
    )
    from .metrics import daytime_mask
    from .model_selection import backtest

    spec = _spec(args)
    model = make_model(spec.model, spec.params)
    series = read_series(args.data, spec)

    def job(name, path, frame):
        check_columns(frame, path, spec.columns())
        check_times(frame.index, path, spec.time_column)
        check_finite(frame, path, spec.columns(), "backtests need every value")
        X = frame[spec.exog] if spec.exog else None
        mask = None
        if args.daytime:
            check_columns(frame, path, [args.daytime])
            mask = daytime_mask(frame[args.daytime])
        result = backtest({spec.model: model}, X, frame[spec.target], horizons=args.horizons,
                          train_size=args.train_size, refit=args.refit or False,
                          metrics=("rmse", "mae", "nrmse", "mbe"), mask=mask, progress=False)
        forecasts = result.forecasts[spec.model]
        forecasts.columns = [f"{spec.target}_forecast_h{h}" for h in forecasts.columns]
        forecasts.insert(0, spec.target, frame[spec.target])
        return (result.scores.assign(series=name, fit_seconds=result.fit_seconds.iloc[0]),
                forecasts.assign(series=name))

    jobs = {name: (path, frame) for name, (path, frame) in series.items()}
    outcomes = run_jobs(job, jobs, args.n_jobs, args.scheduler, not args.quiet, "backtest")
    good = [o for o in outcomes if o.ok]
    if good:
        out = Path(args.out)
        scores = pd.concat([o.result[0] for o in good], ignore_index=True)
        forecasts = pd.concat([o.result[1] for o in good])
        write_atomically(out / "metrics.csv", lambda path: scores.to_csv(path, index=False))
        write_atomically(out / "forecasts.csv", lambda path: forecasts.to_csv(path))
        print(scores.pivot_table(index=["series", "metric"], columns="horizon",
                                 values="value").round(4).to_string())
    return _report(outcomes)


def main(argv=None):
    """Entry point of the ``narxcast`` command."""
    from .batch import InputError

    parser = argparse.ArgumentParser(
        prog="narxcast", description="Forecast time series with NARX, Elman, LSTM and GRU "
        "networks, and compare them with TDNN, ARIMA and persistence.",
        epilog=COMMANDS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter

    fit = commands.add_parser(
        "fit", help="fit one model per series and save model files",
        formatter_class=raw,
        description="Fit a model to each series of DATA and save it with its metadata "
                    "(narxcast version, columns, time step, delays, training period) to "
                    "--out: a file for one series, a directory of <series>.joblib for many.",
        epilog="example:\n  narxcast fit data.csv --time-column timestamp --target ghi "
               "--exog temperature clearsky_ghi --model narx --out model.joblib\n\n"
               "a config file (--config):\n" + CONFIG_EXAMPLE)
    fit.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    fit.add_argument("--out", required=True, help="model file, or directory for many series")
    _data_arguments(fit)
    _model_arguments(fit)
    _run_arguments(fit)

    forecast = commands.add_parser(
        "forecast", help="update saved models with new measurements and forecast",
        formatter_class=raw,
        description="Load each model, update it with the rows of DATA measured after its "
                    "training data, and forecast --horizon steps after the last measurement. "
                    "Rows after it with an empty target and filled exogenous columns are the "
                    "future inputs (e.g. a weather forecast); a model that needs them and "
                    "does not get them for every step stops with an error. Writes a CSV: "
                    "time, series, step, <target>_forecast.",
        epilog="example:\n  narxcast forecast model.joblib latest.csv --horizon 24 "
               "--out forecasts.csv")
    forecast.add_argument("model_file", metavar="MODEL",
                          help="a model file, or a directory of <series>.joblib files")
    forecast.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    forecast.add_argument("--horizon", type=int, required=True, help="steps to forecast")
    forecast.add_argument("--out", required=True, help="the forecasts CSV")
    forecast.add_argument("--update-model", action="store_true",
                          help="save each updated model over its file (default: leave it)")
    _data_arguments(forecast, target=False)
    _run_arguments(forecast)

    back = commands.add_parser(
        "backtest", help="rolling-origin evaluation of a model on each series",
        formatter_class=raw,
        description="Fit on the first --train-size of each series, forecast every later row "
                    "--horizons steps ahead from its origin, and write metrics.csv (rmse, "
                    "mae, nrmse, mbe by series and horizon) and forecasts.csv to --out.")
    back.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    back.add_argument("--out", required=True, help="output directory")
    back.add_argument("--horizons", type=int, nargs="+", default=[1, 6, 24])
    back.add_argument("--train-size", type=float, default=0.75,
                      help="fraction (< 1) or rows of the first training period")
    back.add_argument("--refit", type=int, help="refit every REFIT steps (default: never)")
    back.add_argument("--daytime", metavar="CLEARSKY_COLUMN",
                      help="score only rows where this clear-sky column exceeds 10")
    _data_arguments(back)
    _model_arguments(back)
    _run_arguments(back)

    bench_parser = commands.add_parser(
        "bench", help="the solar/wind accuracy benchmark (every model, every site)",
        description="Run the solar and wind forecasting benchmark on the bundled data: the "
                    "NARX settings are searched on training data, then every model is "
                    "backtested at 1, 6 and 24 h; writes solar_wind.md, solar_wind.csv and "
                    "figures.")
    from .benchmark import add_arguments, run_from_arguments

    add_arguments(bench_parser)

    demo_parser = commands.add_parser(
        "demo", help="fit a NARX on bundled solar data and compare it with persistence",
        description="Fit a NARX network to hourly global horizontal irradiance at a bundled "
                    "site (first 75%% of the year), then print the RMSE of its 1 h and 24 h "
                    "forecasts on the rest against naive, seasonal and clear-sky persistence.")
    demo_parser.add_argument("--site", default="colorado-2017",
                             help="bundled site (see narxcast.datasets.list_datasets())")
    demo_parser.add_argument("--seed", type=int, default=0, help="random_state of the NARX")
    args = parser.parse_args(argv)
    try:
        if args.command == "fit":
            return _fit(args)
        if args.command == "forecast":
            if args.horizon < 1:
                raise InputError(f"--horizon must be >= 1. Got {args.horizon}.")
            return _forecast(args)
        if args.command == "backtest":
            return _backtest(args)
        if args.command == "bench":
            return run_from_arguments(bench_parser, args)
    except InputError as error:
        print(f"narxcast {args.command}: error: {error}", file=sys.stderr)
        return 2
    from .datasets import list_datasets

    if args.site not in list_datasets().index:
        demo_parser.error(f"--site must be one of {', '.join(list_datasets().index)}; "
                          f"got {args.site!r}")
    demo(args.site, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
