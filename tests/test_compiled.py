"""Tests of wordvec.compiled: the numba kernels give exactly the numpy code's counts and vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba  # noqa: F401  (the [test] extra installs it: these tests must run, never skip)
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import wordvec
import wordvec.compiled as compiled
import wordvec.cooccur as cooccur_module
import wordvec.parallel as parallel
from wordvec.cooccur import CooccurrenceCounter, ForwardCounts, symmetric_weights
from wordvec.errors import ParameterError
from wordvec.options import DISTANCE_WEIGHTINGS
from wordvec.pipeline import count_corpus
from wordvec import subwords
from wordvec.subwords import _conjugate_gradients, fit_ngram_table, ngram_matrix
from wordvec.svd import _BlockedProducts
from wordvec.vocab import LINE_ID, OOV_ID

VOCAB = 9
CORPORA = Path(__file__).resolve().parent.parent / "corpora"


def counted_both_ways(blocks, vocab_size, **kwargs):
    """The forward counts of the blocks by the numpy counter and by the compiled one."""
    results = []
    for use_compiled in (False, True):
        counter = CooccurrenceCounter(vocab_size, compiled=use_compiled, **kwargs)
        offset = 0
        for block in blocks:
            counter.add(block, offset)
            offset += len(block)
        results.append(counter)
    return results


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.integers(min_value=OOV_ID, max_value=VOCAB - 1), max_size=120),
    window=st.integers(1, 7),
    distance_weighting=st.sampled_from(DISTANCE_WEIGHTINGS),
    cuts=st.lists(st.integers(0, 125), max_size=8),
    keep=st.none() | st.lists(st.floats(0, 1), min_size=VOCAB, max_size=VOCAB),
    seed=st.integers(0, 2**64 - 1),
)
def test_compiled_counter_counts_exactly_as_numpy(ids, window, distance_weighting, cuts, keep, seed):
    stream = np.array(ids, dtype=np.int32)
    keep_probability = None if keep is None else np.array(keep)
    numpy_counter, compiled_counter = counted_both_ways(
        np.split(stream, sorted(cuts)), VOCAB, window=window, distance_weighting=distance_weighting,
        keep_probability=keep_probability, seed=seed,
    )
    expected = numpy_counter.forward_counts()
    got = compiled_counter.forward_counts()
    assert got.dtype == np.int64 and got.has_canonical_format
    np.testing.assert_array_equal(got.toarray(), expected.toarray())
    np.testing.assert_array_equal(compiled_counter.result().toarray(), numpy_counter.result().toarray())


def test_a_large_vocabulary_takes_both_ways_of_ordering_a_row():
    # Rows with a few distinct columns are sorted; a row with more than 1/_DENSE_ROW of the columns is read in column order.
    dense_row = compiled.kernels()._DENSE_ROW
    rng = np.random.default_rng(3)
    vocab_size = 20_000
    stream = rng.integers(0, vocab_size, 60_000).astype(np.int32)
    stream[::3] = 0  # word 0 is next to thousands of distinct words
    stream[rng.random(len(stream)) < 0.05] = LINE_ID
    numpy_counter, compiled_counter = counted_both_ways([stream[:25_000], stream[25_000:]], vocab_size, window=4)
    expected, got = numpy_counter.forward_counts(), compiled_counter.forward_counts()
    lengths = np.diff(expected.indptr)
    assert lengths[0] * dense_row > vocab_size  # word 0's row: from its bits
    assert (lengths[1:] * dense_row < vocab_size).mean() > 0.9  # most of the others: sorted
    assert expected.indices[expected.indptr[0] : expected.indptr[1]].max() > 64 * 100  # its columns span many words of bits
    for attribute in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(got, attribute), getattr(expected, attribute))


def test_compiled_blocks_are_summed_into_one_part_when_taken():
    stream = np.random.default_rng(4).integers(-1, 30, 5000).astype(np.int32)
    numpy_counter, compiled_counter = counted_both_ways([stream[:2000], stream[2000:4000], stream[4000:]], 30, window=3)
    blocks_nnz = compiled_counter.stored_pairs
    parts = compiled_counter.take_forward_parts()
    assert len(parts) == 1 and parts[0].nnz < blocks_nnz  # the pairs the blocks share are stored once
    np.testing.assert_array_equal(parts[0].toarray(), numpy_counter.forward_counts().toarray())
    assert compiled_counter.stored_pairs == 0


@pytest.mark.parametrize("in_files", [False, True], ids=["in memory", "in files"])
@pytest.mark.parametrize("merge_entries", [7, 500, 10**6], ids=["tiny blocks", "some rows a block", "all at once"])
def test_compiled_merge_of_parts_is_identical_to_numpy(tmp_path, monkeypatch, in_files, merge_entries):
    monkeypatch.setattr(cooccur_module, "MERGE_BLOCK_ENTRIES", merge_entries)
    rng = np.random.default_rng(5)
    stream = rng.integers(-2, 400, 20_000).astype(np.int32)
    stream[:: 7] = rng.integers(0, 3, len(stream[::7]))  # frequent words: long rows, in every part
    stream[-1] = LINE_ID
    line_ends = np.flatnonzero(stream == LINE_ID) + 1
    cuts = [0, *line_ends[[len(line_ends) // 3, 2 * len(line_ends) // 3]], len(stream)]
    parts = []
    for number, (start, end) in enumerate(zip(cuts[:-1], cuts[1:])):
        counter = CooccurrenceCounter(400, window=5)
        counter.add(stream[start:end], start)
        forward = ForwardCounts(counter.forward_counts())
        parts.append(forward.save(str(tmp_path / f"part{number}")) if in_files else forward)
    expected = symmetric_weights(parts, counter.scale)
    got = symmetric_weights(parts, counter.scale, compiled=True)
    assert got.dtype == np.float32 and got.has_canonical_format
    for attribute in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(got, attribute), getattr(expected, attribute))


def test_the_float32_weights_round_as_numpy_divides():
    # Integer sums that float32 cannot hold exactly, divided by a scale that leaves fractions.
    counts = sp.csr_matrix(np.array([[0, 2**40 + 1, 7], [0, 0, 3**25], [0, 0, 0]], dtype=np.int64))
    parts = [ForwardCounts(counts)]
    expected = symmetric_weights(parts, 27720)
    got = symmetric_weights(parts, 27720, compiled=True)
    np.testing.assert_array_equal(got.data, expected.data)


def small_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    rng = np.random.default_rng(6)
    words = [f"w{number}" for number in range(300)]
    weights = 1 / np.arange(1, 301)
    lines = [" ".join(rng.choice(words, size=rng.integers(3, 25), p=weights / weights.sum())) for _ in range(6000)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("workers", [1, 2], ids=["in process", "two shards on threads"])
def test_a_build_counts_and_factorises_identically_either_way(tmp_path, monkeypatch, workers):
    corpus = small_corpus(tmp_path)
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 10_000)  # several shards, counted on threads
    params = dict(dim=20, min_count=2, window=4, subsample=1e-3, workers=workers, subwords=False)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "0")
    plain = count_corpus(corpus, **params)
    plain_model = wordvec.build(corpus, **params)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1")
    fast = count_corpus(corpus, **params)
    fast_model = wordvec.build(corpus, **params)
    for attribute in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(fast.matrix, attribute), getattr(plain.matrix, attribute))
    assert fast_model.words == plain_model.words
    np.testing.assert_array_equal(fast_model.vectors, plain_model.vectors)


@pytest.mark.parametrize("use, threshold", [
    (compiled.use_for, compiled.MIN_TOKENS),
    (compiled.use_for_products, compiled.MIN_PRODUCT_ENTRIES),
    (compiled.use_for_fit, compiled.MIN_FIT_CELLS),
], ids=["counting", "the SVD's products", "the n-gram fit"])
def test_the_size_decides_unless_the_environment_does(monkeypatch, use, threshold):
    monkeypatch.delenv(compiled.ENVIRONMENT_SWITCH, raising=False)
    assert not use(threshold - 1)
    assert use(threshold)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "0")
    assert not use(10**12)
    assert compiled.warm_up_in_background() is None
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1")
    assert use(1)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "yes")  # neither 0 nor 1: the size decides
    assert not use(threshold - 1)
    assert use(threshold)


def test_without_numba_a_build_counts_with_numpy_and_forcing_the_kernels_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled, "kernels", lambda: None)
    monkeypatch.delenv(compiled.ENVIRONMENT_SWITCH, raising=False)
    assert not compiled.use_for(10**12)
    assert not compiled.use_for_products(10**12)
    assert not compiled.use_for_fit(10**12)
    assert compiled.warm_up_in_background() is not None  # a thread that finds no numba and ends
    with pytest.raises(ParameterError, match=r"numba: pip install 'wordvec\[fast\]'"):
        CooccurrenceCounter(5, compiled=True)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1")
    with pytest.raises(ParameterError, match="WORDVEC_COMPILED"):
        count_corpus(small_corpus(tmp_path), dim=5, min_count=1)


def test_the_warm_up_loads_every_kernel_with_the_types_a_build_passes(monkeypatch):
    monkeypatch.delenv(compiled.ENVIRONMENT_SWITCH, raising=False)
    thread = compiled.warm_up_in_background()
    thread.join(timeout=300)
    assert not thread.is_alive()
    module = compiled.kernels()
    names = ("kept_tokens", "forward_counts", "sum_layout_rows", "tile_runs", "transpose_runs", "gather_product",
             "add_ridge_and_curvature", "take_step", "next_direction")
    signatures = {name: getattr(module, name).signatures for name in names}
    assert all(signatures.values()), signatures
    # A count after the warm-up adds no new compilation (the same argument types).
    counter = CooccurrenceCounter(4, window=2, keep_probability=np.full(4, 0.5), seed=3, compiled=True)
    counter.add(np.array([0, 1, LINE_ID, 2, 3], dtype=np.int32), 10)
    parts = [ForwardCounts(part) for part in counter.take_forward_parts()]
    symmetric_weights(parts, counter.scale, compiled=True)
    # And an SVD's product of a float32 matrix.
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1")
    matrix = sp.random(30, 20, density=0.3, format="csr", dtype=np.float32, random_state=0)
    products = _BlockedProducts([matrix], 4, 1)
    products.dot(np.ones((20, 4), dtype=np.float32))
    products.tdot(np.ones((30, 4), dtype=np.float32))
    products.close()
    # And an n-gram fit.
    fit_ngram_table(ngram_matrix(["king", "queen", "kings"], 1000, 3, 5), np.eye(3, 4, dtype=np.float32), threads=1)
    assert {name: getattr(module, name).signatures for name in signatures} == signatures


def test_the_command_line_builds_the_same_model_either_way(tmp_path):
    corpus = small_corpus(tmp_path)
    vectors = []
    for switch in ("0", "1"):
        model = tmp_path / f"model-{switch}"
        environment = {**os.environ, compiled.ENVIRONMENT_SWITCH: switch}
        command = [sys.executable, "-m", "wordvec", "build", str(corpus), "-o", str(model), "--dim", "16", "--min-count", "2", "--quiet"]
        result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        vectors.append(wordvec.load(model).vectors)
    np.testing.assert_array_equal(vectors[1], vectors[0])


# -- the compiled token table ---------------------------------------------------------

ALPHABET = "ab1٣'-.,\u0301😀❶ \n日\U0001d400_é\ud800"  # the token rules' edges, and a lone surrogate


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.text(alphabet=ALPHABET, max_size=80), max_size=6))
def test_a_compiled_scan_numbers_words_exactly_as_the_dictionary_does(pieces):
    from wordvec.tokenize import RegexTokenizer
    from wordvec.vocab import scan_corpus

    pieces = [piece + "\n" for piece in pieces]
    expected = scan_corpus(pieces, RegexTokenizer())
    got = scan_corpus(pieces, RegexTokenizer(), compiled=True)
    assert got.words == expected.words
    np.testing.assert_array_equal(got.counts, expected.counts)
    assert (got.tokens, got.lines) == (expected.tokens, expected.lines)
    ids = [np.concatenate([block for _, block in scan.spool.iter_blocks()] or [np.empty(0, np.int32)]) for scan in (got, expected)]
    np.testing.assert_array_equal(*ids)


# What the normalisation changes: case (a capital sigma by its neighbours, a dotted capital I
# to two code points, a Deseret capital above U+FFFF), the typographic apostrophe, invisible
# characters, underscores, the clitic 's, NFC (a combining accent, a Hangul vowel jamo, an
# Oriya vowel sign that composes), besides the token rules' edges.
NORMALISING = ALPHABET + "sSKΣσİ\u2019\u200b\u200d\ufeffᄀ\u1161가\u0b47\u0b3e\U00010400\U00010428Å\u212b"


def spans_either_way(text):
    from wordvec.tokenize import RegexTokenizer

    tokenizer = RegexTokenizer()
    return tokenizer.token_code_spans(text), tokenizer.token_code_spans(text, compiled.kernels())


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.text(alphabet=NORMALISING, max_size=30), max_size=5), ascii_only=st.booleans())
def test_the_compiled_normalisation_gives_the_code_points_and_spans_of_pythons(lines, ascii_only):
    text = "\n".join(lines)
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    expected, got = spans_either_way(text)
    for want, have in zip(expected, got):
        np.testing.assert_array_equal(have, want)
        assert have.dtype == want.dtype


@pytest.mark.parametrize("text", [
    "The King's crown, the KING'S men's 's x's' 's_\n",  # the clitic, before a non-word character or the end
    "ΣΑΣ ΟΔΥΣΣΕΥΣ\nİstanbul\ncafe\u0301 e\u0301\u0301\n",  # lines for Python between lines for the kernel
    "a\u200bb c\ufeff\u2019s \U00010400\U00010401x 😀s\n",
])
def test_the_compiled_normalisation_of_hand_picked_texts(text):
    expected, got = spans_either_way(text)
    for want, have in zip(expected, got):
        np.testing.assert_array_equal(have, want)


@pytest.mark.parametrize("lines", [3, 200])
def test_lines_with_combining_marks_go_to_python_alone_then_the_rest_at_once(monkeypatch, lines):
    """A few lines that need Python's normalisation go there one at a time; past a few, the rest of the text in one call."""
    import wordvec.vectorized_tokenize as vectorized
    from wordvec.tokenize import normalize_text

    calls = []
    numpy_spans = vectorized.token_code_spans
    monkeypatch.setattr(vectorized, "token_code_spans", lambda text, *rest: calls.append(text) or numpy_spans(text, *rest))
    text = "plain words first\n" + "".join(f"नमस्ते line {number} cafe\u0301\nplain {number}\n" for number in range(lines))
    expected, got = spans_either_way(text)
    for want, have in zip(expected, got):
        np.testing.assert_array_equal(have, want)
    sent = calls[1:]  # the first call is Python's own path, for the expected spans
    if lines <= vectorized._PYTHON_LINES:
        assert sent == [normalize_text(f"नमस्ते line {number} cafe\u0301") for number in range(lines)]
    else:
        assert len(sent) == vectorized._PYTHON_LINES + 1
        assert sent[-1].startswith(f"\nplain {vectorized._PYTHON_LINES - 1}\nनमस्ते")


def test_every_code_point_nfc_may_compose_goes_to_python():
    """The tables' claim: a code point NFC might change in some context is sent to Python's normalisation."""
    import unicodedata

    from wordvec.vectorized_tokenize import _NEEDS_PYTHON, _normalising_properties, _normalising_tables

    from wordvec.tokenize import INVISIBLE_CHARACTERS

    _, plane_needs = _normalising_tables(INVISIBLE_CHARACTERS)
    seconds = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    marks = [code for code in range(0x110000) if unicodedata.combining(chr(code))]
    changed = [code for code in range(0x110000) if not unicodedata.is_normalized("NFC", chr(code))]
    for code in sorted(seconds) + marks + changed:
        needs = plane_needs[code] if code < 0x10000 else _normalising_properties(chr(code), INVISIBLE_CHARACTERS)[1][0]
        assert needs & _NEEDS_PYTHON, hex(code)


def test_the_token_table_grows_and_keeps_every_word(monkeypatch):
    from wordvec.tokenize import RegexTokenizer
    from wordvec.vectorized_tokenize import TokenTable

    tokenizer = RegexTokenizer()
    table = TokenTable(compiled.kernels())
    # Past the first sizes of the tables (32,768 words, a million code points stored), in two pieces.
    words = [f"w{number}{'x' * (number % 40)}" for number in range(60_000)]
    first = table.ids(*tokenizer.token_code_spans(" ".join(words[:30_000]) + "\n"))
    second = table.ids(*tokenizer.token_code_spans(" ".join(words[30_000:] + words[29_999::-1]) + "\n"))
    assert table.words == words
    np.testing.assert_array_equal(first, [*range(30_000), -1])
    np.testing.assert_array_equal(second, [*range(30_000, 60_000), *range(29_999, -1, -1), -1])


def test_words_with_the_same_hash_stay_apart(monkeypatch):
    from wordvec.tokenize import RegexTokenizer
    from wordvec.vectorized_tokenize import TokenTable

    # Every hash equal: the table tells words apart by their code points.
    table = TokenTable(compiled.kernels())
    codes, starts, ends = RegexTokenizer().token_code_spans("ab ba ab abc ba\n")
    monkeypatch.setattr(table, "_slot_hashes", np.zeros_like(table._slot_hashes))
    ids = table.ids(codes, starts, ends)
    assert table.words == ["ab", "ba", "abc"]
    np.testing.assert_array_equal(ids, [0, 1, 0, 2, 1, -1])


@pytest.mark.parametrize("mode", ["add", "replace"])
def test_a_build_with_phrases_is_identical_either_way(tmp_path, monkeypatch, mode):
    corpus = tmp_path / "corpus.txt"
    rng = np.random.default_rng(9)
    words = [f"w{number}" for number in range(120)]
    lines = [" ".join([*rng.choice(words, 4), "new", "york", *rng.choice(words, 4)]) for _ in range(3000)]
    corpus.write_text("\n".join(lines) + "\n")
    params = dict(dim=10, min_count=2, window=3, subsample=0, subwords=False, phrases="auto", phrase_mode=mode, phrase_threshold=0.01)
    models = []
    for switch in ("0", "1"):
        monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
        models.append(wordvec.build(corpus, **params))
    assert "new_york" in models[0].words
    assert models[1].words == models[0].words
    np.testing.assert_array_equal(models[1].vectors, models[0].vectors)


def test_the_command_line_forcing_the_kernels_without_numba_is_one_line(tmp_path, monkeypatch, runner):
    from wordvec.cli import main

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "keep").write_text("the model already there")
    monkeypatch.setattr(compiled, "kernels", lambda: None)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1")
    result = runner.invoke(main, ["build", str(small_corpus(tmp_path)), "-o", str(tmp_path / "model"), "--dim", "5"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: the compiled kernels need numba: pip install 'wordvec[fast]', or unset WORDVEC_COMPILED"
    ]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (tmp_path / "model" / "keep").read_text() == "the model already there"


@settings(max_examples=150, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    density=st.floats(0, 1),
    width=st.integers(1, 9),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_compiled_product_adds_exactly_as_scipys_kernel(shape, density, width, dtype, seed):
    from scipy.sparse._sparsetools import csr_matvecs

    rng = np.random.default_rng(seed)
    rows, columns = shape
    # Rows of every length, some a multiple of four and some not (the kernel takes four entries
    # at a time), and a duplicated entry in a row (two adds of one input row, in order).
    matrix = sp.random(rows, columns, density=density, format="csr", dtype=dtype, random_state=rng)
    indptr, indices, data = matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32), matrix.data
    if matrix.nnz:
        indptr = np.concatenate([indptr[:1], indptr[1:] + 1]).astype(np.int32)
        indices = np.concatenate([indices[:1], indices]).astype(np.int32)
        data = np.concatenate([data[:1] * dtype(0.5), data]).astype(dtype)
    inputs = (rng.standard_normal((columns, width)) * 10.0 ** rng.integers(-3, 4, (columns, 1))).astype(dtype)
    start = rng.standard_normal((rows, width)).astype(dtype)  # added into, as the tiles add into the product
    expected = start.copy()
    csr_matvecs(rows, columns, width, indptr, indices, data, inputs.reshape(-1), expected.reshape(-1))
    got = start.copy()
    lengths = np.diff(indptr)
    with_entries = np.flatnonzero(lengths).astype(np.int32)  # the kernel is given those rows only
    compressed = np.concatenate([[0], np.cumsum(lengths[with_entries])]).astype(np.int32)
    compiled.kernels().gather_product(with_entries, compressed, indices, data, inputs, got)
    np.testing.assert_array_equal(got, expected)


def _sparse_with_a_duplicate(rng: np.random.Generator, rows: int, columns: int, density: float) -> sp.csr_matrix:
    """A random float32 CSR matrix, its columns sorted in each row, the first entry stored twice (adds in their order)."""
    matrix = sp.random(rows, columns, density=density, format="csr", dtype=np.float32, random_state=rng)
    matrix.sort_indices()
    if matrix.nnz:
        indptr = np.concatenate([matrix.indptr[:1], matrix.indptr[1:] + 1])
        matrix = sp.csr_matrix((np.insert(matrix.data, 0, 0.5), np.insert(matrix.indices, 0, matrix.indices[0]), indptr),
                               shape=matrix.shape)
    return matrix


@settings(max_examples=100, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 30), st.integers(1, 40)),
    density=st.floats(0, 1),
    tile_lines=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_tile_runs_order_the_entries_by_tile_then_row(shape, density, tile_lines, seed):
    from wordvec.svd import _runs

    rows, columns = shape
    matrix = _sparse_with_a_duplicate(np.random.default_rng(seed), rows, columns, density)
    tiles = -(-columns // tile_lines)
    run_rows, run_tiles, run_ends, indices, data = _runs(
        compiled.kernels().tile_runs, matrix.indptr, matrix.indices, matrix.data, tile_lines, tiles
    )
    # Every entry, ordered by (tile, row, place in the row): a stable sort of the CSR entries.
    row_of = np.repeat(np.arange(rows), np.diff(matrix.indptr))
    tile_of = matrix.indices // tile_lines
    order = np.lexsort((np.arange(matrix.nnz), row_of, tile_of))
    np.testing.assert_array_equal(indices, matrix.indices[order])
    np.testing.assert_array_equal(data, matrix.data[order])
    # A run for each (tile, row) with entries, in that order, ending where its last entry is.
    keys = tile_of[order] * rows + row_of[order]
    ends = np.flatnonzero(np.diff(np.append(keys, -1)) != 0) + 1 if matrix.nnz else np.empty(0, dtype=np.int64)
    np.testing.assert_array_equal(run_ends, ends)
    np.testing.assert_array_equal(run_tiles * rows + run_rows, keys[ends - 1])


@settings(max_examples=100, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 30), st.integers(1, 40)),
    density=st.floats(0, 1),
    tile_lines=st.integers(1, 12),
    first=st.integers(0, 30),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_transpose_runs_order_the_transpose_by_group_tile_column_then_row(shape, density, tile_lines, first, cuts, seed):
    rows, columns = shape
    matrix = _sparse_with_a_duplicate(np.random.default_rng(seed), rows, columns, density)
    col_groups = np.array(sorted({0, columns, *(cut for cut in cuts if cut < columns)}), dtype=np.int64)
    row_tiles = np.arange(first, first + rows) // tile_lines - first // tile_lines  # rows first:first+rows of a matrix
    units = int(row_tiles[-1]) + 1
    from wordvec.svd import _runs

    entries = matrix.nnz
    run_rows, run_tiles, run_ends, sorted_rows, sorted_data = _runs(
        compiled.kernels().transpose_runs, matrix.indptr, matrix.indices, matrix.data, row_tiles, units, col_groups
    )
    runs = len(run_rows)
    # Every entry, ordered by (group of its column, tile of its row, column, row, place): a stable sort.
    row_of = np.repeat(np.arange(rows), np.diff(matrix.indptr))
    group_of = np.searchsorted(col_groups, matrix.indices, side="right") - 1
    tile_of = group_of * units + row_tiles[row_of]
    order = np.lexsort((np.arange(entries), row_of, matrix.indices, tile_of))
    np.testing.assert_array_equal(sorted_rows, row_of[order])
    np.testing.assert_array_equal(sorted_data, matrix.data[order])
    keys = tile_of[order] * columns + matrix.indices[order]
    ends = np.flatnonzero(np.diff(np.append(keys, -1)) != 0) + 1 if entries else np.empty(0, dtype=np.int64)
    assert runs == len(ends)
    np.testing.assert_array_equal(run_ends[:runs], ends)
    np.testing.assert_array_equal(run_tiles[:runs], tile_of[order][ends - 1])
    np.testing.assert_array_equal(run_rows[:runs], (matrix.indices[order] - col_groups[group_of[order]])[ends - 1])


@pytest.mark.parametrize("threads", [1, 2])
def test_the_svds_products_are_the_same_either_way(monkeypatch, threads):
    # Sparse, with 40 denser columns (long columns in the pieces, as frequent words make).
    matrix = sp.csr_matrix(sp.hstack([
        sp.random(700, 40, density=0.5, dtype=np.float32, random_state=1),
        sp.random(700, 460, density=0.05, dtype=np.float32, random_state=2),
    ]))
    dense = np.random.default_rng(3).standard_normal((500, 24), dtype=np.float32)
    tall = np.random.default_rng(4).standard_normal((700, 24), dtype=np.float32)
    results = []
    for switch in ("0", "1"):
        monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
        products = _BlockedProducts([matrix.copy()], 24, threads)
        assert (products._kernels is not None) == (switch == "1")
        results.append((products.dot(dense), products.tdot(tall)))
        products.close()
    np.testing.assert_array_equal(results[1][0], results[0][0])
    np.testing.assert_array_equal(results[1][1], results[0][1])
    np.testing.assert_allclose(results[0][0], matrix @ dense, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results[0][1], matrix.T @ tall, rtol=1e-4, atol=1e-4)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.integers(1, 60),
    width=st.integers(1, 50),
    iterations=st.integers(1, 6),
    ridge=st.floats(1e-3, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_compiled_conjugate_gradient_steps_are_numpys(rows, width, iterations, ridge, seed):
    rng = np.random.default_rng(seed)
    buckets = rows + int(rng.integers(1, 40))
    forward = sp.random(rows, buckets, density=0.2, format="csr", dtype=np.float32, random_state=rng)
    forward.data = (forward.data * 10.0 ** rng.integers(-2, 3, forward.nnz)).astype(np.float32)  # sums that round
    backward = sp.csr_matrix(forward.T)
    inverse_diagonal = (1 / (np.asarray(forward.power(2).sum(axis=0)).ravel() + ridge)).astype(np.float32)
    targets = rng.standard_normal((rows, width)).astype(np.float32)
    targets[rng.random(rows) < 0.2] = 0  # rows with nothing to fit: zero curvature and residuals, the guarded divisions
    arguments = (forward, backward, inverse_diagonal, targets, np.float32(ridge), iterations)
    expected = _conjugate_gradients(*arguments)
    kernels = compiled.kernels()
    gathering = (subwords._GatheringProduct(forward, kernels), subwords._GatheringProduct(backward, kernels), *arguments[2:])
    # The element-wise steps, the gathering products, and both: each the same bits as numpy's and scipy's.
    for products, steps in ((arguments, kernels), (gathering, None), (gathering, kernels)):
        np.testing.assert_array_equal(_conjugate_gradients(*products, steps), expected)


def test_an_ngram_fit_is_the_same_either_way(monkeypatch):
    words = [f"{stem}{ending}" for stem in ("walk", "talk", "play", "stay", "jump", "read") for ending in ("", "s", "ed", "ing")]
    incidence = ngram_matrix(words, 5000, 3, 5)
    targets = np.random.default_rng(7).standard_normal((len(words), 30)).astype(np.float32)
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    fits = []
    for switch in ("0", "1"):
        monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
        fits.append(fit_ngram_table(incidence, targets, threads=2))
    np.testing.assert_array_equal(fits[1][0], fits[0][0])
    np.testing.assert_array_equal(fits[1][1], fits[0][1])
    assert np.abs(fits[0][1]).max() > 0


def test_the_fit_solves_wide_blocks_only_compiled_and_within_their_memory():
    from wordvec.subwords import _columns_per_solve

    bench = {"buckets": 175_086, "words": 91_914}  # the bench corpus's n-gram table
    assert _columns_per_solve(**bench, spilled=False, compiled=True) == subwords._COMPILED_COLUMNS_PER_SOLVE == 48
    assert _columns_per_solve(**bench, spilled=False, compiled=False) == subwords._COLUMNS_PER_SOLVE == 32
    assert _columns_per_solve(**bench, spilled=True, compiled=True) == subwords._SPILLED_COLUMNS_PER_SOLVE == 10
    # A larger table would take more than WIDE_BLOCK_BYTES a thread at 48 columns.
    assert _columns_per_solve(buckets=250_000, words=200_000, spilled=False, compiled=True) == 32


def test_a_compiled_fit_in_narrow_blocks_is_the_same_as_numpys(monkeypatch):
    # A table too large for wide blocks: 32 columns, the products still gathering.
    monkeypatch.setattr(subwords, "WIDE_BLOCK_BYTES", 0)
    words = [f"{stem}{ending}" for stem in ("walk", "talk", "play", "stay") for ending in ("", "s", "ed", "ing")]
    incidence = ngram_matrix(words, 5000, 3, 5)
    targets = np.random.default_rng(3).standard_normal((len(words), 70)).astype(np.float32)
    fits = []
    for switch in ("0", "1"):
        monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
        composed = np.zeros_like(targets)
        fits.append((*fit_ngram_table(incidence, targets, threads=2, composed=composed), composed))
    for numpys, compileds in zip(*fits):
        np.testing.assert_array_equal(compileds, numpys)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 60),
    columns=st.integers(1, 60),
    cds=st.sampled_from([0.75, 1.0, 0.5]),
    neg=st.sampled_from([1.0, 5.0]),
    given_contexts=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_ppmi_is_numpys_to_the_bit(rows, columns, cds, neg, given_contexts, seed):
    from wordvec.ppmi import ppmi

    rng = np.random.default_rng(seed)
    counts = sp.random(rows, columns, density=0.3, format="csr", dtype=np.float32, random_state=rng)
    counts.data = (counts.data * 10.0 ** rng.integers(0, 6, counts.nnz)).astype(np.float32)  # weights of many sizes
    context_sums = None
    if given_contexts:  # rows weighed against another matrix's contexts: some counted nowhere there (no cell)
        context_sums = np.asarray(counts.sum(axis=0)).ravel() * rng.choice([0.0, 1.0, 3.0], columns)
    results = []
    for switch in ("0", "1"):
        with pytest.MonkeyPatch.context() as patch:  # not the function-scoped fixture: hypothesis runs many examples
            patch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
            results.append(ppmi(counts, cds=cds, neg=neg, context_sums=context_sums))
    plain, fast = results
    assert fast.has_canonical_format and plain.nnz == fast.nnz
    np.testing.assert_array_equal(fast.indptr, plain.indptr)
    np.testing.assert_array_equal(fast.indices, plain.indices)
    np.testing.assert_array_equal(fast.data.view(np.uint32), plain.data.view(np.uint32))


def test_compiled_ppmi_weighs_block_after_block_as_one(monkeypatch):
    import wordvec.ppmi as ppmi_module

    rng = np.random.default_rng(5)
    counts = sp.random(300, 200, density=0.2, format="csr", dtype=np.float32, random_state=rng)
    counts.data *= 1000
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "0")
    expected = ppmi_module.ppmi(counts)
    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "1")
    monkeypatch.setattr(ppmi_module, "_ROWS_BLOCK_ENTRIES", 500)  # many blocks, weighed on threads
    got = ppmi_module.ppmi(counts, copy=False)  # in place over the counts' own arrays, as a build does
    for attribute in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(got, attribute), getattr(expected, attribute))
    assert 0 < got.nnz < counts.nnz * 2
