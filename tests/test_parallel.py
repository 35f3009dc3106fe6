"""Tests of wordvec.parallel: shard planning, and builds on worker processes that equal one-process builds exactly."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import wordvec.cooccur as cooccur
import wordvec.parallel as parallel
import wordvec.vocab as vocab
from wordvec.cli import main
from wordvec.corpus import Corpus, CorpusStats, FilePart, iter_parts_text
from wordvec.errors import CorpusError, WordvecError
from wordvec.pipeline import build, count_corpus
from wordvec.storage import load_model

from conftest import royal_corpus_lines

PARAMS = dict(dim=8, min_count=2, window=4)


def lines_text(lines: list[str], end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode("utf-8")


@pytest.fixture
def empty_tempdir(tmp_path, monkeypatch) -> Path:
    """A fresh system temp directory: whatever a build leaves there shows."""
    directory = tmp_path / "system-tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def mixed_corpus(tmp_path, write_corpus) -> list[Path]:
    """Plain and compressed files: two large plain ones (one with a byte-order mark, CRLF line
    ends and invalid UTF-8), an empty one, one without a final line end."""
    directory = tmp_path / "corpus"
    directory.mkdir()
    big = royal_corpus_lines(900, seed=1)
    bom = royal_corpus_lines(500, seed=2)
    bom_data = b"\xef\xbb\xbf" + lines_text(bom[:250], "\r\n") + b"the king \xff\xfe rules\r\n" + lines_text(bom[250:], "\r\n")
    return [
        write_corpus(directory / "01-big.txt", lines_text(big)),
        write_corpus(directory / "02-part.txt", lines_text(royal_corpus_lines(150, seed=3)), "gz"),
        write_corpus(directory / "03-empty.txt", b""),
        write_corpus(directory / "04-bom.txt", bom_data),
        write_corpus(directory / "05-open-end.txt", lines_text(royal_corpus_lines(200, seed=4))[:-1], "bz2"),
        write_corpus(directory / "06-part.txt", lines_text(royal_corpus_lines(120, seed=5)), "xz"),
    ]


# -- shard planning ------------------------------------------------------------------


def assert_line_aligned_cover(shards: list[parallel.Shard], paths: list[Path]) -> None:
    """Shards hold the files in order, each whole or in contiguous ranges that start at line starts."""
    parts = [part for shard in shards for part in shard.parts]
    assert all(shard.parts for shard in shards)
    assert list(dict.fromkeys(part.path for part in parts)) == paths
    for path in paths:
        data = path.read_bytes()
        ranges = [(part.start, part.end) for part in parts if part.path == path]
        assert ranges[0][0] == 0 and ranges[-1][1] is None
        for (_, end), (start, _) in zip(ranges, ranges[1:]):
            assert end == start and 0 < start < len(data)
            assert data[start - 1 : start] == b"\n"


def test_a_large_plain_file_is_cut_after_line_ends_into_equal_shards(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1000)
    lines = royal_corpus_lines(2000)
    path = tmp_path / "big.txt"
    path.write_bytes(lines_text(lines))
    shards = parallel.plan_shards([path], 4)
    assert_line_aligned_cover(shards, [path])
    assert len(shards) == 4 * parallel.SHARDS_PER_WORKER
    target = path.stat().st_size / len(shards)
    longest = max(len(line) for line in lines) + 1
    assert all(target <= shard.size < target + longest for shard in shards[:-1])
    assert sum(shard.size for shard in shards) == path.stat().st_size


def test_a_corpus_larger_than_its_workers_shards_may_be_is_cut_into_more_of_them(tmp_path, monkeypatch):
    # A worker holds its shard's distinct words: a billion-token corpus is not cut in six.
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1000)
    monkeypatch.setattr(parallel, "MAX_SHARD_BYTES", 5000)
    path = tmp_path / "big.txt"
    path.write_bytes(lines_text(royal_corpus_lines(2000)))
    shards = parallel.plan_shards([path], 2)
    assert_line_aligned_cover(shards, [path])
    assert len(shards) >= path.stat().st_size // 5000 > 2 * parallel.SHARDS_PER_WORKER
    assert all(shard.size < 5000 + 200 for shard in shards)


def test_a_very_long_line_is_never_split(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 100)
    path = tmp_path / "long.txt"
    path.write_bytes(b"short line\n" * 20 + b"x " * 5000 + b"\n" + b"another line\n" * 20 + b"no final line end")
    shards = parallel.plan_shards([path], 2)
    assert_line_aligned_cover(shards, [path])
    # The first cut falls inside the long line (bytes 220 to 10221), so the shard takes all of it.
    assert [part.start for shard in shards for part in shard.parts] == [0, 10221]


@settings(max_examples=40, deadline=None)
@given(
    line_lengths=st.lists(st.integers(0, 300), min_size=1, max_size=200),
    minimum=st.integers(1, 3000),
    workers=st.integers(1, 9),
    final_line_end=st.booleans(),
)
def test_byte_ranges_always_start_at_line_starts(line_lengths, minimum, workers, final_line_end):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "corpus.txt"
        data = b"\n".join(b"w " * (length // 2) + b"x" * (length % 2) for length in line_lengths)
        path.write_bytes(data + (b"\n" if final_line_end else b""))
        original = parallel.MIN_SHARD_BYTES
        parallel.MIN_SHARD_BYTES = minimum
        try:
            shards = parallel.plan_shards([path], workers)
        finally:
            parallel.MIN_SHARD_BYTES = original
        if workers == 1:
            assert shards == []
        else:
            assert_line_aligned_cover(shards, [path])
            assert sum(shard.size for shard in shards) == path.stat().st_size


def test_compressed_utf16_and_binary_files_are_never_cut(tmp_path, write_corpus, small_shards):
    text = lines_text(royal_corpus_lines(300))
    paths = [
        write_corpus(tmp_path / "a.txt", text, "gz"),
        write_corpus(tmp_path / "b.txt", "\n".join(royal_corpus_lines(300)).encode("utf-16")),
        write_corpus(tmp_path / "c.bin", b"\x00\x01\x02" * 5000),
        write_corpus(tmp_path / "d.txt", text),
    ]
    shards = parallel.plan_shards(paths, 2)
    assert_line_aligned_cover(shards, paths)
    for path in paths[:3]:
        assert [part for shard in shards for part in shard.parts if part.path == path] == [FilePart(path)]
    assert sum(part.path == paths[3] for shard in shards for part in shard.parts) > 1


def test_a_compressed_file_counts_as_its_estimated_text(tmp_path, write_corpus, small_shards):
    paths = [write_corpus(tmp_path / f"{number}.txt", lines_text(royal_corpus_lines(100, seed=number)), "gz") for number in range(6)]
    shards = parallel.plan_shards(paths, 2)
    assert_line_aligned_cover(shards, paths)
    expected = sum(path.stat().st_size for path in paths) * parallel.COMPRESSED_TEXT_RATIO
    assert sum(shard.size for shard in shards) == expected
    assert 2 <= len(shards) <= 6


def test_a_compressed_file_goes_where_the_shard_stays_nearer_its_target(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 1)
    monkeypatch.setattr(parallel, "SHARDS_PER_WORKER", 1)
    monkeypatch.setattr(parallel, "COMPRESSED_TEXT_RATIO", 1)

    def plan(sizes: list[int]) -> list[list[int]]:
        """Shards of compressed files of these sizes (x 100 bytes), as lists of file numbers."""
        paths = []
        for number, size in enumerate(sizes):
            paths.append(tmp_path / f"{len(sizes)}-{sizes}-{number}.gz")
            paths[-1].write_bytes(b"\x1f\x8b" + b"\x00" * (size * 100 - 2))
        return [[paths.index(part.path) for part in shard.parts] for shard in parallel.plan_shards(paths, 2)]

    # Target 800. With file 2, the first shard would be 100 over; without it, 100 under: it joins.
    assert plan([2, 5, 1, 8]) == [[0, 1, 2], [3]]
    # With file 2, 200 over; without it, 100 under: it starts the next shard.
    assert plan([2, 5, 3, 6]) == [[0, 1], [2, 3]]


def test_small_corpora_and_streams_are_read_in_one_process(tmp_path, royal_corpus_file, small_shards):
    big = tmp_path / "big.txt"
    big.write_bytes(lines_text(royal_corpus_lines(500)))
    assert len(parallel.plan_shards([big], 2)) > 1
    assert parallel.plan_shards([big], 1) == []
    assert parallel.plan_shards(None, 2) == []
    assert parallel.plan_shards([big, Path("-")], 2) == []
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert parallel.plan_shards([big, fifo], 2) == []
    tiny = tmp_path / "tiny.txt"
    tiny.write_bytes(b"a few words\n")
    assert parallel.plan_shards([tiny], 2) == [parallel.Shard((FilePart(tiny),), 12)]


def test_corpora_below_two_minimal_shards_stay_in_one_process(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"x\n" * (parallel.MIN_SHARD_BYTES - 1))
    assert len(parallel.plan_shards([path], 8)) == 1
    with open(path, "ab") as file:
        file.write(b"x\n")
    assert len(parallel.plan_shards([path], 8)) == 2


def test_shards_read_the_text_of_the_whole_corpus(mixed_corpus, small_shards):
    shards = parallel.plan_shards(mixed_corpus, 2)
    assert any(part.start > 0 for shard in shards for part in shard.parts)
    whole = Corpus(mixed_corpus)
    expected = "".join(whole.iter_text())
    stats = CorpusStats()
    assert "".join("".join(iter_parts_text(shard.parts, stats)) for shard in shards) == expected
    assert (stats.files, stats.bytes_read, stats.replaced_bytes) == (6, whole.stats.bytes_read, whole.stats.replaced_bytes)
    assert stats.replaced_bytes == 2


# -- builds on workers equal one-process builds ---------------------------------------------


@pytest.fixture(params=["numpy", "compiled"])
def counting_code(request, monkeypatch):
    """Each test in both modes: the numpy code on worker processes, or the compiled kernels on threads
    of the build's own process (``WORDVEC_COMPILED``); ``.submitted`` names the jobs given to worker processes."""
    import wordvec.compiled as compiled

    monkeypatch.setenv(compiled.ENVIRONMENT_SWITCH, "0" if request.param == "numpy" else "1")
    submitted = []

    class RecordingPool(ProcessPoolExecutor):
        def submit(self, function, *args, **kwargs):
            submitted.append(function.__name__)
            return super().submit(function, *args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", RecordingPool)
    return SimpleNamespace(mode=request.param, submitted=submitted)


def without_seconds(stats: dict) -> dict:
    return {key: value for key, value in stats.items() if key != "seconds"}


@pytest.mark.parametrize("subsample", [0.0, 0.01])
def test_counts_on_workers_equal_counts_in_one_process(mixed_corpus, small_shards, spawned, subsample, counting_code):
    params = dict(PARAMS, subsample=subsample, seed=3)
    single = count_corpus(mixed_corpus, workers=1, **params)
    calls = []
    sharded = count_corpus(mixed_corpus, workers=2, progress=lambda *call: calls.append(call), **params)
    assert spawned == ["InProcessPasses", "ShardedPasses"]
    if counting_code.mode == "numpy":
        assert set(counting_code.submitted) == {"_scan_shard", "_count_shards"}
    else:  # scanned and counted on threads: no worker process started
        assert counting_code.submitted == []
    assert sharded.vocabulary.words == single.vocabulary.words
    np.testing.assert_array_equal(sharded.vocabulary.counts, single.vocabulary.counts)
    assert sharded.matrix.dtype == single.matrix.dtype and sharded.matrix.nnz == single.matrix.nnz
    assert (sharded.matrix != single.matrix).nnz == 0
    assert without_seconds(sharded.stats) == without_seconds(single.stats)
    assert single.stats["replaced_bytes"] == 2 and single.stats["files"] == 6
    assert set(sharded.stats["seconds"]) == set(single.stats["seconds"])
    # Progress at the start and per finished job: shards when reading, one group of shards a worker when counting.
    read = [(done, total) for stage, done, total in calls if stage == "read"]
    counted = [(done, total) for stage, done, total in calls if stage == "count"]
    size = sum(path.stat().st_size for path in mixed_corpus)
    assert len(read) > 3 and read[0] == (0, size) and read[-1] == (size, size)
    assert [done for done, _ in read] == sorted(done for done, _ in read)
    assert len(counted) == 3 and counted[0][0] == 0 and counted[-1][0] == counted[-1][1] > counted[1][0] > 0


def test_a_file_url_counted_on_workers_equals_its_files_in_one_process(mixed_corpus, small_shards, spawned):
    folder = mixed_corpus[0].parent.as_uri()  # each worker opens its shards' URLs through fsspec
    assert any(part.start > 0 for shard in parallel.plan_shards(Corpus(folder).paths, 2) for part in shard.parts)
    params = dict(PARAMS, subsample=0.01, seed=5)
    sharded = count_corpus(folder, workers=2, **params)
    single = count_corpus(mixed_corpus, workers=1, **params)
    assert spawned == ["ShardedPasses", "InProcessPasses"]
    assert sharded.vocabulary.words == single.vocabulary.words
    np.testing.assert_array_equal(sharded.vocabulary.counts, single.vocabulary.counts)
    assert (sharded.matrix != single.matrix).nnz == 0
    assert sharded.stats["corpus"] == [path.as_uri() for path in mixed_corpus]
    assert without_seconds(sharded.stats) == without_seconds({**single.stats, "corpus": sharded.stats["corpus"]})


def test_vectors_on_workers_equal_vectors_in_one_process(mixed_corpus, small_shards, spawned):
    params = dict(PARAMS, subsample=0.01, seed=5)
    sharded = build(mixed_corpus, workers=2, **params)
    single = build(mixed_corpus, workers=1, **params)
    assert spawned == ["ShardedPasses", "InProcessPasses"]
    assert sharded.words == single.words
    np.testing.assert_array_equal(sharded.counts, single.counts)
    np.testing.assert_array_equal(sharded.vectors, single.vectors)
    assert sharded.params == {**single.params, "workers": 2}


def test_default_workers_are_the_available_cores(monkeypatch, royal_lines):
    asked = []
    counting_passes = parallel.counting_passes
    monkeypatch.setattr(parallel, "counting_passes", lambda source, workers: asked.append(workers) or counting_passes(source, workers))
    monkeypatch.setattr("wordvec._cores.available_cores", lambda: 7)
    count_corpus(royal_lines, **PARAMS)
    count_corpus(royal_lines, workers=3, **PARAMS)
    assert asked == [7, 3]


# -- errors and interruptions -----------------------------------------------------------------


def test_an_unreadable_shard_is_the_one_line_error_of_one_process(mixed_corpus, small_shards, spawned, empty_tempdir,
                                                                   counting_code):
    broken = mixed_corpus[0].with_name("03-truncated.txt.gz")
    broken.write_bytes(gzip.compress(lines_text(royal_corpus_lines(400)))[:-300])
    corpus = sorted([*mixed_corpus, broken])
    with pytest.raises(CorpusError) as single:
        count_corpus(corpus, workers=1, **PARAMS)
    with pytest.raises(CorpusError) as sharded:
        count_corpus(corpus, workers=2, **PARAMS)
    assert spawned == ["InProcessPasses", "ShardedPasses"]
    assert str(sharded.value) == str(single.value) == (
        f"{str(broken)!r} is truncated: the compressed stream ends early; re-download or re-compress it"
    )
    assert sharded.value.__cause__ is None and sharded.value.__suppress_context__  # no worker traceback
    assert list(empty_tempdir.iterdir()) == []
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("stage", ["read", "count"])
def test_interrupting_a_build_stops_the_workers_and_removes_their_files(mixed_corpus, small_shards, empty_tempdir,
                                                                        counting_code, stage):
    def interrupt(at, done, total):
        if at == stage and done > 0:  # while the shards are being read, or counted
            raise KeyboardInterrupt

    threads_before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):
        count_corpus(mixed_corpus, workers=2, progress=interrupt, **PARAMS)
    assert list(empty_tempdir.iterdir()) == []
    assert multiprocessing.active_children() == []
    # No thread left scanning or counting (the kernels may still be loading on their own daemon thread).
    assert [thread for thread in set(threading.enumerate()) - threads_before if thread.name != "wordvec-compile"] == []


def test_a_large_corpus_is_scanned_on_processes_and_counted_on_threads(mixed_corpus, small_shards, monkeypatch,
                                                                       counting_code):
    monkeypatch.setattr(parallel, "THREADED_SCAN_TOKENS", 0)  # every corpus counts as large
    sharded = count_corpus(mixed_corpus, workers=2, **PARAMS)
    single = count_corpus(mixed_corpus, workers=1, **PARAMS)
    assert "_scan_shard" in counting_code.submitted
    assert ("_count_shards" in counting_code.submitted) == (counting_code.mode == "numpy")
    assert sharded.vocabulary.words == single.vocabulary.words
    assert (sharded.matrix != single.matrix).nnz == 0


def test_a_tokenizer_without_compiled_scanning_reads_on_worker_processes(mixed_corpus, small_shards, monkeypatch,
                                                                          counting_code):
    # The nltk tokenizer is Python code, which holds the GIL: threads would scan one at a time.
    sharded = count_corpus(mixed_corpus, workers=2, tokenizer="nltk", **PARAMS)
    single = count_corpus(mixed_corpus, workers=1, tokenizer="nltk", **PARAMS)
    assert "_scan_shard" in counting_code.submitted
    assert ("_count_shards" in counting_code.submitted) == (counting_code.mode == "numpy")
    assert sharded.vocabulary.words == single.vocabulary.words
    assert (sharded.matrix != single.matrix).nnz == 0


def _die(*args):
    os._exit(3)


def test_a_worker_that_dies_is_an_error_not_a_hang(mixed_corpus, small_shards, empty_tempdir, monkeypatch):
    monkeypatch.setattr(parallel, "_scan_shard", _die)
    with pytest.raises(WordvecError, match=r"^a worker process ended abruptly: out of memory, or a script"):
        count_corpus(mixed_corpus, workers=2, **PARAMS)
    assert list(empty_tempdir.iterdir()) == []


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_workers_start_one_blas_thread():
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=parallel._start_worker, initargs=(context.Event(),)) as pool:
        assert pool.submit(_blas_threads).result() == {1}
    if os.cpu_count() > 1 and not any(name in os.environ for name in parallel._ONE_THREAD):
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            assert pool.submit(_blas_threads).result() != {1}  # the limit is the initializer's doing


def test_importing_the_module_does_not_load_numpy():
    # The initializer of a worker must run before numpy loads BLAS; unpickling it imports this module.
    code = "import sys, wordvec.parallel; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


# -- the command line ----------------------------------------------------------------------------


def test_cli_build_with_workers_gives_the_model_of_one_process(mixed_corpus, small_shards, spawned, tmp_path):
    options = ["--dim", "8", "--min-count", "2", "--window", "4", "-q"]
    runner = CliRunner()
    for workers in ("1", "2"):
        result = runner.invoke(main, ["build", *map(str, mixed_corpus), "-o", str(tmp_path / workers), "--workers", workers, *options])
        assert result.exit_code == 0, result.output
    assert spawned == ["InProcessPasses", "ShardedPasses"]
    single, sharded = load_model(tmp_path / "1"), load_model(tmp_path / "2")
    assert sharded.words == single.words
    np.testing.assert_array_equal(sharded.vectors, single.vectors)
    assert (sharded.params["workers"], single.params["workers"]) == (2, 1)


PADDED_ROYAL_LINES = [line + " " * 2000 for line in royal_corpus_lines()]


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory) -> Path:
    """A plain file large enough (> 2 * MIN_SHARD_BYTES) for workers with the default shard size,
    its lines padded with spaces, which are quick to tokenize."""
    path = tmp_path_factory.mktemp("large") / "large.txt"
    data = lines_text(PADDED_ROYAL_LINES)
    path.write_bytes(data * (2 * parallel.MIN_SHARD_BYTES // len(data) + 1))
    return path


def test_cli_process_builds_on_workers(large_corpus, royal_lines, tmp_path):
    repeats = large_corpus.stat().st_size // len(lines_text(PADDED_ROYAL_LINES))
    assert len(parallel.plan_shards([large_corpus], 2)) > 1
    command = [sys.executable, "-m", "wordvec.cli", "build", large_corpus, "-o", tmp_path / "m", "--workers", "2"]
    built = subprocess.run([*map(str, command), "--dim", "8"], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    model = load_model(tmp_path / "m")
    assert model.stats["tokens"] == repeats * sum(len(line.split()) for line in royal_lines)
    assert model.stats["lines"] == repeats * len(royal_lines)
    assert len(model) == 106 and model.params["workers"] == 2


def test_a_script_that_builds_when_imported_gets_a_clear_error(tmp_path, royal_corpus_file):
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import wordvec, wordvec.parallel\n"
        "wordvec.parallel.MIN_SHARD_BYTES = 1000\n"
        f"wordvec.build({str(royal_corpus_file)!r}, dim=8, min_count=2, workers=2)\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    # The error is the script's last word; multiprocessing's resource tracker, a process of its own, may
    # still print its exit notice after it.
    assert any("guard it with `if __name__ == '__main__':`" in line for line in run.stderr.splitlines()[-3:]), run.stderr[-2000:]


@pytest.mark.parametrize("workers", [1, 2])
def test_counts_saved_to_files_as_they_grow_add_up_to_the_same_matrix(mixed_corpus, small_shards, monkeypatch, workers):
    # As on a long corpus: each counting process saves its counts and starts afresh every few hundred pairs.
    params = dict(PARAMS, subsample=0.01, seed=3)
    whole = count_corpus(mixed_corpus, workers=workers, **params)
    monkeypatch.setattr(parallel, "SPILL_PAIRS", 300)
    monkeypatch.setattr(vocab, "SPOOL_BLOCK", 100)  # blocks of 100 token ids, so that spills come often
    saved = []
    original_save = cooccur.ForwardCounts.save

    def recording_save(self, prefix):
        saved.append(prefix)
        return original_save(self, prefix)

    monkeypatch.setattr(cooccur.ForwardCounts, "save", recording_save)
    spilled = count_corpus(mixed_corpus, workers=workers, **params)
    assert spilled.vocabulary.words == whole.vocabulary.words
    assert (spilled.matrix != whole.matrix).nnz == 0 and spilled.matrix.nnz == whole.matrix.nnz
    if workers == 1:  # the workers' saves happen in their own processes, where this records nothing
        assert len(saved) > 3


@pytest.mark.parametrize("phrase_passes, phrase_mode", [(1, "add"), (2, "add"), (2, "replace")])
def test_phrases_joined_on_workers_equal_those_joined_in_one_process(mixed_corpus, small_shards, spawned, phrase_passes,
                                                                    phrase_mode):
    params = dict(PARAMS, subsample=0.01, seed=5, phrases="auto", phrase_passes=phrase_passes, phrase_threshold=0.5,
                  phrase_min_count=2, phrase_mode=phrase_mode)
    single = count_corpus(mixed_corpus, workers=1, **params)
    sharded = count_corpus(mixed_corpus, workers=2, **params)
    assert spawned == ["InProcessPasses", "ShardedPasses"]
    assert single.phrases.layers == sharded.phrases.layers and len(single.phrases.layers) == phrase_passes
    assert all(single.phrases.layers)  # each pass found some
    if phrase_mode == "add":
        assert single.phrase_rows.words and single.phrase_rows.words == sharded.phrase_rows.words
        np.testing.assert_array_equal(single.phrase_rows.counts, sharded.phrase_rows.counts)
        assert (single.phrase_rows.contexts != sharded.phrase_rows.contexts).nnz == 0
    else:
        assert any("_" in word for word in single.vocabulary.words)
    assert sharded.vocabulary.words == single.vocabulary.words
    np.testing.assert_array_equal(sharded.vocabulary.counts, single.vocabulary.counts)
    assert (sharded.matrix != single.matrix).nnz == 0
    assert without_seconds(sharded.stats) == without_seconds(single.stats)
