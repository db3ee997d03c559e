"""The layers of ARCHITECTURE.md: no module imports from a layer above its own."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "narxcast"
# top to bottom, as ARCHITECTURE.md draws them
LAYERS = [
    ["cli"],
    ["batch", "batch_global", "jobs", "specs", "tables", "model_files", "serialization",
     "benchmark", "plotting"],
    ["model_selection", "metrics"],
    ["narx", "tdnn", "elman", "lstm", "gru", "arima", "persistence", "compose", "intervals",
     "_mlp", "_rows", "_simulation",
     "_recurrent", "_network", "_forecaster", "_validation"],
    ["training"],
    ["kernels"],
    ["datasets", "features", "data"],
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
    public = {"ARIMARegressor": "arima", "ElmanRegressor": "elman", "GRURegressor": "gru",
              "LSTMRegressor": "lstm", "NARXRegressor": "narx",
              "PersistenceRegressor": "persistence", "TDNNRegressor": "tdnn",
              "__version__": "datasets"}  # the version string sits at the bottom
    for target in _imported(path):
        target = public.get(target, target)
        assert _layer_of(target) >= own, f"{module} imports {target} from a layer above"


def test_every_module_has_a_layer():
    for path in MODULES:
        _layer_of(".".join(path.relative_to(PACKAGE).with_suffix("").parts))
