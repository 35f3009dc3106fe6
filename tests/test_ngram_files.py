"""The n-gram table on its own (wordvec.ngram_files): written by `wordvec export --format ngrams`, read back checked."""

from __future__ import annotations

import numpy as np
import pytest

import wordvec
from wordvec.errors import ModelError
from wordvec.ngram_files import load_ngram_table, save_ngram_table
from wordvec.subwords import NgramTable, ngram_hashes

from conftest import BUILD_OPTIONS
from test_cli import assert_ok, cli_error, invoke

LINES = ["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands",
         "a kingly queen and a queenly king", "the land of the kings"] * 30


@pytest.fixture(scope="module")
def model():
    return wordvec.build(LINES, dim=3, min_count=1, window=2, subsample=0, buckets=5000)


def test_a_table_round_trips_with_its_map_applied(model, tmp_path):
    for view in ("similarity", "analogy"):
        table = model.view(view).subwords
        save_ngram_table(table, tmp_path / f"{view}.ngrams")
        loaded = load_ngram_table(tmp_path / f"{view}.ngrams")
        assert (loaded.buckets, loaded.min_n, loaded.max_n, loaded.dim, loaded.mapping) == (5000, 3, 6, 3, None)
        np.testing.assert_array_equal(loaded.bucket_ids, table.bucket_ids)
        words = ["kingz", "queendoms", "land"]
        np.testing.assert_allclose(loaded.compose(words).vectors, table.compose(words).vectors, rtol=1e-5, atol=1e-6)
    assert model.subwords.mapping is not None  # the similarity table is a map of the analogy one, written applied
    # A model of other vectors of the same space takes the table, and composes as the model does.
    other = wordvec.WordVectors(model.words, np.asarray(model.vectors), model.counts, params=model.params,
                                subwords=load_ngram_table(tmp_path / "similarity.ngrams"))
    np.testing.assert_allclose(other["kingz"], model["kingz"], rtol=1e-5, atol=1e-6)


def test_the_file_is_the_documented_header_and_records(tmp_path):
    table = NgramTable(np.array([[1, 2], [3, 4]], np.float32), np.array([5, 9]), 10, 3, 4)
    save_ngram_table(table, tmp_path / "t.ngrams")
    data = (tmp_path / "t.ngrams").read_bytes()
    header = b"wordvec-ngrams fasttext-fnv1a-32 10 3 4 2 2\n"
    assert data[: len(header)] == header and len(data) == len(header) + 2 * (8 + 2 * 4)
    records = np.frombuffer(data[len(header):], dtype=[("bucket", "<i8"), ("vector", "<f4", (2,))])
    assert records["bucket"].tolist() == [5, 9] and records["vector"].tolist() == [[1, 2], [3, 4]]
    word = "abc"  # composed by hand: the mean over its n-grams of the vectors of their buckets
    buckets = ngram_hashes([word], 3, 4).hashes % 10
    expected = np.mean([{5: [1, 2], 9: [3, 4]}.get(int(b), [0, 0]) for b in buckets], axis=0)
    np.testing.assert_allclose(load_ngram_table(tmp_path / "t.ngrams").compose([word]).vectors[0], expected, rtol=1e-6)


@pytest.mark.parametrize("content, message", [
    (b"", r"is not a wordvec n-gram table \(no header line\)"),
    (b"hello world\n", r"is not a wordvec n-gram table \(its header is"),
    (b"wordvec-ngrams md5 10 3 4 0 2\n", "hashes n-grams with 'md5'"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 3 x 0 2\n", "has a malformed header"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 3 4 99999999999 2\n", "where its header promises"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 3 4 1 2\n" + b"\0" * 7, "where its header promises"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 0 4 0 2\n", r"is a damaged n-gram table \(min_n must be"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 3 4 0 0\n", "dim must be at least 1"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 3 4 2 1\n" + np.array([(7, [1.0]), (2, [1.0])],
     dtype=[("b", "<i8"), ("v", "<f4", (1,))]).tobytes(), "must be increasing"),
    (b"wordvec-ngrams fasttext-fnv1a-32 10 3 4 1 1\n" + np.array([(12, [1.0])],
     dtype=[("b", "<i8"), ("v", "<f4", (1,))]).tobytes(), "below 10"),
], ids=["empty", "foreign", "hash", "header-word", "huge-rows", "truncated", "min-n", "dim-0", "unordered", "bucket-range"])
def test_a_damaged_or_foreign_table_is_refused_in_one_line(tmp_path, content, message):
    (tmp_path / "t.ngrams").write_bytes(content)
    with pytest.raises(ModelError, match=message):
        load_ngram_table(tmp_path / "t.ngrams")


def test_a_non_finite_vector_is_refused_when_a_word_reads_it(tmp_path):
    table = NgramTable(np.full((1, 2), np.nan, np.float32), np.array([int(ngram_hashes(["ab"], 3, 3).hashes[0] % 10)]), 10, 3, 3)
    with pytest.raises(ModelError, match="non-finite"):
        save_ngram_table(table, tmp_path / "t.ngrams")
    assert not (tmp_path / "t.ngrams").exists()


def test_export_writes_the_table_of_the_view_asked_for(runner, royal_corpus_file, tmp_path):
    built = tmp_path / "m"
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", built, "-q", *BUILD_OPTIONS]))
    model = wordvec.load(built)
    for view in ("similarity", "analogy"):
        result = invoke(runner, ["export", "-m", built, "--format", "ngrams", "-o", tmp_path / f"{view}.ngrams", "--view", view])
        assert_ok(result)
        table = model.view(view).subwords
        assert result.stdout == f"wrote {len(table.bucket_ids):,} n-gram vectors x 8 dims to {tmp_path / f'{view}.ngrams'}\n"
        loaded = load_ngram_table(tmp_path / f"{view}.ngrams")
        np.testing.assert_allclose(loaded.compose(["kingz"]).vectors, table.compose(["kingz"]).vectors, rtol=1e-5, atol=1e-6)
    plain = tmp_path / "plain"
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", plain, "-q", *BUILD_OPTIONS, "--no-subwords"]))
    refused = invoke(runner, ["export", "-m", plain, "--format", "ngrams", "-o", tmp_path / "x.ngrams"])
    cli_error(refused, "Error: this model has no character n-grams: rebuild it without --no-subwords")
    assert not (tmp_path / "x.ngrams").exists()
