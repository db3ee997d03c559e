"""
A day-ahead irradiance forecast against persistence
===================================================

A NARX network forecasts hourly global horizontal irradiance (GHI) at a bundled site from
clear-sky irradiance, temperature and the hour of day, trained on January to September and
scored on October to December where the sun is up, against clear-sky persistence.
"""

import matplotlib.pyplot as plt

from narxcast import NARXRegressor, PersistenceRegressor
from narxcast.datasets import load_solar_wind
from narxcast.features import daytime_mask, solar_features
from narxcast.metrics import rmse

data = load_solar_wind("colorado-2017")
X, y = solar_features(data), data["ghi"]
X_train, y_train, X_test, y_test = X[:6570], y[:6570], X[6570:], y[6570:]
daytime = daytime_mask(X_test["clearsky_ghi"])

model = NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                      random_state=0).fit(X_train, y_train)
persistence = PersistenceRegressor(kind="clearsky").fit(X_train, y_train)

# %%
# Forecasts from every origin of the test quarter, 24 hours ahead: row ``t`` is the forecast
# of ``y_t`` made at ``t - 24``.
forecast = model.predict(X_test, y_test, horizon=24)
reference = persistence.predict(X_test, y_test, horizon=24)
print(f"NARX: daytime RMSE {rmse(y_test[daytime], forecast[daytime]):.1f} W/m2")
print(f"clear-sky persistence: {rmse(y_test[daytime], reference[daytime]):.1f} W/m2")

# %%
# A week of October.
week = slice(24 * 7, 24 * 14)
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(y_test.index[week], y_test.iloc[week], label="measured", color="black")
ax.plot(y_test.index[week], forecast.iloc[week], label="NARX, 24 h ahead")
ax.plot(y_test.index[week], reference.iloc[week], label="clear-sky persistence", ls="--")
ax.set_ylabel("GHI (W/m2)")
ax.legend(loc="upper right")
fig.autofmt_xdate()
