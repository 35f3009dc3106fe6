"""Tests of wordvec.arrays: the top-n of each row of a score matrix, exact with ties broken by index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wordvec.arrays import top_of_rows


def brute_force_top(scores: np.ndarray, topn: int) -> np.ndarray:
    return np.array([sorted(range(len(row)), key=lambda i: (-row[i], i))[:topn] for row in scores])


@pytest.mark.parametrize("columns", [50, 1000, 1000 + 37])
@pytest.mark.parametrize("topn", [1, 3, 10])
def test_top_of_rows_is_exact_with_ties_broken_by_index(columns, topn):
    rng = np.random.default_rng(columns + topn)
    # Rounded scores: many ties, also across blocks; -inf marks excluded entries.
    scores = np.round(rng.normal(size=(20, columns)), 1).astype(np.float32)
    scores[np.arange(20), rng.integers(0, columns, 20)] = -np.inf
    best, values = top_of_rows(scores, topn)
    expected = brute_force_top(scores, topn)
    np.testing.assert_array_equal(best, expected)
    np.testing.assert_array_equal(values, np.take_along_axis(scores, expected, axis=1))


@settings(max_examples=50, deadline=None)
@given(
    scores=arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(130, 400)),
                  elements=st.sampled_from([-np.inf, -1.0, 0.0, 0.25, 0.5, 1.0])),
    topn=st.integers(1, 3),
)
def test_top_of_rows_matches_a_full_sort(scores, topn):
    best, _ = top_of_rows(scores, topn)
    np.testing.assert_array_equal(best, brute_force_top(scores, topn))
