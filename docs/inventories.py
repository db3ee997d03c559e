"""Intersphinx inventories of Python, NumPy, pandas and scikit-learn, written from the
installed libraries so that the documentation links to theirs without a network: the public
names of each (by the addresses their documentation gives such names), in Sphinx's
inventory format (version 2)."""

import importlib
import inspect
import zlib
from pathlib import Path

PYTHON = {  # the built-ins and standard-library names narxcast's docstrings use
    "str": ("py:class", "library/stdtypes.html#str"),
    "int": ("py:class", "library/functions.html#int"),
    "float": ("py:class", "library/functions.html#float"),
    "bool": ("py:class", "library/functions.html#bool"),
    "list": ("py:class", "library/stdtypes.html#list"),
    "tuple": ("py:class", "library/stdtypes.html#tuple"),
    "dict": ("py:class", "library/stdtypes.html#dict"),
    "None": ("py:data", "library/constants.html#None"),
    "True": ("py:data", "library/constants.html#True"),
    "False": ("py:data", "library/constants.html#False"),
    "callable": ("py:function", "library/functions.html#callable"),
    "ValueError": ("py:exception", "library/exceptions.html#ValueError"),
    "TypeError": ("py:exception", "library/exceptions.html#TypeError"),
    "RuntimeWarning": ("py:exception", "library/exceptions.html#RuntimeWarning"),
    "pathlib.Path": ("py:class", "library/pathlib.html#pathlib.Path"),
    "sequence": ("std:term", "glossary.html#term-sequence"),
    "bltin-boolean-values": ("std:label", "library/stdtypes.html#bltin-boolean-values"),
    "os.PathLike": ("py:class", "library/os.html#os.PathLike"),
}


def _public(module_name):
    """``{qualified name: role}`` of a module's public classes and functions."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    found = {}
    for name in names:
        value = getattr(module, name, None)
        if inspect.isclass(value):
            role = "py:exception" if issubclass(value, BaseException) else "py:class"
        elif callable(value):
            role = "py:function"
        else:
            continue
        found[f"{module_name}.{name}"] = role
    return found


def _sklearn():
    import sklearn

    entries = {}
    for module in sklearn.__all__:
        try:
            public = _public(f"sklearn.{module}")
        except ImportError:
            continue
        for name, role in public.items():
            entries[name] = (role, f"modules/generated/{name}.html#{name}")
    for name in ("base.BaseEstimator", "base.RegressorMixin", "base.clone"):
        full = f"sklearn.{name}"
        entries[full] = ("py:function" if name.endswith("clone") else "py:class",
                         f"modules/generated/{full}.html#{full}")
    entries["array-like"] = ("std:term", "glossary.html#term-array-like")
    entries["sklearn.utils.Bunch"] = ("py:class", "modules/generated/sklearn.utils.Bunch.html"
                                                  "#sklearn.utils.Bunch")
    return "scikit-learn", sklearn.__version__, entries


def _numpy():
    import numpy

    entries = {name: (role, f"reference/generated/{name}.html#{name}")
               for name, role in _public("numpy").items()}
    entries["numpy.random.RandomState"] = ("py:class", "reference/random/legacy.html"
                                                       "#numpy.random.RandomState")
    entries["numpy.random.Generator"] = ("py:class", "reference/random/generator.html"
                                                     "#numpy.random.Generator")
    return "NumPy", numpy.__version__, entries


def _pandas():
    import pandas

    entries = {name: (role, f"reference/api/{name}.html#{name}")
               for name, role in _public("pandas").items()}
    return "pandas", pandas.__version__, entries


def _python():
    import sys

    return "Python", ".".join(map(str, sys.version_info[:2])), PYTHON


def write(folder):
    """Write ``python.inv``, ``numpy.inv``, ``pandas.inv`` and ``sklearn.inv`` in
    ``folder``; returns their paths by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, build in (("python", _python), ("numpy", _numpy), ("pandas", _pandas),
                       ("sklearn", _sklearn)):
        project, version, entries = build()
        header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
                  "# The remainder of this file is compressed using zlib.\n")
        body = "".join(f"{name} {role} 1 {uri} -\n" for name, (role, uri) in sorted(
            entries.items()))
        paths[key] = folder / f"{key}.inv"
        paths[key].write_bytes(header.encode() + zlib.compress(body.encode()))
    return paths
