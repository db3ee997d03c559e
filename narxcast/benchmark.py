"""The solar/wind accuracy benchmark (``narxcast bench``, ``benchmarks/solar_wind.py``), and
:func:`demo`, its one-site miniature (``narxcast demo``).

For every bundled site and both targets (global horizontal irradiance, wind speed), every
model is trained on the first 75% of the year and forecasts the rest from every origin, 1, 6
and 24 hours ahead (``backtest`` with ``refit=False``): NARX trained by Adam (alone, and as an
ensemble of five trained from different seeds), by Levenberg–Marquardt (alone, and as an
ensemble of five) and by a GA then LM; the README's NARX recipe and
:class:`~narxcast.model_selection.AutoForecaster` (what a user gets without an expert);
Elman, LSTM and GRU; a direct TDNN; seasonal ARIMA;
naive, seasonal and (GHI) clear-sky persistence; and two probabilistic entries, the Adam
ensemble and persistence (clear-sky for GHI, naive for wind) each in a
:class:`~narxcast.intervals.ConformalRegressor`, whose 80% and 95% intervals and CRPS are
scored. Every entry with a random seed runs from five seeds: its RMSE is their mean ± their
standard deviation. colorado-2017 is also scored
by an expanding-window chronological cross-validation (three refits, seed 0). GHI is scored
on daytime hours (clear-sky GHI > 10 W/m2). Skill is ``1 - RMSE / RMSE`` of the best
persistence at that site, target and horizon (of the mean RMSE over seeds).

The NARX settings (feedback delays, hidden size, clear-sky-index target, closed-loop training,
Adam's learning rate with or without early stopping) come from :func:`search`: a grid scored
on the *training* block of colorado-2017 only (its last fifth held out, each configuration by
its mean over three seeds), never on a test block.
"""

import argparse
import itertools
import time
import warnings
from pathlib import Path

import pandas as pd
from sklearn.base import clone

from .features import daytime_mask, solar_features

HORIZONS = (1, 6, 24)
TARGETS = ("ghi", "wind_speed")
TRAIN_FRACTION = 0.75
SEARCH_SITE = "colorado-2017"
INPUT_DELAYS = [0, 1]
UNITS = {"ghi": "W/m2", "wind_speed": "m/s"}
PERSISTENCE = ("naive persistence", "seasonal persistence", "clear-sky persistence")
PROBABILISTIC_REFERENCE = "persistence, conformal"  # the CRPS skill's reference
SEEDS = (0, 1, 2, 3, 4)  # every entry with a random_state runs from each: mean ± std
COVERAGES = (0.8, 0.95)  # the probabilistic entries' intervals, scored on the last quarter
# Adam's settings the search chooses between: the first benchmark's, and the library's defaults
RECIPES = {"lr 3e-3, early stopping": dict(learning_rate_init=3e-3, early_stopping=True),
           "defaults": dict(learning_rate_init=1e-3, early_stopping=False)}
SEARCH_SEEDS = (0, 1, 2)  # each configuration of the search: its mean over these


def exogenous(frame):
    """Inputs for both targets: clear-sky GHI (the sun's cycle, known ahead), temperature
    (here the measured value stands for a forecast of it) and the hour of day."""
    return solar_features(frame)


def _narx(config, target, **params):
    from . import NARXRegressor
    from .compose import ClearSkyIndexRegressor

    options = dict(input_delays=INPUT_DELAYS, feedback_delays=config["feedback_delays"],
                   hidden_layer_sizes=config["hidden_layer_sizes"], loop=config["loop"],
                   random_state=0, **RECIPES[config.get("recipe", "lr 3e-3, early stopping")])
    options.update(params)
    model = NARXRegressor(**options)
    if target == "ghi" and config["clearsky_index"]:
        return ClearSkyIndexRegressor(model)
    return model


def estimators(target, config, quick=False):
    """The benchmark's entries for ``target`` with the searched NARX ``config``."""
    from . import (
        ARIMARegressor,
        ElmanRegressor,
        GRURegressor,
        LSTMRegressor,
        NARXRegressor,
        PersistenceRegressor,
        TDNNRegressor,
    )
    from .auto import AutoForecaster
    from .compose import ClearSkyIndexRegressor

    loop = config["loop"]
    two_stages = not isinstance(loop, str)
    from .compose import EnsembleRegressor

    ensemble = EnsembleRegressor(_narx({**config, "clearsky_index": False}, target,
                                       solver="lm", max_iter=30), n_estimators=5)
    adam_ensemble = EnsembleRegressor(_narx(config, target), n_estimators=5)
    entries = {
        "NARX adam": _narx(config, target),
        "NARX adam ensemble of 5": adam_ensemble,
        "NARX lm": _narx(config, target, solver="lm", max_iter=30),
        "NARX lm ensemble of 5": (ClearSkyIndexRegressor(ensemble)
                                  if target == "ghi" and config["clearsky_index"] else ensemble),
        "NARX ga+lm": _narx(config, target, solver=("ga", "lm", "lm") if two_stages else
                            ("ga", "lm"), loop=("open", "open", "closed") if two_stages else
                            "open", population_size=50, n_generations=30, max_iter=30),
    }
    recurrent = dict(input_delays=INPUT_DELAYS, feedback_delays=config["feedback_delays"],
                     hidden_layer_sizes=(16,), loop=loop, learning_rate_init=3e-3,
                     early_stopping=True, random_state=0)
    for name, cls in (("Elman", ElmanRegressor), ("LSTM", LSTMRegressor),
                      ("GRU", GRURegressor)):
        model = cls(**recurrent)
        if target == "ghi" and config["clearsky_index"]:
            model = ClearSkyIndexRegressor(model)
        entries[name] = model
    # probabilistic: intervals calibrated on the last fifth of the training block, then on the
    # last 30 days verified at each origin, errors relative to clear-sky GHI for GHI; the
    # reference is persistence calibrated alike
    from .intervals import ConformalRegressor

    clearsky = "clearsky_ghi" if target == "ghi" else None
    calibration = dict(scale=clearsky, conditional=clearsky, window=30 * 24)
    persistence = PersistenceRegressor(kind="clearsky" if target == "ghi" else "naive")
    entries["NARX adam ensemble of 5, conformal"] = ConformalRegressor(adam_ensemble,
                                                                       **calibration)
    entries[PROBABILISTIC_REFERENCE] = ConformalRegressor(persistence, **calibration)
    entries["TDNN"] = TDNNRegressor(max_horizon=24, input_delays=1, target_delays=24,
                                    early_stopping=True, random_state=0)
    # what a user gets without an expert: the README's recipe, and the automatic builder
    entries["NARX README recipe"] = NARXRegressor(input_delays=[0, 1],
                                                  feedback_delays=[1, 2, 3, 24], random_state=0)
    entries["AutoForecaster"] = AutoForecaster(horizons=HORIZONS, random_state=0,
                                               progress=False)
    entries["ARIMA"] = ARIMARegressor(order=(2, 0, 1), seasonal_order=(1, 0, 0, 24))
    entries["naive persistence"] = PersistenceRegressor(kind="naive")
    entries["seasonal persistence"] = PersistenceRegressor(kind="seasonal", season=24)
    if target == "ghi":
        entries["clear-sky persistence"] = PersistenceRegressor(kind="clearsky")
    if quick:
        keep = ("NARX adam", "NARX lm", "GRU", "naive persistence", "seasonal persistence",
                "clear-sky persistence", "NARX lm ensemble of 5",
                "NARX adam ensemble of 5, conformal", PROBABILISTIC_REFERENCE)
        entries = {name: model for name, model in entries.items() if name in keep}
        for model in entries.values():
            for key in model.get_params():
                if key.split("__")[-1] == "max_iter":
                    model.set_params(**{key: 5})
                if key.split("__")[-1] == "n_estimators":
                    model.set_params(**{key: 2})
    return entries


def _seed_keys(model):
    """Every ``random_state`` parameter of ``model``, nested ones included (an ensemble draws
    its members' seeds from its own; a conformal wrapper's is its inner model's)."""
    return [key for key in model.get_params() if key.split("__")[-1] == "random_state"]


def _over_seeds(entries, seeds):
    """Each entry with a random_state once per seed (every random_state in it set to the
    seed), named ``"<name> [seed s]"``."""
    out = {}
    for name, model in entries.items():
        keys = _seed_keys(model)
        if not keys:
            out[name] = model
            continue
        for seed in seeds:
            out[f"{name} [seed {seed}]"] = clone(model).set_params(**dict.fromkeys(keys, seed))
    return out


def _mean_over_seeds(scores):
    """Tidy scores of entries run per seed folded into their mean, with an ``<metric>_std``
    row beside each metric (the seed-to-seed standard deviation)."""
    base = scores.model.str.replace(r" \[seed \d+\]$", "", regex=True)
    seeded = base != scores.model
    grouped = scores.assign(model=base).groupby(["model", "horizon", "metric"], sort=False)
    mean = grouped["value"].mean().reset_index()
    std = grouped["value"].std(ddof=1).reset_index()
    std = std[std.model.isin(base[seeded])].dropna(subset=["value"])
    std["metric"] = std["metric"] + "_std"
    return pd.concat([mean, std], ignore_index=True)


def _problem(site, target):
    from .datasets import load_solar_wind

    frame = load_solar_wind(site)
    X = exogenous(frame)
    y = frame[target]
    mask = daytime_mask(X["clearsky_ghi"]) if target == "ghi" else None
    return X, y, mask


def search(target, quick=False, progress=False):
    """Grid over the NARX settings, scored on the training block of ``SEARCH_SITE`` only.

    The first 80% of the training block trains, its last 20% validates; the score is the
    mean RMSE over 1, 6 and 24 h (daytime for GHI). Returns ``(table, best_config)``.
    """
    from .model_selection import backtest

    seeds = (0,) if quick else SEARCH_SEEDS
    X, y, mask = _problem(SEARCH_SITE, target)
    n_train = int(len(y) * TRAIN_FRACTION)
    X, y = X[:n_train], y[:n_train]
    mask = None if mask is None else mask[:n_train]
    grid = {"feedback_delays": [[1, 2, 3], [1, 2, 3, 24]],
            "hidden_layer_sizes": [(5,), (10,), (20,)],
            "loop": ["open", ("open", "closed")],
            "clearsky_index": [False, True] if target == "ghi" else [False],
            "recipe": list(RECIPES)}
    if quick:
        grid = {"feedback_delays": [[1, 2, 3, 24]], "hidden_layer_sizes": [(5,)],
                "loop": ["open"], "clearsky_index": [False], "recipe": list(RECIPES)[:1]}
    rows = []
    for values in itertools.product(*grid.values()):
        config = dict(zip(grid, values))
        model = _narx(config, target, max_iter=5 if quick else 200)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = backtest(_over_seeds({"narx": model}, seeds), X, y, horizons=HORIZONS,
                              train_size=0.8, mask=mask, reference=None, progress=progress)
        rmse = result.scores.query("metric == 'rmse'").groupby("horizon")["value"]
        mean, spread = rmse.mean(), rmse.std(ddof=1)
        rows.append({**{k: str(v) for k, v in config.items()},
                     **{f"rmse h={h}": mean[h] for h in HORIZONS},
                     **{f"std h={h}": spread[h] for h in HORIZONS},
                     "mean rmse": mean.mean(), "seconds": time.perf_counter() - started,
                     "_config": config})
    table = pd.DataFrame(rows).sort_values("mean rmse").reset_index(drop=True)
    best = table.loc[0, "_config"]
    return table.drop(columns="_config"), best


def evaluate(site, target, config, quick=False, progress=False, cv=None):
    """Backtest every entry at ``site`` for ``target``; returns ``(scores, forecasts)``.

    ``scores``: tidy rows (site, target, split, model, horizon, metric, value) with metrics
    rmse, mae, nrmse, skill (against the best persistence) and fit_seconds.
    """
    from .model_selection import backtest

    X, y, mask = _problem(site, target)
    seeds = (0,) if quick or cv is not None else SEEDS
    entries = estimators(target, config, quick=quick)
    if cv is not None:  # intervals are scored on the last quarter only
        entries = {name: model for name, model in entries.items()
                   if not hasattr(model, "predict_interval")}
    entries = _over_seeds(entries, seeds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = backtest(entries, X, y, horizons=HORIZONS, train_size=TRAIN_FRACTION,
                          cv=cv, metrics=("rmse", "mae", "nrmse"), mask=mask,
                          reference=None, coverage=COVERAGES if cv is None else (),
                          progress=progress)  # skill below, against the best persistence
    seconds = result.fit_seconds.rename("value").rename_axis("model").reset_index()
    seconds["metric"], seconds["horizon"] = "fit_seconds", 0
    scores = _mean_over_seeds(pd.concat([result.scores.rename(columns={"estimator": "model"}),
                                         seconds], ignore_index=True))
    forecasts = result.forecasts.rename(columns=lambda name: name.replace(" [seed 0]", ""),
                                        level=0)
    rmse = scores.query("metric == 'rmse'").pivot(index="horizon", columns="model",
                                                  values="value")
    persistence = rmse[[name for name in PERSISTENCE if name in rmse]]
    best_persistence = persistence.min(axis=1)
    skill = (1.0 - rmse.div(best_persistence, axis=0)).stack().rename("value").reset_index()
    skill["metric"] = "skill"
    skill["reference"] = skill["horizon"].map(persistence.idxmin(axis=1))
    crps = scores.query("metric == 'crps'").pivot(index="horizon", columns="model",
                                                  values="value")
    if PROBABILISTIC_REFERENCE in crps:
        crps_skill = (1.0 - crps.div(crps[PROBABILISTIC_REFERENCE], axis=0)).stack()
        crps_skill = crps_skill.rename("value").reset_index().assign(
            metric="crps_skill", reference=PROBABILISTIC_REFERENCE)
        skill = pd.concat([skill, crps_skill], ignore_index=True)
    scores = pd.concat([scores, skill], ignore_index=True)
    scores.insert(0, "split", "last quarter" if cv is None else "expanding-window CV")
    scores.insert(0, "target", target)
    scores.insert(0, "site", site)
    return scores, forecasts, y


def _markdown(frame):
    """A DataFrame as a Markdown table (no tabulate dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _summary(scores):
    """Per site, target and split: the models' RMSE and skill by horizon, and fit time."""
    blocks = []
    for (site, target, split), group in scores.groupby(["site", "target", "split"], sort=False):
        table = group[group.metric.isin(["rmse", "skill"])].pivot_table(
            index="model", columns=["metric", "horizon"], values="value", sort=False)
        out = pd.DataFrame(index=table.index)
        digits = 1 if target == "ghi" else 3
        spread = group[group.metric == "rmse_std"].pivot_table(
            index="model", columns="horizon", values="value", sort=False)
        for h in HORIZONS:
            out[f"RMSE {h} h"] = [
                f"{value:.{digits}f}" + (f" ± {spread.loc[model, h]:.{digits}f}"
                                         if model in spread.index else "")
                for model, value in table[("rmse", h)].items()]
        for h in HORIZONS:
            out[f"skill {h} h"] = table[("skill", h)].map("{:+.3f}".format)
        fit = group[group.metric == "fit_seconds"].set_index("model")["value"]
        out["fit s"] = fit.reindex(out.index).map("{:.1f}".format)
        unit = "W/m2, daytime" if target == "ghi" else "m/s"
        references = group[group.metric == "skill"].groupby("horizon")["reference"].first()
        blocks.append(f"### {site}, {target} ({unit}), {split}\n\n"
                      + _markdown(out.reset_index()) + "\n\nSkill: 1 - RMSE / RMSE of the "
                      "best persistence at each horizon: "
                      + ", ".join(f"{name} at {h} h" for h, name in references.items()) + ".")
    return "\n\n".join(blocks)


def _winners(scores):
    """The best entry per site, target, split and horizon, and whether it is a narxcast
    network."""
    networks = ("NARX", "Elman", "LSTM", "GRU")
    rmse = scores[scores.metric == "rmse"]
    best = rmse.loc[rmse.groupby(["site", "target", "split", "horizon"])["value"].idxmin()]
    best = best.assign(network=best.model.str.startswith(networks))
    skill = scores[scores.metric == "skill"].set_index(["site", "target", "split", "horizon",
                                                        "model"])["value"]
    best["skill"] = [skill[(r.site, r.target, r.split, r.horizon, r.model)]
                     for r in best.itertuples()]
    return best[["site", "target", "split", "horizon", "model", "value", "skill", "network"]]


def _probabilistic(scores):
    """Per site, target and horizon (last quarter): coverage of the nominal 80% and 95%
    intervals (daytime for GHI), the 80% interval's mean width, CRPS and CRPS skill against
    persistence calibrated alike."""
    part = scores[(scores.split == "last quarter")
                  & scores.metric.isin(["coverage_80", "coverage_95", "width_80", "crps",
                                        "crps_skill"])]
    table = part.pivot_table(index=["site", "target", "horizon", "model"], columns="metric",
                             values="value", sort=False).reset_index()
    out = table[["site", "target", "horizon", "model"]].copy()
    for c in ("80", "95"):
        out[f"coverage {c}%"] = table[f"coverage_{c}"].map("{:.1%}".format)
    out["width 80%"] = table["width_80"].map("{:.3g}".format)
    out["CRPS"] = table["crps"].map("{:.3g}".format)
    out["CRPS skill"] = table["crps_skill"].map("{:+.3f}".format)
    return out


def _clearsky_skill(scores):
    """Per site (last quarter): the 1 h GHI skill of each network entry against clear-sky
    persistence (mean RMSE over seeds), and the seed spread of the ensemble entry."""
    part = scores[(scores.target == "ghi") & (scores.split == "last quarter")
                  & (scores.horizon == 1)]
    rmse = part[part.metric == "rmse"].pivot(index="site", columns="model", values="value")
    spread = part[part.metric == "rmse_std"].pivot(index="site", columns="model",
                                                   values="value")
    networks = [m for m in rmse.columns if m.startswith(("NARX", "Elman", "LSTM", "GRU"))]
    out = pd.DataFrame(index=rmse.index)
    out["clear-sky persistence"] = rmse["clear-sky persistence"].map("{:.1f}".format)
    for model in networks:
        out[f"skill {model}"] = (1 - rmse[model] / rmse["clear-sky persistence"]).map(
            "{:+.3f}".format)
    ensemble = [m for m in networks if "ensemble" in m]
    for model in ensemble:
        if model in spread:
            out[f"seed spread {model}"] = (spread[model] / rmse[model]).map("{:.1%}".format)
    return out.reset_index()


def _figures(out_dir, forecasts_by_problem):
    """Forecasts against measurements for a test week (colorado-2017), and skill by horizon."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_response

    paths = []
    for (site, target), (forecasts, y, models) in forecasts_by_problem.items():
        figure, axes = plt.subplots(2, 2, figsize=(14, 7), sharex="col",
                                    gridspec_kw={"height_ratios": [3, 1]})
        start = int(len(y) * TRAIN_FRACTION) + 24 * 14
        week = slice(start, start + 24 * 7)
        for column, h in enumerate((1, 24)):
            plot_response(y.iloc[week], {m: forecasts[(m, h)].to_numpy()[week] for m in models},
                          ax=axes[:, column], title=f"{site}, {target}: {h} h ahead",
                          units=UNITS[target])
        figure.tight_layout()
        path = out_dir / f"solar_wind_{site}_{target}.png"
        figure.savefig(path, dpi=80)
        plt.close(figure)
        paths.append(path)
    return paths


def _skill_figure(out_dir, scores):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .plotting import line_styles, plot_skill_by_horizon

    problems = scores[scores.split == "last quarter"][["site", "target"]].drop_duplicates()
    shown = scores[(scores.split == "last quarter") & (scores.metric == "skill")
                   & ~scores.model.isin(["naive persistence", "seasonal persistence"])]
    models = sorted(set(shown.model))  # one look per model in every panel
    styles = dict(zip(models, line_styles(len(models))))
    targets = list(dict.fromkeys(problems.target))
    sites = list(dict.fromkeys(problems.site))
    legend_width = 3.0  # inches beside the panels for the one legend
    figure, axes = plt.subplots(len(targets), len(sites), figsize=(
        4 * len(sites) + legend_width, 3.5 * len(targets)), squeeze=False)
    for i, target in enumerate(targets):
        for j, site in enumerate(sites):
            part = scores[(scores.site == site) & (scores.target == target)
                          & (scores.split == "last quarter")
                          & ~scores.model.isin(["naive persistence", "seasonal persistence"])]
            ax = plot_skill_by_horizon(part.rename(columns={"model": "estimator"}),
                                       ax=axes[i, j], styles=styles)
            ax.set_title(f"{site}, {target}", fontsize="small")
            ax.set_xlabel("horizon (h)")
            ax.set_ylabel("skill vs best persistence" if j == 0 else "")
            ax.get_legend().remove()
    handles = [Line2D([], [], **styles[name]) for name in models]
    figure.tight_layout(rect=(0, 0, 1 - legend_width / figure.get_figwidth(), 1))
    figure.legend(handles, models, loc="center right", fontsize="small")  # beside, not over
    path = out_dir / "solar_wind_skill.png"
    figure.savefig(path, dpi=70)
    plt.close(figure)
    return path


def run(sites=None, targets=TARGETS, out_dir=None, quick=False, progress=True, echo=print):
    """Search, evaluate, and write ``solar_wind.md``, ``solar_wind.csv`` and figures to
    ``out_dir`` (when given). Returns the tidy scores."""
    from sklearn.model_selection import TimeSeriesSplit

    from .datasets import list_datasets

    sites = list(list_datasets().index) if sites is None else list(sites)
    started = time.perf_counter()
    searches, all_scores, figures = {}, [], {}
    for target in targets:
        table, config = search(target, quick=quick)
        searches[target] = (table, config)
        echo(f"search ({target}): best {config}")
        for site in sites:
            scores, forecasts, y = evaluate(site, target, config, quick=quick,
                                            progress=progress)
            all_scores.append(scores)
            if site == SEARCH_SITE:
                rmse = scores[(scores.metric == "rmse") & (scores.horizon == 24)]
                ranked = rmse.sort_values("value").model.tolist()
                shown = [m for m in ranked if not m.endswith("persistence")][:2]
                shown += [m for m in ranked if m.endswith("persistence")][:1]
                figures[(site, target)] = (forecasts, y, shown)
                if not quick:
                    n_test = len(y) // 8
                    cv_scores, _, _ = evaluate(site, target, config, progress=progress,
                                               cv=TimeSeriesSplit(3, test_size=n_test))
                    all_scores.append(cv_scores)
            echo(f"{site} {target}: done ({time.perf_counter() - started:.0f} s)")
    scores = pd.concat(all_scores, ignore_index=True)
    if out_dir is not None:
        _write(Path(out_dir), scores, searches, figures, time.perf_counter() - started, quick)
    return scores


def _write(out_dir, scores, searches, figures, seconds, quick):
    from . import __version__

    out_dir.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out_dir / "solar_wind.csv", index=False, float_format="%.6g")
    figure_paths = _figures(out_dir, figures) + [_skill_figure(out_dir, scores)]
    winners = _winners(scores)
    lines = ["# Solar and wind forecasting benchmark", "",
             f"narxcast {__version__}; {_machine()}; {seconds / 60:.1f} min in all"
             + (" (quick mode: a reduced run for tests, not results)." if quick else "."), "",
             __doc__.split("\n\n", 1)[1].strip(), "",
             "## The NARX settings, searched on training data only", ""]
    for target, (table, config) in searches.items():
        shown = table.copy()
        for column in shown.columns:
            if column.startswith(("rmse", "std")) or column in ("mean rmse", "seconds"):
                shown[column] = shown[column].map("{:.3g}".format)
        lines += [f"### {target} (validation: the last fifth of {SEARCH_SITE}'s training "
                  "block)", "", _markdown(shown), "", f"Chosen: `{config}`.", ""]
    shown = winners.assign(value=winners.value.map("{:.3g}".format),
                           skill=winners.skill.map("{:+.3f}".format))
    lines += ["## Best entry per site, target and horizon", "",
              _markdown(shown.rename(columns={"value": "RMSE"})), "",
              f"A narxcast network is the best entry in {int(winners.network.sum())} of "
              f"{len(winners)} cases.", "", "## GHI one hour ahead against clear-sky "
              "persistence", "", _markdown(_clearsky_skill(scores)), "",
              "## Probabilistic forecasts", "",
              "Intervals and quantiles from `ConformalRegressor`: errors of the model fitted on "
              "the first 80% of the training block, on its last 20%, then at each origin the "
              "last 30 days of errors verified by then (`window`), per lead (for GHI relative "
              "to clear-sky GHI, `scale`, and per clear-sky level, `conditional`); the "
              "reference is the best persistence for the "
              "target (clear-sky for GHI, naive for wind) calibrated alike. CRPS from the 5%, 10%, "
              "..., 95% quantiles; means over five seeds.", "",
              _markdown(_probabilistic(scores)), "",
              "## All scores", "", _summary(scores), "",
              "## Figures", ""]
    lines += [f"![{path.stem}]({path.name})" for path in figure_paths]
    (out_dir / "solar_wind.md").write_text("\n".join(lines) + "\n")


def cpu_name():
    """The processor's model name (Linux), else what the platform module knows."""
    import platform

    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def _machine():
    import os

    return f"{time.strftime('%Y-%m-%d')}, {cpu_name()}, {os.cpu_count()} logical CPUs"


def main(argv=None):
    """``narxcast bench`` / ``python benchmarks/solar_wind.py``."""
    parser = argparse.ArgumentParser(prog="narxcast bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run_from_arguments(parser.parse_args(argv))


def add_arguments(parser):
    from .datasets import list_datasets

    parser.add_argument("--sites", nargs="+", choices=list(list_datasets().index),
                        help="bundled sites (default: all)")
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS),
                        help="targets to forecast (default: all)")
    parser.add_argument("--out", default=None,
                        help="directory for solar_wind.md, solar_wind.csv and the figures "
                             "(default: a new directory narxcast-bench-<date>-<time> here; "
                             "an existing directory's files of those names are replaced)")
    parser.add_argument("--quick", action="store_true",
                        help="a reduced run (few models, 5 epochs): checks the pipeline only")


def run_from_arguments(args):
    out = Path(args.out) if args.out is not None else new_directory("narxcast-bench")
    run(sites=args.sites, targets=args.targets, out_dir=out, quick=args.quick,
        progress=not args.quick)
    print(f"narxcast bench: wrote solar_wind.md, solar_wind.csv and the figures to {out}")
    return 0


def new_directory(stem, parent="."):
    """A directory that did not exist, named ``stem-<date>-<time>`` in ``parent`` (with a
    counter when two runs start in the same second), created empty."""
    name = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    for k in range(1000):
        path = Path(parent) / (name if k == 0 else f"{name}-{k}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free directory name {name}-* in {parent}")
