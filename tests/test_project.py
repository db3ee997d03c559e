"""The project speaks to its users: no file tells how it was built (work sessions, issue
numbers, a repository outside this one), and the files the text cites exist."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# words about the project's making, never about what a user has
# (spelt in pieces, so that this file does not match what it looks for)
MAKING = re.compile("|".join([r"\bsessions? \d+", r"\bsteer" + r"ing\b", r"\bDES" + r"IGN\.md\b",
                              r"\bissues?[- ]#?\d+", r"\.\./sha" + "red", r"\bthe iss" + r"ue\b"]),
                    re.IGNORECASE)
TEXT = {".py", ".md", ".toml", ".ipynb", ".cfg", ".txt", ".yml", ".yaml", ""}


def _project_files():
    """The files of the project: those git tracks (and the untracked ones it does not
    ignore), else every file under the root but caches."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.splitlines() if (ROOT / name).is_file()]


def test_no_file_speaks_of_how_the_project_was_made():
    found = []
    for path in _project_files():
        if path.suffix not in TEXT and path.name not in ("run", "LICENSE"):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if MAKING.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert len(_project_files()) > 50
    assert not found, "\n".join(found)


def test_the_files_the_documentation_cites_exist():
    """Every project path the README, the documentation, ARCHITECTURE.md, CHANGELOG.md and
    the notes cite in backticks (a path with a folder: ``benchmarks/NOTES.md``) is in the
    project."""
    cited = set()
    documents = ["README.md", "ARCHITECTURE.md", "CHANGELOG.md", "benchmarks/NOTES.md",
                 *(str(path.relative_to(ROOT)) for path in (ROOT / "docs").rglob("*.md")
                   if "_build" not in path.parts and path.parts[-2] != "benchmarks")]
    for name in documents:
        text = (ROOT / name).read_text()
        cited |= set(re.findall(r"`((?:narxcast|tests|benchmarks|notebooks|datasets|docs)/"
                                r"[\w./-]+\.(?:py|md|ipynb|csv|png|gz))`", text))
    assert "benchmarks/NOTES.md" in cited
    missing = sorted(path for path in cited if not (ROOT / path).exists())
    assert not missing, missing
