"""
Conformal intervals around a day-ahead irradiance forecast
==========================================================

:class:`~narxcast.intervals.ConformalRegressor` wraps a forecaster: it trains it on all but
the last fifth of the rows, keeps the errors of its forecasts of that fifth at every lead
time (relative to the clear-sky irradiance, and per clear-sky level), and turns them into
intervals. Here 80% and 95% intervals of 24-hour-ahead GHI forecasts, and how often they
hold the measurement.
"""

import matplotlib.pyplot as plt

from narxcast import NARXRegressor
from narxcast.compose import IrradianceRegressor
from narxcast.datasets import load_solar_wind
from narxcast.features import daytime_mask, solar_features
from narxcast.intervals import ConformalRegressor
from narxcast.metrics import coverage

data = load_solar_wind("colorado-2017")
X, y = solar_features(data), data["ghi"]
X_train, y_train, X_test, y_test = X[:6570], y[:6570], X[6570:], y[6570:]
daytime = daytime_mask(X_test["clearsky_ghi"])

model = ConformalRegressor(
    IrradianceRegressor(NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                                      random_state=0)),
    max_horizon=24, scale="clearsky_ghi", conditional="clearsky_ghi", window=30 * 24)
model.fit(X_train, y_train)

# %%
# Intervals of the forecasts made 24 hours ahead, from every origin of the test quarter.
bands = {level: model.predict_interval(X_test, y_test, horizon=24, coverage=level)
         for level in (0.8, 0.95)}
for level, bounds in bands.items():
    formed = daytime & bounds["lower"].notna().to_numpy()
    held = coverage(y_test[formed], bounds["lower"][formed], bounds["upper"][formed])
    print(f"{level:.0%} intervals hold {held:.1%} of the daytime measurements")

# %%
# A week of November.
week = slice(24 * 35, 24 * 42)
fig, ax = plt.subplots(figsize=(8, 3))
for level, bounds in sorted(bands.items(), reverse=True):
    ax.fill_between(y_test.index[week], bounds["lower"].iloc[week], bounds["upper"].iloc[week],
                    alpha=0.25 if level > 0.9 else 0.45, color="tab:blue",
                    label=f"{level:.0%} interval", linewidth=0)
ax.plot(y_test.index[week], y_test.iloc[week], color="black", linewidth=1, label="measured")
ax.set_ylabel("GHI (W/m2)")
ax.legend(loc="upper right")
fig.autofmt_xdate()
