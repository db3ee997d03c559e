"""Evolution and Levenberg–Marquardt: population-kernel speed, GA/CMA-ES fits, LM against Adam.

Run: ``python benchmarks/bench_population.py`` (writes ``benchmarks/results/bench_population.md``).

1. One generation: the closed-loop (free-run) loss of 100 NARX parameter vectors (one
   exogenous input at delays 0 and 1 and feedback delays 1 and 2, i.e. 4 regressors; 10 tanh
   neurons) over the 8760 hourly steps of colorado-2017 (temperature -> GHI), against a NumPy
   reference vectorised over the population (a loop over time, ``einsum`` and ``np.tanh`` per
   step; best of 10 calls alternating with the kernel's), in the same run, and against what
   DEAP's own loop would do: the single-model simulation kernel called for one individual at
   a time; then the recurrent models at 8 units (against the one-at-a-time calls only).
2. Full fits: GA and CMA-ES with population 100 and 50 generations on that problem; a
   generation all in (the fit's time over its generations) against the NumPy reference's
   evaluation of one generation, in the same run.
3. Levenberg–Marquardt against Adam on the Narendra–Parthasarathy plant (1000 samples, noise
   0.02, NARX 1-1-10): LM runs to convergence; Adam runs ``k`` epochs for growing ``k`` (same
   seed, ``tol=0``, so each run is the start of the next) until its one-step training MSE
   reaches LM's. Reported: iterations / epochs and wall time.
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import best_of  # noqa: E402


def numpy_population_loss(model, thetas_t, inputs_t, targets_t, first):
    """Reference: the same free-run loss in NumPy, vectorised over the population."""
    layout = model.layout_
    sizes, weight_offsets, bias_offsets = layout.sizes, layout.weight_offsets, layout.bias_offsets
    input_delays, feedback_delays = layout.input_delays, layout.target_delays
    n_individuals, n = thetas_t.shape[1], targets_t.shape[1]
    w1 = thetas_t[weight_offsets[0]:bias_offsets[0]].reshape(sizes[0], sizes[1], -1)
    b1 = thetas_t[bias_offsets[0]:bias_offsets[0] + sizes[1]]
    w2 = thetas_t[weight_offsets[1]:bias_offsets[1]].reshape(sizes[1], -1)
    b2 = thetas_t[bias_offsets[1]]
    outputs = np.empty((n, n_individuals))
    regressors = np.empty((sizes[0], n_individuals))
    sse = np.zeros(n_individuals)
    n_inputs = input_delays.size
    for t in range(first, n):
        regressors[:n_inputs] = inputs_t[0, t - input_delays][:, None]
        for row, k in enumerate(feedback_delays):
            regressors[n_inputs + row] = outputs[t - k] if t - k >= first else targets_t[0, t - k]
        hidden = np.tanh(np.einsum("ihp,ip->hp", w1, regressors) + b1)
        outputs[t] = np.einsum("hp,hp->p", w2, hidden) + b2
        sse += (outputs[t] - targets_t[0, t]) ** 2
    return 0.5 * sse / (n - first)


def _generation(estimator, X, y, rng):
    """One run of the generation measurements for ``estimator``: seconds of the kernel (best
    of 15; with the NumPy reference alternating, best of 10 rounds), of its first call, of
    the NumPy reference (NARX; else None) and of the single-model kernel one individual at a
    time."""
    from narxcast import NARXRegressor
    from narxcast.kernels import population

    hidden = (10,) if estimator is NARXRegressor else (8,)
    delays = dict(input_delays=1, feedback_delays=2) if estimator is NARXRegressor else dict(
        input_delays=1, feedback_delays=())
    model = estimator(hidden_layer_sizes=hidden, max_iter=1, **delays).fit(X, y)
    inputs_t, targets_t = model._scaled_t(X, y[:, None])
    thetas_t = np.ascontiguousarray(
        np.stack([model._initial_theta(rng) for _ in range(100)], axis=1))
    loss = model._population_problem(inputs_t, targets_t, model.max_delay_, True)
    losses = np.empty(100)
    chunk = population.chunk_size(100)
    started = time.perf_counter()
    loss(thetas_t, chunk, losses)
    first = time.perf_counter() - started
    ours = best_of(lambda: loss(thetas_t, chunk, losses), repeats=15)
    origin = np.array([model.max_delay_ - 1])
    steps = targets_t.shape[1] - model.max_delay_
    extra = {}
    if estimator is not NARXRegressor:  # the zero state at the origin, no state pass
        extra["initial"] = np.zeros((1, model.layout_.state_width, 1))
    one_by_one = best_of(lambda: [model._forecast_theta(
        np.ascontiguousarray(theta), inputs_t, targets_t, origin, steps, **extra)
        for theta in thetas_t.T], repeats=2)
    reference = None
    if estimator is NARXRegressor:
        expected = numpy_population_loss(model, thetas_t, inputs_t, targets_t,
                                         model.max_delay_)
        np.testing.assert_allclose(losses, expected, rtol=1e-10)
        # rounds alternating reference and kernel, so that both see the same machine
        reference = np.inf
        for _ in range(10):
            reference = min(reference, best_of(lambda: numpy_population_loss(
                model, thetas_t, inputs_t, targets_t, model.max_delay_), repeats=1))
            ours = min(ours, best_of(lambda: loss(thetas_t, chunk, losses), repeats=1))
    return dict(ours=ours, first=first, reference=reference, one_by_one=one_by_one)


def population_section(lines):
    from _machine import RUNS, over_runs, ratio_span, span

    from narxcast import ElmanRegressor, GRURegressor, LSTMRegressor, NARXRegressor
    from narxcast.datasets import load_solar_wind

    data = load_solar_wind("colorado-2017")
    X, y = data[["temperature"]].to_numpy(), data["ghi"].to_numpy()
    rng = np.random.default_rng(0)
    lines += ["## One generation: free-run loss of 100 individuals over 8760 steps", "",
              f"Each figure: its range over {RUNS} runs, ratios within a run (the first call "
              "compiles in the first run only).", "",
              "| model | narxcast | first call (compiles if not cached) | NumPy reference | ratio "
              "| one individual at a time | ratio |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, estimator in (("NARX 4-10-1", NARXRegressor), ("Elman 8", ElmanRegressor),
                            ("LSTM 8", LSTMRegressor), ("GRU 8", GRURegressor)):
        runs = over_runs(lambda: _generation(estimator, X, y, rng))  # noqa: B023
        reference = ratio = "-"
        if runs["reference"][0] is not None:
            reference = span(runs["reference"], 1e3, 0, " ms")
            ratio = ratio_span(runs["reference"], runs["ours"])
        lines.append(f"| {name} | {span(runs['ours'], 1e3, unit=' ms')} | "
                     f"{runs['first'][0]:.1f} s | {reference} | {ratio} | "
                     f"{span(runs['one_by_one'], 1e3, 0, ' ms')} | "
                     f"{ratio_span(runs['one_by_one'], runs['ours'])} |")
        print(lines[-1], flush=True)

    lines += ["", "## Full evolution fits (population 100, 50 generations, NARX 4-10-1)", "",
              "A generation all in: the fit's time (best of 2) divided by its 50 generations "
              "(selection, variation, evaluation, bookkeeping, and the first population's "
              "evaluation), against the NumPy reference's evaluation of one generation "
              "(best of 3), both in the same run.", "",
              "| solver | fit time | a generation | NumPy reference | ratio | best free-run loss "
              "(scaled) | first generation's best |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    reference_model = NARXRegressor(input_delays=1, feedback_delays=2, hidden_layer_sizes=(10,),
                                    max_iter=1).fit(X, y)
    inputs_t, targets_t = reference_model._scaled_t(X, y[:, None])
    thetas_t = np.ascontiguousarray(
        np.stack([reference_model._initial_theta(rng) for _ in range(100)], axis=1))

    def fits():
        out = {"reference": best_of(lambda: numpy_population_loss(
            reference_model, thetas_t, inputs_t, targets_t, reference_model.max_delay_),
            repeats=3)}
        for solver in ("ga", "cmaes"):
            model = NARXRegressor(input_delays=1, feedback_delays=2, hidden_layer_sizes=(10,),
                                  solver=solver, random_state=0)
            out[solver] = best_of(lambda: model.fit(X, y), repeats=2)  # noqa: B023
            out[f"{solver} curve"] = (model.fitness_curve_[-1], model.fitness_curve_[0])
        return out

    runs = over_runs(fits)
    for solver in ("ga", "cmaes"):
        generation = [seconds / 50 for seconds in runs[solver]]
        last, first = runs[f"{solver} curve"]
        lines.append(f"| {solver} | {span(runs[solver], digits=2, unit=' s')} | "
                     f"{span(generation, 1e3, unit=' ms')} | "
                     f"{span(runs['reference'], 1e3, 0, ' ms')} | "
                     f"{ratio_span(runs['reference'], generation)} | {last[0]:.4f} | "
                     f"{first[0]:.4f} |")
        print(lines[-1], flush=True)


def lm_section(lines):
    from narxcast import NARXRegressor

    sys.path.insert(0, str(HERE.parent / "tests"))
    from conftest import narendra_plant

    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 1000)
    y = narendra_plant(u, noise=0.02, rng=rng)
    X = u[:, None]
    options = dict(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(10,),
                   random_state=0)

    def training_mse(model):
        return float(np.nanmean((model.predict(X, y, horizon=1) - y) ** 2))

    lm = NARXRegressor(solver="lm", max_iter=200, **options)
    lm_seconds = best_of(lambda: lm.fit(X, y), repeats=3)
    target = training_mse(lm)
    lines += ["", "## Levenberg-Marquardt against Adam (Narendra plant, noise 0.02)", "",
              f"LM: {lm.n_iter_} iterations, {lm_seconds:.2f} s, one-step training MSE "
              f"{target:.2e} (noise variance 4.0e-04), stopped by {lm.stopped_by_}.", "",
              "| Adam epochs | fit time | one-step training MSE | reached LM's |",
              "| ---: | ---: | ---: | --- |"]
    epochs = 25
    while epochs <= 6400:
        adam = NARXRegressor(solver="adam", learning_rate_init=0.01, max_iter=epochs, tol=0.0,
                             n_iter_no_change=10**6, **options)
        seconds = best_of(lambda: adam.fit(X, y), repeats=1)  # noqa: B023
        mse = training_mse(adam)
        reached = "yes" if mse <= target else "no"
        lines.append(f"| {epochs} | {seconds:.2f} s | {mse:.2e} | {reached} |")
        print(lines[-1], flush=True)
        if mse <= target:
            break
        epochs *= 2


def main():
    warnings.simplefilter("ignore")
    from _machine import describe

    lines = ["# bench_population: evolution kernels and Levenberg-Marquardt", "",
             f"Machine: {describe()}.", ""]
    population_section(lines)
    lm_section(lines)
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "results" / "bench_population.md").write_text(report)


if __name__ == "__main__":
    main()
