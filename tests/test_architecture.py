"""The layers of ARCHITECTURE.md: no module imports from a layer above its own."""

import ast
from pathlib import Path

import pytest

import narxcast

PACKAGE = Path(__file__).resolve().parents[1] / "narxcast"
# top to bottom, as ARCHITECTURE.md draws them
LAYERS = [
    ["cli"],
    ["batch", "batch_global", "batch_fill", "jobs", "specs", "tables", "model_files",
     "serialization", "writing", "benchmark", "demo", "plotting", "precompile"],
    ["model_selection", "auto", "_auto_members", "backtesting", "metrics"],
    ["narx", "tdnn", "elman", "lstm", "gru", "arima", "persistence", "compose", "ensembles",
     "intervals", "impute", "_imputer_held_out",
     "_mlp", "_rows", "_simulation", "_quantiles", "_delegating",
     "_recurrent", "_network", "_forecaster", "_validation"],
    ["training"],
    ["kernels"],
    ["datasets", "systems", "orders", "features", "data", "_typing"],
]
LAYER = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def _layer_of(module):
    """The layer of a module path relative to the package (``kernels.core`` -> kernels)."""
    return LAYER[module.split(".")[0]]


def _imported(path):
    """The narxcast modules a file imports, anywhere in it, relative to the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[:len(here) - node.level])
            target = ".".join([*base, node.module] if node.module else base)
            if target:
                yield target
            else:  # `from . import X`: the package's public names
                yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("narxcast."):
                    yield alias.name[len("narxcast."):]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_from_a_layer_above(path):
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    own = _layer_of(module)
    # the package's estimators, each from its module; the version string sits at the bottom
    public = {**narxcast._ESTIMATORS, "__version__": "datasets"}
    for target in _imported(path):
        target = public.get(target, target)
        assert _layer_of(target) >= own, f"{module} imports {target} from a layer above"


def test_every_module_has_a_layer():
    for path in MODULES:
        _layer_of(".".join(path.relative_to(PACKAGE).with_suffix("").parts))


def _module_edges():
    """{module: modules it imports, anywhere in it}, submodules resolved (``from .kernels
    import narx`` is an edge to ``kernels.narx``); the package itself is ``narxcast``."""
    names = {".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
             or "narxcast": p for p in PACKAGE.rglob("*.py")}
    names["narxcast"] = names.pop("__init__", PACKAGE / "__init__.py")
    edges = {}
    for name, path in names.items():
        here = path.relative_to(PACKAGE).with_suffix("").parts
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = list(here[:len(here) - node.level])
                module = ".".join([*base, node.module] if node.module else base) or "narxcast"
                for alias in node.names:
                    sub = f"{module}.{alias.name}" if module != "narxcast" else alias.name
                    targets.add(sub if sub in names else module)
            elif isinstance(node, ast.Import):
                targets |= {a.name[len("narxcast."):] for a in node.names
                            if a.name.startswith("narxcast.")}
        edges[name] = {t for t in targets if t in names and t != name}
    return edges


def test_no_import_circle_anywhere_lazy_imports_included():
    """A module never imports, directly or through others (at the top or inside a function),
    a module that imports it back."""
    edges = _module_edges()
    assert {"compose", "intervals", "serialization", "model_files"} <= set(edges)
    circles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                circles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)
