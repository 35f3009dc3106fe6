"""Tests of wordvec.distributed: builds on a real two-worker Dask LocalCluster equal one-process builds exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import distributed
import numpy as np
import pytest

from wordvec.cli import main
from wordvec.corpus import Corpus, CorpusURL
from wordvec.distributed import DaskPasses, build_on_cluster, dask_svd, tree_sum
from wordvec.errors import CorpusError, ParameterError, WordvecError
from wordvec.parallel import plan_shards
from wordvec.pipeline import BuildParams, build, count_corpus, count_passes
from wordvec.storage import load_model
from wordvec.ppmi import ppmi

from conftest import royal_corpus_lines

PARAMS = dict(dim=8, min_count=2, window=4, subsample=1e-3)


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two single-threaded worker processes on 127.0.0.1, started once for the module."""
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as local_cluster:
        yield local_cluster


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster.scheduler_address) as connection:
        yield connection


@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory, write_corpus) -> list[Path]:
    """A large plain file (cut into byte ranges), a gzip file and a small plain one."""
    directory = tmp_path_factory.mktemp("dask-corpus")
    text = [royal_corpus_lines(700, seed=1), royal_corpus_lines(200, seed=2), royal_corpus_lines(60, seed=3)]
    return [
        write_corpus(directory / "01.txt", ("\n".join(text[0]) + "\n").encode()),
        write_corpus(directory / "02.txt", ("\n".join(text[1]) + "\n").encode(), "gz"),
        write_corpus(directory / "03.txt", ("\n".join(text[2]) + "\n").encode()),
    ]


def test_counts_and_vocabulary_equal_one_process(client, corpus_files, small_shards):
    passes = DaskPasses(Corpus(corpus_files), client)
    assert len(passes.shards) >= 4  # several shards, so both workers count and the tree has levels
    assert any(part.start > 0 for shard in passes.shards for part in shard.parts)  # byte ranges too
    source = Corpus(corpus_files)
    reports = []
    on_cluster = count_passes(DaskPasses(source, client), source.stats, BuildParams(**PARAMS), lambda *report: reports.append(report))
    local = count_corpus(corpus_files, workers=1, **PARAMS)
    assert on_cluster.vocabulary.words == local.vocabulary.words
    assert np.array_equal(on_cluster.vocabulary.counts, local.vocabulary.counts)
    assert on_cluster.matrix.shape == local.matrix.shape
    assert (on_cluster.matrix != local.matrix).nnz == 0
    for key in ("tokens", "lines", "files", "distinct_words", "cooccurrence_pairs"):
        assert on_cluster.stats[key] == local.stats[key], key
    # Progress: reading up to the files' bytes, counting up to every token and line end, one report a shard.
    reads = [done for stage, done, _ in reports if stage == "read"]
    counts = [(done, total) for stage, done, total in reports if stage == "count"]
    assert reads == sorted(reads) and len(reads) == len(passes.shards) + 1
    assert reads[-1] == source.stats.bytes_read > 0
    assert len(counts) == len(passes.shards) + 1
    assert counts[-1] == (local.stats["tokens"] + local.stats["lines"],) * 2


def test_vectors_equal_one_process_build(cluster, corpus_files, small_shards):
    on_cluster = build_on_cluster(corpus_files, cluster.scheduler_address, **PARAMS)
    local = build(corpus_files, workers=1, **PARAMS)
    assert on_cluster.words == local.words
    assert np.array_equal(on_cluster.vectors, local.vectors)


def test_a_file_url_on_the_cluster_equals_the_local_build(cluster, corpus_files, small_shards):
    folder = corpus_files[0].parent.as_uri()  # the workers open it through fsspec, in byte ranges too
    shards = plan_shards(Corpus(folder).paths, 2)
    assert all(isinstance(part.path, CorpusURL) for shard in shards for part in shard.parts)
    assert any(part.start > 0 for shard in shards for part in shard.parts)
    on_cluster = build_on_cluster(folder, cluster.scheduler_address, **PARAMS)
    local = build(corpus_files, workers=1, **PARAMS)
    assert on_cluster.words == local.words
    assert np.array_equal(on_cluster.vectors, local.vectors)


def test_tree_sum_adds_every_part(client):
    futures = client.scatter([{"a": 1}, {"a": 2, "b": 1}, {"b": 5}, {"c": 7}, {"a": 10}])
    total = tree_sum(client, futures, _add).result()
    assert total == {"a": 13, "b": 6, "c": 7}


def _add(first: dict, second: dict) -> dict:
    return {key: first.get(key, 0) + second.get(key, 0) for key in {*first, *second}}


def test_distributed_svd_finds_the_top_singular_subspace(client, corpus_files):
    weights = ppmi(count_corpus(corpus_files, workers=1, **PARAMS).matrix)
    u, s, vt = dask_svd(client)(weights, 8, oversamples=20, power_iterations=3, seed=0)
    exact_u, exact_s, _ = np.linalg.svd(weights.toarray().astype(np.float64))
    assert s == pytest.approx(exact_s[:8], rel=0.02)
    assert np.allclose(u.T @ u, np.eye(8), atol=1e-4)
    # The cosines of the principal angles between the two subspaces: all near 1 for the same subspace.
    cosines = np.linalg.svd(exact_u[:, :8].T @ u.astype(np.float64), compute_uv=False)
    assert cosines.min() > 0.95
    assert np.allclose(vt @ vt.T, np.eye(8), atol=1e-4)


def test_distributed_svd_gives_near_identical_similarities(cluster, corpus_files):
    local = build(corpus_files, workers=1, **PARAMS)
    on_cluster = build_on_cluster(corpus_files, cluster.scheduler_address, distributed_svd=True, **PARAMS)
    words = ["king", "queen", "dog", "cat", "bread", "cheese", "castle", "forest"]
    local_scores = [local.similarity(a, b) for a in words for b in words if a < b]
    cluster_scores = [on_cluster.similarity(a, b) for a in words for b in words if a < b]
    assert np.corrcoef(local_scores, cluster_scores)[0, 1] > 0.9


def test_cli_build_on_cluster_equals_local_build(runner, cluster, corpus_files, tmp_path):
    options = ["--dim", "8", "--min-count", "2", "--window", "4", "-q"]
    result = runner.invoke(main, ["build", *map(str, corpus_files), "-o", str(tmp_path / "dask"), "--dask",
                                  cluster.scheduler_address, *options])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["build", *map(str, corpus_files), "-o", str(tmp_path / "local"), *options])
    assert result.exit_code == 0, result.output
    on_cluster, local = load_model(tmp_path / "dask"), load_model(tmp_path / "local")
    assert on_cluster.words == local.words
    assert np.array_equal(on_cluster.vectors, local.vectors)


def test_subprocess_build_with_a_local_cluster(corpus_files, tmp_path):
    output = tmp_path / "model"
    completed = subprocess.run(
        [sys.executable, "-m", "wordvec.cli", "build", str(corpus_files[0]), "-o", str(output), "--dask", "local:2",
         "--dim", "8", "--min-count", "2", "--window", "4"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "built" in completed.stdout
    assert load_model(output).words == build([corpus_files[0]], workers=1, dim=8, min_count=2, window=4).words


def test_dask_options_without_a_cluster_are_refused(runner, corpus_files, tmp_path):
    result = runner.invoke(main, ["build", str(corpus_files[0]), "-o", str(tmp_path / "m"), "--dask-svd"])
    assert result.exit_code == 2
    assert "--dask-svd needs --dask" in result.output
    result = runner.invoke(main, ["build", str(corpus_files[0]), "-o", str(tmp_path / "m"), "--dask", "local:2", "--keep-corpus"])
    assert result.exit_code == 2
    assert "--keep-corpus works without --dask only" in result.output
    result = runner.invoke(main, ["build", str(corpus_files[0]), "-o", str(tmp_path / "m"), "--dask", "local:0"])
    assert result.exit_code == 1
    assert "needs N >= 1 workers" in result.output
    result = runner.invoke(main, ["build", str(corpus_files[0]), "-o", str(tmp_path / "m"), "--dask", "local:2", "--phrases", "auto"])
    assert result.exit_code == 1
    assert result.stderr == "Error: phrases are joined on this machine only: build without --dask to use --phrases\n"
    assert not (tmp_path / "m").exists()


def test_a_workers_corpus_error_is_raised_as_its_line(cluster, tmp_path):
    binary = tmp_path / "data.bin"
    binary.write_bytes(b"\x00\x01\x02 not text" * 100)
    with pytest.raises(WordvecError, match="not text; pass plain-text files") as caught:
        build_on_cluster([binary], cluster.scheduler_address, **PARAMS)
    assert caught.value.__cause__ is None


def test_stdin_is_refused_on_a_cluster(client):
    with pytest.raises(CorpusError, match="reads corpus files on the workers"):
        DaskPasses(Corpus("-"), client)


def test_stdin_is_refused_before_a_cluster_is_reached():
    with pytest.raises(CorpusError, match="reads corpus files on the workers"):
        build_on_cluster("-", "tcp://127.0.0.1:1", **PARAMS)  # no scheduler there: the corpus is checked first


def test_local_zero_workers_is_a_parameter_error(corpus_files):
    with pytest.raises(ParameterError, match="local:N needs N >= 1"):
        build_on_cluster(corpus_files, "local:0", **PARAMS)


def test_importing_wordvec_does_not_import_dask():
    code = "import sys, wordvec, wordvec.cli, wordvec.distributed, wordvec.incremental; print('dask' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"
