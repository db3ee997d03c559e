"""The types of the public API's parameters, named once (PEP 604 unions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

Delays: TypeAlias = int | Sequence[int] | Literal["auto"]
"""Delays: ``k`` (``0..k`` for inputs, ``1..k`` for feedback), the list, or "auto"."""
Solver: TypeAlias = str | Sequence[str]
"""A trainer ("adam", "sgd", "lm", "br", "ga", "cmaes", "auto") or a sequence run in turn."""
Loop: TypeAlias = Literal["auto", "open", "closed"] | Sequence[Literal["open", "closed"]]
Auto: TypeAlias = Literal["auto"]
RandomState: TypeAlias = int | np.random.RandomState | np.random.Generator | None
Horizons: TypeAlias = int | Sequence[int] | None
Forecasts: TypeAlias = np.ndarray | pd.Series | pd.DataFrame
"""Forecasts: NumPy in, NumPy out; pandas in, pandas out (a Series, or a DataFrame with a
column per lead time or target)."""
Rows: TypeAlias = ArrayLike | pd.DataFrame | pd.Series
Groups: TypeAlias = ArrayLike | pd.Series | None
