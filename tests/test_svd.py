"""Tests of wordvec.svd: randomized truncated SVD and the word vectors made from it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg  # noqa: F401 (sp.linalg.norm)

from wordvec.errors import ParameterError
from wordvec import compiled, svd
from wordvec.svd import eigenvalue_weights, embed, randomized_svd, svd_embedding


def rank3_dense() -> np.ndarray:
    rng = np.random.default_rng(11)
    return rng.normal(size=(50, 3)) @ rng.normal(size=(3, 40))


def rank3_sparse() -> sp.csr_matrix:
    rng = np.random.default_rng(12)
    left = rng.normal(size=(50, 3)) * (rng.random((50, 3)) < 0.3)
    right = rng.normal(size=(3, 40)) * (rng.random((3, 40)) < 0.3)
    matrix = sp.csr_matrix(left @ right)
    assert matrix.nnz < 0.5 * 50 * 40
    return matrix


def as_dense(matrix) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


@pytest.mark.parametrize("make", [rank3_dense, rank3_sparse], ids=["dense", "sparse"])
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_reconstructs_an_exactly_low_rank_matrix(make, dtype, tolerance):
    matrix = make()
    dense = as_dense(matrix)
    assert np.linalg.matrix_rank(dense) == 3
    u, s, vt = randomized_svd(matrix, 3, dtype=dtype)
    assert u.shape == (50, 3) and s.shape == (3,) and vt.shape == (3, 40)
    scale = np.abs(dense).max()
    np.testing.assert_allclose((u * s) @ vt, dense, atol=tolerance * scale)
    np.testing.assert_allclose(s, np.linalg.svd(dense, compute_uv=False)[:3], rtol=tolerance)


@pytest.mark.parametrize("make", [rank3_dense, rank3_sparse], ids=["dense", "sparse"])
def test_singular_vectors_are_orthonormal_and_sorted(make):
    u, s, vt = randomized_svd(make(), 3, dtype=np.float64)
    np.testing.assert_allclose(u.T @ u, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(vt @ vt.T, np.eye(3), atol=1e-10)
    assert s[0] >= s[1] >= s[2] > 0


def test_top_singular_triplets_of_a_full_rank_matrix():
    rng = np.random.default_rng(5)
    q1, _ = np.linalg.qr(rng.normal(size=(60, 60)))
    q2, _ = np.linalg.qr(rng.normal(size=(45, 45)))
    spectrum = 0.5 ** np.arange(45)
    matrix = (q1[:, :45] * spectrum) @ q2.T
    u, s, vt = randomized_svd(matrix, 5, dtype=np.float64)
    np.testing.assert_allclose(s, spectrum[:5], rtol=1e-8)
    # Each singular vector matches numpy's up to sign.
    u_ref, _, vt_ref = np.linalg.svd(matrix)
    np.testing.assert_allclose(np.abs(np.sum(u * u_ref[:, :5], axis=0)), 1, atol=1e-8)
    np.testing.assert_allclose(np.abs(np.sum(vt * vt_ref[:5], axis=1)), 1, atol=1e-8)


def test_signs_make_the_largest_entry_of_each_left_vector_positive():
    u, _, _ = randomized_svd(rank3_dense(), 3)
    largest = u[np.abs(u).argmax(axis=0), np.arange(3)]
    assert (largest > 0).all()


def test_same_seed_same_result_and_float32_by_default():
    first = randomized_svd(rank3_sparse(), 2, seed=4)
    second = randomized_svd(rank3_sparse(), 2, seed=4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert first[0].dtype == np.float32


def test_docstring_example():
    a = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0, 2.0])
    u, s, vt = randomized_svd(a, 1, dtype=np.float64)
    np.testing.assert_allclose(u * s @ vt, a, atol=1e-12)
    assert s[0] == pytest.approx(np.sqrt(14) * np.sqrt(6))


@pytest.mark.parametrize("dim, message", [
    (0, "dim must be >= 1; got 0"),
    (40, r"dim must be smaller than the vocabulary size; got dim=40 >= 40"),
    (41, r"dim must be smaller than the vocabulary size; got dim=41 >= 40"),
])
def test_bad_dim_is_rejected(dim, message):
    with pytest.raises(ParameterError, match=message):
        randomized_svd(rank3_dense(), dim)


# -- embed --------------------------------------------------------------------------

U = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 4.0]])
S = np.array([4.0, 1.0])
VT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0]])


@pytest.mark.parametrize("eig, expected", [
    (0.0, [[1.0, 0.0], [0.0, 1.0], [3.0, 4.0]]),
    (0.5, [[2.0, 0.0], [0.0, 1.0], [6.0, 4.0]]),
    (1.0, [[4.0, 0.0], [0.0, 1.0], [12.0, 4.0]]),
])
def test_eigenvalue_weighting(eig, expected):
    vectors = embed(U, S, VT, eig=eig, normalize=False)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(vectors, expected, rtol=1e-6)


def test_add_context_adds_weighted_context_vectors():
    # w + c with eig=1: U S + V S, V = VT.T = [[0, 1], [1, 0], [0, 2]].
    vectors = embed(U, S, VT, eig=1.0, add_context=True, normalize=False)
    np.testing.assert_allclose(vectors, [[4.0, 1.0], [4.0, 1.0], [12.0, 6.0]], rtol=1e-6)


def test_add_context_without_eigenvalue_weighting():
    vectors = embed(U, S, VT, eig=0.0, add_context=True, normalize=False)
    np.testing.assert_allclose(vectors, [[1.0, 1.0], [1.0, 1.0], [3.0, 6.0]], rtol=1e-6)


def test_normalize_makes_rows_unit_length():
    vectors = embed(U, S, VT, eig=0.0)
    np.testing.assert_allclose(vectors, [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], rtol=1e-6)


def test_normalize_leaves_a_zero_row_zero():
    u = np.array([[0.0, 0.0], [3.0, 4.0]])
    vectors = embed(u, np.array([2.0, 2.0]), np.zeros((2, 2)), eig=1.0)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(vectors, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-6)


@pytest.mark.parametrize("eig, add_context, normalize", [
    (0.0, False, True), (0.0, True, True), (0.5, True, False), (1.0, False, False), (1.0, True, True),
])
@pytest.mark.parametrize("rows_per_step", [7, 8192])
def test_svd_embedding_equals_embedding_the_svd(monkeypatch, eig, add_context, normalize, rows_per_step):
    monkeypatch.setattr(svd, "_ROWS_PER_STEP", rows_per_step)  # 7: many steps of the in-place finish
    matrix = sp.csr_matrix(skewed_sparse(250, 250))
    expected = embed(*randomized_svd(matrix, 6, seed=2), eig=eig, add_context=add_context, normalize=normalize)
    vectors, singular_values = svd_embedding(matrix, 6, eig=eig, add_context=add_context, normalize=normalize, seed=2)
    assert vectors.shape == (250, 6) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(singular_values, randomized_svd(matrix, 6, seed=2)[1], rtol=1e-6)


@pytest.mark.parametrize("rows_per_step", [7, 8192])
def test_the_analogy_view_is_the_same_svd_embedded_with_its_own_eig_and_no_contexts(monkeypatch, rows_per_step):
    monkeypatch.setattr(svd, "_ROWS_PER_STEP", rows_per_step)
    matrix = sp.csr_matrix(skewed_sparse(250, 250))
    factors = randomized_svd(matrix, 6, seed=2)
    vectors, singular_values, analogy = svd_embedding(matrix, 6, add_context=True, analogy_eig=0.5, seed=2)
    np.testing.assert_allclose(analogy, embed(*factors, eig=0.5, add_context=False), rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(vectors, embed(*factors, eig=0.0, add_context=True), rtol=2e-4, atol=2e-5)
    lengths = np.linalg.norm(analogy, axis=1)
    np.testing.assert_allclose(lengths[lengths > 0], 1, rtol=1e-5)


@pytest.mark.parametrize("threadpoolctl", ["installed", "missing"])
def test_svd_embedding_on_threads_is_the_same_with_or_without_threadpoolctl(monkeypatch, threadpoolctl):
    # The vectors are assembled a block of rows per thread when BLAS can be held to one thread
    # each, in turn otherwise: an SVD asked for threads never fails for want of threadpoolctl.
    monkeypatch.setattr(svd, "_ROWS_PER_STEP", 7)
    matrix = sp.csr_matrix(skewed_sparse(250, 250))
    in_turn = svd_embedding(matrix, 6, add_context=True, analogy_eig=0.5, seed=2, threads=1)
    if threadpoolctl == "missing":
        import wordvec._cores as cores_module

        real_find_spec = cores_module.importlib.util.find_spec
        monkeypatch.setattr(cores_module.importlib.util, "find_spec",
                            lambda name, *rest: None if name == "threadpoolctl" else real_find_spec(name, *rest))
    on_threads = svd_embedding(matrix, 6, add_context=True, analogy_eig=0.5, seed=2, threads=3)
    for got, expected in zip(on_threads, in_turn, strict=True):
        np.testing.assert_array_equal(got, expected)


def large_singular_values(scale: float = 3000.0) -> sp.csr_matrix:
    """A sparse matrix whose largest singular value (several hundred) makes s ** 8 overflow float32's squares."""
    matrix = sp.csr_matrix(skewed_sparse(250, 250))
    return matrix * (scale / sp.linalg.norm(matrix))


@pytest.mark.parametrize("eig", [-10.0, -3.0, 8.0, 10.0])
@pytest.mark.parametrize("add_context", [False, True])
def test_extreme_eigenvalue_weighting_gives_unit_vectors(eig, add_context):
    # float32 s ** eig overflowed (eig 8, 10) or the rows' squared lengths did: the vectors came out zero.
    matrix = large_singular_values()
    vectors, singular_values = svd_embedding(matrix, 6, eig=eig, add_context=add_context, seed=2)
    assert singular_values[0] ** 8 > np.finfo(np.float32).max ** 0.5
    has_entries = matrix.getnnz(axis=1) > 0
    if add_context:
        has_entries |= matrix.getnnz(axis=0) > 0
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), has_entries.astype(float), rtol=1e-5, atol=1e-6)
    expected = embed(*randomized_svd(matrix, 6, seed=2), eig=eig, add_context=add_context)
    np.testing.assert_allclose(vectors, expected, rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("eig", [-10.0, -1.0, 0.0, 1.0])
def test_a_zero_singular_value_weighs_nothing(eig):
    # Rank 3 asked for 6: 0 ** -1 was infinite (NaN vectors); the noise directions of zero values weigh 0.
    matrix = sp.csr_matrix(rank3_sparse())
    vectors, singular_values = svd_embedding(matrix, 6, eig=eig, seed=2)
    assert singular_values[3:].max() < 1e-3 * singular_values[0]
    assert np.isfinite(vectors).all()
    u, s, vt = randomized_svd(matrix, 6, seed=2)
    np.testing.assert_allclose(vectors[:, :3], embed(u[:, :3], s[:3], vt[:3], eig=eig), rtol=1e-4, atol=1e-5)
    assert (vectors[:, 3:] == 0).all()
    np.testing.assert_allclose(embed(u, s, vt, eig=eig), vectors, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("eig, normalize, expected", [
    (8.0, True, [1.0, 0.25**8]),  # divided by the largest weight
    (-10.0, True, [0.25**10, 1.0]),  # divided by the largest weight, the smallest value's
    (2.0, False, [16.0, 1.0]),  # unnormalised vectors keep s ** eig
    (1.0, True, [1.0, 0.0]),  # 1e-6 of the largest: float32 cannot tell it from 0
])
def test_eigenvalue_weights(eig, normalize, expected):
    singular_values = np.array([4.0, 1.0]) if expected[1] or not normalize else np.array([4.0, 4e-6])
    weights = eigenvalue_weights(singular_values, eig, normalize=normalize)
    assert weights.dtype == np.float64
    np.testing.assert_allclose(weights, expected, rtol=1e-12)


def test_svd_embedding_refuses_context_vectors_of_another_size():
    with pytest.raises(ParameterError, match="add_context needs as many contexts as words"):
        svd_embedding(skewed_sparse(300, 250), 3, add_context=True)


# -- blocked sparse products and orthonormalisation ---------------------------------

def skewed_sparse(rows: int = 300, cols: int = 250, seed: int = 3) -> sp.csr_matrix:
    """Non-zeros concentrated in the first rows and columns, like a frequency-sorted PPMI matrix."""
    rng = np.random.default_rng(seed)
    density = np.outer(1 / np.arange(1, rows + 1) ** 0.5, 1 / np.arange(1, cols + 1) ** 0.5)
    mask = rng.random((rows, cols)) < density
    return sp.csr_matrix(np.where(mask, rng.random((rows, cols)), 0.0))


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("kernel", ["scipy kernel", "public product", "compiled"])
def test_blocked_products_equal_the_plain_products(monkeypatch, threads, kernel):
    # Tiny blocks force many of them, of unequal widths (cut by non-zeros and by size).
    monkeypatch.setattr(svd, "BLOCK_BYTES", 7 * 8 * 16)
    monkeypatch.setattr(svd, "TILE_BYTES", 7 * 8 * 5)
    monkeypatch.setattr(svd, "MAX_BLOCK_ENTRIES", 1000)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1" if kernel == "compiled" else "0")
    if kernel == "public product":
        monkeypatch.setattr(svd, "_csc_matvecs", None)
    matrix = skewed_sparse()
    dense = np.random.default_rng(1).normal(size=(250, 7))
    other = np.random.default_rng(2).normal(size=(300, 7))
    products = svd._BlockedProducts([matrix], width=7, threads=threads)
    try:
        assert (products._kernels is not None) == (kernel == "compiled")
        assert len(products._row_tasks) > 5 and len(products._col_tasks) > 5
        assert max(len(pieces) for _, _, pieces in products._col_tasks) > 5  # one piece per block of rows
        assert max(piece.entries for _, _, pieces in products._row_tasks for piece in pieces) <= 1000 + 250
        for first, last, pieces in products._row_tasks + products._col_tasks:
            assert last - first <= 15  # a group of output rows: whole tiles of 5 rows within 16 rows' bytes
            assert [piece.first_input for piece in pieces] == sorted({piece.first_input for piece in pieces})
        if kernel == "compiled":
            assert all(first % 5 == 0 for first, _, _ in products._row_tasks + products._col_tasks)  # groups of whole tiles
            # The heaviest piece's runs go tile after tile: its rows start again at each tile of 5 input rows.
            heaviest = max((piece for _, _, pieces in products._row_tasks for piece in pieces), key=lambda piece: piece.entries)
            run_rows, *_ = products._file.read(heaviest)
            assert np.sum(np.diff(run_rows) <= 0) >= 10
        if kernel != "public product":  # each output value adds its terms in the order of scipy's own product
            np.testing.assert_array_equal(products.dot(dense), matrix @ dense)
            np.testing.assert_array_equal(products.tdot(other), matrix.T @ other)
        np.testing.assert_allclose(products.dot(dense), matrix @ dense, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(products.tdot(other), matrix.T @ other, rtol=1e-12, atol=1e-12)
    finally:
        products.close()


def test_blocked_products_of_a_matrix_with_empty_rows_and_columns():
    matrix = sp.csr_matrix(([2.0, 3.0], ([1, 1], [0, 3])), shape=(4, 5))
    products = svd._BlockedProducts([matrix], width=2, threads=2)
    dense = np.arange(10.0).reshape(5, 2)
    try:
        np.testing.assert_array_equal(products.dot(dense), matrix @ dense)
        np.testing.assert_array_equal(products.tdot(np.ones((4, 2))), matrix.T @ np.ones((4, 2)))
    finally:
        products.close()


def test_column_pieces_are_the_transposed_column_blocks():
    chunk = skewed_sparse()[10:40]
    cuts = np.array([0, 3, 50, 51, 200, 250])
    seen = []
    for block, indptr, indices, data in svd._column_pieces(chunk, cuts):
        a, b = cuts[block], cuts[block + 1]
        piece = sp.csc_matrix((data, indices, indptr), shape=(b - a, chunk.shape[0]))
        np.testing.assert_array_equal(piece.toarray(), chunk[:, a:b].T.toarray())
        seen.append(block)
    assert seen == [block for block in range(5) if chunk[:, cuts[block] : cuts[block + 1]].nnz]
    sparse_columns = sp.csr_matrix(([1.0, 2.0, 3.0], ([0, 1, 1], [4, 0, 4])), shape=(2, 5))
    assert [block for block, *_ in svd._column_pieces(sparse_columns, np.array([0, 2, 4, 5]))] == [0, 2]
    # Rows whose columns are not sorted (the pieces are gathered from each row's sorted ranges) give the same pieces.
    shuffled = chunk.copy()
    rng = np.random.default_rng(3)
    for row in range(shuffled.shape[0]):
        start, end = shuffled.indptr[row], shuffled.indptr[row + 1]
        order = start + rng.permutation(end - start)
        shuffled.indices[start:end], shuffled.data[start:end] = shuffled.indices[order], shuffled.data[order]
    shuffled.has_sorted_indices = False
    for (block, *arrays), (same_block, *same_arrays) in zip(
        svd._column_pieces(chunk, cuts), svd._column_pieces(shuffled, cuts), strict=True
    ):
        assert block == same_block
        for array, same in zip(arrays, same_arrays):
            np.testing.assert_array_equal(array, same)


@pytest.mark.parametrize("switch", ["0", "1"], ids=["numpy", "compiled"])
def test_entries_per_column_counted_in_steps(monkeypatch, switch):
    from wordvec.cooccur import entries_per_column

    monkeypatch.setenv("WORDVEC_COMPILED", switch)
    matrix = skewed_sparse()
    expected = np.diff(matrix.tocsc().indptr)
    assert expected.min() == 0 < expected.max()  # empty columns too
    for step in (1, 7, 10**6):
        counts = entries_per_column(matrix, step=step)
        assert counts.dtype == np.int64
        np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("lines", [0, 1, 7, 23])
def test_tile_cuts_fall_on_tiles_and_respect_the_size_limit(lines):
    nonzeros = np.arange(lines, 0, -1) ** 2  # the first lines the heaviest, as frequent words' are
    cuts = svd._tile_cuts(nonzeros, pieces=4, max_lines=6, tile_lines=3)
    assert cuts[0] == 0 and cuts[-1] == lines and cuts == sorted(set(cuts))
    assert all(cut % 3 == 0 for cut in cuts[:-1]) and all(b - a <= 6 for a, b in zip(cuts[:-1], cuts[1:]))
    if lines == 23:  # the heavy first tile alone, balanced by non-zeros as _block_cuts does
        assert cuts[1] == 3


def test_block_cuts_respect_the_size_limit_and_balance_non_zeros():
    nonzeros = np.array([100, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    cuts = svd._block_cuts(nonzeros, pieces=2, max_lines=4)
    # The heavy first line is a block of its own (half the non-zeros are passed after it);
    # the size limit cuts every 4 lines.
    assert cuts == [0, 1, 4, 8, 10]


@pytest.mark.parametrize("passes", [1, 2])
def test_orthonormalize_spans_the_same_columns(passes):
    sample = np.random.default_rng(4).normal(size=(200, 12)) @ np.diag(np.logspace(0, 2, 12))
    basis = svd._orthonormalize(sample.copy(), passes=passes)
    np.testing.assert_allclose(basis.T @ basis, np.eye(12), atol=1e-10)
    # Projecting the sample onto the basis gives it back: same column space.
    np.testing.assert_allclose(basis @ (basis.T @ sample), sample, atol=1e-8)


@pytest.mark.parametrize("condition", [1e2, 1e5])
def test_a_float32_power_iteration_basis_is_near_orthonormal_and_a_precise_one_is_orthonormal(condition):
    # A power iteration's pass forms the Gram matrix in float32 when the sample's condition allows (1e2),
    # in float64 when it does not (1e5): either way the columns come out orthonormal to within the loss
    # accepted, spanning the sample's columns; the final basis (two passes, the last in float64) to float32's precision.
    rng = np.random.default_rng(8)
    sample = (rng.normal(size=(3000, 40)) @ np.diag(np.logspace(0, np.log10(condition), 40))).astype(np.float32)
    loose = svd._orthonormalize(sample.copy(), precise=False)
    assert loose.dtype == np.float32
    assert np.abs(loose.T.astype(np.float64) @ loose - np.eye(40)).max() < svd._ITERATION_LOSS
    precise = svd._orthonormalize(sample.copy(), passes=2)
    np.testing.assert_allclose(precise.T.astype(np.float64) @ precise, np.eye(40), atol=1e-5)
    np.testing.assert_allclose(precise @ (precise.T @ sample), sample, rtol=0, atol=1e-4 * np.abs(sample).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["rows", "a column slice", "other dtype"])
def test_multiplying_by_an_upper_triangular_matrix_in_place(dtype, layout):
    rng = np.random.default_rng(10)
    tall = rng.normal(size=(700, 24)).astype(dtype)
    upper = np.triu(rng.normal(size=(24, 24))).astype(dtype)
    if layout == "a column slice":  # not contiguous: the product a few rows at a time
        tall, upper = tall[:, :16], upper[:16, :16].copy()
    if layout == "other dtype":
        upper = upper.astype(np.float64 if dtype == np.float32 else np.float32)
    expected = tall.astype(np.float64) @ upper.astype(np.float64)
    before = tall.__array_interface__["data"][0]
    svd._times_upper_triangular(tall, upper)
    assert tall.__array_interface__["data"][0] == before and tall.dtype == dtype
    np.testing.assert_allclose(tall, expected, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4)


def test_a_float32_gram_too_ill_conditioned_is_formed_again_in_float64(monkeypatch):
    precisions = []
    original = svd._gram

    def recording(tall, rows_per_step=svd._ROWS_PER_STEP, dtype=np.float64):
        precisions.append(np.dtype(dtype).name)
        return original(tall, rows_per_step, dtype)

    monkeypatch.setattr(svd, "_gram", recording)
    rng = np.random.default_rng(9)
    for condition in (1e2, 1e5):
        sample = (rng.normal(size=(500, 20)) @ np.diag(np.logspace(0, np.log10(condition), 20))).astype(np.float32)
        svd._orthonormalize(sample, precise=False)
    assert precisions == ["float32", "float32", "float64"]
    precisions.clear()  # a float64 sample, ill-conditioned for the loss: one float64 Gram matrix, then Householder
    svd._orthonormalize(sample.astype(np.float64) @ np.diag(np.logspace(0, 6, 20)), precise=False)
    assert precisions == ["float64"]


def test_orthonormalize_falls_back_to_householder_for_rank_deficient_input():
    rng = np.random.default_rng(6)
    sample = rng.normal(size=(100, 3)) @ rng.normal(size=(3, 8))  # rank 3, 8 columns
    basis = svd._orthonormalize(sample.copy(), passes=2)
    assert basis.shape == (100, 8)
    assert np.isfinite(basis).all()
    np.testing.assert_allclose(basis @ (basis.T @ sample), sample, atol=1e-8)


@pytest.mark.parametrize("eig, add_context", [(0.0, True), (0.5, False), (1.0, False)])
def test_a_row_folded_in_gets_the_vector_it_has_in_the_svd(eig, add_context):
    # A symmetric matrix of rank 6 with distinct singular values: the SVD recovers it, and a row
    # folded in (left out of the SVD) gets its SVD row's vector, without context vectors.
    rng = np.random.default_rng(3)
    basis, _ = np.linalg.qr(rng.normal(size=(60, 6)))
    matrix = basis @ np.diag([9.0, 7.0, 5.0, 4.0, 3.0, 2.0]) @ basis.T
    folded: dict = {}
    vectors, s, analogy = svd_embedding(sp.csr_matrix(matrix), 6, eig=eig, add_context=add_context, seed=1,
                                        analogy_eig=0.5, fold_in=sp.csr_matrix(matrix[:10]), folded=folded, dtype=np.float64)
    u, s_exact, vt = randomized_svd(sp.csr_matrix(matrix), 6, seed=1, dtype=np.float64)
    expected = embed(u, s_exact, vt, eig=eig, add_context=False, normalize=True)[:10]
    np.testing.assert_allclose(folded["similarity"], expected, atol=1e-6)
    np.testing.assert_allclose(folded["analogy"], analogy[:10], atol=1e-6)
    if not add_context:
        np.testing.assert_allclose(folded["similarity"], vectors[:10], atol=1e-6)


# -- the second Krylov block -------------------------------------------------------------


def plain_randomized_svd_values(matrix: np.ndarray, dim: int, width: int, power_iterations: int, seed: int) -> np.ndarray:
    """Singular values by Halko et al.'s Algorithm 4.4 (the last iteration's block alone), from the same Gaussian start."""
    sample = matrix @ np.random.default_rng(seed).standard_normal((matrix.shape[1], width))
    for _ in range(power_iterations):
        sample = matrix @ (matrix.T @ np.linalg.qr(sample)[0])
    basis = np.linalg.qr(sample)[0]
    return np.linalg.svd(basis.T @ matrix, compute_uv=False)[:dim]


def slowly_decaying(rows: int = 300, cols: int = 200, seed: int = 8) -> np.ndarray:
    """A matrix whose singular values fall slowly (as a PPMI matrix's do), 1 / (1 + i)^0.3."""
    rng = np.random.default_rng(seed)
    left, _ = np.linalg.qr(rng.normal(size=(rows, cols)))
    right, _ = np.linalg.qr(rng.normal(size=(cols, cols)))
    return (left * (1.0 + np.arange(cols)) ** -0.3) @ right.T


@pytest.mark.parametrize("power_iterations", [1, 2, 3])
def test_two_blocks_find_singular_values_at_least_as_large_as_the_last_block_alone(power_iterations):
    # The projection onto span{Y_(q-1), Y_q} includes the one onto Y_q, so each of its singular values
    # is at least the plain algorithm's (and at most the exact one), from the same start.
    matrix = slowly_decaying()
    exact = np.linalg.svd(matrix, compute_uv=False)[:10]
    plain = plain_randomized_svd_values(matrix, 10, 15, power_iterations, seed=4)
    _, values, _ = randomized_svd(matrix, 10, oversamples=5, power_iterations=power_iterations, seed=4, dtype=np.float64)
    assert np.all(values <= exact * (1 + 1e-10))
    assert np.all(values >= plain * (1 - 1e-10))
    assert np.abs(values / exact - 1).max() < 0.6 * np.abs(plain / exact - 1).max()


def test_the_default_power_iterations_do_as_well_as_one_more_plain_iteration_on_a_slow_spectrum():
    # Six products (2 iterations, two blocks) against eight of the plain algorithm (3 iterations).
    matrix = slowly_decaying()
    exact = np.linalg.svd(matrix, compute_uv=False)[:10]
    _, values, _ = randomized_svd(matrix, 10, oversamples=5, seed=4, dtype=np.float64)
    error = np.abs(values / exact - 1).max()
    assert error < 1.1 * np.abs(plain_randomized_svd_values(matrix, 10, 15, 3, seed=4) / exact - 1).max()
    assert error < 0.6 * np.abs(plain_randomized_svd_values(matrix, 10, 15, 2, seed=4) / exact - 1).max()


def test_the_next_krylov_block_is_orthonormal_and_orthogonal_to_the_first():
    rng = np.random.default_rng(9)
    basis, _ = np.linalg.qr(rng.normal(size=(500, 12)))
    basis = basis.astype(np.float32)
    sample = (rng.normal(size=(500, 12)) + 50 * basis @ rng.normal(size=(12, 12))).astype(np.float32)
    block = svd._next_krylov_block(sample.copy(), basis, basis.T.astype(np.float64) @ sample)
    assert block.shape == (500, 12)
    np.testing.assert_allclose(block.T @ block, np.eye(12), atol=1e-5)
    assert np.abs(basis.T @ block).max() < 1e-5
    # It spans what the sample adds to the basis.
    rest = sample - basis @ (basis.T @ sample)
    np.testing.assert_allclose(block @ (block.T @ rest), rest, atol=1e-3 * np.abs(rest).max())


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_a_matrix_of_rank_between_one_and_two_blocks_keeps_the_second_blocks_real_directions(monkeypatch, dtype, tolerance):
    # Rank 30 with blocks of 20: the second block has 10 directions and 10 of rounding error. They
    # are dropped (not the whole block), and the two blocks span the whole range: the exact SVD.
    rng = np.random.default_rng(10)
    matrix = rng.normal(size=(120, 30)) @ np.diag(np.linspace(5, 1, 30)) @ rng.normal(size=(30, 90))
    widths = []
    directions_above = svd._directions_above
    monkeypatch.setattr(svd, "_directions_above", lambda sample, floor: widths.append(
        None if (block := directions_above(sample, floor)) is None else block.shape[1]) or block)
    u, s, vt = randomized_svd(sp.csr_matrix(matrix), 10, oversamples=10, power_iterations=1, dtype=dtype)
    assert widths == [10]
    np.testing.assert_allclose(s, np.linalg.svd(matrix, compute_uv=False)[:10], rtol=tolerance)
    np.testing.assert_allclose(u.T @ u, np.eye(10), atol=tolerance * 10)


def test_a_matrix_too_small_for_two_blocks_uses_one():
    matrix = slowly_decaying(40, 30)
    _, values, _ = randomized_svd(matrix, 10, oversamples=10, power_iterations=2, seed=4, dtype=np.float64)
    np.testing.assert_allclose(values, plain_randomized_svd_values(matrix, 10, 20, 2, seed=4), rtol=1e-10)
