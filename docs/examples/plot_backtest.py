"""
Skill against persistence by lead time
======================================

A rolling-origin backtest of a NARX network and a direct multi-horizon TDNN on the last
quarter of a year of hourly wind speed, scored at every lead time from 1 to 24 hours against
the best persistence there (naive or seasonal), each model fitted once on the first three
quarters.
"""

import matplotlib.pyplot as plt

from narxcast import NARXRegressor, TDNNRegressor
from narxcast.datasets import load_solar_wind
from narxcast.features import solar_features
from narxcast.model_selection import backtest
from narxcast.plotting import plot_skill_by_horizon

data = load_solar_wind("greensboro-tmy3")
X, y = solar_features(data), data["wind_speed"]

result = backtest({"NARX": NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                                         random_state=0),
                   "TDNN": TDNNRegressor(max_horizon=24, random_state=0)},
                  X, y, horizons=range(1, 25), train_size=0.75, metrics=("rmse",),
                  progress=False)
skill = result.scores.query("metric == 'skill'").pivot(index="horizon", columns="estimator",
                                                     values="value")
print(skill.loc[[1, 6, 12, 24]].round(3))

# %%
# The skill (``1 - RMSE / RMSE of the best persistence``) at each lead time.
fig, ax = plt.subplots(figsize=(7, 3.5))
plot_skill_by_horizon(result.scores, ax=ax)
fig.tight_layout()
