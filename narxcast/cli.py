"""The ``narxcast`` command: parses its arguments and dispatches to :mod:`narxcast.batch`,
:mod:`narxcast.benchmark`, :mod:`narxcast.precompile` and the demo; the machinery lives
there, importable and tested without the command line."""

import argparse
import sys

COMMANDS_HELP = """\
Data are CSV or Parquet tables with a time column; one series per file, a directory of
files, or a long table with a series-id column (--series-column). Many series run in
parallel with --n-jobs (local processes) or on a Dask cluster with --scheduler ADDRESS.
Settings come from flags or a TOML file (--config, tables [data] and [model]); flags win.
Model files are zip archives of JSON and NumPy arrays that run no code when loaded; a
series id becomes a file name with every character other than letters, digits, - and _
written as %XX (so "../x" is %2E%2E%2Fx.narxcast, inside --out).
Exit status: 0 when every series succeeded; 1 when some series failed (each listed with its
reason on stderr, the others' outputs written); 2 for bad usage or input found before any
work (nothing written).
"""

CONFIG_EXAMPLE = """\
[data]
time_column = "time"          # the default
target = "ghi"
exog = ["temperature", "clearsky_ghi"]
features = ["hour"]           # optional: "solar" (see --features), "hour"
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
    if target:
        group.add_argument("--features", nargs="*", metavar="SET", choices=["solar", "hour"],
                           help="inputs derived from the times, added to --exog: 'hour' the "
                                "hour of day (sine and cosine), 'solar' the library's "
                                "solar_features (clear-sky GHI, temperature, hour of day: "
                                "columns clearsky_ghi and temperature) with the forecasts kept "
                                "physical (never negative, zero at night, at most 1.5x "
                                "clear-sky)")
    group.add_argument("--config", help="a TOML file with [data] and [model] tables")


def _model_arguments(parser):
    group = parser.add_argument_group("model")
    group.add_argument("--seed", type=int, default=0,
                       help="random_state of every model that has one, unless a --param or "
                            "the config sets it (default 0: identical runs give identical "
                            "models and files)")
    group.add_argument("--model", help="narx (default), elman, lstm, gru, tdnn, arima, "
                                       "persistence or auto")
    group.add_argument("--auto", action="store_true",
                       help="build the model automatically (--model auto: "
                            "narxcast.model_selection.AutoForecaster chooses the delays, size "
                            "and family on the last 20%% of the training rows)")
    group.add_argument("--focus", choices=["prediction", "simulation"],
                       help="what the model is for: forecasts at given lead times "
                            "(prediction, the default) or free-run simulation from measured "
                            "initial rows (simulation)")
    group.add_argument("--max-time", type=float, metavar="SECONDS",
                       help="with --auto: seconds the search may take per series")
    group.add_argument("--ensemble", type=int, metavar="N",
                       help="average N copies of the model trained from different seeds "
                            "(narxcast.compose.EnsembleRegressor; seeds drawn from --seed)")
    group.add_argument("--calibrate", type=int, metavar="STEPS",
                       help="calibrate prediction intervals up to STEPS ahead on the last "
                            "20%% of the training rows (narxcast.intervals.ConformalRegressor), "
                            "for `forecast --coverage`")
    group.add_argument("--global", dest="global_model", action="store_true",
                       help="one model trained over every series (each standardised by its "
                            "own statistics; narxcast.compose.GlobalRegressor) instead of "
                            "one per series: for many series with short histories; saved "
                            "to one --out file, and `forecast` forecasts each series from "
                            "the measured rows its data give")
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


def _train_size(text):
    """``--train-size``: an integer is rows, anything else a fraction."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be rows (an integer) or a fraction. Got "
                                             f"{text!r}.") from None


def _series_arguments(parser, run, model=True):
    """The option groups of a command over series (data; model, unless it reads model
    files; execution) and the function it runs."""
    _data_arguments(parser, target=model)
    if model:
        _model_arguments(parser)
    _run_arguments(parser)
    parser.set_defaults(run=run)


def _spec(args, need_target=True):
    """The data/model settings from the TOML config, overridden by flags."""
    from .specs import load_spec

    params = list(getattr(args, "param", []))
    if getattr(args, "focus", None):
        params.append(f"focus={args.focus}")
    if getattr(args, "max_time", None) is not None:
        params.append(f"max_time={args.max_time!r}")
    model = "auto" if getattr(args, "auto", False) else getattr(args, "model", None)
    if model == "auto" and getattr(args, "quiet", False):
        params.append("progress=False")
    return load_spec(config=getattr(args, "config", None), time_column=args.time_column,
                     target=getattr(args, "target", None), exog=getattr(args, "exog", None),
                     series_column=args.series_column, model=model,
                     params=params, need_target=need_target,
                     seed=getattr(args, "seed", None), features=getattr(args, "features", None),
                     ensemble=getattr(args, "ensemble", None),
                     calibrate=getattr(args, "calibrate", None),
                     global_model=getattr(args, "global_model", None))


def _report(outcomes, out=None):
    """Print the run's summary (failures to stderr); the exit status: 0 if every series
    succeeded, 130 if Ctrl-C stopped the run (as a shell reports SIGINT), 1 otherwise."""
    from .jobs import summary

    out = sys.stdout if out is None else out  # (the current one: tests replace it)
    table = summary(outcomes)
    failed = table[table.status != "ok"]
    print(table.drop(columns=["error", "notes"]).to_string(index=False), file=out)
    noted = table[table.notes != ""]
    for row in noted.itertuples():
        print(f"note, {row.series}: {row.notes}", file=out)
    if not failed.empty:
        print(f"{len(failed)} of {len(table)} series failed or were interrupted:",
              file=sys.stderr)
        for row in failed.itertuples():
            print(f"  {row.series}: {row.error}", file=sys.stderr)
    if (table.status == "INTERRUPTED").any():
        return 130
    return 0 if failed.empty else 1


def _seeded(spec):
    """The line that says how the run's models were seeded."""
    if "random_state" in spec.params:
        print(f"models seeded with random_state={spec.params['random_state']!r} (--seed): the "
              "same data and settings give the same results")


def _fit(args):
    from .batch import fit_command
    from .batch_global import fit_global_command

    spec = _spec(args)
    if spec.global_model:
        outcomes = fit_global_command(args.data, args.out, spec, args.scheduler,
                                      not args.quiet)
    else:
        outcomes = fit_command(args.data, args.out, spec, args.n_jobs, args.scheduler,
                               not args.quiet)
    code = _report(outcomes)
    _seeded(spec)
    return code


def _forecast(args):
    from .batch import forecast_command
    from .batch_global import forecast_global_command, global_model_file
    from .tables import InputError

    model_file = global_model_file(args.model_file)
    if model_file is not None:
        if args.update_model or args.coverage:
            raise InputError(f"{args.model_file}: a global model keeps no history to update "
                             "and has no intervals: not with --update-model or --coverage.")
        return _report(forecast_global_command(
            model_file, args.model_file, args.data, args.out, args.horizon,
            series_column=args.series_column, time_column=args.time_column,
            n_jobs=args.n_jobs, scheduler=args.scheduler, progress=not args.quiet))
    return _report(forecast_command(
        args.model_file, args.data, args.out, args.horizon, series_column=args.series_column,
        time_column=args.time_column, update_model=args.update_model, n_jobs=args.n_jobs,
        scheduler=args.scheduler, progress=not args.quiet, coverage=args.coverage))


def _backtest(args):
    from .batch import backtest_command
    from .batch_global import backtest_global_command

    spec = _spec(args)
    if spec.global_model:
        outcomes, scores = backtest_global_command(
            args.data, args.out, spec, horizons=args.horizons, train_size=args.train_size,
            refit=args.refit or False, daytime=args.daytime, scheduler=args.scheduler,
            progress=not args.quiet, coverage=args.coverage)
    else:
        outcomes, scores = backtest_command(
            args.data, args.out, spec, horizons=args.horizons, train_size=args.train_size,
            refit=args.refit or False, daytime=args.daytime, n_jobs=args.n_jobs,
            scheduler=args.scheduler, progress=not args.quiet, coverage=args.coverage)
    if scores is not None:
        print(scores.pivot_table(index=["series", "metric"], columns="horizon",
                                 values="value").round(4).to_string())
        print(_skill_references(scores))
    code = _report(outcomes)
    _seeded(spec)
    return code


def _skill_references(scores):
    """The line that says what each series' skill is measured against."""
    skill = scores[scores.metric == "skill"]
    parts = []
    for series, rows in skill.groupby("series", sort=False):
        by_horizon = ", ".join(f"{r.reference} at {r.horizon}" for r in rows.itertuples())
        parts.append(f"{series}: {by_horizon}")
    return ("skill = 1 - RMSE / RMSE of the best persistence at each horizon (metrics.csv, "
            "column reference): " + "; ".join(parts))


def _fill(args):
    from .batch_fill import fill_command

    spec = _spec(args)
    code = _report(fill_command(args.data, args.out, spec, args.n_jobs, args.scheduler,
                                not args.quiet, coverage=args.coverage))
    _seeded(spec)
    return code


def _bench(args):
    from .benchmark import run_from_arguments

    return run_from_arguments(args)


def _demo(args):
    from .datasets import list_datasets
    from .demo import demo
    from .tables import InputError

    if args.site not in list_datasets().index:
        raise InputError(f"--site must be one of {', '.join(list_datasets().index)}; got "
                         f"{args.site!r}")

    demo(args.site, args.seed)
    return 0


def _compile(args):
    from .kernels.compilation import cache_root
    from .precompile import precompile
    from .tables import InputError

    if args.n_jobs == 0:
        raise InputError("--n-jobs must be a nonzero integer (-1: one process per core).")
    where = cache_root() or "Numba's own cache folders (no writable user cache directory)"
    for family, seconds in precompile(args.families, n_jobs=args.n_jobs).items():
        print(f"{family}: {seconds:.1f} s")
    print(f"compiled kernels kept in {where}")
    return 0


def build_parser():
    """The ``narxcast`` argument parser, every subcommand with its options."""
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
                    "--out: a file for one series, a directory of <series>.narxcast for many.",
        epilog="example (a bundled year as CSV: see the README's command line):\n"
               "  narxcast fit data.csv --target ghi --features solar "
               "--param 'feedback_delays=[1, 2, 3, 24]' --out model.narxcast\n\n"
               "a config file (--config):\n" + CONFIG_EXAMPLE)
    fit.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    fit.add_argument("--out", required=True, help="model file, or directory for many series")
    _series_arguments(fit, _fit)

    forecast = commands.add_parser(
        "forecast", help="update saved models with new measurements and forecast",
        formatter_class=raw,
        description="Load each model, update it with the rows of DATA measured after its "
                    "training data, and forecast --horizon steps after the last measurement. "
                    "Rows after it with an empty target and filled exogenous columns are the "
                    "future inputs (e.g. a weather forecast); a model that needs them and "
                    "does not get them for every step stops with an error. Writes a CSV: "
                    "time, series, step, <target>_forecast.",
        epilog="example:\n  narxcast forecast model.narxcast latest.csv --horizon 24 "
               "--out forecasts.csv")
    forecast.add_argument("model_file", metavar="MODEL",
                          help="a model file, or a directory of <series>.narxcast files")
    forecast.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    forecast.add_argument("--horizon", type=int, required=True, help="steps to forecast")
    forecast.add_argument("--out", required=True, help="the forecasts CSV")
    forecast.add_argument("--coverage", type=float, nargs="+", default=[], metavar="C",
                          help="also write the bounds of central prediction intervals of these "
                               "coverages (e.g. 0.8 0.95: columns <target>_lower_80, "
                               "<target>_upper_80, ...); the model must be fitted with "
                               "--calibrate")
    forecast.add_argument("--update-model", action="store_true",
                          help="save each updated model over its file (default: leave it)")
    _series_arguments(forecast, _forecast, model=False)

    back = commands.add_parser(
        "backtest", help="rolling-origin evaluation of a model on each series",
        formatter_class=raw,
        description="Fit on the first --train-size of each series, forecast every later row "
                    "--horizons steps ahead from its origin, and write metrics.csv (rmse, "
                    "mae, nrmse, mbe and the skill against the best persistence, whose name "
                    "is in its reference column, by series and horizon) and forecasts.csv to "
                    "--out.",
        epilog="example (a bundled year as CSV: see the README's command line):\n"
               "  narxcast backtest data.csv --target ghi --features solar "
               "--param 'feedback_delays=[1, 2, 3, 24]' --horizons 1 6 24 "
               "--daytime clearsky_ghi --out results/")
    back.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    back.add_argument("--out", required=True, help="output directory")
    back.add_argument("--horizons", type=int, nargs="+", default=[1, 6, 24],
                      help="lead times to score, in steps (default 1 6 24)")
    back.add_argument("--train-size", type=_train_size, default=0.75,
                      help="rows (an integer, e.g. 300) or fraction (e.g. 0.75) of the first "
                           "training period (default 0.75)")
    back.add_argument("--refit", type=int, help="refit every REFIT steps (default: never)")
    back.add_argument("--coverage", type=float, nargs="+", default=[], metavar="C",
                      help="also score central prediction intervals of these coverages "
                           "(coverage, width, interval score, CRPS), calibrated on the last "
                           "20%% of each training period")
    back.add_argument("--daytime", metavar="CLEARSKY_COLUMN",
                      help="score only rows where this clear-sky column exceeds 10")
    _series_arguments(back, _backtest)

    fill = commands.add_parser(
        "fill", help="fill the gaps of each series with a bidirectional recurrent network",
        formatter_class=raw,
        description="Fit a narxcast.impute.RecurrentImputer to each series of DATA (its "
                    "observed rows, hiding blocks of them) and fill the gaps of --target: "
                    "missing values, and missing rows (the times are put on their regular "
                    "grid first). Writes each table with the target filled and a column "
                    "<target>_filled (1 where a value was filled): to a CSV file for a file "
                    "or a long table, a directory of <series>.csv for a directory. The other "
                    "columns are the network's inputs (known through the gap); their own "
                    "gaps are interpolated before they are read, and written as they were. "
                    "--param sets the imputer's parameters (e.g. --param max_iter=500, "
                    "--param cell=lstm).",
        epilog="example:\n  narxcast fill data.csv --target ghi --features solar "
               "--out filled.csv")
    fill.add_argument("data", help="a CSV/Parquet file, or a directory of them")
    fill.add_argument("--out", required=True, help="the filled CSV, or a directory for a "
                                                   "directory of files")
    fill.add_argument("--coverage", type=float, nargs="+", default=[], metavar="C",
                      help="also write central intervals of these coverages for the filled "
                           "values (columns <target>_lower_<100 C>, <target>_upper_<100 C>), "
                           "calibrated on the last 10%% of the rows, left out of training")
    _data_arguments(fill)
    group = fill.add_argument_group("model")
    group.add_argument("--seed", type=int, default=0,
                       help="random_state of the imputer (default 0)")
    group.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="an imputer parameter, a Python literal; repeatable")
    _run_arguments(fill)
    fill.set_defaults(run=_fill)

    bench_parser = commands.add_parser(
        "bench", help="the solar/wind accuracy benchmark (every model, every site)",
        description="Run the solar and wind forecasting benchmark on the bundled data: the "
                    "NARX settings are searched on training data, then every model is "
                    "backtested at 1, 6 and 24 h; writes solar_wind.md, solar_wind.csv and "
                    "figures.")
    from .benchmark import add_arguments

    add_arguments(bench_parser)
    bench_parser.set_defaults(run=_bench)

    demo_parser = commands.add_parser(
        "demo", help="fit a NARX on bundled solar data and compare it with persistence",
        description="Fit a NARX network to hourly global horizontal irradiance at a bundled "
                    "site (first 75% of the year), then print the RMSE of its 1 h and 24 h "
                    "forecasts on the rest against naive, seasonal and clear-sky persistence.")
    demo_parser.add_argument("--site", default="colorado-2017",
                             help="bundled site (see narxcast.datasets.list_datasets())")
    demo_parser.add_argument("--seed", type=int, default=0, help="random_state of the NARX")
    demo_parser.set_defaults(run=_demo)

    from .precompile import FAMILIES

    compile_parser = commands.add_parser(
        "compile", help="compile the kernels ahead of their first use",
        description="Compile the kernels that the estimators' defaults use into the kernel "
                    "cache (a fresh install's first recurrent fit otherwise waits 15-20 s "
                    "for it): when building a container image, or before a cluster's workers "
                    "start on a shared cache. Runs small fits of each family in processes "
                    "side by side.")
    compile_parser.add_argument("--families", nargs="+", choices=sorted(FAMILIES),
                                default=list(FAMILIES), metavar="FAMILY",
                                help=f"some of {', '.join(sorted(FAMILIES))} (default: all)")
    compile_parser.add_argument("--n-jobs", type=int, default=-1,
                                help="processes side by side (default -1: one per core)")
    compile_parser.set_defaults(run=_compile)
    return parser


def main(argv=None):
    """Entry point of the ``narxcast`` command."""
    from .tables import InputError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except InputError as error:
        print(f"narxcast {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # mid-run: a full disk, a vanished folder; nothing half-written
        print(f"narxcast {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
