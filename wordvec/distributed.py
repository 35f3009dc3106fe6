"""Count a corpus on a Dask cluster: shards counted by the workers, summed exactly in a tree.

Co-occurrence counts are integers that add up exactly, so shards counted anywhere and summed
give the matrix of one pass. The shards are those of :func:`wordvec.parallel.plan_shards`
(files and line-aligned byte ranges), read by the workers: corpus paths must be readable there
under the same names (a shared filesystem), or be URLs that the workers reach through fsspec.
Dask and distributed (the ``[dask]`` extra) are imported only inside the functions that use them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .errors import CorpusError, ParameterError, WordvecError

if TYPE_CHECKING:
    from .cooccur import CooccurrenceCounter, ForwardCounts
    from .corpus import Corpus, CorpusFile, CorpusSource, CorpusStats
    from .parallel import Shard
    from .progress import ProgressCallback
    from .vectors import WordVectors
    from .vocab import ScanResult

#: Bytes of one dense row block of the PPMI matrix in the distributed SVD.
SVD_CHUNK_BYTES = 64 << 20

_LOCAL = re.compile(r"^local(?::(\d+))?$")


def _dask_modules() -> tuple[Any, Any]:
    try:
        import dask
        import distributed
    except ImportError:
        raise WordvecError("--dask needs Dask: pip install 'wordvec[dask]'") from None
    return dask, distributed


@contextmanager
def cluster_client(address: str) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``address``, or of a new local cluster.

    Parameters
    ----------
    address : str
        ``tcp://host:port`` (or any address Dask accepts) of a running scheduler, or
        ``local[:N]`` to start a ``distributed.LocalCluster`` of N single-threaded worker
        processes on this machine (N defaults to the available cores), stopped on exit.

    Raises
    ------
    ParameterError
        ``local:0``.
    WordvecError
        Dask is not installed, or the scheduler cannot be reached.
    """
    _, distributed = _dask_modules()
    from ._cores import available_cores

    local = _LOCAL.match(address)
    if local is not None:
        workers = int(local.group(1) or available_cores())
        if workers < 1:
            raise ParameterError(f"--dask local:N needs N >= 1 workers; got {address!r}")
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
        )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(address, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise WordvecError(f"cannot reach the Dask scheduler at {address!r} ({error}); is `dask scheduler` running there?") from None
    with client:
        yield client


def tree_sum(client: Any, futures: list[Any], add: Callable[[Any, Any], Any]) -> Any:
    """Reduce ``futures`` with ``add`` pairwise on the cluster, in rounds (a tree of depth log2 n); the result's future."""
    if not futures:
        raise ValueError("nothing to sum")
    while len(futures) > 1:
        pairs = [client.submit(add, first, second, pure=False) for first, second in zip(futures[::2], futures[1::2])]
        futures = pairs + futures[len(pairs) * 2 :]
    return futures[0]


class DaskPasses:
    """The counting passes of :func:`wordvec.pipeline.count_passes` on a Dask cluster.

    Pass 1: each worker tokenizes a shard and returns its word counts, summed in a tree on
    the cluster. Pass 2: each worker tokenizes its shard again (a worker may be on another
    machine than the one that scanned it, so nothing is kept between the passes), maps it to
    vocabulary ids, counts it at the shard's offset in the whole id stream (so subsampling
    draws as in one pass) and returns its integer forward counts; these are summed in a
    tree and only the sum comes back.
    """

    #: The counters run on the cluster's workers, which may not have numba: numpy code there.
    compiled_counting = False

    def __init__(self, source: Corpus, client: Any) -> None:
        from .parallel import Shard, plan_shards
        from .corpus import FilePart

        paths = corpus_files(source)
        workers = max(1, len(client.scheduler_info()["workers"]))
        self.shards: list[Shard] = plan_shards(paths, workers) or [Shard(tuple(FilePart(path) for path in paths), 0)]
        self.source = source
        self.client = client
        self._offsets: list[int] = []  # each shard's position in the whole id stream
        self._length = 0  # of the whole id stream (tokens and line ends)
        self._words: list[str] = []
        self._tokenizer = ""

    def scan(self, tokenizer: str, progress: ProgressCallback) -> ScanResult:
        """Scan the shards on the workers; every word's count (summed in a tree) and the totals."""
        from .vocab import ScanResult

        stats = self.source.stats
        progress("read", 0, stats.total_bytes)
        scans = self.client.map(_scan_shard, self.shards, tokenizer=tokenizer, pure=False)
        summaries = self.client.map(_summary, scans, pure=False)
        total = tree_sum(self.client, self.client.map(_word_counts, scans, pure=False), _add_word_counts)
        shard_of = {future.key: number for number, future in enumerate(summaries)}
        results: list[tuple] = [()] * len(self.shards)
        for future, result in self._as_completed(summaries):
            results[shard_of[future.key]] = result
            stats.bytes_read += result[2].bytes_read
            progress("read", stats.bytes_read, stats.total_bytes)
        tokens = lines = 0
        for tokens_of, lines_of, shard_stats in results:
            stats.files += shard_stats.files
            stats.replaced_bytes += shard_stats.replaced_bytes
            self._offsets.append(tokens + lines)
            tokens, lines = tokens + tokens_of, lines + lines_of
        self._length = tokens + lines
        word_counts = self._gathered([total])[0]
        del scans
        self._words, self._tokenizer = list(word_counts), tokenizer
        counts = np.fromiter(word_counts.values(), dtype=np.int64, count=len(self._words))
        return ScanResult(self._words, counts, tokens, lines, None)

    def count_windows(
        self, counter: CooccurrenceCounter, new_id_of: np.ndarray, progress: ProgressCallback
    ) -> list[ForwardCounts]:
        """Count the shards on the workers with copies of ``counter``; the tree sum of their forward counts."""
        from .cooccur import ForwardCounts

        words = self._words
        kept = np.flatnonzero(new_id_of[:-1] >= 0)
        vocabulary_ids = {words[i]: int(new_id_of[i]) for i in kept.tolist()}
        shared = self.client.scatter([counter, vocabulary_ids], broadcast=True)
        progress("count", 0, self._length)
        parts = [
            self.client.submit(_count_shard, shard, offset, *shared, tokenizer=self._tokenizer, pure=False)
            for shard, offset in zip(self.shards, self._offsets)
        ]
        total = tree_sum(self.client, parts, _add_matrices)
        length_of = {future.key: end - start for future, start, end in zip(parts, self._offsets, [*self._offsets[1:], self._length])}
        done = 0
        for future in self._as_completed(parts, with_results=False):
            done += length_of[future.key]
            progress("count", done, self._length)
        del parts
        return [ForwardCounts(self._gathered([total])[0])]

    def _as_completed(self, futures: list[Any], *, with_results: bool = True) -> Iterator[Any]:
        """``futures`` as they finish (with their results, or alone); a worker's user error raised as its one line."""
        from distributed import as_completed

        try:
            yield from as_completed(futures, with_results=with_results)
        except WordvecError as error:
            raise WordvecError(str(error)) from None

    def _gathered(self, futures: list[Any]) -> list[Any]:
        """The results of ``futures``, in order; a worker's user error raised as its one line."""
        try:
            return self.client.gather(futures)
        except WordvecError as error:
            raise WordvecError(str(error)) from None


def corpus_files(source: Corpus) -> list[CorpusFile]:
    """The corpus files as the workers read them: URLs as given, paths made absolute (the workers' directory is not ours).

    Raises
    ------
    CorpusError
        The corpus is standard input, a stream or Python lines, which only this process can read.
    """
    from .corpus import CorpusURL, file_size

    paths = source.paths
    if paths is None or any(file_size(path) is None for path in paths):
        raise CorpusError("--dask reads corpus files on the workers: pass files, folders or URLs, not standard input or a stream")
    return [path if isinstance(path, CorpusURL) else path.absolute() for path in paths]


def _scan_shard(shard: Shard, *, tokenizer: str) -> tuple[dict[str, int], int, int, CorpusStats]:
    """In a worker: every word of ``shard`` with its count, the shard's tokens and lines, and its read statistics."""
    from .corpus import CorpusStats, iter_parts_text
    from .tokenize import get_tokenizer
    from .vocab import scan_corpus

    stats = CorpusStats()
    scan = scan_corpus(iter_parts_text(shard.parts, stats), get_tokenizer(tokenizer))
    scan.spool.close()
    return dict(zip(scan.words, scan.counts.tolist())), scan.tokens, scan.lines, stats


def _summary(scan: tuple) -> tuple:
    return scan[1:]


def _word_counts(scan: tuple) -> dict[str, int]:
    return scan[0]


def _add_word_counts(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    total = dict(first)
    for word, number in second.items():
        total[word] = total.get(word, 0) + number
    return total


def _add_matrices(first: sp.csr_matrix, second: sp.csr_matrix) -> sp.csr_matrix:
    return (first + second).tocsr()


def _count_shard(
    shard: Shard, offset: int, counter: CooccurrenceCounter, vocabulary_ids: dict[str, int], *, tokenizer: str
) -> sp.csr_matrix:
    """In a worker: the integer forward counts of ``shard``, whose ids start at ``offset`` in the whole stream."""
    import copy

    from .corpus import CorpusStats, iter_parts_text
    from .tokenize import get_tokenizer
    from .vocab import OOV_ID, id_map_keeping_line_ends, scan_corpus

    scan = scan_corpus(iter_parts_text(shard.parts, CorpusStats()), get_tokenizer(tokenizer))
    id_map = id_map_keeping_line_ends(
        np.fromiter((vocabulary_ids.get(word, OOV_ID) for word in scan.words), dtype=np.int32, count=len(scan.words))
    )
    counter = copy.deepcopy(counter)  # a worker keeps the scattered counter for the other shards
    try:
        for block_offset, block in scan.spool.iter_blocks():
            counter.add(id_map[block], offset + block_offset)
    finally:
        scan.spool.close()
    return counter.take_forward_counts()


def dask_svd(client: Any) -> Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A replacement of :func:`wordvec.svd.randomized_svd` that runs on the cluster of ``client``.

    The sparse matrix is cut into row blocks, scattered to the workers, and seen by Dask as
    a chunked dense array (each block made dense only when used, and again at each pass),
    factorised by ``dask.array.linalg.svd_compressed``: the randomized SVD of Halko et al.
    with the same oversampling and one power iteration more, since it projects on the last
    iteration's directions alone where the local SVD projects on the last two's together
    (which scores as one plain iteration more). Its random draws are Dask's, so the vectors
    differ from the local SVD's by rounding, not in quality.
    """

    def svd(matrix: sp.spmatrix, dim: int, *, oversamples: int, power_iterations: int, seed: int) -> tuple:
        import dask
        import dask.array as da
        from dask.array.linalg import svd_compressed

        rows, cols = matrix.shape
        if dim >= min(rows, cols):
            raise ParameterError(f"dim must be smaller than the vocabulary size; got dim={dim} >= {min(rows, cols)}")
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        step = max(1, SVD_CHUNK_BYTES // (cols * 4))
        starts = list(range(0, rows, step))
        blocks = client.scatter([matrix[start : start + step] for start in starts])
        dense = da.concatenate(
            [
                da.from_delayed(dask.delayed(_dense)(block), shape=(min(step, rows - start), cols), dtype=np.float32)
                for start, block in zip(starts, blocks)
            ]
        ).rechunk({1: cols})
        u, s, vt = svd_compressed(
            dense, dim, n_power_iter=power_iterations + 1, n_oversamples=oversamples, seed=seed, compute=True
        )
        u, s, vt = dask.compute(u, s, vt)
        return u.astype(np.float32), s.astype(np.float32), vt.astype(np.float32)

    return svd


def _dense(block: sp.csr_matrix) -> np.ndarray:
    return block.toarray()


def build_on_cluster(
    corpus: CorpusSource,
    address: str,
    *,
    distributed_svd: bool = False,
    progress: ProgressCallback | None = None,
    **params: Any,
) -> WordVectors:
    """Build word vectors with the counting, and optionally the SVD, on a Dask cluster.

    Parameters
    ----------
    corpus : str, path-like or iterable of path-like
        Corpus files or folders, readable by the workers under the same absolute names.
    address : str
        The cluster, see :func:`cluster_client`.
    distributed_svd : bool, default False
        Factorise on the cluster (:func:`dask_svd`), for a PPMI matrix too large for this
        machine; by default the SVD runs here, as in :func:`wordvec.build`.
    progress : callable, optional
        ``progress(stage, done, total)``, as for :func:`wordvec.build`.
    **params
        Hyperparameters, see :class:`wordvec.pipeline.BuildParams` (``workers`` is not used:
        the cluster's workers count).

    Returns
    -------
    WordVectors
        With the default SVD, exactly the vectors of :func:`wordvec.build` with the same parameters.

    Raises
    ------
    CorpusError
        The corpus is not files, or a worker cannot read it.
    WordvecError
        Dask is missing or the scheduler cannot be reached.
    """
    from .corpus import Corpus
    from .pipeline import PHRASES_ON_A_CLUSTER, count_passes, factorize, to_build_params
    from .progress import no_progress

    settings = to_build_params(params)
    if settings.phrases is not None:  # joining needs the corpus's ids, which the workers do not keep between passes
        raise ParameterError(PHRASES_ON_A_CLUSTER)
    notify = progress or no_progress
    source = Corpus(corpus)
    corpus_files(source)  # before starting a cluster for nothing
    with cluster_client(address) as client:
        counted = count_passes(DaskPasses(source, client), source.stats, settings, notify)
        return factorize(counted, progress=notify, svd=dask_svd(client) if distributed_svd else None, **params)
