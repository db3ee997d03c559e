"""The members of :class:`~narxcast.auto.AutoForecaster`'s ensemble: which of the fits the
validation chose are trained on every row, how, and which refits are kept."""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import clone

from ._rows import groups_keyword as _groups_keyword

RUNAWAY = 1.5  # a forecasting refit this many times worse in-sample than its validated fit


class Member(NamedTuple):
    """A member to train on every row, and the fit of the search it comes from."""

    candidate: str
    seed: int | None
    error: float  # its own validation error (NaN: never validated)
    model: Any  # the estimator to train on every row
    weight: float
    source: int  # its fit's index in the search's library
    rows: str = "all"  # "all": trained on every row; "head": the validated fit itself


def rmse(outputs, targets):
    return np.inf if outputs is None else float(np.sqrt(np.mean((outputs - targets) ** 2)))


def refit_plan(focus, fits, chosen, counts, truth, rng):
    """The members (:class:`Member`), from the library ``fits`` (``(candidate, seed, model,
    tail outputs)`` each) and the selection's ``counts``. For simulation the chosen fits
    themselves, to continue on every row; for prediction each chosen network as validated,
    on the head rows (``rows="head"``), at half its weight, and refitted on every row twice,
    from its seed and from one more drawn from ``rng`` (its own validation error NaN: never
    validated), at a quarter each: a refit learns the latest rows but is a new draw that
    lands elsewhere than the validated fit, and the mean of the three lands nearer the
    validated quality than the refits' alone (``benchmarks/NOTES.md``)."""
    plan = []
    for i in chosen:
        name, seed, model, outputs = fits[i]
        error, weight = rmse(outputs, truth), float(counts[i])
        if focus == "simulation" or seed is None:
            plan.append(Member(name, seed, error, model, weight, i))
            continue
        other = int(rng.randint(np.iinfo(np.int32).max))
        plan += [Member(name, seed, error, model, weight / 2, i, "head"),
                 Member(name, seed, error, model, weight / 4, i),
                 Member(name, other, np.nan, clone(model).set_params(random_state=other),
                        weight / 4, i)]
    return plan


def train_on_every_row(model, X, y, ids, focus):
    """A member chosen on the validation tail, trained on every row. For simulation a
    network continues from the parameters it was chosen with (``warm_start``), so that the
    closed loop the validation scored is kept; for prediction it is refitted from its seed
    (:func:`refit_plan` adds a second), so that it learns the latest rows, those nearest the
    forecasts (a forecaster continued from its head fit stops within a few epochs, having
    learnt little from them: ``benchmarks/NOTES.md``). A model without parameters to
    continue (ARIMA) is refitted."""
    if focus == "prediction" or "warm_start" not in model.get_params():
        return clone(model).fit(X, y, **_groups_keyword(ids))
    member = copy.deepcopy(model).set_params(warm_start=True)
    return member.fit(X, y, **_groups_keyword(ids)).set_params(warm_start=False)


def without_runaways(auto, plan, members, fits, inputs, targets, tails, first):
    """With ``focus="prediction"``: each refitted network's forecasts of its own training
    rows at ``auto.horizons``, against those its validated fit made of the head rows it was
    fitted on; a refit more than :data:`RUNAWAY` times worse (a refit is a new draw that no
    validation saw, and one that runs away does so on its training rows too:
    ``benchmarks/NOTES.md``) is dropped and its weight goes to the other refit of the same
    fit; where both are, the better one keeps it. A validated fit (``rows="head"``) is
    kept as it is. ``(plan, members)``."""
    if auto.focus != "prediction":
        return plan, members
    offset = first + max(int(h) for h in auto.horizons)  # the first rows forecast
    every = [(start, start + offset, end) for start, _, end in tails]
    heads = [(start, start + offset, tail_start) for start, tail_start, _ in tails
             if start + offset < tail_start]
    if not heads:  # (heads too short to forecast at the longest horizon: no check)
        return plan, members
    every_truth = auto._tail_targets(targets, every, first)
    heads_truth = auto._tail_targets(targets, heads, first)

    def in_sample(model, bounds, truth):
        return rmse(auto._tail_outputs(model, inputs, targets, bounds, first), truth)

    kept_plan, kept_members = [], []
    for entry, member in zip(plan, members):
        if entry.rows == "head":
            kept_plan.append(entry)
            kept_members.append(member)
    for source in dict.fromkeys(entry.source for entry in plan):
        group = [(entry, member) for entry, member in zip(plan, members)
                 if entry.source == source and entry.rows == "all"]
        if group[0][0].seed is None:  # (an ARIMA: deterministic, refitted once)
            kept = group
        else:
            errors = [in_sample(member, every, every_truth) for _, member in group]
            limit = RUNAWAY * in_sample(fits[source][2], heads, heads_truth)
            kept = [pair for pair, error in zip(group, errors) if error <= limit] or [
                group[int(np.argmin(errors))]]
        weight = sum(entry.weight for entry, _ in group) / len(kept)
        for entry, member in kept:
            kept_plan.append(entry._replace(weight=weight))
            kept_members.append(member)
    return kept_plan, kept_members
