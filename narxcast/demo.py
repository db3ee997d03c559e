"""``narxcast demo``: the README quickstart's NARX on a bundled site's hourly irradiance,
against naive, seasonal and clear-sky persistence, 1 h and 24 h ahead."""

import sys
import time
import warnings

import numpy as np
import pandas as pd

from .benchmark import TRAIN_FRACTION
from .features import DAYTIME_CLEARSKY, daytime_mask, solar_features


def demo(site="colorado-2017", seed=0, out=sys.stdout):
    """Fit a NARX to hourly GHI at ``site`` and compare it at 1 h and 24 h with the
    benchmark's persistence forecasts (:class:`~narxcast.PersistenceRegressor`); returns the
    table of daytime RMSE it prints."""
    from . import NARXRegressor, PersistenceRegressor
    from .datasets import load_solar_wind
    from .metrics import rmse

    data = load_solar_wind(site)
    X, y = solar_features(data), data["ghi"]
    n_train = int(len(y) * TRAIN_FRACTION)
    X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    print(f"narxcast demo: hourly GHI at {site}; train {y_train.index[0]:%Y-%m-%d} to "
          f"{y_train.index[-1]:%Y-%m-%d}, test {y_test.index[0]:%Y-%m-%d} to "
          f"{y_test.index[-1]:%Y-%m-%d}; RMSE in W/m2 over daytime hours (clear-sky GHI > "
          f"{DAYTIME_CLEARSKY:g}).", file=out)
    # the README quickstart's model: open loop, then closed loop over 24-step windows
    model = NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                          random_state=seed)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    forecasters = {"NARX (open, then closed loop)": model,
                   "naive persistence": PersistenceRegressor(kind="naive"),
                   "seasonal persistence (24 h)": PersistenceRegressor(kind="seasonal"),
                   "clear-sky persistence": PersistenceRegressor(kind="clearsky")}
    rows = {}
    for name, forecaster in forecasters.items():
        if forecaster is not model:
            forecaster.fit(X_train, y_train)
        rows[name] = {h: forecaster.predict(X_test, y_test, horizon=h).to_numpy()
                      for h in (1, 24)}
    truth = y_test.to_numpy()
    daytime = daytime_mask(X_test["clearsky_ghi"])
    # score every forecaster on the same rows: daytime, and every forecast formed
    scored = {h: daytime & np.all([np.isfinite(rows[name][h]) for name in rows], axis=0)
              for h in (1, 24)}
    table = pd.DataFrame({
        f"RMSE h={h}": [rmse(truth[scored[h]], rows[name][h][scored[h]]) for name in rows]
        for h in (1, 24)}, index=list(rows))
    print(table.round(1).to_string(), file=out)
    print(f"NARX trained in {seconds:.1f} s ({', '.join(model.stages_)}: {model.n_iter_} "
          "epochs; a first run also compiles the Numba kernels, which are cached).", file=out)
    for message in dict.fromkeys(str(w.message) for w in caught):  # not as library source
        print(f"Note: {message}", file=out)
    return table
