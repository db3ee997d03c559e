"""The README is a front page whose code runs as written: the two set-up commands, the
quickstart and its figures, and links into the guides that exist."""

import io
import re

import numpy as np
import pytest

from .documents import README, ROOT, blocks, run


def test_readme_starts_with_the_two_setup_commands():
    text = README.read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert block == ['python -m pip install ".[all]" && narxcast demo',
                     'python -m pip install -e ".[test]" && python -m pytest']
    assert text.index("```bash") < text.index("## ")


def test_readme_is_a_front_page_whose_links_exist():
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert len(links) >= 10 and all((ROOT / link).exists() for link in links), links
    guides = {path.name for path in (ROOT / "docs" / "guides").glob("*.md")} - {"index.md"}
    assert {link.split("/")[-1] for link in links if "guides/" in link} == guides


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Every README block run once, in order, in one namespace, in a fresh folder."""
    return run(README, tmp_path_factory.mktemp("readme"))


@pytest.fixture(scope="module")
def quickstart(session):
    """The names the quickstart left, and what it printed."""
    return session["Quickstart", 0].namespace, session["Quickstart", 0].printed


def test_every_block_ran_in_order_in_one_session(session):
    assert list(session) == [(title, k) for title, k, _ in blocks(README)]
    assert ("Quickstart", 0) in session


def test_the_quickstart_warns_only_in_terms_a_user_can_act_on(session):
    """A default fit that uses its whole budget says which setting to change, at the user's
    line; nothing else is raised (no library-internal warning)."""
    from narxcast.training.stages import IterationsExhaustedWarning

    for warning in session["Quickstart", 0].warnings:
        assert issubclass(warning.category, IterationsExhaustedWarning), warning
        assert warning.filename.startswith("README")
        assert "raise max_iter" in str(warning.message)


def test_quickstart_runs_and_prints_what_the_readme_says(quickstart):
    namespace, printed = quickstart
    errors = [float(v) for v in re.findall(r"daytime RMSE ([\d.]+) W/m2", printed)]
    claimed = re.search(r"This prints ([\d.]+) and ([\d.]+) W/m2", README.read_text()).groups()
    np.testing.assert_allclose(errors, [float(v) for v in claimed], rtol=0.02)
    y_test, day = namespace["y_test"].to_numpy(), namespace["daytime"]
    for error, h in zip(errors, (1, 24)):  # ahead of naive persistence by far
        persistence = np.sqrt(np.mean(((y_test[h:] - y_test[:-h]) ** 2)[day[h:]]))
        assert error < 0.8 * persistence
    assert namespace["model"].stages_ == ["adam, open loop", "adam, closed loop"]


def test_demo_prints_the_quickstart_figures(quickstart):
    from narxcast.demo import demo

    table = demo(out=io.StringIO())
    errors = [float(v) for v in re.findall(r"daytime RMSE ([\d.]+) W/m2", quickstart[1])]
    np.testing.assert_allclose(table.iloc[0], errors, atol=0.051)  # the same model and rows
    claimed = re.search(r"clear-sky\s+persistence, the strongest there: ([\d.]+) and "
                        r"([\d.]+)\)", README.read_text()).groups()
    np.testing.assert_allclose(table.loc["clear-sky persistence"], [float(v) for v in claimed],
                               atol=0.051)
