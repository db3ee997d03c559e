"""Crafted and damaged model archives: every one is refused with the package's error naming
the file, before the loader allocates more than the file's own sizes allow, hangs, or runs
anything. The files are made here, from a model's archive."""

import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from narxcast import NARXRegressor
from narxcast.compose import EnsembleRegressor
from narxcast.serialization import MAX_ESTIMATORS, ModelFileError, dump, load


def _model(path, estimator=None):
    X = np.random.default_rng(0).normal(size=(120, 1))
    estimator = estimator or NARXRegressor(max_iter=1, random_state=0)
    dump(estimator.fit(X, X[:, 0]), path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(members.pop("narxcast.json")), members


def _write(path, index, members, compression=zipfile.ZIP_DEFLATED, methods=None):
    """An archive of ``index`` and ``members`` ({name: bytes}); ``methods`` gives a member
    another compression."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("narxcast.json", json.dumps(index), compression)
        for name, content in members.items():
            archive.writestr(name, content, (methods or {}).get(name, compression))
    return path


def _declare_size(path, name, size):
    """Rewrite the uncompressed size that ``name``'s local and central headers declare."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_length_at, header in ((b"PK\x03\x04", 22, 26, 30),
                                                       (b"PK\x01\x02", 24, 28, 46)):
        start = data.find(signature)
        while start != -1:
            length = struct.unpack_from("<H", data, start + name_length_at)[0]
            if data[start + header:start + header + length] == encoded:
                struct.pack_into("<I", data, start + size_at, size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def _theta_member(index):
    return index["estimator"]["fitted"]["theta_"]["__array__"]


def _refused(path, match):
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match=match) as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert time.perf_counter() - started < 5  # refused before the work a file could demand


def test_a_member_that_inflates_far_more_than_floats_do_is_refused_unread(tmp_path):
    index, members = _model(tmp_path / "good.narxcast")
    members[_theta_member(index)] = bytes(32 << 20)  # 32 MiB of zeros: ~32 kB deflated
    _refused(_write(tmp_path / "bomb.narxcast", index, members), "inflates .*-fold")


def test_a_member_larger_than_its_declared_size_is_refused(tmp_path):
    """The declared size is what the loader allocates; bytes beyond it are never read
    (the member's CRC then fails)."""
    index, members = _model(tmp_path / "good.narxcast")
    name = _theta_member(index)
    true = members[name]
    members[name] = true + bytes(4 << 20)
    path = _write(tmp_path / "false-size.narxcast", index, members)
    _declare_size(path, name, len(true))
    _refused(path, "not a sound narxcast model .*BadZipFile")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compression_methods_narxcast_never_writes_are_refused(tmp_path, method):
    index, members = _model(tmp_path / "good.narxcast")
    path = _write(tmp_path / "other.narxcast", index, members,
                  methods={_theta_member(index): method})
    _refused(path, f"compressed with method {method}")


def test_an_array_header_that_its_bytes_do_not_hold_is_refused(tmp_path):
    index, members = _model(tmp_path / "good.narxcast")
    name = _theta_member(index)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    members[name] = header.getvalue() + members[name][128:]
    _refused(_write(tmp_path / "shape.narxcast", index, members),
             r"declares shape \(1000000000000,\)")


def test_json_nested_deeper_than_a_model_is_refused(tmp_path):
    index, members = _model(tmp_path / "good.narxcast")
    deep = []
    for _ in range(500):
        deep = [deep]
    index["metadata"] = {"deep": deep}
    _refused(_write(tmp_path / "deep.narxcast", index, members), "nests 50[0-9] deep")
    text = "[" * 100_000 + "]" * 100_000  # deeper than the JSON parser goes
    with zipfile.ZipFile(tmp_path / "deeper.narxcast", "w") as archive:
        archive.writestr("narxcast.json", text, zipfile.ZIP_DEFLATED)
    _refused(tmp_path / "deeper.narxcast", "not valid JSON|not a narxcast model file")


def test_more_estimators_than_a_model_file_holds_are_refused(tmp_path):
    index, members = _model(tmp_path / "good.narxcast",
                            EnsembleRegressor(NARXRegressor(max_iter=1), n_estimators=2,
                                              random_state=0))
    fitted = index["estimator"]["fitted"]
    fitted["estimators_"] = fitted["estimators_"] * (MAX_ESTIMATORS // 2 + 1)
    _refused(_write(tmp_path / "many.narxcast", index, members),
             f"holds {2 * (MAX_ESTIMATORS // 2 + 1) + 2} estimators")  # + the template
    with pytest.raises(ValueError, match="n_estimators"):
        EnsembleRegressor(NARXRegressor(), n_estimators=10**6).fit(np.zeros((50, 1)),
                                                                 np.arange(50.0))


def test_special_files_are_refused_unread(tmp_path):
    """A symbolic link to /dev/zero would be read until memory ran out, a FIFO would block
    forever: both are refused before they are opened (in a subprocess, bounded in time)."""
    os.symlink("/dev/zero", tmp_path / "zero.narxcast")
    os.mkfifo(tmp_path / "fifo.narxcast")
    os.mkdir(tmp_path / "folder.narxcast")
    code = ("import sys\nfrom narxcast.serialization import ModelFileError, load\n"
            "for path in sys.argv[1:]:\n"
            "    try:\n        load(path)\n    except ModelFileError as error:\n"
            "        print(error)\n")
    run = subprocess.run([sys.executable, "-c", code, *(str(tmp_path / name) for name in (
        "zero.narxcast", "fifo.narxcast", "folder.narxcast"))], capture_output=True,
        text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("not a regular file") == 3


@pytest.fixture(scope="module")
def archive_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("archive") / "model.narxcast"
    _model(path)
    return path.read_bytes()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damaged_byte_gives_the_model_or_the_packages_error(archive_bytes, tmp_path, data):
    position = data.draw(st.integers(0, len(archive_bytes) - 1))
    flip = data.draw(st.integers(1, 255))
    damaged = bytearray(archive_bytes)
    damaged[position] ^= flip
    path = tmp_path / "damaged.narxcast"
    path.write_bytes(bytes(damaged))
    try:
        model = load(path)
    except ModelFileError as error:
        assert str(path) in str(error)
    else:  # a byte the archive does not check (a date, an unused flag): still the model
        assert np.isfinite(model.predict(np.zeros((3, 1)))).all()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from(["params", "fitted"]), key=st.text(max_size=20), value=JSON,
       replace=st.booleans())
def test_any_json_value_in_the_index_gives_the_model_or_the_packages_error(
        archive_bytes, tmp_path, part, key, value, replace):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    index = json.loads(members.pop("narxcast.json"))
    node = index["estimator"][part]
    if replace and node:
        key = sorted(node)[len(key) % len(node)]
    node[key] = value
    path = _write(tmp_path / "edited.narxcast", index, members)
    try:
        load(path)
    except ModelFileError as error:
        assert str(path) in str(error)


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.parametrize("edit, message", [
    ("scale as bool", "target_scaler_"),
    ("scale as uint64", "target_scaler_"),
    ("NaN history", "history_y_"),
    ("solver unknown in a list", "solver"),
])
def test_fitted_state_a_refit_or_forecast_would_refuse_is_refused_at_load(tmp_path, edit,
                                                                          message):
    index, members = _model(tmp_path / "good.narxcast")
    fitted, params = index["estimator"]["fitted"], index["estimator"]["params"]
    scale = fitted["target_scaler_"]["__scaler__"]["scale"]["__array__"]
    if edit == "scale as bool":
        members[scale] = _npy(np.array([True]))
    elif edit == "scale as uint64":
        members[scale] = _npy(np.array([3], dtype=np.uint64))
    elif edit == "NaN history":
        name = fitted["history_y_"]["__array__"]
        history = np.load(io.BytesIO(members[name]))
        history[-1] = np.nan
        members[name] = _npy(history)
    else:
        params["solver"] = ["adam", "newton"]
    _refused(_write(tmp_path / "edited.narxcast", index, members), message)


def test_ensemble_members_that_disagree_are_refused_at_load(tmp_path):
    """Each member sound on its own, but one takes two inputs where the others take one."""
    X = np.random.default_rng(0).normal(size=(120, 2))
    ensemble = EnsembleRegressor(NARXRegressor(max_iter=1), n_estimators=2,
                                 random_state=0).fit(X[:, :1], X[:, 0])
    ensemble.estimators_[1] = NARXRegressor(max_iter=1, random_state=0).fit(X, X[:, 0])
    dump(ensemble, tmp_path / "disagree.narxcast")
    _refused(tmp_path / "disagree.narxcast", "`estimators_` disagree on their inputs")
