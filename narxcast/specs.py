"""What a ``narxcast`` run reads and fits: the ``--model`` names and their parameters, the
derived ``--features``, the estimator a run builds (ensembles, physical bounds, calibrated
intervals around it) and the settings of a TOML config file, checked before any data is
read. :mod:`narxcast.batch` runs them."""

import ast
import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .tables import InputError


def models():
    """The ``--model`` names and their estimators."""
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

    return {"narx": NARXRegressor, "elman": ElmanRegressor, "lstm": LSTMRegressor,
            "gru": GRURegressor, "tdnn": TDNNRegressor, "arima": ARIMARegressor,
            "persistence": PersistenceRegressor, "auto": AutoForecaster}


def parse_param(text):
    """``"key=value"`` with a Python literal value (a bare word stays a string).

    Examples
    --------
    >>> parse_param("hidden_layer_sizes=(10, 5)"), parse_param("solver=lm")
    (('hidden_layer_sizes', (10, 5)), ('solver', 'lm'))
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InputError(f"--param must be KEY=VALUE. Got {text!r}.")
    try:
        value = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        value = value.strip()
    return key.strip(), value


def make_model(name, params):
    """An estimator ``name`` with ``params``; unknown names and parameters are named."""
    known = models()
    if name not in known:
        raise InputError(f"--model must be one of {', '.join(known)}. Got {name!r}.")
    cls = known[name]
    valid = cls().get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise InputError(f"{name} has no parameter {unknown[0]!r} (it has: "
                         f"{', '.join(sorted(valid))}).")
    params = {k: tuple(v) if isinstance(v, list) and k == "hidden_layer_sizes" else v
              for k, v in params.items()}
    model = cls(**params)
    try:  # every value checked once, before any series is read or fitted
        model._validate_params()
        if hasattr(model, "_delays"):
            model._delays()
    except (ValueError, TypeError) as error:
        raise InputError(f"--param: {error}") from None
    return model


def build_model(name, params, exog, features, ensemble=None, calibrate=None,
                global_model=False):
    """The estimator of a run: ``make_model(name, params)``; with ``ensemble`` an
    :class:`~narxcast.compose.EnsembleRegressor` of that many members (seeds drawn from the
    model's ``random_state``); kept physical by
    :class:`~narxcast.compose.IrradianceRegressor` (never negative, zero at night, at most 1.5
    times clear-sky) on the ``clearsky_ghi`` input when ``features`` has "solar"; with
    ``calibrate`` (a lead time) a :class:`~narxcast.intervals.ConformalRegressor` calibrated
    up to it, for intervals: errors relative to clear-sky GHI and per clear-sky level with
    "solar", rolled over the last 30 days (:func:`calibration_window`); with
    ``global_model`` one :class:`~narxcast.compose.GlobalRegressor` over every series
    (inside the irradiance wrapper: it standardises each series' clear-sky index)."""
    if global_model and calibrate:
        raise InputError("--calibrate calibrates one model per series: not with --global.")
    model = make_model(name, params)
    if global_model and not model._fits_records:
        raise InputError(f"--global trains one model over every series; {name} fits one "
                         "series at a time.")
    if ensemble:
        from .compose import EnsembleRegressor

        if "random_state" not in params:
            raise InputError(f"--ensemble needs a model with a seed; {name} has none.")
        model = EnsembleRegressor(model, n_estimators=ensemble,
                                  random_state=params["random_state"])
    if global_model:
        from .compose import GlobalRegressor

        model = GlobalRegressor(model)
    if "solar" in features:
        from .compose import IrradianceRegressor

        model = IrradianceRegressor(model, clearsky=list(exog).index("clearsky_ghi"))
    if calibrate:
        from .intervals import ConformalRegressor

        clearsky = list(exog).index("clearsky_ghi") if "solar" in features else None
        model = ConformalRegressor(model, max_horizon=calibrate, scale=clearsky,
                                   conditional=clearsky, window=CALIBRATION_DAYS * 24)
    return model


CALIBRATION_DAYS = 30  # the rolling calibration window of the command's intervals


def calibration_window(model, step):
    """Set a calibrated model's rolling window to :data:`CALIBRATION_DAYS` of rows of
    ``step`` (the data's time step, known once they are read)."""
    if hasattr(model, "window"):
        model.set_params(window=max(10, int(pd.Timedelta(days=CALIBRATION_DAYS) / step)))
    return model


def read_columns(exog, features):
    """The exogenous columns read from the data: ``exog``, then what ``features`` need."""
    from .features import COMMAND_FEATURES

    columns = list(exog)
    for name in features:
        columns += [c for c in COMMAND_FEATURES[name][0] if c not in columns]
    return columns


def model_inputs(values, index, features):
    """The model's inputs: the exogenous ``values`` (rows of the DatetimeIndex ``index``),
    then the columns ``features`` derive from the times; None when there are none."""
    from .features import COMMAND_FEATURES, hour_of_day

    derived = [c for name in features for c in COMMAND_FEATURES[name][1]]
    if derived:
        hours = hour_of_day(index)
        values = np.column_stack([values, hours[list(dict.fromkeys(derived))].to_numpy()])
    return values if values.shape[1] else None


@dataclass
class Spec:
    """What to read and fit: columns, derived features and the model."""

    time_column: str = "time"
    target: str = None
    exog: list = field(default_factory=list)
    series_column: str = None
    model: str = "narx"
    params: dict = field(default_factory=dict)
    features: list = field(default_factory=list)
    ensemble: int = None
    calibrate: int = None
    global_model: bool = False

    def columns(self):
        """The columns read: the target, then the exogenous inputs (with those that
        ``features`` need)."""
        return [self.target, *read_columns(self.exog, self.features)]

    def build_model(self):
        return build_model(self.model, self.params, self.columns()[1:], self.features,
                           self.ensemble, self.calibrate, self.global_model)


# the keys of a config file: {table: {key: (type, description)}}
CONFIG_KEYS = {
    "data": {"time_column": (str, "a column name"), "target": (str, "a column name"),
             "exog": ((str, list), "a column name or a list of them"),
             "series_column": (str, "a column name"),
             "features": ((str, list), "a feature set name or a list of them")},
    "model": {"name": (str, "a model name"), "params": (dict, "a table of parameters"),
              "global": (bool, "true or false")},
}


def _check_config(config, settings):
    """Unknown tables and keys (with the nearest valid one) and wrong types, in one line."""
    def unknown(key, known, where):
        near = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else f" (known: {', '.join(known)})"
        raise InputError(f"{config}: unknown key {key!r} in {where}{hint}")

    for table, content in settings.items():
        if table not in CONFIG_KEYS:
            unknown(table, list(CONFIG_KEYS), "the file")
        if not isinstance(content, dict):
            raise InputError(f"{config}: [{table}] must be a table. Got {content!r}.")
        for key, value in content.items():
            if key not in CONFIG_KEYS[table]:
                unknown(key, list(CONFIG_KEYS[table]), f"[{table}]")
            kind, description = CONFIG_KEYS[table][key]
            if not isinstance(value, kind) or (
                    isinstance(value, list) and not all(isinstance(v, str) for v in value)):
                raise InputError(f"{config}: [{table}] {key} must be {description}. Got "
                                 f"{value!r}.")


def load_spec(config=None, time_column=None, target=None, exog=None, series_column=None,
              model=None, params=(), need_target=True, seed=None, features=None,
              ensemble=None, calibrate=None, global_model=None):
    """The :class:`Spec` of a TOML ``config`` file (tables ``[data]`` and ``[model]``, both
    optional, keys as :data:`CONFIG_KEYS`), overridden by the given settings; ``params`` are
    ``"key=value"`` texts; ``seed`` becomes the model's ``random_state`` where it has one and
    neither the config nor ``params`` set it. Every setting is checked before any data is
    read."""
    settings = {}
    if config:
        import tomllib

        try:
            with open(config, "rb") as handle:
                settings = tomllib.load(handle)
        except FileNotFoundError:
            raise InputError(f"{config}: no such config file.") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{config}: cannot be read: {error}.") from None
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"{config}: not valid TOML: {error}.") from None
        _check_config(config, settings)
    data, model_table = settings.get("data", {}), settings.get("model", {})
    for key in ("exog", "features"):
        if isinstance(data.get(key), str):  # one name, not its characters
            data[key] = [data[key]]
    spec = Spec(time_column=time_column or data.get("time_column", "time"),
                target=target or data.get("target"),
                exog=list(exog if exog is not None else data.get("exog", [])),
                series_column=series_column or data.get("series_column"),
                model=model or model_table.get("name", "narx"),
                params=dict(model_table.get("params", {})),
                features=list(features if features is not None else data.get("features", [])),
                global_model=bool(global_model or model_table.get("global", False)))
    from .features import COMMAND_FEATURES

    for name in spec.features:
        if name not in COMMAND_FEATURES:
            raise InputError(f"--features must be among {', '.join(COMMAND_FEATURES)}. Got "
                             f"{name!r}.")
    for text in params:
        key, value = parse_param(text)
        spec.params[key] = value
    if ensemble is not None:
        if isinstance(ensemble, bool) or not isinstance(ensemble, int) or not \
                1 <= ensemble <= 1000:
            raise InputError(f"--ensemble must be an integer in [1, 1000]. Got {ensemble!r}.")
        spec.ensemble = ensemble
    if calibrate is not None:
        if isinstance(calibrate, bool) or not isinstance(calibrate, int) or \
                not 1 <= calibrate <= 10_000:
            raise InputError(f"--calibrate must be a lead time in [1, 10000] steps. Got "
                             f"{calibrate!r}.")
        spec.calibrate = calibrate
    if need_target and not spec.target:
        raise InputError("--target (or target in the config's [data]) is required.")
    if seed is not None and "random_state" not in spec.params and spec.model in models() \
            and "random_state" in models()[spec.model]().get_params():
        spec.params["random_state"] = seed
    return spec
