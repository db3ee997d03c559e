"""The project's documents as code: the Python blocks of the README and of the guides in
``docs/guides/``, run in order in one namespace per document, as a user pastes them into
one session."""

import contextlib
import io
import os
import re
import warnings
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDES = ROOT / "docs" / "guides"


class Block(NamedTuple):
    """What one block left: the session's names after it, what it printed, and the warnings
    it raised."""

    namespace: dict
    printed: str
    warnings: list


def sections(path):
    """``{title: text}`` of a document's ``## `` sections."""
    return dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", Path(path).read_text(),
                           re.S | re.M))


def section_text(path, title):
    """The text of the section ``## title`` of ``path``, its lines joined by spaces."""
    return " ".join(sections(path)[title].split())


def blocks(path):
    """Every Python block of a document in order: ``(section title, number in section,
    code)``; blocks before the first section belong to the title ``""``."""
    text = Path(path).read_text()
    first = re.search(r"^## ", text, re.M)
    found = [("", k, code) for k, code in enumerate(re.findall(
        r"```python\n(.*?)```", text[:first.start()] if first else text, re.S))]
    for title, body in sections(path).items():
        found += [(title, k, code) for k, code in
                  enumerate(re.findall(r"```python\n(.*?)```", body, re.S))]
    return found


def run(path, folder):
    """Run every block of ``path`` in order in one namespace, in ``folder`` (a block may write
    files): ``{(section title, number): Block}``."""
    namespace, done = {}, {}
    here = os.getcwd()
    os.chdir(folder)
    try:
        for title, k, code in blocks(path):
            printed = io.StringIO()
            with warnings.catch_warnings(record=True) as caught, \
                    contextlib.redirect_stdout(printed):
                warnings.simplefilter("always")
                exec(compile(code, f"{Path(path).name} {title} {k}", "exec"), namespace)
            done[title, k] = Block(dict(namespace), printed.getvalue(), list(caught))
    finally:
        os.chdir(here)
    return done
