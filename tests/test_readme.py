"""Every Python example in the README runs, in order, in a fresh directory with the shipped corpora."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.fixture(scope="module")
def namespace() -> dict:
    """One namespace for all blocks, as a reader running them one after another would have."""
    return {"__name__": "__readme__"}


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_example_runs(number, namespace, tmp_path_factory, monkeypatch):
    workdir = tmp_path_factory.getbasetemp() / "readme"
    workdir.mkdir(exist_ok=True)
    if not (workdir / "corpora").exists():
        os.symlink(ROOT / "corpora", workdir / "corpora")
    monkeypatch.chdir(workdir)
    exec(compile(BLOCKS[number], f"README.md python block {number + 1}", "exec"), namespace)
