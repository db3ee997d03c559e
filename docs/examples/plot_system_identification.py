"""
Identifying a plant for simulation
==================================

Narendra and Parthasarathy's second plant, identified from a noisy record and judged as
system identification judges a model: by its free run over a record it has not seen, from
its inputs and its first ten measured outputs. The same NARX network is trained for
one-step prediction and for simulation (``focus``).
"""

import matplotlib.pyplot as plt

from narxcast import NARXRegressor
from narxcast.metrics import rmse
from narxcast.systems import make_system

inputs, outputs = make_system("narendra-2", 2000, random_state=0)
test_inputs, test_outputs = make_system("narendra-2", 300, noise=False, random_state=1)

runs = {}
for focus in ("prediction", "simulation"):
    model = NARXRegressor(focus=focus, random_state=0).fit(inputs[:, None], outputs)
    runs[focus] = model.simulate(test_inputs[:, None], test_outputs[:10])
    print(f"{focus}: simulation RMSE {rmse(test_outputs[10:], runs[focus][10:]):.3f}")

# %%
# The free runs beside the measured output.
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(test_outputs, color="black", label="measured")
for focus, simulated in runs.items():
    ax.plot(simulated, label=f"focus={focus!r}")
ax.set_xlabel("step")
ax.legend(loc="upper right")
