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

from __future__ import annotations

import io
import json
import math
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

__all__ = ["MAX_MODEL_BYTES", "ModelFileError", "dump", "load", "load_with_metadata"]

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

FORMAT = "narxcast-model"
VERSION = 1  # of the archive layout; a file of a later version is refused
_INDEX = "narxcast.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)


class ModelFileError(ValueError):
    """A file that is not a narxcast model archive this version can read, or whose contents
    do not describe a sound estimator; the message says which."""


def _classes():
    """The classes an archive may name: narxcast's estimators and meta-estimators."""
    import narxcast

    from ._forecaster import Scaler
    from .auto import AutoForecaster
    from .compose import (
        ClearSkyIndexRegressor,
        EnsembleRegressor,
        GlobalRegressor,
        IrradianceRegressor,
        VotingRegressor,
    )
    from .intervals import ConformalRegressor

    classes = [getattr(narxcast, name) for name in narxcast.__all__ if name.endswith("Regressor")]
    return {cls.__name__: cls for cls in (*classes, ClearSkyIndexRegressor, IrradianceRegressor,
                                          EnsembleRegressor, VotingRegressor, ConformalRegressor,
                                          GlobalRegressor, AutoForecaster, Scaler)}


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


def dump(estimator: BaseEstimator, path: str | os.PathLike[str],
         metadata: dict[str, Any] | None = None) -> None:
    """Write ``estimator`` (and a JSON-able ``metadata`` dict) to the archive ``path``.

    The file is written whole or not at all (a temporary file renamed over ``path``).

    Parameters
    ----------
    estimator : narxcast estimator
        Fitted or not.
    path : str or os.PathLike
    metadata : dict, optional
        Stored beside it (JSON: strings, numbers, lists, dicts).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from narxcast import PersistenceRegressor
    >>> model = PersistenceRegressor(kind="seasonal").fit(None, [1.0, 2.0, 3.0] * 30)
    >>> path = Path(tempfile.mkdtemp()) / "model.narxcast"
    >>> dump(model, path, metadata={"site": "lab"})
    >>> loaded, metadata = load_with_metadata(path)
    >>> metadata, loaded.predict(horizon=3).tolist()
    ({'site': 'lab'}, [1.0, 2.0, 3.0])
    """
    from .writing import write_atomically

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
# What a file may make the loader allocate and do. A model's own arrays are a few megabytes
# (a year of hourly history is 70 kB a column); these bounds are far above any model the
# package writes and far below what a crafted file could otherwise demand.
MAX_ARCHIVE_BYTES = 1 << 30  # the file on disk
MAX_MODEL_BYTES = 1 << 30  # every member inflated, together
MAX_INDEX_BYTES = 64 << 20  # narxcast.json inflated
MAX_MEMBERS = 20_000  # files in the archive
MAX_ESTIMATORS = 1_000  # estimators in one file (an ensemble's members, nested wrappers)
MAX_NESTING = 64  # depth of the JSON index
# Arrays of floats barely compress; a member larger than RATIO_FROM bytes that inflates more
# than MAX_RATIO-fold is not a model's array but a bomb (or work for the loader, as an ARIMA's
# rows of zeros would be).
MAX_RATIO, RATIO_FROM = 64, 8 << 20
COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}  # what dump writes
# What a damaged or crafted archive raises while it is read: each becomes a ModelFileError.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, TypeError,
               KeyError, IndexError, AttributeError, RecursionError, OverflowError,
               struct.error, NotImplementedError, MemoryError, UnicodeDecodeError, RuntimeError)


def load(path: str | os.PathLike[str]) -> BaseEstimator:
    """The estimator stored at ``path`` by :func:`dump`, checked (see the module).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    estimator
        As it was dumped (see :func:`dump`'s example).
    """
    return load_with_metadata(path)[0]


def load_with_metadata(path: str | os.PathLike[str]) -> tuple[BaseEstimator, dict[str, Any]]:
    """``(estimator, metadata)`` stored at ``path`` by :func:`dump`.

    Whatever the file holds, the result is the estimator or a :class:`ModelFileError` naming
    the file: a path that is not a regular file (a FIFO, a device) is refused unread, and what
    the archive may make the loader allocate is bounded before it is read
    (:data:`MAX_MODEL_BYTES` and the other limits above).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    estimator, dict
        The estimator and the metadata it was dumped with (see :func:`dump`'s example).
    """
    path = Path(path)
    _check_regular_file(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file.") from None
    except READ_ERRORS:
        raise ModelFileError(f"{path}: not a narxcast model file (not a zip archive; files "
                             "written with pickle or joblib are loaded with those, only if "
                             "trusted).") from None
    try:
        with archive:
            return _read_archive(path, archive)
    except ModelFileError:
        raise
    except READ_ERRORS as error:
        detail = str(error).splitlines()[0] if str(error) else ""
        raise ModelFileError(f"{path}: not a sound narxcast model ({type(error).__name__}"
                             f"{': ' + detail if detail else ''}).") from None


def _check_regular_file(path):
    """Refuse, unread, what is not a regular file of a model's size."""
    try:
        status = os.stat(path)  # (through a symbolic link: what it points to)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file.") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read ({error.strerror}).") from None
    if not stat.S_ISREG(status.st_mode):
        raise ModelFileError(f"{path}: not a regular file (a directory, device, FIFO or "
                             "socket): model files are regular files.")
    if status.st_size > MAX_ARCHIVE_BYTES:
        raise ModelFileError(f"{path}: {status.st_size} bytes, more than any model file "
                             f"({MAX_ARCHIVE_BYTES}).")


def _check_members(path, infos):
    """The archive's table of contents against the limits, before anything is inflated."""
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"{path}: {len(infos)} files in the archive, more than a model "
                             f"has ({MAX_MEMBERS}).")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{path}: member {info.filename!r} is encrypted; model files "
                                 "are not.")
        if info.compress_type not in COMPRESSION:
            raise ModelFileError(f"{path}: member {info.filename!r} is compressed with method "
                                 f"{info.compress_type}; model files use "
                                 f"{' or '.join(COMPRESSION.values())} only.")
        total += info.file_size
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size,
                                                                             1):
            raise ModelFileError(f"{path}: member {info.filename!r} inflates "
                                 f"{info.file_size // max(info.compress_size, 1)}-fold to "
                                 f"{info.file_size} bytes: not a model's array.")
    if total > MAX_MODEL_BYTES:
        raise ModelFileError(f"{path}: its members hold {total} bytes, more than a model file "
                             f"may ({MAX_MODEL_BYTES}).")


def _nesting(node):
    """The depth of a JSON value and the number of estimators in it (without recursion)."""
    deepest, estimators, stack = 0, 0, [(node, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            estimators += isinstance(node.get("class"), str) and "params" in node
            stack += [(value, depth + 1) for value in node.values()]
        elif isinstance(node, list):
            stack += [(value, depth + 1) for value in node]
    return deepest, estimators


def _read_archive(path, archive):
    infos = archive.infolist()
    _check_members(path, infos)
    members = {info.filename: info for info in infos}
    if _INDEX not in members:
        raise ModelFileError(f"{path}: not a narxcast model file (no {_INDEX}).")
    if members[_INDEX].file_size > MAX_INDEX_BYTES:
        raise ModelFileError(f"{path}: {_INDEX} holds {members[_INDEX].file_size} bytes, more "
                             f"than a model's ({MAX_INDEX_BYTES}).")
    try:
        index = json.loads(archive.read(members[_INDEX]))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ModelFileError(f"{path}: {_INDEX} is not valid JSON "
                             f"({str(error)[:200] or type(error).__name__}).") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a narxcast model file.")
    version = index.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ModelFileError(f"{path}: written in model-file format {version!r} by "
                             f"narxcast {index.get('narxcast_version')}; this narxcast "
                             f"reads format {VERSION} and earlier: upgrade narxcast.")
    depth, n_estimators = _nesting(index)
    if depth > MAX_NESTING or n_estimators > MAX_ESTIMATORS:
        raise ModelFileError(f"{path}: {_INDEX} nests {depth} deep and holds {n_estimators} "
                             f"estimators; a model file holds at most {MAX_ESTIMATORS}, "
                             f"{MAX_NESTING} deep.")
    estimator = _Reader(path, archive, members).estimator(index.get("estimator"), "estimator")
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
        """The ``.npy`` member ``name``, read straight into an array of the shape and dtype
        its header declares, once the header agrees with the member's size."""
        if not isinstance(name, str) or name not in self.members:
            self.fail(where, f"no array {name!r} in the archive")
        info = self.members[name]
        with self.archive.open(info) as member:
            major, _ = np.lib.format.read_magic(member)
            if major not in (1, 2, 3):
                self.fail(where, f"unreadable array (format version {major})")
            read_header = (np.lib.format.read_array_header_1_0 if major == 1
                           else np.lib.format.read_array_header_2_0)
            # (some NumPy releases' stubs lack max_header_size, or an array as a buffer)
            shape, fortran, dtype = read_header(member, max_header_size=10_000)  # type: ignore[call-arg]
            if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
                self.fail(where, f"unreadable array (arrays of dtype {dtype} are not allowed)")
            count = math.prod(shape)
            if any(n < 0 for n in shape) or count * dtype.itemsize != (
                    info.file_size - member.tell()):
                self.fail(where, f"array {name!r} declares shape {shape} of {dtype}, which "
                                 f"its {info.file_size} bytes do not hold")
            array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
            view = memoryview(array.reshape(-1, order="A")).cast("B")  # type: ignore[arg-type]
            filled = 0
            while filled < view.nbytes:
                got = member.readinto(view[filled:filled + (1 << 20)])
                if not got:
                    self.fail(where, f"array {name!r} ends early")
                filled += got
            if member.read(1):  # (reaching the end checks the member's CRC)
                self.fail(where, f"array {name!r} has bytes after its data")
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
