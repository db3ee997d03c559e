"""The model files of the ``narxcast`` command: a fitted estimator with the metadata a later
``forecast`` needs (columns, time step, the last time seen), stored as a
:mod:`narxcast.serialization` archive (nothing in it runs on load); the file names of series;
atomic writes."""

import hashlib
import string
import unicodedata
from dataclasses import dataclass, field, replace

import pandas as pd

from .tables import InputError

MODEL_SUFFIX = ".narxcast"
_SAFE = frozenset(string.ascii_letters + string.digits + "-_")
_MAX_STEM = 200


def series_file_name(series):
    """The model file name of a series id: letters, digits, ``-`` and ``_`` as they are, every
    other character (``.``, ``/``, ``%``, spaces, non-ASCII, control characters) as ``%XX``
    of its UTF-8 bytes, then :data:`MODEL_SUFFIX`. Ids longer than 200 such characters keep
    their first 180 and a hash of the whole. The name never leaves its folder (no separator,
    never ``.`` or ``..``) and two ids never share one; an empty id is refused.

    Examples
    --------
    >>> series_file_name("site-7"), series_file_name("../x"), series_file_name("Zürich 2")
    ('site-7.narxcast', '%2E%2E%2Fx.narxcast', 'Z%C3%BCrich%202.narxcast')
    """
    series = str(series)
    if not series:
        raise InputError("a series id is empty; every series needs a name.")
    stem = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in series)
    if len(stem) > _MAX_STEM:
        stem = stem[:180] + "~" + hashlib.sha256(series.encode("utf-8")).hexdigest()[:16]
    return stem + MODEL_SUFFIX


def check_distinct_file_names(series):
    """Raise if two series ids would share a model file on a case-insensitive file system
    (``Site`` and ``site``) or differ only in their Unicode form (``é`` composed or as ``e``
    and an accent: one name to a reader, and to some file systems)."""
    seen = {}
    for name in series:
        key = series_file_name(unicodedata.normalize("NFC", str(name))).casefold()
        if key in seen:
            raise InputError(f"series ids {seen[key]!r} and {name!r} differ only in case or "
                             "Unicode form: their model files would be one on some disks.")
        seen[key] = name


@dataclass(frozen=True)
class ModelFile:
    """One series' fitted model (or a global model's, over ``series_ids``) and what
    ``narxcast forecast`` needs to continue it.

    Stored by :meth:`save` as a :mod:`narxcast.serialization` archive whose metadata holds
    the fields below; a file of another archive format, or written by another narxcast
    version (the scaling, delays and kernels may differ), is refused with a clear error.
    """

    model: object
    series: str
    model_name: str
    target: str
    exog: list
    time_column: str
    step: pd.Timedelta
    training_start: pd.Timestamp
    training_end: pd.Timestamp
    last_time: pd.Timestamp
    n_training_rows: int
    narxcast_version: str
    features: list = field(default_factory=list)  # derived inputs after exog (--features)
    series_ids: list = field(default_factory=list)  # a global model's series (fit --global)

    @property
    def is_global(self):
        """Whether the file holds one model over several series (``narxcast fit --global``)."""
        return bool(self.series_ids)

    @property
    def params(self):
        """The estimator's parameters."""
        return self.model.get_params()

    @property
    def delays(self):
        """The fitted delays by name (input, feedback / target), where the model has them."""
        return {name: getattr(self.model, name).tolist() for name in
                ("input_delays_", "target_delays_") if hasattr(self.model, name)}

    def updated(self, model, last_time):
        """This file's contents with an updated model that has seen data up to ``last_time``."""
        return replace(self, model=model, last_time=last_time)

    def save(self, path):
        """Write the file at ``path`` atomically."""
        from .serialization import dump

        metadata = {"series": self.series, "model_name": self.model_name,
                    "target": self.target, "exog": list(self.exog),
                    "time_column": self.time_column, "step_ns": int(self.step.value),
                    "training_start": self.training_start.isoformat(),
                    "training_end": self.training_end.isoformat(),
                    "last_time": self.last_time.isoformat(),
                    "n_training_rows": int(self.n_training_rows),
                    "narxcast_version": self.narxcast_version, "features": list(self.features),
                    "series_ids": list(self.series_ids)}
        dump(self.model, path, metadata={"model_file": metadata})

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save`, checked against this narxcast's version."""
        from . import __version__
        from .features import COMMAND_FEATURES
        from .serialization import ModelFileError, load_with_metadata

        try:
            model, metadata = load_with_metadata(path)
        except ModelFileError as error:
            raise InputError(str(error)) from None
        fields = metadata.get("model_file")
        if not isinstance(fields, dict):
            raise InputError(f"{path}: a narxcast model archive, but not a model file of the "
                             "command (no series metadata).")
        if fields.get("narxcast_version") != __version__:
            raise InputError(f"{path}: written by narxcast {fields.get('narxcast_version')}, "
                             f"this is {__version__}: refit the model.")
        try:
            exog, features = fields["exog"], fields.get("features", [])
            series_ids = fields.get("series_ids", [])
            if not (isinstance(series_ids, list) and all(isinstance(v, str) and v
                                                         for v in series_ids)):
                raise ValueError("series_ids must be a list of names")
            names = [fields[key] for key in ("series", "model_name", "target", "time_column")]
            if not (all(isinstance(v, str) for v in names) and isinstance(exog, list)
                    and all(isinstance(v, str) for v in exog)):
                raise TypeError("names must be strings")
            if not (isinstance(features, list)
                    and all(isinstance(v, str) and v in COMMAND_FEATURES for v in features)):
                raise ValueError(f"unknown features {features!r}")
            return cls(model=model, series=fields["series"], model_name=fields["model_name"],
                       target=fields["target"], exog=exog, time_column=fields["time_column"],
                       step=pd.Timedelta(int(fields["step_ns"]), unit="ns"),
                       training_start=pd.Timestamp(fields["training_start"]),
                       training_end=pd.Timestamp(fields["training_end"]),
                       last_time=pd.Timestamp(fields["last_time"]),
                       n_training_rows=int(fields["n_training_rows"]),
                       narxcast_version=fields["narxcast_version"], features=features,
                       series_ids=series_ids)
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(f"{path}: its metadata is incomplete or malformed "
                             f"({type(error).__name__}: {error}).") from None
