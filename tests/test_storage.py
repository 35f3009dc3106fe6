"""Tests of wordvec.storage: model directories, atomic overwrite and strict, pickle-free loading."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import wordvec.model_writer as model_writer
import wordvec.storage as storage
from wordvec.errors import ModelError
from wordvec.storage import load_model, save_model
from wordvec.vectors import WordVectors


@pytest.fixture
def model() -> WordVectors:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 3)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return WordVectors(
        ["the", "king", "queen", "café", "don't"],
        vectors,
        np.array([100, 7, 5, 3, 2], dtype=np.int64),
        params={"dim": 3, "window": 5, "normalize": True},
        stats={"tokens": 117, "lines": 9, "seconds": {"svd": 0.01}},
    )


@pytest.fixture
def saved(model, tmp_path) -> Path:
    path = tmp_path / "model"
    save_model(model, path)
    return path


def leftovers(directory: Path, name: str) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir() if entry.name.startswith(f".{name}."))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# -- roundtrip ----------------------------------------------------------------------


def test_roundtrip_keeps_words_counts_vectors_params_and_stats(model, saved):
    loaded = load_model(saved)
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.counts, model.counts)
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    assert loaded.params == model.params
    assert loaded.stats == model.stats


def test_loaded_vectors_are_memory_mapped_read_only(saved):
    loaded = load_model(saved)
    assert isinstance(loaded.vectors, np.memmap)
    assert loaded.vectors.dtype == np.float32
    assert not loaded.vectors.flags.writeable


def test_model_directory_layout(model, saved):
    assert sorted(entry.name for entry in saved.iterdir()) == ["meta.json", "vectors.npy", "vocab.txt"]
    assert (saved / "vocab.txt").read_text(encoding="utf-8") == "the\t100\nking\t7\nqueen\t5\ncafé\t3\ndon't\t2\n"
    meta = json.loads((saved / "meta.json").read_text())
    assert meta["format"] == "wordvec-model"
    assert meta["format_version"] == 1
    assert meta["vocab_size"] == 5 and meta["dim"] == 3
    assert meta["normalized"] is True and meta["has_counts"] is True
    assert meta["vocab_crc32"] == zlib.crc32((saved / "vocab.txt").read_bytes())
    np.testing.assert_array_equal(np.load(saved / "vectors.npy", allow_pickle=False), model.vectors)


def test_model_without_counts_loads_without_counts(tmp_path):
    model = WordVectors(["a", "b"], np.eye(2, dtype=np.float32))
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.counts is None
    assert loaded.params == {"normalize": False}


def test_numpy_values_in_params_are_stored_as_json(tmp_path):
    model = WordVectors(["a", "b"], np.eye(2, dtype=np.float32), params={"cds": np.float64(0.75), "corpus": Path("x")})
    save_model(model, tmp_path / "m")
    assert load_model(tmp_path / "m").params == {"cds": 0.75, "corpus": "x", "normalize": False}


def test_loaded_model_answers_queries(model, saved):
    assert load_model(saved).most_similar("KING", topn=2) == model.most_similar("king", topn=2)


def test_a_few_queries_do_not_split_the_vocabulary_into_words(model, saved):
    # A cold one-word query must not pay for a string per vocabulary word (the cost that
    # dominated `wordvec nearest` on a 100,000-word model).
    loaded = load_model(saved)
    assert loaded.nearest(["queen"], topn=2) == model.nearest(["queen"], topn=2)
    assert loaded.similarity("café", "the") == pytest.approx(model.similarity("café", "the"))
    assert "don't" in loaded and "kin" not in loaded and len(loaded) == 5
    assert loaded._words is None
    assert loaded.words == model.words


def test_a_model_of_an_earlier_version_without_a_checksum_loads_with_every_line_checked(model, saved):
    meta = json.loads((saved / "meta.json").read_text())
    del meta["vocab_crc32"]
    (saved / "meta.json").write_text(json.dumps(meta))
    loaded = load_model(saved)
    assert loaded.words == model.words
    np.testing.assert_array_equal(loaded.counts, model.counts)
    (saved / "vocab.txt").write_text("the\t100\nking\t7\nqueen\t5\nking\t3\nx\t2\n")
    with pytest.raises(ModelError, match="word 'king' appears twice"):
        load_model(saved)


def test_an_edited_count_is_a_changed_vocabulary(saved):
    (saved / "vocab.txt").write_text("the\t100\nking\t8\nqueen\t5\ncafé\t3\ndon't\t2\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"has a changed vocab.txt \(it does not match the checksum in meta.json\)"):
        load_model(saved)


def test_save_refuses_a_word_twice(tmp_path):
    model = WordVectors(["the", "king", "the"], np.eye(3, dtype=np.float32))
    with pytest.raises(ModelError, match="cannot save the word 'the' twice"):
        save_model(model, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


# Words as the tokenizer never makes them too: tabs inside, prefixes of each other, any script.
vocabulary_word = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(vocabulary_word, min_size=1, max_size=30, unique=True), absent=st.lists(vocabulary_word, max_size=5))
@example(words=["a\tb", "a\t1", "a", "1"], absent=["a\t", "b", "\t1"])  # a line that starts with another word and a tab
def test_words_found_in_the_file_are_those_of_the_list(words, absent):
    with tempfile.TemporaryDirectory() as directory:
        save_model(WordVectors(words, np.ones((len(words), 2), dtype=np.float32)), Path(directory, "m"))
        loaded = load_model(Path(directory, "m"))
        lazy = loaded._lazy_words
        assert lazy is not None and len(lazy) == len(words)
        for row, word in enumerate(words):
            assert lazy.index(word) == row and lazy[row] == word and lazy[row - len(words)] == word
        for word in absent:
            assert (word in lazy) == (word in words)
        with pytest.raises(IndexError):
            lazy[len(words)]
        assert lazy[1:3] == words[1:3]
        assert loaded.words == words


def test_save_creates_missing_parent_directories(model, tmp_path):
    save_model(model, tmp_path / "a" / "b" / "model")
    assert load_model(tmp_path / "a" / "b" / "model").words == model.words


def test_save_into_an_empty_directory(model, tmp_path):
    (tmp_path / "empty").mkdir()
    save_model(model, tmp_path / "empty")
    assert load_model(tmp_path / "empty").words == model.words


# Line separators other than "\n": str.splitlines() would split at each of them.
OTHER_LINE_SEPARATORS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_words_with_other_line_separators_survive_a_roundtrip(tmp_path):
    words = [f"a{separator}b" for separator in OTHER_LINE_SEPARATORS] + ["x\x85y", "\u2028", "tab\tin"]
    model = WordVectors(words, np.eye(len(words), dtype=np.float32), np.arange(len(words), 0, -1))
    save_model(model, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.words == words
    np.testing.assert_array_equal(loaded.counts, model.counts)
    assert loaded.similarity("a\u2028b", "a\u2028b") == pytest.approx(1.0)


@pytest.mark.parametrize("bad_word", ["new\nline", "\n", ""], ids=["inner-newline", "newline", "empty"])
def test_unsavable_word_is_refused_and_nothing_is_written(tmp_path, bad_word):
    model = WordVectors(["the", bad_word, "king"], np.eye(3, dtype=np.float32))
    with pytest.raises(ModelError, match=f"cannot save the word {re.escape(repr(bad_word))}: words must be non-empty"):
        save_model(model, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_unsavable_word_leaves_an_existing_model_unchanged(model, saved):
    with pytest.raises(ModelError, match="hold no line break"):
        save_model(WordVectors(["a\nb", "c"], np.eye(2, dtype=np.float32)), saved)
    assert load_model(saved).words == model.words
    assert leftovers(saved.parent, saved.name) == []


# -- overwriting --------------------------------------------------------------------


def test_overwrite_replaces_the_model_and_leaves_no_temporaries(saved):
    replacement = WordVectors(["x", "y", "z"], np.eye(3, dtype=np.float32), np.array([3, 2, 1]))
    save_model(replacement, saved)
    loaded = load_model(saved)
    assert loaded.words == ["x", "y", "z"]
    np.testing.assert_array_equal(loaded.vectors, np.eye(3))
    assert leftovers(saved.parent, saved.name) == []


def test_overwrite_without_atomic_exchange_leaves_no_temporaries(saved, monkeypatch):
    monkeypatch.setattr(model_writer, "_exchange", lambda first, second: False)
    save_model(WordVectors(["x", "y"], np.eye(2, dtype=np.float32)), saved)
    assert load_model(saved).words == ["x", "y"]
    assert leftovers(saved.parent, saved.name) == []


def test_overwrite_while_the_old_model_is_mapped(saved):
    old = load_model(saved)
    old_vectors = np.array(old.vectors)
    save_model(old, saved)
    np.testing.assert_array_equal(load_model(saved).vectors, old_vectors)
    np.testing.assert_array_equal(old.vectors, old_vectors)


@pytest.mark.parametrize("stage", ["_read_vocab", "_map_vectors"])
def test_a_load_that_overlaps_a_replace_loads_the_new_model(saved, monkeypatch, stage):
    # The replace happens after the load opened the old directory (and read meta.json, and perhaps vocab.txt):
    # the old files are deleted under it, so it must start again on the new model rather than fail or mix.
    replacement = WordVectors(["x", "y", "z"], np.eye(3, dtype=np.float32), np.array([3, 2, 1]))
    original, calls = getattr(storage, stage), []

    def replaced_first(*args):
        if not calls:
            save_model(replacement, saved)
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(storage, stage, replaced_first)
    loaded = load_model(saved)
    assert len(calls) == 2
    assert loaded.words == ["x", "y", "z"]
    np.testing.assert_array_equal(loaded.vectors, np.eye(3))


def test_a_broken_model_that_was_not_replaced_is_not_loaded_again(saved, monkeypatch):
    (saved / "vocab.txt").unlink()
    original, calls = storage._load_from_dir_fd, []
    monkeypatch.setattr(storage, "_load_from_dir_fd", lambda *args: calls.append(1) or original(*args))
    with pytest.raises(ModelError, match="is missing vocab.txt"):
        load_model(saved)
    assert len(calls) == 1


def test_refuses_to_overwrite_a_directory_that_is_not_a_model(model, tmp_path):
    target = tmp_path / "photos"
    target.mkdir()
    (target / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(ModelError, match="exists and is not a wordvec model; choose another output path"):
        save_model(model, target)
    assert [entry.name for entry in target.iterdir()] == ["holiday.jpg"]
    assert leftovers(tmp_path, "photos") == []


def test_refuses_to_overwrite_a_file(model, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(ModelError, match="exists and is not a wordvec model"):
        save_model(model, target)
    assert target.read_text() == "keep me"


def test_failed_write_keeps_the_old_model_and_cleans_up(model, saved, monkeypatch):
    original = model_writer.write_synced

    def failing(path, write):
        if path.name == model_writer.META_FILE:
            raise OSError(28, "No space left on device")
        original(path, write)

    monkeypatch.setattr(model_writer, "write_synced", failing)
    with pytest.raises(ModelError, match="No space left on device; the previous model .* is unchanged"):
        save_model(WordVectors(["x", "y"], np.eye(2, dtype=np.float32)), saved)
    assert load_model(saved).words == model.words
    assert leftovers(saved.parent, saved.name) == []


def test_stale_temporaries_of_dead_processes_are_removed(model, tmp_path):
    pid = dead_pid()
    stale_tmp = tmp_path / f".model.tmp-{pid}-0123abcd"
    stale_old = tmp_path / f".model.old-{pid}-89abcdef"
    live = tmp_path / f".model.tmp-{os.getpid()}-00000000"
    other_model = tmp_path / f".other.tmp-{pid}-0123abcd"
    for directory in (stale_tmp, stale_old, live, other_model):
        directory.mkdir()
        (directory / "vectors.npy").write_bytes(b"partial")
    save_model(model, tmp_path / "model")
    assert not stale_tmp.exists()
    assert not stale_old.exists()
    assert live.exists(), "a temporary of a running process must be left alone"
    assert other_model.exists(), "temporaries of other models must be left alone"
    assert load_model(tmp_path / "model").words == model.words


# -- load errors --------------------------------------------------------------------


def test_load_missing_path(tmp_path):
    with pytest.raises(ModelError, match="no model at '.*nothing'; build one with `wordvec build CORPUS -o"):
        load_model(tmp_path / "nothing")


def test_load_a_glove_file(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("king 0.1 0.2\nqueen 0.2 0.1\n")
    model = load_model(path)
    assert model.words == ["king", "queen"]
    np.testing.assert_allclose(model.vectors, [[0.1, 0.2], [0.2, 0.1]], rtol=1e-6)


@pytest.mark.parametrize("content", [b"just some text\nof a corpus\n", b"\x89PNG\r\n\x1a\n\x00\x00IHDR", b"PK\x03\x04zip"])
def test_load_a_file_that_is_no_vectors(tmp_path, content):
    path = tmp_path / "file"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="neither a wordvec model directory nor a word2vec/GloVe vectors file"):
        load_model(path)


def test_load_directory_without_meta(tmp_path):
    with pytest.raises(ModelError, match=r"is not a wordvec model \(no meta.json\)"):
        load_model(tmp_path)


def rewrite_meta(path: Path, **changes) -> None:
    meta = json.loads((path / "meta.json").read_text())
    meta.update(changes)
    (path / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("content", ["{not json", "", "\xff\xfe"])
def test_load_malformed_meta(saved, content):
    (saved / "meta.json").write_bytes(content.encode("latin-1"))
    with pytest.raises(ModelError, match="has a corrupt meta.json"):
        load_model(saved)


def test_load_foreign_format(saved):
    rewrite_meta(saved, format="someone-elses-model")
    with pytest.raises(ModelError, match=r"is not a wordvec model \(meta.json is of another format\)"):
        load_model(saved)


def test_load_meta_that_is_not_an_object(saved):
    (saved / "meta.json").write_text("[1, 2, 3]")
    with pytest.raises(ModelError, match="of another format"):
        load_model(saved)


def test_load_future_format_version(saved):
    rewrite_meta(saved, format_version=2)
    with pytest.raises(ModelError, match=r"uses model format 2, newer than this wordvec supports \(1\)"):
        load_model(saved)


@pytest.mark.parametrize("changes", [
    {"format_version": 0}, {"format_version": "1"}, {"dim": None}, {"vocab_size": "5"}, {"params": []},
])
def test_load_malformed_meta_fields(saved, changes):
    rewrite_meta(saved, **changes)
    with pytest.raises(ModelError, match="malformed meta.json"):
        load_model(saved)


@pytest.mark.parametrize("keep", [20, -5])
def test_load_truncated_vectors(saved, keep):
    data = (saved / "vectors.npy").read_bytes()
    (saved / "vectors.npy").write_bytes(data[:keep])
    with pytest.raises(ModelError, match="has a corrupt vectors.npy"):
        load_model(saved)


def test_load_missing_vectors(saved):
    (saved / "vectors.npy").unlink()
    with pytest.raises(ModelError, match="is missing vectors.npy"):
        load_model(saved)


def test_load_missing_vocab(saved):
    (saved / "vocab.txt").unlink()
    with pytest.raises(ModelError, match="is missing vocab.txt"):
        load_model(saved)


def test_load_shape_mismatch(saved):
    np.save(saved / "vectors.npy", np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(ModelError, match=r"is inconsistent: 5 words in vocab.txt, matrix of shape \(4, 3\)"):
        load_model(saved)


def test_load_dim_disagreeing_with_meta(saved):
    rewrite_meta(saved, dim=4)
    with pytest.raises(ModelError, match="metadata says 5 x 4"):
        load_model(saved)


@pytest.mark.parametrize(
    "array", [np.zeros(15, dtype=np.float32), np.zeros((5, 3), dtype=np.int32)], ids=["1-d", "int"]
)
def test_load_vectors_that_are_not_a_float_matrix(saved, array):
    np.save(saved / "vectors.npy", array)
    with pytest.raises(ModelError, match="not a 2-D float matrix"):
        load_model(saved)


def test_load_duplicate_word(saved):
    (saved / "vocab.txt").write_text("the\t100\nking\t7\nqueen\t5\nking\t3\nx\t2\n")
    with pytest.raises(ModelError, match="word 'king' appears twice"):
        load_model(saved)


@pytest.mark.parametrize("vocab", ["the\t100\nking\n", "the\tmany\n", "\t5\n"])
def test_load_malformed_vocab_line(saved, vocab):
    (saved / "vocab.txt").write_text(vocab)
    with pytest.raises(ModelError, match=r"has a corrupt vocab.txt \(line \d: expected WORD<TAB>COUNT\)"):
        load_model(saved)


def test_load_vocab_not_utf8(saved):
    (saved / "vocab.txt").write_bytes(b"the\t100\nk\xffng\t7\n")
    with pytest.raises(ModelError, match=r"corrupt vocab.txt \(not UTF-8\)"):
        load_model(saved)


class CreatesMarkerWhenUnpickled:
    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_load_never_unpickles_an_object_array(saved, tmp_path):
    marker = tmp_path / "unpickled-marker"
    CreatesMarkerWhenUnpickled.marker = marker
    payload = np.empty((5, 3), dtype=object)
    payload[0, 0] = CreatesMarkerWhenUnpickled()
    np.save(saved / "vectors.npy", payload, allow_pickle=True)
    # The file really would run code if unpickled.
    np.load(saved / "vectors.npy", allow_pickle=True)
    assert marker.exists()
    marker.unlink()

    with pytest.raises(ModelError, match="has a corrupt vectors.npy"):
        load_model(saved)
    assert not marker.exists()


def test_load_error_names_the_model_path(tmp_path, saved):
    copy = tmp_path / "copy-of-model"
    shutil.copytree(saved, copy)
    (copy / "vocab.txt").write_text("dup\t1\ndup\t1\n")
    with pytest.raises(ModelError, match="copy-of-model"):
        load_model(copy)


@pytest.mark.parametrize("text, expected", [
    ("the\t10\nof\t7\n", ["the", "of"]),
    ("a\tb\t3\nc\n", None),        # two tabs on one line and none on the next: the counts alone would match
    ("a\t1\t3\n5\n", None),
    ("a\t\nb\t2\n", None),         # an empty count
    ("\t4\nb\t2\n", None),         # an empty word
    ("a\tx\nb\t2\n", None),        # a count that is not a number
])
def test_the_fast_vocabulary_split_takes_only_one_tab_a_line(text, expected):
    assert storage._split_vocab(text.encode("utf-8"), text) == expected


# -- malformed values in meta.json: one line in every command, never a traceback ---------------------------------


def meta_change(**changes):
    """A damage of the text of meta.json that sets fields (``stats__tokens`` sets a field of ``stats``)."""
    def damage(text: str) -> str:
        meta = json.loads(text)
        for key, value in changes.items():
            parent, _, child = key.partition("__")
            if child:
                meta[parent][child] = value
            else:
                meta[parent] = value
        return json.dumps(meta, indent=2)
    return damage


def meta_text(old: str, new: str):
    """A damage of the text of meta.json: the value of ``old`` (a "key": value line) becomes ``new``."""
    def damage(text: str) -> str:
        return re.sub(rf'("{old}": )[^,\n]*', lambda match: match[1] + new, text, count=1)
    return damage


#: (case id, damage of the parsed meta or of its text, what the message says)
META_DAMAGES = [
    ("vocab-size-negative", meta_change(vocab_size=-1), "vocab_size must be a non-negative integer; got -1"),
    ("vocab-size-bool", meta_change(vocab_size=True), "vocab_size must be a non-negative integer; got true"),
    ("vocab-size-string", meta_change(vocab_size="5"), "vocab_size must be a non-negative integer; got \"5\""),
    ("dim-zero", meta_change(dim=0), "dim must be a positive integer; got 0"),
    ("dim-bool", meta_change(dim=True), "dim must be a positive integer; got true"),
    ("dim-missing", lambda text: json.dumps({key: value for key, value in json.loads(text).items() if key != "dim"}),
     "dim must be a positive integer; got null"),
    ("format-version-bool", meta_change(format_version=True), "format_version True"),
    ("normalized-string", meta_change(normalized="yes"), 'normalized must be true or false; got "yes"'),
    ("has-counts-number", meta_change(has_counts=1), "has_counts must be true or false; got 1"),
    ("crc-string", meta_change(vocab_crc32="abc"), 'vocab_crc32 must be a CRC-32 (an integer below 2**32); got "abc"'),
    ("crc-negative", meta_change(vocab_crc32=-1), "vocab_crc32 must be a CRC-32 (an integer below 2**32); got -1"),
    ("version-list", meta_change(wordvec_version=[1]), "wordvec_version must be a string; got [1]"),
    ("params-list", meta_change(params=[1, 2]), "params must be an object; got [1, 2]"),
    ("stats-string", meta_change(stats="none"), "stats must be an object; got \"none\""),
    ("tokens-string", meta_change(stats__tokens="many"), 'stats.tokens must be a non-negative integer; got "many"'),
    ("tokens-float", meta_change(stats__tokens=1.5), "stats.tokens must be a non-negative integer; got 1.5"),
    ("lines-negative", meta_change(stats__lines=-2), "stats.lines must be a non-negative integer; got -2"),
    ("seconds-list", meta_change(stats__seconds=[1, 2]),
     "stats.seconds must be an object of stage names and seconds; got [1, 2]"),
    ("seconds-string", meta_change(stats__seconds={"svd": "fast"}),
     'stats.seconds must be an object of stage names and seconds; got {"svd": "fast"}'),
    ("corpus-string", meta_change(stats__corpus="a.txt"), 'stats.corpus must be a list of file names; got "a.txt"'),
    ("corpus-numbers", meta_change(stats__corpus=[1]), "stats.corpus must be a list of file names; got [1]"),
    ("singular-values", meta_change(stats__singular_values={}), "stats.singular_values must be a list of numbers; got {}"),
    ("source-number", meta_change(params__source=5), "params.source must be a string; got 5"),
    ("tokens-huge-integer", meta_change(stats__tokens=10**400),
     "stats.tokens must be a non-negative integer; got 1000000000000000000000000000000000000..."),
    ("tokens-too-many-digits", meta_text("tokens", "1" * 5000), "Exceeds the limit (4300 digits)"),
    ("tokens-infinite", meta_text("tokens", "1e999"), "1e999 is too large a number"),
    ("seconds-nan", meta_text("svd", "NaN"), "NaN is not a number JSON allows"),
    ("seconds-infinity", meta_text("svd", "-Infinity"), "-Infinity is not a number JSON allows"),
    ("deeply-nested", meta_text("window", "[" * 100_000 + "]" * 100_000), "nested too deeply"),
]


@pytest.fixture
def model_with_stats(tmp_path) -> Path:
    from wordvec.pipeline import BuildParams

    rng = np.random.default_rng(0)
    params = dataclasses.asdict(BuildParams(dim=2))
    stats = {"tokens": 10, "lines": 2, "corpus": ["a.txt"], "seconds": {"svd": 0.5}, "singular_values": [1.0, 0.5]}
    vectors = rng.normal(size=(3, 2)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # stored normalised, as builds store them
    model = WordVectors(["a", "b", "c"], vectors, np.array([3, 2, 1]), params=params, stats=stats)
    save_model(model, tmp_path / "model")
    return tmp_path / "model"


def damage_meta(path: Path, damage) -> None:
    (path / "meta.json").write_text(damage((path / "meta.json").read_text()))


@pytest.mark.parametrize("damage, problem", [case[1:] for case in META_DAMAGES], ids=[case[0] for case in META_DAMAGES])
def test_malformed_meta_values_are_refused_in_one_line(model_with_stats, runner, damage, problem):
    from wordvec.cli import main

    damage_meta(model_with_stats, damage)
    with pytest.raises(ModelError) as caught:
        load_model(model_with_stats)
    assert re.escape(problem) in re.escape(str(caught.value))
    assert "meta.json" in str(caught.value)
    for command in (["info"], ["info", "--json"], ["explain", "a", "b"], ["nearest", "a"]):
        result = runner.invoke(main, [*command, "-m", str(model_with_stats)])
        assert result.exit_code == 1, (command, result.output)
        assert result.output.count("\n") == 1 and problem in result.output, (command, result.output)


#: (case id, build parameters recorded in meta.json, what the message says)
PARAMETER_DAMAGES = [
    ("cds-string", {"cds": "x"}, "cds must be a number; got 'x'"),
    ("window-negative", {"window": -1}, "window must be between 1 and 20; got -1"),
    ("window-huge", {"window": 10**30}, f"window must be between 1 and 20; got {10**30}"),
    ("dim-string", {"dim": "300"}, "dim must be an integer; got '300'"),
    ("min-count-bool", {"min_count": True}, "min_count must be an integer; got True"),
    ("max-vocab-list", {"max_vocab": [5]}, "max_vocab must be an integer; got [5]"),
    ("workers-zero", {"workers": 0}, "workers must be between 1 and 256; got 0"),
    ("tokenizer-unknown", {"tokenizer": "spaces"}, "tokenizer must be one of"),
    ("neg-zero", {"neg": 0}, "neg must be in (0, 1e6]; got 0"),
    ("seed-huge", {"seed": 2**63}, f"seed must be in [0, 2**63); got {2**63}"),
    ("add-context-string", {"add_context": "yes"}, "add_context must be True or False; got 'yes'"),
]


@pytest.mark.parametrize("params, problem", [case[1:] for case in PARAMETER_DAMAGES],
                         ids=[case[0] for case in PARAMETER_DAMAGES])
def test_malformed_build_parameters_are_refused_by_the_commands_that_use_them(
    model_with_stats, runner, tmp_path, params, problem
):
    from wordvec.cli import main
    from wordvec.incremental import update

    damage_meta(model_with_stats, meta_change(**{f"params__{key}": value for key, value in params.items()}))
    message = f"{str(model_with_stats)!r} has a malformed meta.json (its build parameter {problem}"
    with pytest.raises(ModelError) as caught:
        storage.build_params(load_model(model_with_stats), model_with_stats)
    assert str(caught.value).startswith(message) and str(caught.value).endswith("); rebuild the model")
    (tmp_path / "new.txt").write_text("a b c\n")
    with pytest.raises(ModelError, match=re.escape(message)):
        update(model_with_stats, [tmp_path / "new.txt"])
    model = str(model_with_stats)
    for arguments in (["info", "-m", model], ["explain", "a", "b", "-m", model], ["update", model, str(tmp_path / "new.txt")]):
        result = runner.invoke(main, arguments)
        assert result.exit_code == 1, (arguments, result.output)
        assert result.output.startswith(f"Error: {message}") and result.output.count("\n") == 1, result.output


def test_model_with_valid_meta_still_loads_and_shows_its_info(model_with_stats, runner):
    from wordvec.cli import main

    result = runner.invoke(main, ["info", "-m", str(model_with_stats)])
    assert result.exit_code == 0, result.output
    assert "seconds     svd 0.50" in result.output
    assert storage.build_params(load_model(model_with_stats), model_with_stats).dim == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", ["meta.json", "vocab.txt"])
def test_fifo_in_place_of_meta_or_vocab_is_refused_without_waiting(saved, name):
    (saved / name).unlink()
    os.mkfifo(saved / name)
    completed = subprocess.run(
        [sys.executable, "-m", "wordvec.cli", "info", "-m", str(saved)], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 1
    assert completed.stderr == f"Error: {str(saved)!r} has an unreadable {name} (a named pipe (FIFO), not a regular file); rebuild the model\n"


def _vocabulary_with_its_checksum(model: Path, change) -> Path:
    """``vocab.txt`` changed, and the CRC-32 in ``meta.json`` made to match it: a crafted, not an accidental, change."""
    raw = change((model / "vocab.txt").read_bytes())
    (model / "vocab.txt").write_bytes(raw)
    meta = json.loads((model / "meta.json").read_text())
    meta["vocab_crc32"] = zlib.crc32(raw)
    (model / "meta.json").write_text(json.dumps(meta))
    return model


@pytest.mark.parametrize("change", [
    lambda raw: raw.replace(b"\nqueen\t", b"\n\t", 1),
    lambda raw: re.sub(rb"\nqueen\t\d+\n", b"\nqueen\t" + b"9" * 40 + b"\n", raw),
    lambda raw: raw.replace(b"\n", b"\r\n"),
    lambda raw: raw.replace(b"\nqueen\t", b"\nqueen ", 1),
], ids=["empty-word", "huge-count", "crlf", "no-tab"])
def test_a_crafted_vocabulary_with_a_matching_checksum_is_refused_when_used(model_path, royal_corpus_file, tmp_path, change):
    from click.testing import CliRunner

    from wordvec.cli import main

    model = tmp_path / "model"
    shutil.copytree(model_path, model)
    _vocabulary_with_its_checksum(model, change)
    for args in (["info"], ["polarity", "--positive", "king", "--negative", "dog"], ["export", "-o", tmp_path / "out.vec"],
                 ["evaluate", "--json"], ["docvec", royal_corpus_file, "-o", tmp_path / "out.npy"]):
        result = CliRunner().invoke(main, [*map(str, args), "-m", str(model)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        if result.exit_code:
            lines = result.stderr.strip().splitlines()
            assert result.exit_code == 1 and len(lines) == 1 and "has a corrupt vocab.txt (" in lines[0], (args, result.stderr)
    assert not (tmp_path / "out.vec").exists() or load_model(tmp_path / "out.vec")


# -- the analogy view and the n-gram tables ---------------------------------------------

SUBWORD_LINES = ["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands",
                 "a kingly queen and a queenly king", "the land of the kings"] * 30


@pytest.fixture(scope="module")
def subword_model() -> WordVectors:
    import wordvec

    return wordvec.build(SUBWORD_LINES, dim=3, min_count=1, window=2, subsample=0, subwords=True, analogy_view=True,
                         buckets=5000)


def test_a_model_with_subwords_and_an_analogy_view_round_trips(subword_model, tmp_path):
    save_model(subword_model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.has_analogy_view and loaded.subwords is not None and loaded.analogy_view.subwords is not None
    np.testing.assert_array_equal(loaded.vectors, subword_model.vectors)
    np.testing.assert_array_equal(loaded.analogy_view.vectors, subword_model.analogy_view.vectors)
    np.testing.assert_array_equal(loaded.analogy_view.unblended.vectors, subword_model.analogy_view.unblended.vectors)
    assert loaded.analogy("king", "queen", "kings") == subword_model.analogy("king", "queen", "kings")
    for view in ("similarity", "analogy"):
        saved_table = model_writer.view_tables(subword_model)[view]
        loaded_table = model_writer.view_tables(loaded)[view]
        np.testing.assert_array_equal(loaded_table.vectors, saved_table.vectors)
        np.testing.assert_array_equal(loaded_table.bucket_ids, saved_table.bucket_ids)
        assert (loaded_table.buckets, loaded_table.min_n, loaded_table.max_n) == (5000, 3, 6)
    np.testing.assert_array_equal(loaded["kingz"], subword_model["kingz"])
    assert loaded.most_similar("queeen", topn=3) == subword_model.most_similar("queeen", topn=3)
    assert loaded.analogy("king", "kings", "queen") == subword_model.analogy("king", "kings", "queen")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["analogy_view"] is True and meta["analogy_unblended"] is True and meta["subwords"]["hash"] == "fasttext-fnv1a-32"


@pytest.fixture(scope="module")
def similarity_table_model() -> WordVectors:
    """With n-grams and no analogy view: the similarity view's table is saved as rows of its own (ngrams.npy)."""
    import wordvec

    return wordvec.build(SUBWORD_LINES, dim=3, min_count=1, window=2, subsample=0, analogy_view=False, buckets=5000)


def test_the_similarity_table_is_saved_as_a_map_of_the_analogy_table(subword_model, similarity_table_model, tmp_path):
    save_model(subword_model, tmp_path / "m")
    names = {entry.name for entry in (tmp_path / "m").iterdir()}
    assert "ngram-map.npy" in names and "ngrams.npy" not in names
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["subwords"]["mapped"] == {"similarity": "analogy"} and set(meta["subwords"]["known_buckets"]) == {"analogy"}
    loaded = load_model(tmp_path / "m")
    table, analogy_table = loaded.subwords, loaded.analogy_view.subwords
    composed = np.asarray(analogy_table.compose(["kingz"]).vectors[0], dtype=np.float64) @ table.mapping.astype(np.float64)
    np.testing.assert_allclose(table.compose(["kingz"]).vectors[0], composed, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(loaded.ngram_vector("kingz"), subword_model.ngram_vector("kingz"))
    save_model(loaded.in_memory(), tmp_path / "copy")  # the copy in memory still shares the rows
    assert (tmp_path / "copy" / "ngram-map.npy").exists() and not (tmp_path / "copy" / "ngrams.npy").exists()
    save_model(similarity_table_model, tmp_path / "s")
    names = {entry.name for entry in (tmp_path / "s").iterdir()}
    assert "ngrams.npy" in names and "ngram-map.npy" not in names
    np.testing.assert_array_equal(load_model(tmp_path / "s")["kingz"], similarity_table_model["kingz"])


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "ngram-map.npy").unlink(), "is missing ngram-map.npy"),
    (lambda d: np.save(d / "ngram-map.npy", np.zeros((2, 3), np.float32)), r"has a corrupt ngram-map.npy"),
    (lambda d: np.save(d / "ngram-map.npy", np.full((3, 3), np.nan, np.float32)), r"ngram-map.npy\) holds nan"),
    (lambda d: (d / "analogy-ngrams.npy").unlink(), "is missing analogy-ngrams.npy"),
])
def test_a_damaged_ngram_map_is_refused_naming_it(subword_model, tmp_path, damage, message):
    save_model(subword_model, tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(ModelError, match=message):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "ngrams.npy").unlink(), "is missing ngrams.npy"),
    (lambda d: (d / "analogy-ngram-buckets.npy").write_bytes((d / "analogy-ngram-buckets.npy").read_bytes()[:-8]),
     "has a corrupt analogy-ngram-buckets.npy"),
    (lambda d: np.save(d / "ngrams.npy", np.zeros((3, 3), np.float32)), r"has a corrupt ngrams.npy \(it holds a float32 array of shape \(3, 3\)"),
    (lambda d: np.save(d / "ngram-buckets.npy", np.load(d / "ngram-buckets.npy")[::-1].copy()),
     "has a corrupt ngram-buckets.npy .*increasing"),
    (lambda d: (d / "analogy-vectors.npy").unlink(), "is missing analogy-vectors.npy"),
    (lambda d: (d / "analogy-unblended-vectors.npy").unlink(), "is missing analogy-unblended-vectors.npy"),
    (lambda d: np.save(d / "analogy-unblended-vectors.npy", np.zeros((2, 3), np.float32)),
     r"has a corrupt analogy-unblended-vectors.npy"),
    (lambda d: np.save(d / "analogy-unblended-vectors.npy", np.full(np.load(d / "analogy-vectors.npy").shape, 2, np.float32)),
     r"analogy-unblended-vectors.npy"),
])
def test_a_damaged_ngram_or_analogy_file_is_refused_naming_it(subword_model, similarity_table_model, tmp_path, damage, message):
    own_table = "ngrams.npy" in message or "ngram-buckets.npy" in message and "analogy" not in message
    save_model(similarity_table_model if own_table else subword_model, tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(ModelError, match=message):
        load_model(tmp_path / "m")


def test_a_non_finite_ngram_vector_is_refused_when_a_word_reads_it(similarity_table_model, tmp_path):
    save_model(similarity_table_model, tmp_path / "m")
    table = np.load(tmp_path / "m" / "ngrams.npy")
    table[:] = np.nan
    np.save(tmp_path / "m" / "ngrams.npy", table)
    loaded = load_model(tmp_path / "m")
    assert loaded.most_similar("king", topn=1)  # vocabulary words do not read the table
    with pytest.raises(ModelError, match=r"ngrams.npy\) holds a non-finite vector \(bucket \d+\); rebuild the model"):
        loaded["kingz"]


def test_a_malformed_subwords_entry_in_the_metadata_is_refused(subword_model, tmp_path):
    save_model(subword_model, tmp_path / "m")
    meta_path = tmp_path / "m" / "meta.json"
    for change in ({"min_n": 0}, {"hash": "md5"}, {"known_buckets": {"other": 1}}, {"buckets": 2**40},
                   {"mapped": {"similarity": "other"}}, {"mapped": {"analogy": "analogy"}}, {"mapped": []}):
        meta = json.loads(meta_path.read_text())
        meta["subwords"].update(change)
        meta_path.write_text(json.dumps(meta))
        with pytest.raises(ModelError, match="malformed meta.json \\(subwords must be"):
            load_model(tmp_path / "m")


@pytest.fixture(scope="module")
def subword_property_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("subword-property")


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029 "),
                           min_size=1, max_size=8), min_size=2, max_size=12, unique_by=lambda word: word),
    buckets=st.integers(1, 400),
    queries=st.lists(st.text(min_size=1, max_size=10).filter(str.strip), min_size=1, max_size=5),
    seed=st.integers(0, 2**16),
)
def test_a_subword_model_round_trips_and_composes_the_same_vectors(subword_property_dir, words, buckets, queries, seed):
    from wordvec.subwords import NgramTable, ngram_hashes

    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(words), 3)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    known = np.unique(ngram_hashes(words).hashes.astype(np.int64) % buckets)
    table = NgramTable(rng.standard_normal((len(known), 3)).astype(np.float32), known, buckets)
    model = WordVectors(words, vectors, params={"normalize": True}, subwords=table)
    path = subword_property_dir / f"m{seed}"
    save_model(model, path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.subwords.bucket_ids, known)
    first, second = model.subwords.compose(queries), loaded.subwords.compose(queries)
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_array_equal(first.known, second.known)
    shutil.rmtree(path)
