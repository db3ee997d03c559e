"""The API reference covers the public API, and every public object says what it does: each
class and function in a public module's ``__all__`` is in ``docs/api.rst`` (whose build
holds them to numpydoc's sections), and every public method has a docstring."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = ["narxcast", "narxcast.compose", "narxcast.intervals", "narxcast.impute",
                  "narxcast.model_selection", "narxcast.auto", "narxcast.metrics",
                  "narxcast.features", "narxcast.datasets", "narxcast.systems",
                  "narxcast.orders", "narxcast.plotting", "narxcast.serialization"]


def _public_objects():
    """``(module, name, object)`` of every class and function in a public ``__all__``."""
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if inspect.isclass(value) or inspect.isfunction(value):
                yield name, attribute, value


def test_the_reference_lists_every_public_class_and_function():
    text = (ROOT / "docs" / "api.rst").read_text()
    listed, module = set(), None
    for line in text.splitlines():
        if line.startswith(".. currentmodule:: "):
            module = line.split()[-1]
        elif re.match(r"^   [A-Za-z_][\w.]*$", line):
            listed.add(f"{module}.{line.strip()}")
    objects = {(value.__module__, value.__name__): f"{name}.{attribute}"
               for name, attribute, value in _public_objects()}
    documented = set()
    for full in listed:
        module_name, _, attribute = full.rpartition(".")
        value = getattr(importlib.import_module(module_name), attribute)
        documented.add((value.__module__, value.__name__))
    missing = sorted(where for key, where in objects.items() if key not in documented)
    assert len(objects) >= 55 and not missing, missing


@pytest.mark.parametrize("module, name, cls", [
    item for item in _public_objects() if inspect.isclass(item[2])], ids=lambda v: str(v))
def test_every_public_method_has_a_docstring(module, name, cls):
    if issubclass(cls, BaseException) or not hasattr(cls, "fit") and not hasattr(cls, "_fields"):
        return
    undocumented = [method for method, value in inspect.getmembers(cls, callable)
                    if not method.startswith("_") and not (method.startswith("set_")
                                                            and method.endswith("_request"))
                    and not (inspect.getdoc(value) or "").strip()]
    assert not undocumented, f"{module}.{name}: {undocumented}"


@pytest.mark.parametrize("name", ["NARXRegressor", "ElmanRegressor", "LSTMRegressor",
                                  "GRURegressor", "TDNNRegressor", "ARIMARegressor",
                                  "PersistenceRegressor"])
def test_help_shows_the_estimators_own_parameters_and_methods_first(name):
    """``help()`` reads the docstring first: narxcast's parameters and its methods (with their
    signatures as they are) come before scikit-learn's metadata-routing methods."""
    import pydoc

    import narxcast

    cls = getattr(narxcast, name)
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    routing = text.index("Method resolution order")  # after the docstring, then the methods
    for method in ("fit", "predict", "simulate", "update", "score"):
        shown = re.search(rf"\|  {method}\((.*?)\)\n", text)
        assert shown and shown.start() < routing, method
        listed = "(" + shown.group(1) + ")"
        actual = str(inspect.signature(getattr(cls, method))).replace("self, ", "")
        bare = re.sub(r": '[^']*'|: \"[^\"]*\"| -> '[^']*'", "", actual).replace(" = ", "=")
        assert bare == listed, (method, listed)
    assert text.index("Parameters") < routing


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_private_helpers_are_not_importable_from_public_modules(name):
    """A public module's namespace holds its API (and the libraries it uses), never the
    package's private helpers (``from narxcast.compose import take`` fails)."""
    module = importlib.import_module(name)
    leaked = sorted(attribute for attribute, value in vars(module).items()
                    if not attribute.startswith("_")
                    and re.match(r"narxcast\._(rows|forecaster|validation|simulation)$",
                                 getattr(value, "__module__", "") or ""))
    assert not leaked, leaked
