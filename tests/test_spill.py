"""Tests of wordvec._spill: a large build's tall arrays kept in temporary files, paged a block at a time.

A spilled build must give the same vectors, tables and model files as one in memory, to the bit,
while holding less of them in the process.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import tempfile

import numpy as np
import pytest
import scipy.sparse as sp

import wordvec
from wordvec import _spill, compiled, svd
from wordvec.cli import main
from wordvec.errors import WordvecError
from wordvec.model_writer import _npy_writer

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")


def resident_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def spill_everything(monkeypatch, tmp_path):
    """Every tall array spilled, into a directory of the test's, and products in small chunks."""
    monkeypatch.setattr(_spill, "SPILL_BYTES", 0)
    monkeypatch.setattr(svd, "INPUT_CHUNK_BYTES", 1 << 16)
    monkeypatch.setattr(svd, "BLOCK_BYTES", 1 << 13)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_small_arrays_stay_in_memory_and_large_ones_spill(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    small = _spill.tall_empty((10, 4))
    assert type(small) is np.ndarray and not _spill.is_spilled(small)
    monkeypatch.setattr(_spill, "SPILL_BYTES", 100)
    large = _spill.tall_empty((10, 4), np.float64)
    assert _spill.is_spilled(large) and _spill.is_spilled(large[3:5, 1:])
    assert large.flags.writeable and large.dtype == np.float64 and large.shape == (10, 4)
    assert os.listdir(tmp_path) == []  # the file has no name: freed with the array, even after a crash
    assert not _spill.is_spilled(np.empty((10, 4)))


def test_where_pages_cannot_be_dropped_or_space_reserved_arrays_stay_in_memory(spill_everything, monkeypatch):
    monkeypatch.setattr(_spill, "_CAN_SPILL", False)  # as on macOS (no posix_fallocate) and Windows
    array = _spill.tall_empty((1000, 10))
    assert type(array) is np.ndarray and not _spill.is_spilled(array)
    assert not _spill.tall_zeros((10, 10)).any()
    _spill.release(array)  # nothing to do
    assert not _spill.spills(1 << 40)  # the merged counts too (cooccur.symmetric_weights asks)
    monkeypatch.setattr(_spill, "_CAN_SPILL", True)
    assert _spill.spills(1) and not _spill.spills(0)


def test_spilled_zeros_and_values_survive_release(spill_everything):
    zeros = _spill.tall_zeros((1000, 7))
    assert _spill.is_spilled(zeros) and not zeros.any()
    array = _spill.tall_empty((5000, 13))
    expected = np.random.default_rng(0).standard_normal((5000, 13)).astype(np.float32)
    for start, block in _spill.row_blocks(array, 777):
        block[:] = expected[start : start + len(block)]
    _spill.release(array[100:2000])
    _spill.release(array[::-3, 2:5])  # any view: its pages are dropped, never its values
    _spill.release(array)
    np.testing.assert_array_equal(array, expected)


@linux_only
def test_release_gives_the_pages_back_to_the_system(spill_everything):
    array = _spill.tall_empty((4096, 4096), np.float32)  # 64 MiB
    before = resident_bytes()
    array[:] = 1.0
    assert resident_bytes() - before > 48 << 20
    _spill.release(array)
    assert resident_bytes() - before < 8 << 20
    assert float(array[4095, 4095]) == 1.0 and float(array.sum(dtype=np.float64)) == 4096 * 4096
    _spill.release(array)
    for _, block in _spill.row_blocks(array, 256):  # a sweep holds one block at a time
        block *= 2
        assert resident_bytes() - before < 16 << 20
    assert float(array[0, 0]) == 2.0


def test_row_blocks_copy_and_concatenate(spill_everything):
    first = np.arange(3000 * 5, dtype=np.float32).reshape(3000, 5)
    second = -np.arange(1234 * 5, dtype=np.float32).reshape(1234, 5)
    starts = [start for start, _ in _spill.row_blocks(first, 1000)]
    assert starts == [0, 1000, 2000]
    copy = _spill.tall_copy(first)
    assert _spill.is_spilled(copy) and np.array_equal(copy, first)
    joined = _spill.tall_concatenate([first, second, copy[:10]])
    assert _spill.is_spilled(joined) and np.array_equal(joined, np.concatenate([first, second, first[:10]]))


def test_a_full_disk_is_an_error_when_the_array_is_made_not_a_crash_later(spill_everything, monkeypatch):
    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(OSError, match="No space"):
        _spill.tall_empty((100, 100))


def test_a_full_disk_while_spilling_a_build_is_one_line(spill_everything, monkeypatch, royal_corpus_file, runner, tmp_path):
    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(WordvecError, match="cannot write the build's temporary files .* free some space"):
        wordvec.build(royal_corpus_file, dim=8, min_count=1)
    result = runner.invoke(main, ["build", str(royal_corpus_file), "-o", str(tmp_path / "m"), "--dim", "8", "--min-count", "1", "-q"])
    assert result.exit_code != 0
    assert "free some space" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("switch", ["0", "1"], ids=["scipy", "compiled"])
@pytest.mark.parametrize("threads", [1, 2])
def test_products_of_a_spilled_input_are_those_in_memory_to_the_bit(spill_everything, monkeypatch, threads, switch):
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
    matrix = sp.random(3000, 2500, density=0.01, format="csr", random_state=3, dtype=np.float32)
    right = np.random.default_rng(1).standard_normal((2500, 9)).astype(np.float32)
    left = np.random.default_rng(2).standard_normal((3000, 9)).astype(np.float32)
    products = svd._BlockedProducts([matrix.copy()], 9, threads)
    try:
        assert (products._kernels is not None) == (switch == "1")
        assert products._chunk_rows < 2500  # several chunks of the input
        in_memory = products.dot(right), products.tdot(left)
        spilled_right, spilled_left = _spill.tall_copy(right), _spill.tall_copy(left)
        spilled = products.dot(spilled_right), products.tdot(spilled_left)
    finally:
        products.close()
    assert all(_spill.is_spilled(result) for result in spilled)
    for got, expected in zip(spilled, in_memory):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(in_memory[0], matrix @ right, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(in_memory[1], matrix.T @ left, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("options", [{}, {"phrases": "auto", "phrase_min_count": 2, "phrase_threshold": 1.0}, {"subwords": False, "normalize": False}],
                         ids=["defaults", "phrase rows", "no subwords, unnormalised"])
def test_a_spilled_build_is_the_build_in_memory_to_the_bit(royal_corpus_file, monkeypatch, tmp_path, options):
    settings = dict(dim=16, min_count=2, workers=1, **options)
    in_memory = wordvec.build(royal_corpus_file, **settings)
    assert not _spill.is_spilled(in_memory.vectors)
    monkeypatch.setattr(_spill, "SPILL_BYTES", 0)
    monkeypatch.setattr(svd, "INPUT_CHUNK_BYTES", 1 << 12)
    monkeypatch.setattr(svd, "BLOCK_BYTES", 1 << 10)
    spilled = wordvec.build(royal_corpus_file, **settings)
    assert _spill.is_spilled(spilled.vectors)
    assert spilled.words == in_memory.words and spilled.stats["singular_values"] == in_memory.stats["singular_values"]
    np.testing.assert_array_equal(spilled.vectors, in_memory.vectors)
    if in_memory.has_analogy_view:
        assert _spill.is_spilled(spilled.analogy_view.vectors)
        np.testing.assert_array_equal(spilled.analogy_view.vectors, in_memory.analogy_view.vectors)
        if in_memory.analogy_view.unblended is not None:
            np.testing.assert_array_equal(spilled.analogy_view.unblended.vectors, in_memory.analogy_view.unblended.vectors)
    if in_memory.subwords is not None:
        np.testing.assert_array_equal(spilled.subwords.vectors, in_memory.subwords.vectors)
    wordvec.save(in_memory, tmp_path / "memory")
    wordvec.save(spilled, tmp_path / "spilled")
    for name in sorted(os.listdir(tmp_path / "memory")):
        if name.endswith(".npy"):
            assert (tmp_path / "spilled" / name).read_bytes() == (tmp_path / "memory" / name).read_bytes(), name


def test_a_build_whose_blends_compose_again_is_the_same_spilled_or_not_and_near_the_default(royal_corpus_file, monkeypatch):
    from wordvec import subwords

    settings = dict(dim=16, min_count=2, workers=1)
    default = wordvec.build(royal_corpus_file, **settings)
    monkeypatch.setattr(subwords, "FIT_SUMS_BYTES", 0)  # a vocabulary too large to keep the fit's sums
    assert subwords.fit_sums(10, 16) is None
    in_memory = wordvec.build(royal_corpus_file, **settings)
    monkeypatch.setattr(_spill, "SPILL_BYTES", 0)
    spilled = wordvec.build(royal_corpus_file, **settings)
    assert _spill.is_spilled(spilled.vectors)
    for view in ("vectors", "analogy_view"):
        got, expected = getattr(spilled, view), getattr(in_memory, view)
        got, expected = (x if isinstance(x, np.ndarray) else x.vectors for x in (got, expected))
        np.testing.assert_array_equal(got, expected)
        # The blends' own compositions against the fit's sums: the same to rounding.
        reference = getattr(default, view)
        np.testing.assert_allclose(expected, reference if isinstance(reference, np.ndarray) else reference.vectors, atol=2e-6)


def _spilled(shape, dtype=np.float32):
    array = _spill.tall_empty(shape, dtype)
    array[...] = np.arange(array.size).reshape(shape)
    return array


@pytest.mark.parametrize(
    "make",
    [
        lambda: _spilled((3000, 4)),
        lambda: _spilled((4, 3000), np.float64).T,  # Fortran order
        lambda: _spilled((10000, 3), np.int64)[:, ::2],  # neither
        lambda: _spilled((5000,), np.int64),
    ],
    ids=["C", "Fortran", "strided", "1-d"],
)
def test_the_block_writer_writes_a_spilled_array_as_np_save_does(make, spill_everything):
    array = make()
    assert _spill.is_spilled(array)
    expected = io.BytesIO()
    np.save(expected, np.array(array), allow_pickle=False)
    for target in (io.BytesIO(), open(spill_everything / "written.npy", "w+b")):
        with target:
            _npy_writer(array)(target)
            target.flush()
            target.seek(0)
            assert target.read() == expected.getvalue()


def test_the_block_writer_refuses_objects_as_np_save_does():
    with pytest.raises(ValueError, match="pickle"):
        _npy_writer(np.array([{"a": 1}], dtype=object))(io.BytesIO())


def test_an_appended_array_is_what_was_appended(spill_everything):
    appender = _spill.Appender(np.int32)
    blocks = [np.arange(5), np.array([], dtype=np.int64), np.arange(100, 1100)]
    for block in blocks:
        appender.append(block)
    array = appender.array()
    assert _spill.is_spilled(array) and array.dtype == np.int32
    np.testing.assert_array_equal(array, np.concatenate(blocks))
    empty = _spill.Appender(np.float32).array()
    assert empty.dtype == np.float32 and empty.shape == (0,)
    assert os.listdir(spill_everything) == []


def test_a_full_disk_while_appending_is_an_error(spill_everything, monkeypatch):
    appender = _spill.Appender(np.float32)

    class Full:
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(appender, "_file", Full())
    with pytest.raises(OSError, match="No space"):
        appender.append(np.ones(10))


def test_take_rows_and_any_in_blocks(spill_everything):
    values = np.random.default_rng(4).standard_normal((20000, 6)).astype(np.float32)
    spilled = _spill.tall_copy(values)
    for rows in (slice(None, None, 7), slice(5, 9000, 3), np.array([19999, 3, 3, 7000]), np.array([], dtype=np.int64)):
        taken = _spill.take_rows(spilled, rows, step=100)
        assert not _spill.is_spilled(taken)
        np.testing.assert_array_equal(taken, values[rows])
    np.testing.assert_array_equal(_spill.take_rows(values, slice(None, None, 7)), values[::7])
    flat = spilled.reshape(-1)
    assert _spill.any_in_blocks(flat, lambda part: part > 4.5, step=1000) == bool((values > 4.5).any())
    assert not _spill.any_in_blocks(flat, lambda part: part > 100, step=1000)
    assert _spill.any_in_blocks(flat, lambda part: part == flat[-1], step=999)


@linux_only
def test_taking_every_twentieth_row_holds_a_step_not_the_array(spill_everything):
    spilled = _spill.tall_zeros((100_000, 300))  # 120 MB
    for _, block in _spill.row_blocks(spilled):
        block += 1
    before = resident_bytes()
    taken = _spill.take_rows(spilled, slice(None, None, 20))
    assert taken.shape == (5000, 300) and (taken == 1).all()
    assert resident_bytes() - before < 60 << 20  # reading them in one go maps most of the 120 MB


@pytest.mark.parametrize("copy", [True, False], ids=["copied", "in place"])
def test_ppmi_of_a_spilled_matrix_is_the_ppmi_in_memory_to_the_bit(spill_everything, monkeypatch, copy):
    from wordvec import ppmi as ppmi_module

    counts = sp.random(3000, 3000, density=0.01, format="csr", random_state=0, dtype=np.float32)
    counts.data = np.round(counts.data * 100) + 1
    expected = ppmi_module.ppmi(counts, copy=True)
    expected_sums = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
    spilled = sp.csr_matrix((_spill.tall_copy(counts.data), _spill.tall_copy(counts.indices), counts.indptr), shape=counts.shape)
    spilled.has_canonical_format = True
    monkeypatch.setattr(ppmi_module, "_ROWS_BLOCK_ENTRIES", 1000)  # many blocks
    np.testing.assert_array_equal(ppmi_module.context_counts(spilled), expected_sums)
    np.testing.assert_array_equal(ppmi_module.context_counts(counts), expected_sums)
    weighted = ppmi_module.ppmi(spilled, copy=copy)
    assert _spill.is_spilled(weighted.data)
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(weighted, name), getattr(expected, name))
    if copy:
        np.testing.assert_array_equal(spilled.data, counts.data)  # the counts as they were


def test_the_fit_gathers_the_targets_in_the_words_order(spill_everything, monkeypatch):
    from wordvec import subwords

    targets = _spill.tall_copy(np.arange(5000 * 4, dtype=np.float32).reshape(5000, 4))
    order = np.random.default_rng(1).permutation(5000)
    position = np.empty(5000, dtype=np.int64)
    position[order] = np.arange(5000)
    monkeypatch.setattr(subwords, "_ROWS_PER_GATHER", 333)
    np.testing.assert_array_equal(subwords._gathered_columns(targets, position, 1, 3), np.asarray(targets)[order, 1:3])
