"""Model archives: bit-identical round trips of every estimator, and files that are refused
without running anything."""

import io
import json
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from narxcast import (
    ARIMARegressor,
    ElmanRegressor,
    GRURegressor,
    LSTMRegressor,
    NARXRegressor,
    PersistenceRegressor,
    TDNNRegressor,
)
from narxcast.compose import (
    ClearSkyIndexRegressor,
    EnsembleRegressor,
    IrradianceRegressor,
    VotingRegressor,
)
from narxcast.datasets import load_solar_wind
from narxcast.features import solar_features
from narxcast.serialization import ModelFileError, dump, load, load_with_metadata


def _estimators():
    return {
        "narx": NARXRegressor(feedback_delays=[1, 2, 24], max_iter=2, random_state=0),
        "narx ga": NARXRegressor(solver="ga", population_size=6, n_generations=2,
                                 random_state=np.random.RandomState(0)),
        "tdnn": TDNNRegressor(max_horizon=6, max_iter=2, random_state=0),
        "elman": ElmanRegressor(max_iter=2, random_state=0, loop=("open", "closed")),
        "lstm": LSTMRegressor(peephole=True, max_iter=2, random_state=0),
        "gru": GRURegressor(hidden_layer_sizes=(4, 3), max_iter=2, random_state=0),
        "arima": ARIMARegressor(order=(1, 0, 1)),
        "persistence": PersistenceRegressor(kind="clearsky"),
        "clear-sky index": ClearSkyIndexRegressor(NARXRegressor(max_iter=2, random_state=0)),
        "irradiance": IrradianceRegressor(ElmanRegressor(max_iter=2, random_state=0)),
        "ensemble": EnsembleRegressor(NARXRegressor(max_iter=2), n_estimators=2,
                                      random_state=0),
        "voting": VotingRegressor([("narx", NARXRegressor(max_iter=2, random_state=0)),
                                   ("persistence", PersistenceRegressor(kind="clearsky"))],
                                  weights=[0.7, 0.3]),
    }


@pytest.fixture(scope="module")
def solar():
    data = load_solar_wind("colorado-2017").iloc[:800]
    return solar_features(data), data["ghi"]


@pytest.mark.parametrize("name", list(_estimators()))
def test_round_trip_is_bit_identical(solar, tmp_path, name):
    """Fitted, updated twice, stored and loaded: every predict mode gives the same bits, and
    the loaded model goes on updating as the original does."""
    X, y = solar
    model = _estimators()[name].fit(X[:600], y[:600])
    model.update(X[600:610], y[600:610])
    model.update(X[610:620], y[610:620])
    dump(model, tmp_path / "m.narxcast", metadata={"site": "colorado-2017"})
    loaded, metadata = load_with_metadata(tmp_path / "m.narxcast")
    assert metadata == {"site": "colorado-2017"} and type(loaded) is type(model)
    assert loaded.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    for original in (model, loaded):  # the same updates after loading
        original.update(X[620:630], y[620:630])
    for args, kwargs in [((X[630:654],), {}),
                         ((X[630:], y[630:]), {"horizon": 6, "all_horizons": True})]:
        np.testing.assert_array_equal(loaded.predict(*args, **kwargs),
                                      model.predict(*args, **kwargs))


def test_unfitted_estimator_round_trip(tmp_path):
    model = LSTMRegressor(hidden_layer_sizes=(3, 2), loop=("open", "closed"), peephole=True)
    dump(model, tmp_path / "m.narxcast")
    loaded = load(tmp_path / "m.narxcast")
    assert loaded.get_params() == {**model.get_params(), "hidden_layer_sizes": (3, 2),
                                   "loop": ("open", "closed")}


def _archive(path, index, arrays=()):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("narxcast.json", json.dumps(index))
        for name, content in arrays:
            archive.writestr(name, content)


def _fitted_index(tmp_path):
    X = np.random.default_rng(0).normal(size=(120, 1))
    dump(NARXRegressor(max_iter=1, random_state=0).fit(X, X[:, 0]), tmp_path / "good.narxcast")
    with zipfile.ZipFile(tmp_path / "good.narxcast") as archive:
        return json.loads(archive.read("narxcast.json")), {
            name: archive.read(name) for name in archive.namelist() if name != "narxcast.json"}


class _RunsCode:
    """A pickle that, when loaded, creates the file it names."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    """A pickle (as earlier narxcast versions wrote) that would create a file when unpickled:
    loading it, in the library and through the command, refuses it and creates nothing."""
    marker = tmp_path / "ran"
    crafted = tmp_path / "model.narxcast"
    crafted.write_bytes(pickle.dumps(_RunsCode(str(marker))))
    with pytest.raises(ModelFileError, match="not a narxcast model file"):
        load(crafted)
    (tmp_path / "latest.csv").write_text("time,ghi\n2020-01-01T00:00,1\n")
    run = subprocess.run([sys.executable, "-m", "narxcast.cli", "forecast", str(crafted),
                          str(tmp_path / "latest.csv"), "--horizon", "3", "--out",
                          str(tmp_path / "f.csv")], capture_output=True, text=True)
    assert run.returncode == 2 and "not a narxcast model file" in run.stderr
    assert not marker.exists() and not (tmp_path / "f.csv").exists()


def test_an_object_array_inside_an_archive_is_refused_unread(tmp_path):
    """An .npy member holding pickled objects would run code in np.load(allow_pickle=True);
    the loader never allows pickles."""
    index, arrays = _fitted_index(tmp_path)
    marker = tmp_path / "ran"
    buffer = io.BytesIO()
    np.save(buffer, np.array([_RunsCode(str(marker))], dtype=object), allow_pickle=True)
    name = index["estimator"]["fitted"]["theta_"]["__array__"]
    _archive(tmp_path / "evil.narxcast", index, [*{**arrays, name: buffer.getvalue()}.items()])
    with pytest.raises(ModelFileError, match="theta_: unreadable array"):
        load(tmp_path / "evil.narxcast")
    assert not marker.exists()


@pytest.mark.parametrize("edit, message", [
    (lambda index: index["estimator"].update({"class": "os.system"}),
     "unknown estimator class 'os.system'"),
    (lambda index: index["estimator"].update({"class": "Scaler"}), "unknown estimator class"),
    (lambda index: index.update({"version": 99}),
     "written in model-file format 99 .*; this narxcast reads format 1 and earlier"),
    (lambda index: index.update({"format": "something else"}), "not a narxcast model file"),
    (lambda index: index["estimator"]["params"].update({"hidden_layer_sizes": [0]}),
     "hidden_layer_sizes"),
    (lambda index: index["estimator"]["params"].update({"extra": 1}), "are not those of"),
    (lambda index: index["estimator"]["fitted"].update({"predict": 1}),
     "unexpected attribute 'predict'"),
    (lambda index: index["estimator"]["fitted"].update({"n_targets_": 2}), "_y_ndim"),
    (lambda index: index["estimator"]["fitted"].update({"_y_ndim": 2, "n_targets_": 2}),
     "target_scaler_"),
    (lambda index: index["estimator"]["fitted"].update({"input_delays_": [0, 5]}),
     "input_delays_"),
])
def test_a_file_that_does_not_describe_a_sound_model_is_refused(tmp_path, edit, message):
    index, arrays = _fitted_index(tmp_path)
    edit(index)
    _archive(tmp_path / "bad.narxcast", index, arrays.items())
    with pytest.raises(ModelFileError, match=message):
        load(tmp_path / "bad.narxcast")


@pytest.mark.parametrize("cut", [1, 5])
def test_a_parameter_vector_shorter_than_its_layout_is_refused(tmp_path, cut):
    """A crash found in hostile testing: θ shorter than the layers it claims would be read
    past its end by every kernel. Refused at load, and at a kernel's entry if set by hand."""
    index, arrays = _fitted_index(tmp_path)
    name = index["estimator"]["fitted"]["theta_"]["__array__"]
    theta = np.load(io.BytesIO(arrays[name]))
    buffer = io.BytesIO()
    np.save(buffer, theta[:-cut])
    _archive(tmp_path / "short.narxcast", index, [*{**arrays, name: buffer.getvalue()}.items()])
    with pytest.raises(ModelFileError, match="`theta_` must be a contiguous float vector"):
        load(tmp_path / "short.narxcast")
    model = load(tmp_path / "good.narxcast")
    model.theta_ = model.theta_[:-cut].copy()
    X = np.random.default_rng(1).normal(size=(30, 1))
    with pytest.raises(ValueError, match="`theta` must be a contiguous float vector"):
        model.predict(X, X[:, 0], horizon=2)


def test_not_a_zip_and_missing_files(tmp_path):
    (tmp_path / "text.narxcast").write_text("hello")
    with pytest.raises(ModelFileError, match="not a zip archive"):
        load(tmp_path / "text.narxcast")
    with pytest.raises(ModelFileError, match="no such model file"):
        load(tmp_path / "none.narxcast")
    with zipfile.ZipFile(tmp_path / "empty.narxcast", "w"):
        pass
    with pytest.raises(ModelFileError, match="no narxcast.json"):
        load(tmp_path / "empty.narxcast")


def test_pickle_still_works_for_those_who_choose_it(solar):
    X, y = solar
    model = GRURegressor(max_iter=2, random_state=0).fit(X[:300], y[:300])
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X[300:324]), model.predict(X[300:324]))


def test_arima_loaded_read_only_from_joblib_forecasts(solar, tmp_path):
    """joblib's mmap_mode="r" hands statsmodels read-only arrays its filter cannot use: the
    results are rebuilt from copies when unpickled."""
    import joblib

    X, y = solar
    model = ARIMARegressor(order=(1, 0, 0)).fit(X[:300], y[:300])
    model.update(X[300:320], y[300:320])
    joblib.dump(model, tmp_path / "arima.joblib")
    loaded = joblib.load(tmp_path / "arima.joblib", mmap_mode="r")
    np.testing.assert_array_equal(loaded.predict(X[320:344]), model.predict(X[320:344]))
