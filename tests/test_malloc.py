"""Tests of wordvec._malloc: the C heap's thresholds raised while counting, and set back after."""

from __future__ import annotations

import contextlib
import sys

import pytest

import wordvec._malloc as malloc
from wordvec.pipeline import count_corpus

from conftest import royal_corpus_lines


class RecordingLibc:
    """Stands in for libc's ``mallopt`` and ``malloc_trim``, recording their calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, name):
        return lambda *args: self.calls.append((name, *args)) or 1


RAISED = [("mallopt", malloc._M_MMAP_THRESHOLD, 1 << 30), ("mallopt", malloc._M_TRIM_THRESHOLD, (1 << 31) - 1)]
SET_BACK = [
    ("mallopt", malloc._M_MMAP_THRESHOLD, 32 << 20),
    ("mallopt", malloc._M_TRIM_THRESHOLD, 64 << 20),
    ("malloc_trim", 0),
]


@pytest.mark.parametrize("failing", [False, True], ids=["body returns", "body raises"])
def test_the_thresholds_are_raised_within_and_set_back_after(monkeypatch, failing):
    libc = RecordingLibc()
    monkeypatch.setattr(malloc, "_libc_function", libc)
    with pytest.raises(RuntimeError) if failing else contextlib.nullcontext():
        with malloc.reused_heap_pages():
            assert libc.calls == RAISED
            if failing:
                raise RuntimeError("stop")
    assert libc.calls == RAISED + SET_BACK


def test_without_mallopt_nothing_is_called(monkeypatch):
    monkeypatch.setattr(malloc, "_libc_function", lambda name: None)
    with malloc.reused_heap_pages():
        pass


def test_counting_runs_with_the_thresholds_raised(monkeypatch, tmp_path):
    libc = RecordingLibc()
    monkeypatch.setattr(malloc, "_libc_function", libc)
    seen_while_scanning = []
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(royal_corpus_lines(200)) + "\n")
    count_corpus(corpus, dim=5, min_count=1, progress=lambda *_: seen_while_scanning.append(list(libc.calls)))
    assert seen_while_scanning and all(calls[:2] == RAISED for calls in seen_while_scanning)
    # Trims between (the counting frees its parts), the thresholds set back only at the end.
    assert libc.calls[:2] == RAISED and libc.calls[-3:] == SET_BACK
    assert {call[0] for call in libc.calls[2:-3]} <= {"malloc_trim"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_this_glibc_accepts_the_values():
    # mallopt returns 0 for a value it refuses: the thresholds would then silently stay as they were.
    mallopt = malloc._libc_function("mallopt")
    try:
        assert mallopt(malloc._M_MMAP_THRESHOLD, 1 << 30) == 1
        assert mallopt(malloc._M_TRIM_THRESHOLD, (1 << 31) - 1) == 1
    finally:
        assert mallopt(malloc._M_MMAP_THRESHOLD, malloc._MMAP_THRESHOLD_MAX) == 1
        assert mallopt(malloc._M_TRIM_THRESHOLD, malloc._TRIM_THRESHOLD_MAX) == 1
