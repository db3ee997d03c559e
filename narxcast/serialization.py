"""Model files that execute nothing on load: a zip archive of JSON and NumPy arrays.

:func:`dump` writes a narxcast estimator (fitted or not, every estimator of the package and
:class:`~narxcast.compose.ClearSkyIndexRegressor`) as an archive holding ``narxcast.json``
(the format version, the estimator's class and parameters, its fitted attributes and any
metadata) and ``arrays/<k>.npy`` files. :func:`load` reads the JSON with :mod:`json` and the
arrays with ``np.load(allow_pickle=False)``, rebuilds the estimator from its class (looked up
among narxcast's own, never imported by name) and parameters, and checks every fitted array
against the layout its parameters imply before the estimator is returned: a file that is not
such an archive, names an unknown class, holds an object array, or whose parameter vector or
history does not fit its architecture is refused with :class:`ModelFileError`, and no code in
it runs. ARIMA's statsmodels results are stored as the data and parameters they were computed
from and rebuilt by the same filter.

Pickling the Python objects (``pickle``, ``joblib``) keeps working for users who choose it;
a pickle runs code when it is loaded, so load only pickles you trust.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from narxcast import NARXRegressor
>>> from narxcast.serialization import dump, load
>>> rng = np.random.default_rng(0)
>>> X, y = rng.normal(size=(200, 1)), rng.normal(size=200)
>>> model = NARXRegressor(max_iter=3, random_state=0).fit(X, y)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "model.narxcast"
>>> dump(model, path)
>>> bool(np.array_equal(load(path).predict(X[:5]), model.predict(X[:5])))
True
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np

FORMAT = "narxcast-model"
VERSION = 1  # of the archive layout; a file of a later version is refused
MAX_MEMBER_BYTES = 1 << 30  # no array of a model is near this; a larger member is refused
_INDEX = "narxcast.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)


class ModelFileError(ValueError):
    """A file that is not a narxcast model archive this version can read, or whose contents
    do not describe a sound estimator; the message says which."""


def _classes():
    """The classes an archive may name: narxcast's estimators and meta-estimators."""
    import narxcast

    from ._forecaster import Scaler
    from .compose import (
        ClearSkyIndexRegressor,
        EnsembleRegressor,
        GlobalRegressor,
        IrradianceRegressor,
    )
    from .intervals import ConformalRegressor

    classes = [getattr(narxcast, name) for name in narxcast.__all__ if name.endswith("Regressor")]
    return {cls.__name__: cls for cls in (*classes, ClearSkyIndexRegressor,
                                                    IrradianceRegressor, EnsembleRegressor,
                                                    ConformalRegressor, GlobalRegressor,
                                                    Scaler)}


# ------------------------------------------------------------------------------- writing
class _Writer:
    def __init__(self):
        self.arrays = {}

    def array(self, value):
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cannot store an array of dtype {value.dtype} in a model file")
        name = f"arrays/{len(self.arrays)}.npy"
        self.arrays[name] = value
        return {"__array__": name}

    def value(self, value, where):
        from sklearn.base import BaseEstimator

        from ._forecaster import Scaler

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value)
        if isinstance(value, np.ndarray):
            if value.dtype == object:  # feature names
                if not all(isinstance(v, str) for v in value.ravel()):
                    raise TypeError(f"{where}: only arrays of strings may hold objects")
                return {"__strings__": value.tolist()}
            return self.array(value)
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return {"__tuple__": [self.value(v, where) for v in value]}
        if isinstance(value, list):
            return [self.value(v, where) for v in value]
        if isinstance(value, Scaler):
            return {"__scaler__": {"mean": self.array(value.mean),
                                   "scale": self.array(value.scale)}}
        if isinstance(value, BaseEstimator):
            return {"__estimator__": self.estimator(value)}
        raise TypeError(f"{where}: cannot store a {type(value).__name__} in a model file")

    def estimator(self, estimator):
        name = type(estimator).__name__
        if _classes().get(name) is not type(estimator):
            raise TypeError(f"cannot store a {name}: model files hold narxcast's estimators")
        params = {key: self.value(_storable_param(value), f"{name}.{key}")
                  for key, value in estimator.get_params(deep=False).items()}
        fitted = {}
        for key, value in vars(estimator).items():
            if key in params or key == "layout_":  # the layout is rebuilt from the parameters
                continue
            if key == "results_":  # ARIMA: statsmodels results, rebuilt from data and params
                exog = value.model.exog
                fitted[key] = {"__sarimax__": {
                    "endog": self.array(value.model.endog[:, 0]),
                    "exog": None if exog is None else self.array(exog)}}
                continue
            fitted[key] = self.value(value, f"{name}.{key}")
        return {"class": name, "params": params, "fitted": fitted}


def _storable_param(value):
    """``random_state`` given as a generator is stored as None (it served the fit)."""
    if isinstance(value, (np.random.RandomState, np.random.Generator)):
        return None
    return value


def dump(estimator, path, metadata=None):
    """Write ``estimator`` (and a JSON-able ``metadata`` dict) to the archive ``path``.

    The file is written whole or not at all (a temporary file renamed over ``path``).
    """
    from .model_files import write_atomically

    writer = _Writer()
    from . import __version__

    index = {"format": FORMAT, "version": VERSION, "narxcast_version": __version__,
             "estimator": writer.estimator(estimator), "metadata": metadata or {}}
    text = json.dumps(index, allow_nan=True)

    def write(temporary):
        # members dated 1980-01-01: the same model gives the same bytes on every run
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo(_INDEX, _EPOCH), text, zipfile.ZIP_DEFLATED)
            for name, array in writer.arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                archive.writestr(zipfile.ZipInfo(name, _EPOCH), buffer.getvalue(),
                                 zipfile.ZIP_DEFLATED)

    write_atomically(path, write)


# ------------------------------------------------------------------------------- reading
def load(path):
    """The estimator stored at ``path`` by :func:`dump`, checked (see the module)."""
    return load_with_metadata(path)[0]


def load_with_metadata(path):
    """``(estimator, metadata)`` stored at ``path`` by :func:`dump`."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file.") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ModelFileError(f"{path}: not a narxcast model file (not a zip archive; files "
                             "written with pickle or joblib are loaded with those, only if "
                             "trusted).") from None
    with archive:
        members = {info.filename: info for info in archive.infolist()}
        if _INDEX not in members:
            raise ModelFileError(f"{path}: not a narxcast model file (no {_INDEX}).")
        for info in members.values():
            if info.file_size > MAX_MEMBER_BYTES:
                raise ModelFileError(f"{path}: member {info.filename!r} is too large "
                                     f"({info.file_size} bytes).")
        try:
            index = json.loads(archive.read(_INDEX))
        except (ValueError, UnicodeDecodeError) as error:
            raise ModelFileError(f"{path}: {_INDEX} is not valid JSON ({error}).") from None
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise ModelFileError(f"{path}: not a narxcast model file.")
        version = index.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ModelFileError(f"{path}: written in model-file format {version!r} by "
                                 f"narxcast {index.get('narxcast_version')}; this narxcast "
                                 f"reads format {VERSION} and earlier: upgrade narxcast.")
        reader = _Reader(path, archive, members)
        try:
            estimator = reader.estimator(index.get("estimator"), "estimator")
        except ModelFileError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            raise ModelFileError(f"{path}: not a sound narxcast model: {error}") from None
    metadata = index.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: its metadata is not a table.")
    return estimator, metadata


class _Reader:
    def __init__(self, path, archive, members):
        self.path, self.archive, self.members = path, archive, members

    def fail(self, where, message):
        raise ModelFileError(f"{self.path}: {where}: {message}")

    def array(self, name, where):
        if not isinstance(name, str) or name not in self.members:
            self.fail(where, f"no array {name!r} in the archive")
        try:
            array = np.load(io.BytesIO(self.archive.read(name)), allow_pickle=False)
        except ValueError as error:  # object arrays need pickle: refused
            self.fail(where, f"unreadable array ({error})")
        if array.dtype.kind not in "biuf":
            self.fail(where, f"arrays of dtype {array.dtype} are not allowed")
        return np.ascontiguousarray(array)

    def _array_node(self, node, where):
        if not isinstance(node, dict) or set(node) != {"__array__"}:
            self.fail(where, "an array is missing")
        return self.array(node["__array__"], where)

    def value(self, node, where):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.value(v, where) for v in node]
        if not isinstance(node, dict) or len(node) != 1:
            self.fail(where, "unknown value")
        (kind, content), = node.items()
        if kind == "__array__":
            return self.array(content, where)
        if kind == "__tuple__" and isinstance(content, list):
            return tuple(self.value(v, where) for v in content)
        if kind == "__strings__" and isinstance(content, list) and all(
                isinstance(v, str) for v in content):
            return np.array(content, dtype=object)
        if kind == "__scaler__" and isinstance(content, dict):
            from ._forecaster import Scaler

            scaler = Scaler.__new__(Scaler)
            scaler.mean, scaler.scale = (self._array_node(content.get(key), where)
                                         for key in ("mean", "scale"))
            return scaler
        if kind == "__estimator__":
            return self.estimator(content, where)
        self.fail(where, f"unknown value kind {kind!r}")

    def estimator(self, node, where):
        if not isinstance(node, dict) or not isinstance(node.get("class"), str):
            self.fail(where, "no estimator")
        cls = _classes().get(node["class"])
        if cls is None or node["class"] == "Scaler":
            self.fail(where, f"unknown estimator class {node['class']!r}")
        params, fitted = node.get("params"), node.get("fitted")
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            self.fail(where, "parameters or fitted attributes missing")
        expected = set(cls._get_param_names())
        if set(params) != expected:
            self.fail(where, f"parameters {sorted(params)} are not those of {cls.__name__}")
        estimator = cls(**{key: self.value(value, f"{where}.{key}")
                           for key, value in params.items()})
        estimator._validate_params()
        for key, value in fitted.items():
            if not isinstance(key, str) or not (key.endswith("_") or key == "_y_ndim") \
                    or key.startswith("__") or key in expected:
                self.fail(where, f"unexpected attribute {key!r}")
            if key == "results_" and isinstance(value, dict) and "__sarimax__" in value:
                data = value["__sarimax__"]
                exog = data.get("exog")
                estimator.results_ = (
                    self._array_node(data.get("endog"), where),
                    None if exog is None else self._array_node(exog, where))
                continue
            setattr(estimator, key, self.value(value, f"{where}.{key}"))
        if fitted:
            estimator._check_fitted_state()
        return estimator
