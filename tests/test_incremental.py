"""Tests of wordvec.incremental: kept corpus, and update(build(A), B) == build(A + B) exactly."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wordvec.cli import main
from wordvec.errors import ModelError
from wordvec.incremental import build_keeping_corpus, save_with_corpus, update
from wordvec.pipeline import build, count_corpus
from wordvec.storage import IDS_FILE, WORD_COUNTS_FILE, WORDS_FILE, load_corpus_ids, load_count_matrix, load_model
from wordvec.vocab import LINE_ID

from conftest import royal_corpus_lines

#: The default options but dim (the test corpora have about a hundred words).
DEFAULTS = dict(dim=8)


@pytest.fixture(scope="module")
def parts(tmp_path_factory, write_corpus) -> dict[str, Path]:
    """Text A and text B; "quokka" is seen 3 times in A and 4 in B, so it reaches min_count=5 only with B."""
    directory = tmp_path_factory.mktemp("incremental")
    a = royal_corpus_lines(600, seed=1) + ["a quokka rests near the cow"] * 3
    b = royal_corpus_lines(400, seed=2) + ["the quokka jumps in the field", "a fox hides near a quokka"] * 2
    return {
        "a": write_corpus(directory / "a.txt", ("\n".join(a) + "\n").encode()),
        "b": write_corpus(directory / "b.txt", ("\n".join(b) + "\n").encode(), "gz"),
    }


def assert_same_model(path: Path, expected_path: Path) -> None:
    """Vocabulary (words and counts), kept corpus and vectors of two saved models are identical."""
    model, expected = load_model(path), load_model(expected_path)
    assert model.words == expected.words
    assert np.array_equal(model.counts, expected.counts)
    matrix, expected_matrix = load_count_matrix(path, len(model)), load_count_matrix(expected_path, len(expected))
    assert matrix.nnz > 0
    assert (matrix != expected_matrix).nnz == 0
    assert np.array_equal(model.vectors, expected.vectors)
    for key in ("tokens", "lines", "files", "distinct_words", "corpus"):
        assert model.stats[key] == expected.stats[key], key


def test_update_equals_build_of_both_texts_with_the_default_options(parts, tmp_path):
    model, counted = build_keeping_corpus([parts["a"]], **DEFAULTS)
    assert "quokka" not in model
    save_with_corpus(model, counted, tmp_path / "updated")
    updated, updated_counted = update(tmp_path / "updated", [parts["b"]])
    save_with_corpus(updated, updated_counted, tmp_path / "updated")
    both, both_counted = build_keeping_corpus([parts["a"], parts["b"]], **DEFAULTS)
    save_with_corpus(both, both_counted, tmp_path / "both")
    assert "quokka" in load_model(tmp_path / "updated")
    assert_same_model(tmp_path / "updated", tmp_path / "both")
    # And the vectors are those of a build that keeps nothing.
    assert np.array_equal(load_model(tmp_path / "updated").vectors, build([parts["a"], parts["b"]], **DEFAULTS).vectors)


def test_update_through_the_cli_with_new_text_read_in_shards(parts, tmp_path, runner, small_shards, spawned):
    more = tmp_path / "more.txt"
    more.write_text("\n".join(royal_corpus_lines(300, seed=5)) + "\n")
    options = ["--dim", "8", "--min-count", "3", "--max-vocab", "80", "--subsample", "1e-3", "-q"]
    result = runner.invoke(main, ["build", str(parts["a"]), "--keep-corpus", "-o", str(tmp_path / "m"), "--workers", "1", *options])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["update", str(tmp_path / "m"), str(parts["b"]), str(more), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"-> {tmp_path / 'm'}" in result.output
    assert spawned == ["InProcessPasses", "ShardedPasses"]  # the new text was read by worker processes
    corpus = [str(parts["a"]), str(parts["b"]), str(more)]
    result = runner.invoke(main, ["build", *corpus, "--keep-corpus", "-o", str(tmp_path / "both"), "--workers", "1", *options])
    assert result.exit_code == 0, result.output
    assert_same_model(tmp_path / "m", tmp_path / "both")
    assert load_model(tmp_path / "m").params["max_vocab"] == 80


def test_update_to_another_output_leaves_the_model(parts, tmp_path, runner):
    result = runner.invoke(main, ["build", str(parts["a"]), "--keep-corpus", "-o", str(tmp_path / "m"), "--dim", "8", "-q"])
    assert result.exit_code == 0, result.output
    before = load_model(tmp_path / "m").words
    result = runner.invoke(main, ["update", str(tmp_path / "m"), str(parts["b"]), "-o", str(tmp_path / "new"), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert load_model(tmp_path / "m").words == before
    assert len(load_model(tmp_path / "new")) > len(before)


def test_the_old_names_of_build_keeping_corpus_and_save_with_corpus_warn_and_still_work(parts, tmp_path):
    import wordvec.incremental as incremental

    with pytest.warns(DeprecationWarning, match="wordvec.incremental.build_keeping_counts is now "
                                                "wordvec.incremental.build_keeping_corpus"):
        from wordvec.incremental import build_keeping_counts
    with pytest.warns(DeprecationWarning, match="wordvec.incremental.save_with_counts is now wordvec.incremental.save_with_corpus"):
        from wordvec.incremental import save_with_counts
    assert (build_keeping_counts, save_with_counts) == (build_keeping_corpus, save_with_corpus)
    save_with_counts(*build_keeping_counts([parts["a"]], **DEFAULTS), tmp_path / "old")
    save_with_corpus(*build_keeping_corpus([parts["a"]], **DEFAULTS), tmp_path / "new")
    assert sorted(os.listdir(tmp_path / "old")) == sorted(os.listdir(tmp_path / "new"))
    assert_same_model(tmp_path / "old", tmp_path / "new")
    with pytest.raises(AttributeError):
        incremental.no_such_name  # noqa: B018


def test_the_old_flag_keep_counts_warns_and_still_keeps_the_corpus(parts, tmp_path, runner):
    old = runner.invoke(main, ["build", str(parts["a"]), "--keep-counts", "-o", str(tmp_path / "old"), "--dim", "8"])
    assert old.exit_code == 0, old.output
    assert old.stderr.splitlines()[0] == "warning: --keep-counts is now --keep-corpus; the old name goes in the next release"
    new = runner.invoke(main, ["build", str(parts["a"]), "--keep-corpus", "-o", str(tmp_path / "new"), "--dim", "8", "-q"])
    assert new.exit_code == 0 and new.output == "", new.output
    assert_same_model(tmp_path / "old", tmp_path / "new")
    shown = runner.invoke(main, ["build", "--help"]).output
    assert "--keep-corpus" in shown and "--keep-counts" not in shown


def test_kept_corpus_ids_are_the_corpus(tmp_path):
    lines = ["b a b", "c a", "b"]
    model, counted = build_keeping_corpus(lines, dim=1, min_count=1, subsample=0)
    save_with_corpus(model, counted, tmp_path / "m")
    kept = load_corpus_ids(tmp_path / "m")
    assert kept.words == ["b", "a", "c"]  # first-seen order
    assert kept.counts.tolist() == [3, 2, 1]
    assert kept.ids.tolist() == [0, 1, 0, LINE_ID, 2, 1, LINE_ID, 0, LINE_ID]
    assert load_count_matrix(tmp_path / "m", len(model)).shape == (3, 3)


def test_corpus_ids_kept_by_worker_processes_equal_one_process(parts, tmp_path, small_shards, spawned):
    plain = tmp_path / "plain.txt"
    plain.write_text("\n".join(royal_corpus_lines(500, seed=4)) + "\n")
    corpus = [plain, parts["a"], parts["b"]]
    sharded = count_corpus(corpus, keep_corpus=True, workers=2, **DEFAULTS).corpus_ids
    assert spawned == ["ShardedPasses"]
    single = count_corpus(corpus, keep_corpus=True, workers=1, **DEFAULTS).corpus_ids
    assert sharded.words == single.words
    assert np.array_equal(sharded.counts, single.counts)
    assert np.array_equal(sharded.ids, single.ids)
    assert np.count_nonzero(single.ids == LINE_ID) == 500 + 603 + 404


def test_update_of_a_model_without_counts_says_to_rebuild(parts, tmp_path, runner):
    result = runner.invoke(main, ["build", str(parts["a"]), "-o", str(tmp_path / "m"), "--dim", "8", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["update", str(tmp_path / "m"), str(parts["b"])])
    assert result.exit_code == 1
    assert "keeps no corpus; rebuild it with `wordvec build CORPUS --keep-corpus" in result.output
    assert "Traceback" not in result.output


def test_corrupt_kept_files_are_model_errors(parts, tmp_path):
    model, counted = build_keeping_corpus([parts["a"]], **DEFAULTS)
    save_with_corpus(model, counted, tmp_path / "m")
    (tmp_path / "m" / WORDS_FILE).write_text("just\ntwo\n")
    with pytest.raises(ModelError, match=r"corrupt corpus-word-counts.npy \(\d+ counts for the 2 words of corpus-words.txt\)"):
        load_corpus_ids(tmp_path / "m")
    (tmp_path / "m" / IDS_FILE).write_bytes(b"not numpy")
    with pytest.raises(ModelError, match="corrupt corpus-ids.npy"):
        load_corpus_ids(tmp_path / "m")
    with pytest.raises(ModelError, match=rf"corrupt counts-indptr.npy \({len(model) + 1} row offsets for {len(model) + 1} words"):
        load_count_matrix(tmp_path / "m", len(model) + 1)


def test_counts_without_the_corpus_cannot_be_kept(parts):
    with pytest.raises(ValueError, match="keep_corpus=True"):
        from wordvec.storage import kept_count_files

        kept_count_files(count_corpus([parts["a"]], **DEFAULTS))


def test_update_in_a_subprocess(parts, tmp_path):
    run = [sys.executable, "-m", "wordvec.cli"]
    subprocess.run([*run, "build", str(parts["a"]), "--keep-corpus", "-o", str(tmp_path / "m"), "--dim", "8", "-q"],
                   check=True, timeout=120)
    completed = subprocess.run([*run, "update", str(tmp_path / "m"), str(parts["b"])], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "built" in completed.stdout
    assert "quokka" in load_model(tmp_path / "m")


# -- damaged kept files: one line naming the file, never a crash --------------------------------------------------

#: A corpus where every word is kept (min_count=1), so that the model's words are the kept words.
SMALL_LINES = ["a x", "a y", "b x", "b y", "c z", "a x", "c w"]


@pytest.fixture(scope="module")
def small_kept_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kept") / "model"
    model, counted = build_keeping_corpus(SMALL_LINES, dim=2, min_count=1, window=1, subsample=0)
    save_with_corpus(model, counted, path)
    return path


def npy_with_header(shape: tuple[int, ...], dtype: str, payload: bytes) -> bytes:
    """A .npy file whose header says ``shape`` and ``dtype`` whatever ``payload`` holds."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload


def change_array(name: str, change):
    """A damage: ``change(array)`` is saved in place of the kept file ``name``."""
    def damage(path: Path) -> None:
        array = np.load(path / name)
        np.save(path / name, change(array.copy()), allow_pickle=True)
    return damage


def set_entry(position: int, value):
    def change(array: np.ndarray) -> np.ndarray:
        array[position] = value
        return array
    return change


def write_bytes(name: str, data: bytes):
    return lambda path: (path / name).write_bytes(data)


def with_text(name: str, change):
    return lambda path: (path / name).write_bytes(change((path / name).read_bytes()))


#: (case id, damage, file named in the message, what it says)
MATRIX_DAMAGES = [
    ("index-outside", change_array("counts-indices.npy", set_entry(0, 10**9)), "counts-indices.npy",
     "column 1000000000 of row 0 is outside the vocabulary of 7 words"),
    ("index-negative", change_array("counts-indices.npy", set_entry(0, -3)), "counts-indices.npy",
     "column -3 of row 0 is outside the vocabulary"),
    ("index-unsorted", change_array("counts-indices.npy", lambda a: a[[1, 0, *range(2, len(a))]]), "counts-indices.npy",
     "the columns of row 0 are not strictly increasing"),
    ("index-duplicate", change_array("counts-indices.npy", lambda a: a[[0, 0, *range(2, len(a))]]), "counts-indices.npy",
     "the columns of row 0 are not strictly increasing"),
    ("indptr-decreasing", change_array("counts-indptr.npy", set_entry(3, 10**9)), "counts-indptr.npy",
     "the offset of row 4 is smaller than that of row 3"),
    ("indptr-start", change_array("counts-indptr.npy", set_entry(0, 1)), "counts-indptr.npy",
     "the row offsets run from 1 to 12, not from 0 to 12"),
    ("indptr-end", change_array("counts-indptr.npy", set_entry(-1, 11)), "counts-indptr.npy",
     "the row offsets run from 0 to 11, not from 0 to 12"),
    ("indptr-rows", change_array("counts-indptr.npy", lambda a: a[1:]), "counts-indptr.npy",
     "7 row offsets for 7 words; expected 8"),
    ("indices-length", change_array("counts-indices.npy", lambda a: a[:-1]), "counts-indices.npy",
     "11 column indices for the 12 counts of counts-data.npy"),
    ("data-complex", change_array("counts-data.npy", lambda a: a.astype(np.complex64)), "counts-data.npy",
     "it holds complex64 values; expected float32 or float64"),
    ("data-object", change_array("counts-data.npy", lambda a: a.astype(object)), "counts-data.npy",
     "it holds Python objects, which only pickle could read; it is not read"),
    ("data-bool", change_array("counts-data.npy", lambda a: a > 0), "counts-data.npy", "it holds bool values"),
    ("indices-string", change_array("counts-indices.npy", lambda a: a.astype(str)), "counts-indices.npy",
     "it holds <U"),
    ("indices-big-endian", change_array("counts-indices.npy", lambda a: a.astype(">i4")), "counts-indices.npy",
     "it holds >i4 values; expected int32 or int64"),
    ("indptr-2d", change_array("counts-indptr.npy", lambda a: a.reshape(2, 4)), "counts-indptr.npy",
     "its shape is (2, 4); expected a 1-D array"),
    ("data-nan", change_array("counts-data.npy", set_entry(3, np.nan)), "counts-data.npy",
     "count 3 is nan, not a finite number >= 0"),
    ("data-inf", change_array("counts-data.npy", set_entry(0, np.inf)), "counts-data.npy", "count 0 is inf"),
    ("data-negative", change_array("counts-data.npy", set_entry(0, -1)), "counts-data.npy", "count 0 is -1.0"),
    ("data-huge-header", write_bytes("counts-data.npy", npy_with_header((10**12,), "<f4", b"\0" * 48)),
     "counts-data.npy", "its header announces 1000000000000 float32 values (4,000,000,000,000 bytes), but 48 bytes follow it"),
    ("data-truncated", with_text("counts-data.npy", lambda data: data[:-5]), "counts-data.npy",
     "its header announces 12 float32 values (48 bytes), but 43 bytes follow it"),
    ("data-header-unbalanced", write_bytes("counts-data.npy", npy_with_header((12,), "<f4", b"\0" * 48).replace(b"}", b" ")),
     "counts-data.npy", "its header cannot be parsed"),
    ("data-not-npy", write_bytes("counts-data.npy", b"not numpy at all"), "counts-data.npy", "the magic string"),
    ("data-directory", lambda path: ((path / "counts-data.npy").unlink(), (path / "counts-data.npy").mkdir()),
     "counts-data.npy", "a directory, not a regular file"),
]


@pytest.mark.parametrize("damage, name, problem", [case[1:] for case in MATRIX_DAMAGES], ids=[c[0] for c in MATRIX_DAMAGES])
def test_damaged_count_matrix_is_refused_in_one_line(small_kept_model, tmp_path, runner, damage, name, problem):
    path = tmp_path / "model"
    shutil.copytree(small_kept_model, path)
    damage(path)
    message = f"{str(path)!r} has a corrupt {name} ({problem}"
    with pytest.raises(ModelError) as caught:
        load_count_matrix(path, 7)
    assert message in str(caught.value)
    assert str(caught.value).endswith(f"rebuild the model with `wordvec build CORPUS --keep-corpus -o {path}`")
    result = runner.invoke(main, ["explain", "a", "b", "-m", str(path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith(f"Error: {message}")


def replace_word(old: bytes, new: bytes):
    return with_text(WORDS_FILE, lambda data: data.replace(old + b"\n", new + b"\n", 1))


#: (case id, damage, file named in the message, what it says); the kept words are a x y b c z w.
CORPUS_DAMAGES = [
    ("words-duplicate", replace_word(b"w", b"x"), "corpus-words.txt", "the word 'x' appears twice"),
    ("words-empty", replace_word(b"y", b""), "corpus-words.txt", "line 3 is empty"),
    ("words-no-line-end", with_text(WORDS_FILE, lambda data: data[:-1]), "corpus-words.txt",
     "its last line has no line end"),
    ("words-not-utf8", replace_word(b"z", b"\xff"), "corpus-words.txt", "not UTF-8: invalid start byte at byte 10"),
    ("words-fewer", with_text(WORDS_FILE, lambda data: data[:-2]), "corpus-word-counts.npy",
     "7 counts for the 6 words of corpus-words.txt"),
    ("words-lack-model-word", replace_word(b"z", b"zz"), "corpus-words.txt", "it lacks the model's word 'z'"),
    ("ids-outside", change_array(IDS_FILE, set_entry(4, 7)), "corpus-ids.npy", "id 7 at position 4 is outside [-1, 7)"),
    ("ids-below-line-end", change_array(IDS_FILE, set_entry(0, -2)), "corpus-ids.npy",
     "id -2 at position 0 is outside [-1, 7)"),
    ("ids-int64", change_array(IDS_FILE, lambda a: a.astype(np.int64)), "corpus-ids.npy",
     "it holds int64 values; expected int32"),
    ("ids-float", change_array(IDS_FILE, lambda a: a.astype(np.float32)), "corpus-ids.npy", "it holds float32 values"),
    ("ids-2d", change_array(IDS_FILE, lambda a: a.reshape(3, -1)), "corpus-ids.npy", "its shape is (3, 7)"),
    ("ids-huge-header", write_bytes(IDS_FILE, npy_with_header((2**40,), "<i4", b"")), "corpus-ids.npy",
     "its header announces 1099511627776 int32 values (4,398,046,511,104 bytes), but 0 bytes follow it"),
    ("ids-disagree-with-counts", change_array(IDS_FILE, set_entry(0, 1)), "corpus-word-counts.npy",
     "it counts 'a' 3 times, but corpus-ids.npy holds it 2 times"),
    ("counts-negative", change_array(WORD_COUNTS_FILE, set_entry(0, -3)), "corpus-word-counts.npy",
     "it counts 'a' -3 times, but corpus-ids.npy holds it 3 times"),
    ("counts-float", change_array(WORD_COUNTS_FILE, lambda a: a.astype(np.float64)), "corpus-word-counts.npy",
     "it holds float64 values; expected int64"),
    ("counts-complex", change_array(WORD_COUNTS_FILE, lambda a: a.astype(np.complex128)), "corpus-word-counts.npy",
     "it holds complex128 values"),
]


@pytest.mark.parametrize("damage, name, problem", [case[1:] for case in CORPUS_DAMAGES], ids=[c[0] for c in CORPUS_DAMAGES])
def test_damaged_kept_corpus_is_refused_in_one_line(small_kept_model, tmp_path, runner, damage, name, problem):
    path = tmp_path / "model"
    shutil.copytree(small_kept_model, path)
    damage(path)
    before = {entry.name: entry.read_bytes() for entry in path.iterdir()}
    (tmp_path / "new.txt").write_text("a b c\n")
    message = f"{str(path)!r} has a corrupt {name} ({problem}"
    with pytest.raises(ModelError) as caught:
        update(path, [tmp_path / "new.txt"])
    assert message in str(caught.value)
    assert str(caught.value).endswith(f"rebuild the model with `wordvec build CORPUS --keep-corpus -o {path}`")
    result = runner.invoke(main, ["update", str(path), str(tmp_path / "new.txt")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith(f"Error: {message}")
    assert {entry.name: entry.read_bytes() for entry in path.iterdir()} == before


def test_fifo_in_place_of_a_kept_file_is_refused_without_waiting(small_kept_model, tmp_path):
    path = tmp_path / "model"
    shutil.copytree(small_kept_model, path)
    (path / "counts-indices.npy").unlink()
    os.mkfifo(path / "counts-indices.npy")
    completed = subprocess.run(
        [sys.executable, "-m", "wordvec.cli", "explain", "a", "b", "-m", str(path)], capture_output=True, text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert completed.stderr == f"Error: {str(path)!r} has a corrupt counts-indices.npy (a named pipe (FIFO), not a regular file); " \
        f"rebuild the model with `wordvec build CORPUS --keep-corpus -o {path}`\n"


@pytest.mark.parametrize("target", ["model.vec", "model.npy"])
def test_update_of_a_vectors_file_needs_a_model_directory(small_kept_model, tmp_path, runner, target):
    from wordvec.storage import save_vectors

    vectors = tmp_path / target
    save_vectors(load_model(small_kept_model), vectors, "npy" if target.endswith(".npy") else "word2vec")
    (tmp_path / "new.txt").write_text("a b c\n")
    message = f"{str(vectors)!r} is a vectors file, not a model directory: update needs a wordvec model built with " \
        "`wordvec build CORPUS --keep-corpus -o MODEL`"
    with pytest.raises(ModelError, match=re.escape(message)):
        update(vectors, [tmp_path / "new.txt"])
    result = runner.invoke(main, ["update", str(vectors), str(tmp_path / "new.txt")])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_update_takes_a_loaded_model_or_its_directory(parts, tmp_path):
    model, counted = build_keeping_corpus([parts["a"]], **DEFAULTS)
    save_with_corpus(model, counted, tmp_path / "model")
    from_path, _ = update(tmp_path / "model", [parts["b"]])
    from_model, _ = update(load_model(tmp_path / "model"), [parts["b"]])
    assert from_model.words == from_path.words and np.array_equal(from_model.vectors, from_path.vectors)
    with pytest.warns(DeprecationWarning, match=r"update\(model_path=\.\.\.\) is now update\(model=\.\.\.\)"):
        old_spelling, _ = update(model_path=tmp_path / "model", corpus=[parts["b"]])
    assert np.array_equal(old_spelling.vectors, from_path.vectors)
    with pytest.raises(ModelError, match="update needs the kept corpus beside the vectors"):
        update(model, [parts["b"]])  # built in memory, never saved: no kept files to read


def test_an_update_counted_by_the_compiled_kernels_equals_the_numpy_one(parts, tmp_path, monkeypatch):
    import wordvec.compiled as compiled

    model, counted = build_keeping_corpus([parts["a"]], **DEFAULTS)
    for switch in ("0", "1"):
        save_with_corpus(model, counted, tmp_path / f"updated-{switch}")
        monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, switch)
        updated, updated_counted = update(tmp_path / f"updated-{switch}", [parts["b"]])
        save_with_corpus(updated, updated_counted, tmp_path / f"updated-{switch}")
    assert_same_model(tmp_path / "updated-1", tmp_path / "updated-0")
