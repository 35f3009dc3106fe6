"""Tests of wordvec.ppmi: shifted PPMI with context-distribution smoothing."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from wordvec.errors import ParameterError
from wordvec.ppmi import ppmi

# Not symmetric, so swapping rows and columns in the formula would show.
COUNTS = np.array([
    [0.0, 4.0, 1.0],
    [2.0, 0.0, 6.0],
    [3.0, 5.0, 2.0],
])


def ppmi_by_formula(counts: np.ndarray, cds: float, neg: float) -> np.ndarray:
    """max(log(#wc * sum_c #c^a / (#w * #c^a)) - log(neg), 0), and 0 where #wc = 0."""
    word_totals = counts.sum(axis=1)
    context_totals = counts.sum(axis=0)
    smoothed = context_totals**cds
    expected = np.zeros_like(counts)
    for w in range(counts.shape[0]):
        for c in range(counts.shape[1]):
            if counts[w, c] > 0:
                pmi = np.log(counts[w, c] * smoothed.sum() / (word_totals[w] * smoothed[c])) - np.log(neg)
                expected[w, c] = max(pmi, 0.0)
    return expected


@pytest.mark.parametrize("cds", [1.0, 0.75])
@pytest.mark.parametrize("neg", [1.0, 5.0])
def test_ppmi_matches_the_formula(cds, neg):
    result = ppmi(sp.csr_matrix(COUNTS), cds=cds, neg=neg)
    assert sp.isspmatrix_csr(result)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result.toarray(), ppmi_by_formula(COUNTS, cds, neg), rtol=1e-6, atol=1e-7)


def test_ppmi_plain_value_by_hand():
    # cds=1: #(0,1)=4, #w0=5, #c1=9, total 23: log(4 * 23 / (5 * 9)) = log(92/45).
    result = ppmi(sp.csr_matrix(COUNTS), cds=1.0).toarray()
    assert result[0, 1] == pytest.approx(np.log(92 / 45), rel=1e-6)
    # #(1,0)=2, #w1=8, #c0=5: log(2 * 23 / 40) = log(1.15).
    assert result[1, 0] == pytest.approx(np.log(1.15), rel=1e-6)
    # #(0,2)=1, #w0=5, #c2=9: log(23 / 45) < 0, clipped.
    assert result[0, 2] == 0


def test_ppmi_smoothed_value_by_hand():
    # cds=0.75: sum_c #c^0.75 = 5^0.75 + 9^0.75 + 9^0.75.
    total = 5**0.75 + 2 * 9**0.75
    result = ppmi(sp.csr_matrix(COUNTS), cds=0.75).toarray()
    assert result[1, 0] == pytest.approx(np.log(2 * total / (8 * 5**0.75)), rel=1e-6)


def test_shift_lowers_every_positive_value_by_log_neg():
    plain = ppmi(sp.csr_matrix(COUNTS), cds=1.0).toarray()
    shifted = ppmi(sp.csr_matrix(COUNTS), cds=1.0, neg=1.5).toarray()
    np.testing.assert_allclose(shifted, np.maximum(plain - np.log(1.5), 0) * (plain > 0), atol=1e-6)
    assert (shifted > 0).sum() < (plain > 0).sum()


def test_docstring_example():
    result = ppmi(sp.csr_matrix(np.array([[0.0, 2.0], [2.0, 1.0]])), cds=1.0).toarray()
    np.testing.assert_allclose(result, [[0.0, np.log(10 / 6)], [np.log(10 / 6), 0.0]], rtol=1e-6)


def test_only_positive_cells_are_stored():
    result = ppmi(sp.csr_matrix(COUNTS), cds=1.0)
    assert result.nnz == int((ppmi_by_formula(COUNTS, 1.0, 1.0) > 0).sum())
    assert (result.data > 0).all()


def test_ppmi_is_invariant_to_scaling_the_counts():
    np.testing.assert_allclose(
        ppmi(sp.csr_matrix(COUNTS * 6.0)).toarray(), ppmi(sp.csr_matrix(COUNTS)).toarray(), rtol=1e-6
    )


def test_explicit_zeros_and_empty_rows_give_no_nan():
    counts = sp.csr_matrix((np.array([0.0, 3.0, 1.0]), (np.array([0, 1, 1]), np.array([1, 0, 1]))), shape=(3, 3))
    result = ppmi(counts)
    assert np.isfinite(result.toarray()).all()
    assert result.toarray()[2].tolist() == [0, 0, 0]


@pytest.mark.parametrize("kwargs, message", [
    ({"cds": 0}, "cds must be > 0; got 0"),
    ({"cds": -0.5}, "cds must be > 0; got -0.5"),
    ({"cds": float("nan")}, "cds must be > 0; got nan"),
    ({"neg": 0}, "neg must be > 0; got 0"),
    ({"neg": -1}, "neg must be > 0; got -1"),
])
def test_bad_parameters_are_rejected(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        ppmi(sp.csr_matrix(COUNTS), **kwargs)


@settings(max_examples=150, deadline=None)
@given(
    counts=hnp.arrays(
        np.int64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=8), elements=st.integers(0, 10**6)
    ),
    cds=st.floats(0.05, 1.0),
    neg=st.floats(1.0, 100.0),
)
def test_ppmi_is_finite_and_non_negative(counts, cds, neg):
    result = ppmi(sp.csr_matrix(counts), cds=cds, neg=neg)
    assert result.shape == counts.shape
    assert np.isfinite(result.data).all()
    assert (result.data > 0).all()
    dense = result.toarray()
    assert (dense >= 0).all()
    assert (dense[counts == 0] == 0).all()


@pytest.mark.parametrize("block_entries", [1, 3, 50])
def test_ppmi_weighted_in_blocks_of_rows_matches_the_formula(monkeypatch, block_entries):
    import wordvec.ppmi as ppmi_module

    monkeypatch.setattr(ppmi_module, "_ROWS_BLOCK_ENTRIES", block_entries)
    rng = np.random.default_rng(9)
    counts = rng.integers(0, 6, size=(30, 25)) * (rng.random((30, 25)) < 0.4)
    counts[4] = 0  # an empty row
    result = ppmi(sp.csr_matrix(counts.astype(float)), cds=0.75, neg=2.0)
    assert result.has_canonical_format
    np.testing.assert_allclose(result.toarray(), ppmi_by_formula(counts.astype(float), 0.75, 2.0), rtol=1e-5, atol=1e-6)
    assert (result.data > 0).all()


@pytest.mark.parametrize("block_entries", [1, 3, 50])
def test_ppmi_without_copy_reuses_float32_counts_and_gives_the_same_result(monkeypatch, block_entries):
    import wordvec.ppmi as ppmi_module

    rng = np.random.default_rng(10)
    dense = (rng.integers(0, 6, size=(30, 25)) * (rng.random((30, 25)) < 0.5)).astype(np.float32)
    in_one_block = ppmi(sp.csr_matrix(dense), cds=0.75, neg=2.0)
    monkeypatch.setattr(ppmi_module, "_ROWS_BLOCK_ENTRIES", block_entries)
    monkeypatch.setattr(ppmi_module, "available_cores", lambda: 3)  # blocks weighted ahead on threads, as on any machine
    counts = sp.csr_matrix(dense)
    result = ppmi(counts, cds=0.75, neg=2.0, copy=False)
    assert np.shares_memory(result.data, counts.data) and np.shares_memory(result.indices, counts.indices)
    # Each cell is weighted alone: in place, in blocks, on threads, the same bits.
    for attribute in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(result, attribute), getattr(in_one_block, attribute))
    np.testing.assert_allclose(result.toarray(), ppmi_by_formula(dense.astype(float), 0.75, 2.0), rtol=1e-5, atol=1e-6)
    assert result.has_canonical_format and (result.data > 0).all()


def test_ppmi_without_copy_leaves_float64_counts_alone():
    counts = sp.csr_matrix(COUNTS)
    before = counts.toarray()
    result = ppmi(counts, cds=1.0, copy=False)
    assert not np.shares_memory(result.data, counts.data)
    np.testing.assert_array_equal(counts.toarray(), before)


@pytest.mark.parametrize("cds", [1.0, 10.0])
def test_huge_counts_give_finite_ppmi(cds):
    # sum(#(c) ** cds) overflowed float64 for counts near float32's limit: every PPMI value was infinite.
    counts = sp.csr_matrix(np.array([[0, 1e35, 1], [1e35, 0, 2], [1, 2, 0]]))
    result = ppmi(counts, cds=cds)
    assert result.nnz > 0 and np.isfinite(result.data).all()


def test_given_context_sums_of_zero_give_no_cell_not_infinity():
    # Rows added to a build (its phrases) may meet a context the words' matrix never counted.
    counts = sp.csr_matrix(np.array([[3.0, 2.0, 1.0], [1.0, 0.0, 4.0]]))
    weighted = ppmi(counts, context_sums=np.array([10.0, 0.0, 5.0]))
    assert np.isfinite(weighted.data).all()
    assert weighted[0, 1] == 0 and weighted.nnz == int((weighted.toarray() > 0).sum())
    # The other cells as the formula gives them (the row sums count every context).
    dense, sums = counts.toarray(), np.array([10.0, 5.0])
    with np.errstate(divide="ignore"):
        pmi = np.log(dense[:, [0, 2]] * (sums**0.75).sum() / (dense.sum(axis=1, keepdims=True) * sums**0.75))
    np.testing.assert_allclose(weighted.toarray()[:, [0, 2]], np.maximum(pmi, 0), rtol=1e-5)


@pytest.mark.parametrize("switch", ["0", "1"], ids=["numpy", "compiled"])
def test_context_sums_all_zero_give_no_cell_and_no_warning(monkeypatch, switch):
    import warnings

    monkeypatch.setenv("WORDVEC_COMPILED", switch)
    counts = sp.csr_matrix(np.array([[3.0, 2.0], [1.0, 4.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the infinite shift's NaN cells are dropped, not reported
        weighted = ppmi(counts, context_sums=np.zeros(2))
    assert weighted.shape == (2, 2) and weighted.nnz == 0


def test_a_build_with_phrases_gives_every_phrase_row_a_finite_vector(royal_corpus_file):
    import wordvec

    model = wordvec.build(royal_corpus_file, dim=16, min_count=2, workers=1, phrases="auto", phrase_min_count=2, phrase_threshold=1.0)
    phrases = [row for row, word in enumerate(model.words) if "_" in word]
    assert len(phrases) > 10
    assert np.isfinite(model.vectors).all() and np.isfinite(model.analogy_view.vectors).all()
    lengths = np.linalg.norm(model.vectors[phrases], axis=1)
    assert np.all((np.abs(lengths - 1) < 1e-5) | (lengths == 0)) and (lengths > 0).mean() > 0.5
