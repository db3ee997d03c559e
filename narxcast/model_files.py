"""The model files of the ``narxcast`` command: a fitted estimator with the metadata a later
``forecast`` needs (columns, time step, the last time seen), and atomic writes."""

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import joblib
import pandas as pd

from .tables import InputError


@dataclass(frozen=True)
class ModelFile:
    """One series' fitted model and what ``narxcast forecast`` needs to continue it.

    ``FORMAT`` is the version of the file layout this narxcast writes and reads; a file of
    another format, or written by another narxcast version, is refused with a clear error.
    """

    FORMAT = 1

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
        contents = {"format": self.FORMAT, **self.__dict__}
        write_atomically(path, lambda temporary: joblib.dump(contents, temporary))

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save`, checked against this format and version."""
        from . import __version__

        try:
            contents = joblib.load(path)
        except FileNotFoundError:
            raise InputError(f"{path}: no such model file.") from None
        except Exception as error:  # unpickling fails in many ways
            raise InputError(f"{path}: not a narxcast model file ({type(error).__name__}).") \
                from None
        if not isinstance(contents, dict) or contents.get("format") != cls.FORMAT:
            raise InputError(f"{path}: not a narxcast model file.")
        if contents["narxcast_version"] != __version__:
            raise InputError(f"{path}: written by narxcast {contents['narxcast_version']}, "
                             f"this is {__version__}: refit the model.")
        return cls(**{key: value for key, value in contents.items() if key != "format"})


def write_atomically(path, write):
    """``write(temporary_path)``, then rename over ``path``: a failed run leaves no partial
    file and an existing file untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
