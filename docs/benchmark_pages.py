"""A Sphinx extension that writes the benchmark pages from ``benchmarks/results/`` before a
build: one page per committed result, under its method (the docstring of the script that
wrote it) and how to run it again."""

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _script(stem):
    """The benchmark script that writes ``results/<stem>.md``, its docstring and the
    arguments it was given (``<script>-realisation-<n>``: ``--realisation <n>``)."""
    name, _, realisation = stem.partition("-realisation-")
    script = ROOT / "benchmarks" / f"{name}.py"
    docstring = ast.get_docstring(ast.parse(script.read_text())) if script.exists() else None
    if stem == "solar_wind":  # the script runs narxcast.benchmark, whose docstring says how
        docstring = ast.get_docstring(ast.parse((ROOT / "narxcast" / "benchmark.py")
                                                .read_text()))
    return script, docstring, f" --realisation {realisation}" if realisation else ""


def write_pages(app=None):
    out = Path(__file__).resolve().parent / "benchmarks"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for figure in RESULTS.glob("*.png"):
        shutil.copy(figure, out / figure.name)
    stems = sorted(path.stem for path in RESULTS.glob("*.md"))
    for stem in stems:
        script, method, arguments = _script(stem)
        result = (RESULTS / f"{stem}.md").read_text()
        title, _, rest = result.partition("\n")
        lines = [title, ""]
        if method:
            lines += ["## Method", "", method, ""]
        if script.exists():
            lines += [f"Run again from a clone with the development install: `python "
                      f"benchmarks/{script.name}{arguments}`.", ""]
        lines += ["## Results", "", rest.replace("\n## ", "\n### ")]
        (out / f"{stem}.md").write_text("\n".join(lines))
    index = ["# Benchmarks", "",
             "The committed results of the scripts in `benchmarks/`, each with the machine it "
             "ran on; `benchmarks/NOTES.md` in the repository says what was tried and why.", "",
             "```{toctree}", ":maxdepth: 1", "", *stems, "```", ""]
    (out / "index.md").write_text("\n".join(index))


def setup(app):
    app.connect("builder-inited", write_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
